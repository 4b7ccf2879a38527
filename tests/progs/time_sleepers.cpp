// tests/progs/time_sleepers.cpp: 10,000 goroutines sleep, each k*d for its
// own k, and record when and in which order they wake.
//   early   no goroutine wakes before its deadline (start + k*d)
//   order   wake order follows the deadlines. The resolution: goroutines
//           made ready in one scheduling pass run in run-queue order, not
//           deadline order (the last one readied runs first, from runnext;
//           a long batch overflows to the global queue), and a pass over
//           thousands of timers takes a few ms. So an inversion (j wakes
//           before i although i's deadline is earlier) must have j wake at
//           most kSlack before i: a timer left behind in the heap would
//           wake hundreds of ms late, after whole later groups.
//   all     every goroutine woke, and the program is back to one goroutine
// Usage: time_sleepers [n]; prints "gomaxprocs=N" and one line per scenario.
#include <gort/gort.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "tests/progs/check.hpp"

using namespace std::chrono_literals;
using progs::now_ns;
using progs::report;

namespace {

constexpr int kGroups = 40;                 // k = 1 .. kGroups
constexpr std::int64_t kD = 25'000'000;     // d = 25 ms: deadlines up to 1 s
constexpr std::int64_t kSlack = 200'000'000;  // see "order" above

struct sleeper {
  std::int64_t deadline = 0;
  std::int64_t woke = 0;
  long order = -1;
};

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 10000;
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  std::vector<sleeper> s(n);
  std::atomic<long> next{0};
  gort::wait_group wg;
  for (int i = 0; i < n; i++) {
    wg.add(1);
    gort::go([&, i] {
      std::int64_t k = i % kGroups + 1;
      std::int64_t start = now_ns();
      s[i].deadline = start + k * kD;
      gort::sleep(std::chrono::nanoseconds(k * kD));
      s[i].woke = now_ns();
      s[i].order = next.fetch_add(1);
      wg.done();
    });
  }
  wg.wait();

  int early = 0;
  long worst_early = 0;
  for (const sleeper& x : s) {
    if (x.woke < x.deadline) {
      early++;
      worst_early = std::max(worst_early, long(x.deadline - x.woke));
    }
  }
  char buf[200];
  std::snprintf(buf, sizeof buf, "%d of %d woke early (worst by %ld ns)", early, n, worst_early);
  report("early", early == 0, buf);

  // Inversions: by order of waking, each goroutine against the latest
  // deadline of those that woke before it.
  std::vector<const sleeper*> byorder(n);
  bool ordersok = true;
  for (const sleeper& x : s) {
    if (x.order < 0 || x.order >= n || byorder[x.order] != nullptr) ordersok = false;
    else byorder[x.order] = &x;
  }
  long inversions = 0, bad = 0;
  std::int64_t worst = 0;
  if (ordersok) {
    // pm[o]: the latest deadline among the first o+1 to wake. For each
    // goroutine x, the first to wake with a deadline later than x's is at
    // the first o with pm[o] > x's deadline (pm only grows): if that one
    // woke before x, x was overtaken, and the gap between the two wake-ups
    // is what the resolution bounds.
    std::vector<std::int64_t> pm(n);
    for (int o = 0; o < n; o++) pm[o] = std::max(o > 0 ? pm[o - 1] : 0, byorder[o]->deadline);
    for (int o = 0; o < n; o++) {
      const sleeper* x = byorder[o];
      int first = int(std::upper_bound(pm.begin(), pm.end(), x->deadline) - pm.begin());
      if (first >= o) continue;
      inversions++;
      std::int64_t lag = x->woke - byorder[first]->woke;
      if (lag > kSlack) bad++;
      worst = std::max(worst, lag);
    }
  }
  std::snprintf(buf, sizeof buf, "orders %s, %ld overtaken, %ld by more than %ld ms (largest gap %.1f ms)",
                ordersok ? "distinct" : "BROKEN", inversions, bad, long(kSlack / 1000000), double(worst) / 1e6);
  report("order", ordersok && bad == 0, buf);

  int ng = gort::num_goroutine();
  for (int i = 0; i < 200 && ng != 1; i++) {
    gort::sleep(1ms);
    ng = gort::num_goroutine();
  }
  std::snprintf(buf, sizeof buf, "woke %ld of %d, goroutines left %d", next.load(), n, ng);
  report("all", next.load() == n && ng == 1, buf);
  return progs::fails;
}
