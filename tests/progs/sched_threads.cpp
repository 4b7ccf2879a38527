// tests/progs/sched_threads.cpp: while goroutines only compute (and yield),
// the number of OS threads stays bounded by GOMAXPROCS plus a small constant
// (sysmon, an M between giving up its P and parking): Ms are made when there
// is work and an idle P, and parked Ms are reused, never one per goroutine or
// per wake-up. 20,000 goroutines, some spawning more, count the entries of
// /proc/self/task as they go; main prints the largest count seen.
#include <gort/gort.hpp>

#include <atomic>
#include <cstdio>

#include "check.hpp"

namespace {

std::atomic<int> maxthreads{0};
std::atomic<long> done{0}, sum{0};

void sample() {
  int n = progs::threads();  // raw system calls: no handoff of its own
  int m = maxthreads.load();
  while (n > m && !maxthreads.compare_exchange_weak(m, n)) {
  }
}

void work(long i, int depth) {
  volatile long x = 0;
  for (int k = 0; k < 3000; k++) x = x + k;
  if (i % 64 == 0) sample();
  gort::gosched();
  for (int k = 0; k < 3000; k++) x = x + k;
  if (depth > 0) {
    gort::go(work, i, depth - 1);
    return;  // the child finishes the count
  }
  sum.fetch_add(i);
  done.fetch_add(1);
}

}  // namespace

int main() {
  const int n = gort::gomaxprocs(0);
  const long total = 20000;
  sample();
  for (long i = 0; i < total; i++) gort::go(work, i, int(i % 3));
  while (done.load() < total) {
    gort::gosched();
  }
  sample();
  bool ok = sum.load() == total * (total - 1) / 2;
  std::printf("threads: gomaxprocs=%d max=%d sum %s\n", n, maxthreads.load(), ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
