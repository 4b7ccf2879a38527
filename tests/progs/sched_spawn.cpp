// tests/progs/sched_spawn.cpp: a spawn tree of goroutines with a checked sum.
//   sched_spawn wg|atomic [N]
// Goroutine i adds i to the sum and spawns children 2i+1 and 2i+2 while they
// are below N (default 1,000,000), so the tree grows on every P at once and
// the Gs spread by stealing. main joins with a gort::wait_group (wg) or by
// polling an atomic counter with gort::gosched (atomic, which needs nothing
// from the sync package). Then every goroutine must be gone.
#include <gort/gort.hpp>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace {

struct tree {
  long n = 0;
  bool usewg = true;
  gort::wait_group wg;
  std::atomic<long> sum{0};
  std::atomic<long> count{0};
};

void node(tree* t, long i) {
  t->sum.fetch_add(i, std::memory_order_relaxed);
  for (long c = 2 * i + 1; c <= 2 * i + 2 && c < t->n; c++) {
    if (t->usewg) t->wg.add(1);
    gort::go(node, t, c);
  }
  t->count.fetch_add(1, std::memory_order_release);
  if (t->usewg) t->wg.done();
}

double now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (std::strcmp(argv[1], "wg") != 0 && std::strcmp(argv[1], "atomic") != 0)) {
    std::fprintf(stderr, "usage: sched_spawn wg|atomic [N]\n");
    return 2;
  }
  static tree t;
  t.usewg = std::strcmp(argv[1], "wg") == 0;
  t.n = argc > 2 ? std::atol(argv[2]) : 1000000;
  double t0 = now();
  if (t.usewg) t.wg.add(1);
  gort::go(node, &t, 0L);
  if (t.usewg) {
    t.wg.wait();
  } else {
    while (t.count.load(std::memory_order_acquire) < t.n) gort::gosched();
  }
  double t1 = now();
  long want = t.n * (t.n - 1) / 2;
  long count = t.count.load(), sum = t.sum.load();
  std::printf("spawn tree: n=%ld count=%ld sum=%ld want=%ld %s\n", t.n, count, sum, want,
              count == t.n && sum == want ? "ok" : "WRONG");
  // Every goroutine has finished its work; each must also exit, soon.
  int ng = gort::num_goroutine();
  for (double d = now() + 5; ng != 1 && now() < d; ng = gort::num_goroutine()) gort::gosched();
  std::printf("num_goroutine after join: %d\n", ng);
  std::fprintf(stderr, "gomaxprocs=%d %.0f ns per goroutine\n", gort::gomaxprocs(0), (t1 - t0) * 1e9 / double(t.n));
  return count == t.n && sum == want && ng == 1 ? 0 : 1;
}
