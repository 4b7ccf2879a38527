// tests/progs/sched_gomaxprocs.cpp: gort::gomaxprocs(n) at run time (Go:
// runtime.GOMAXPROCS).
//   sched_gomaxprocs change: queries (n <= 0) return the current value;
//     setting returns the previous one. While workers compute, yield and
//     spawn, main changes it 4 -> 1 -> 3 -> 2, and in each phase samples how
//     many workers are inside a compute step: while main itself runs it holds
//     one of the n Ps, so at most n-1 can be (the world was stopped for the
//     change, so nobody is left over from the previous setting). At the end
//     every step was counted exactly once (a checked sum).
//   sched_gomaxprocs huge: gomaxprocs(5000) behaves as in Go 1.19, which has
//     no upper limit at run time: it returns the previous value, then 5000 is
//     the setting, goroutines still run to completion, and going back works.
#include <gort/gort.hpp>
#include <dirent.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "tests/progs/check.hpp"

using progs::fails;
using progs::now;

namespace {

std::atomic<int> running{0};  // workers inside a compute step
std::atomic<bool> stop{false};
std::atomic<long> sum{0};      // sum of step values
std::atomic<long> steps{0};    // worker steps
std::atomic<long> children{0}, children_done{0};
std::atomic<int> workers_done{0};

// step computes for a while and returns k the slow way.
long step(long k) {
  volatile long x = 0;
  for (int i = 0; i < 4000; i++) x = x + 1;
  return k + x - 4000;
}

void child(long k) {
  long v;
  {
    gort::no_preempt np;  // a preempted step would count as running
    running++;
    v = step(k);
    running--;
  }
  sum.fetch_add(v);
  children_done++;
}

void worker(long* mysteps) {
  long k = 0;
  while (!stop.load()) {
    long v;
    {
      gort::no_preempt np;  // a preempted step would count as running
      running++;
      v = step(k);
      running--;
    }
    sum.fetch_add(v);
    steps++;
    if (++k % 50 == 0) {
      children++;
      gort::go(child, 1000000L);
    }
    gort::gosched();
  }
  *mysteps = k;
  workers_done++;
}

int change() {
  const int initial = gort::gomaxprocs(0);
  CHECK(gort::gomaxprocs(-1) == initial, "gomaxprocs(-1) is not a query");
  CHECK(gort::gomaxprocs(0) == initial, "gomaxprocs(0) changed the setting");
  std::printf("initial gomaxprocs=%d\n", initial);

  const int nw = 16;
  long mysteps[nw] = {};
  for (int i = 0; i < nw; i++) gort::go(worker, &mysteps[i]);

  int last = initial;
  for (int n : {4, 1, 3, 2}) {
    int prev = gort::gomaxprocs(n);
    CHECK(prev == last, "gomaxprocs(%d) returned %d, want the previous setting %d", n, prev, last);
    CHECK(gort::gomaxprocs(0) == n, "after gomaxprocs(%d) the setting is %d", n, gort::gomaxprocs(0));
    last = n;
    int maxrun = 0;
    long s0 = steps.load();
    double end = now() + 0.08;
    while (now() < end || steps.load() < s0 + 100) {
      int r = running.load();
      if (r > maxrun) maxrun = r;
      gort::gosched();
    }
    std::printf("gomaxprocs=%d: workers running beside main at most %d (limit %d), progressed: %s\n", n, maxrun,
                n - 1, steps.load() > s0 ? "yes" : "no");
    CHECK(maxrun <= n - 1, "with gomaxprocs=%d, %d workers ran beside main", n, maxrun);
  }
  CHECK(workers_done.load() == 0, "workers ended early");
  stop = true;
  while (workers_done.load() < nw || children_done.load() < children.load()) gort::gosched();

  long want = 0, total = 0;
  for (long s : mysteps) want += s * (s - 1) / 2, total += s;
  want += children.load() * 1000000L;
  CHECK(total == steps.load(), "worker steps %ld, counted %ld", total, steps.load());
  CHECK(sum.load() == want, "sum %ld, want %ld", sum.load(), want);
  CHECK(gort::gomaxprocs(0) == 2, "final setting %d", gort::gomaxprocs(0));
  std::printf("steps=%ld children=%ld sum %s\n", total, children.load(), sum.load() == want ? "ok" : "WRONG");
  std::printf("gomaxprocs change: %s\n", fails == 0 ? "ok" : "FAILED");
  return fails == 0 ? 0 : 1;
}

int huge() {
  const int initial = gort::gomaxprocs(0);
  int prev = gort::gomaxprocs(5000);
  CHECK(prev == initial, "gomaxprocs(5000) returned %d, want %d", prev, initial);
  int now5000 = gort::gomaxprocs(0);
  CHECK(now5000 == 5000, "after gomaxprocs(5000) the setting is %d (Go 1.19 sets 5000)", now5000);
  std::atomic<long> s{0}, d{0};
  for (long i = 0; i < 200; i++)
    gort::go([&s, &d](long k) {
      s.fetch_add(step(k));
      gort::gosched();
      d++;
    }, i);
  double deadline = now() + 10;
  while (d.load() < 200 && now() < deadline) gort::gosched();
  CHECK(d.load() == 200 && s.load() == 199 * 200 / 2, "with 5000 Ps: %ld of 200 goroutines done, sum %ld",
        d.load(), s.load());
  int back = gort::gomaxprocs(initial);
  CHECK(back == now5000, "going back returned %d, want %d", back, now5000);
  CHECK(gort::gomaxprocs(0) == initial, "setting after going back: %d", gort::gomaxprocs(0));
  std::printf("gomaxprocs(5000): returned %d, then %d; %s\n", prev, now5000, fails == 0 ? "ok" : "FAILED");
  return fails == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "change") == 0) return change();
  if (argc > 1 && std::strcmp(argv[1], "huge") == 0) return huge();
  std::fprintf(stderr, "usage: sched_gomaxprocs change|huge\n");
  return 2;
}
