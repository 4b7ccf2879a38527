// tests/progs/sync_once_wg.cpp: gort::once and gort::wait_group. One line per
// scenario, "<name>: ok ..." or "<name>: FAIL ..."; exit status = number of
// failures.
//   once        50 goroutines race to call(f); f (which yields) runs once,
//               and every caller returns only after f has finished
//   once_throw  a throwing f counts as done (Go's rule); later calls do nothing
//   wg_many     1000 goroutines, add(1) each, one wait
//   wg_waiters  8 goroutines wait on one wait_group; all are released
//   wg_reuse    50 rounds of add(10) / 10 done / wait on one wait_group
#include <gort/gort.hpp>

#include <atomic>
#include <cstdio>
#include <stdexcept>

#include "tests/progs/check.hpp"

using progs::fails;
using progs::now_ns;
using progs::report;

static void once() {
  constexpr int G = 50;
  gort::once o;
  gort::wait_group wg;
  std::atomic<int> runs{0}, early{0};
  std::atomic<bool> finished{false};
  for (int g = 0; g < G; g++) {
    wg.add(1);
    gort::go([&] {
      o.call([&] {
        runs++;
        for (int i = 0; i < 20; i++) gort::gosched();  // let the others arrive meanwhile
        finished = true;
      });
      if (!finished) early++;
      wg.done();
    });
  }
  wg.wait();
  // With arguments, as std::call_once; and a once that is done stays done.
  int x = 0;
  o.call([](int* p, int v) { *p = v; }, &x, 7);
  gort::once o2;
  o2.call([](int* p, int v) { *p = v; }, &x, 9);
  char buf[64];
  std::snprintf(buf, sizeof buf, "runs=%d early returns=%d", runs.load(), early.load());
  report("once", runs == 1 && early == 0 && o.done() && x == 9, buf);
}

static void once_throw() {
  gort::once o;
  int runs = 0;
  bool caught = false;
  try {
    o.call([&] {
      runs++;
      throw std::runtime_error("init failed");
    });
  } catch (const std::runtime_error&) {
    caught = true;
  }
  o.call([&] { runs++; });
  report("once_throw", caught && runs == 1 && o.done());
}

static void wg_many() {
  constexpr int N = 1000;
  gort::wait_group wg;
  std::atomic<int> done{0};
  for (int i = 0; i < N; i++) {
    wg.add(1);
    gort::go([&] {
      if (done % 7 == 0) gort::gosched();
      done++;
      wg.done();
    });
  }
  wg.wait();
  int seen = done;
  char buf[64];
  std::snprintf(buf, sizeof buf, "done=%d", seen);
  report("wg_many", seen == N, buf);
}

static void wg_waiters() {
  constexpr int W = 8, N = 100;
  gort::wait_group work, waiters;
  std::atomic<int> done{0}, released{0}, saw_all{0};
  work.add(N);  // one add for all, with a larger delta
  for (int w = 0; w < W; w++) {
    waiters.add(1);
    gort::go([&] {
      work.wait();
      released++;
      if (done == N) saw_all++;
      waiters.done();
    });
  }
  for (int i = 0; i < 3; i++) gort::gosched();  // let the waiters park
  for (int i = 0; i < N; i++) {
    gort::go([&] {
      gort::gosched();
      done++;
      work.done();
    });
  }
  waiters.wait();
  char buf[64];
  std::snprintf(buf, sizeof buf, "released=%d saw_all=%d", released.load(), saw_all.load());
  report("wg_waiters", released == W && saw_all == W, buf);
}

static void wg_reuse() {
  constexpr int R = 50, N = 10;
  gort::wait_group wg;
  std::atomic<int> total{0};
  bool ok = true;
  for (int r = 0; r < R; r++) {
    wg.add(N);
    for (int i = 0; i < N; i++)
      gort::go([&] {
        total++;
        wg.done();
      });
    wg.wait();
    ok &= total == (r + 1) * N;
  }
  report("wg_reuse", ok);
}

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  once();
  once_throw();
  wg_many();
  wg_waiters();
  wg_reuse();
  return fails;
}
