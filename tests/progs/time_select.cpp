// tests/progs/time_select.cpp: timers as select cases.
//   timeout   select on a channel nobody sends to and after(30 ms): the
//             timeout case wins, not before 30 ms
//   ready     a ready channel against after(1 h): the channel wins at once
//   reuse     one gort::timer as the timeout of many selects (Go's idiom:
//             stop, drain if it fired, reset); values sent by a producer
//             that is sometimes slower than the timeout are all received,
//             and the timeouts counted match the slow sends
//   many      1,000 goroutines each wait in a select on its own timer and a
//             shared never-ready channel; all time out, none early
// Prints "gomaxprocs=N" and one line per scenario; exit status = failures.
#include <gort/gort.hpp>

#include <atomic>
#include <cstdio>

#include "tests/progs/check.hpp"

using namespace std::chrono_literals;
using progs::now_ns;
using progs::report;

namespace {

void timeout() {
  gort::chan<int> never(0);
  std::int64_t t0 = now_ns();
  int which = gort::select(gort::case_recv(never, [](int) {}), gort::case_recv(gort::after(30ms)));
  std::int64_t el = now_ns() - t0;
  char buf[100];
  std::snprintf(buf, sizeof buf, "case %d after %.2f ms", which, double(el) / 1e6);
  report("timeout", which == 1 && el >= 30'000'000, buf);
}

void ready() {
  gort::chan<int> c(1);
  c.send(7);
  int got = 0;
  std::int64_t t0 = now_ns();
  int which = gort::select(gort::case_recv(gort::after(1h)), gort::case_recv(c, [&](int v) { got = v; }));
  std::int64_t el = now_ns() - t0;
  report("ready", which == 1 && got == 7 && el < 1'000'000'000);
}

void reuse() {
  constexpr int N = 60;
  gort::chan<int> c(0);
  gort::go([c]() mutable {
    for (int i = 0; i < N; i++) {
      if (i % 3 == 0) gort::sleep(12ms);  // slower than the 4 ms timeout
      c.send(i);
    }
  });
  gort::timer t(4ms);
  int next = 0, timeouts = 0;
  bool inorder = true;
  while (next < N) {
    gort::select(gort::case_recv(c,
                                 [&](int v) {
                                   inorder &= v == next;
                                   next++;
                                 }),
                 gort::case_recv(t.C, [&](gort::time_point) { timeouts++; }));
    if (!t.stop()) t.C.try_recv();  // fired: drain (empty if the select took it)
    t.reset(4ms);
  }
  char buf[100];
  std::snprintf(buf, sizeof buf, "%d values in order: %d, %d timeouts", next, inorder, timeouts);
  // Each of the 20 slow sends outlasts the timeout at least once (12 ms vs
  // 4 ms; a loaded machine may add more).
  report("reuse", inorder && timeouts >= 20, buf);
}

void many() {
  constexpr int G = 1000;
  gort::chan<int> never(0);
  std::atomic<int> timedout{0}, early{0};
  gort::wait_group wg;
  for (int i = 0; i < G; i++) {
    wg.add(1);
    gort::go([&, i] {
      auto d = std::chrono::milliseconds(5 + i % 20);
      std::int64_t t0 = now_ns();
      gort::timer t(d);
      gort::select(gort::case_recv(never, [](int) {}), gort::case_recv(t.C, [&](gort::time_point v) {
                     timedout++;
                     if (std::chrono::duration_cast<std::chrono::nanoseconds>(v.time_since_epoch()).count() <
                         t0 + std::chrono::nanoseconds(d).count())
                       early++;
                   }));
      wg.done();
    });
  }
  wg.wait();
  char buf[100];
  std::snprintf(buf, sizeof buf, "%d of %d timed out, %d early", timedout.load(), G, early.load());
  report("many", timedout == G && early == 0, buf);
}

}  // namespace

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  timeout();
  ready();
  reuse();
  many();
  return progs::fails;
}
