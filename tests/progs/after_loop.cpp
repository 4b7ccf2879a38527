// tests/progs/after_loop.cpp: a gort::after timer that nothing can receive
// from any more is freed at once (issue 19, the soak's RSS growth).
// argv[1] names the scenario:
//   select N: N rounds of a select between a ready channel and after(1h),
//     the classic Go loop (`case <-time.After(time.Hour)`). Each round's
//     timer is unreachable once the select returns. Prints the growth of
//     malloc's bytes in use over the N rounds, after a warm-up:
//     "heap growth K KiB". Before the fix every timer and its channel
//     stayed allocated until it fired, an hour later (~300 bytes a round).
//   detach N: N timers made and detached, with the handles of their
//     channels dropped at once or after a copy's; prints the growth too.
//   kept: after's channel still delivers while any copy of its handle
//     lives (in another goroutine after the caller's went): "kept: ok".
//   foreign: the last handle of after's channel dropped by a std::thread
//     (no M there: the timer is left to fire, and freed then): "foreign: ok".
// hosted only: mallinfo2 (glibc's malloc) and a std::thread
#include <gort/gort.hpp>
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

using namespace std::chrono_literals;

static long heap_kb() { return long(mallinfo2().uordblks / 1024); }

static void select_rounds(int n) {
  gort::chan<int> ready(1);
  long got = 0;
  for (int i = 0; i < n; i++) {
    ready.send(i);
    gort::select(gort::case_recv(ready, [&](int v) { got += v; }),
                 gort::case_recv(gort::after(1h), [](gort::time_point) { std::printf("FAIL: after(1h) fired\n"); }));
  }
  if (got != long(n) * (n - 1) / 2) std::printf("FAIL: select lost values\n");
}

static void detach_rounds(int n) {
  for (int i = 0; i < n; i++) {
    gort::timer t(1h);
    if (i % 2 == 0) {
      t.detach();  // t.C goes with t
    } else {
      auto c = t.C;
      t.detach();
      gort::chan<gort::time_point> d = std::move(c);  // and d goes last
    }
  }
}

int main(int argc, char** argv) {
  std::string s = argc > 1 ? argv[1] : "";
  int n = argc > 2 ? std::atoi(argv[2]) : 0;
  if ((s == "select" || s == "detach") && n > 0) {
    auto rounds = s == "select" ? select_rounds : detach_rounds;
    rounds(1000);  // warm-up: the timer heaps' and malloc's own caches
    long before = heap_kb();
    rounds(n);
    std::printf("heap growth %ld KiB\n", heap_kb() - before);
    return 0;
  }
  if (s == "kept") {
    auto c = gort::after(10ms);
    gort::chan<bool> done(0);
    gort::go([c, done]() mutable {
      auto [v, ok] = c.recv_ok();
      done.send(ok && v.time_since_epoch().count() > 0);
    });
    c = gort::chan<gort::time_point>();  // drop ours: the goroutine's copy keeps the timer
    std::printf("kept: %s\n", done.recv() ? "ok" : "FAIL");
    return 0;
  }
  if (s == "foreign") {
    auto c = gort::after(5ms);
    std::thread([c = std::move(c)] {}).join();  // the last handle goes on a foreign thread
    gort::sleep(50ms);                            // the timer fires into nothing, and is freed
    std::printf("foreign: ok\n");
    return 0;
  }
  std::fprintf(stderr, "usage: after_loop select|detach N | kept | foreign\n");
  return 2;
}
