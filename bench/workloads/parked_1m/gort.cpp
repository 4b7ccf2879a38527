// parked_1m (gort): start N goroutines (1,000,000) that each park receiving
// from one unbuffered channel, and wait until all have parked. Reports the
// time from the first start to the last park, and the whole process's
// VmRSS at that moment. Then releases them and checks that every one ran.
// Usage: gort N
#include <gort/gort.hpp>

#include <atomic>
#include <cstdio>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 1000000);
  gort::chan<int> c(0);
  gort::wait_group started, finished;
  std::atomic<long> ran{0};
  auto t0 = bench::now();
  for (long i = 0; i < n; i++) {
    started.add(1);
    finished.add(1);
    gort::go([&] {
      started.done();
      c.recv();
      ran.fetch_add(1, std::memory_order_relaxed);
      finished.done();
    });
  }
  started.wait();
  for (int i = 0; i < 100; i++) gort::gosched();  // let the last ones reach recv
  double ms = bench::ns_since(t0) / 1e6;
  long rss = bench::rss_kib();
  c.close();
  finished.wait();
  bench::check(ran.load() == n, "every goroutine ran");
  std::printf("result ms=%.6g rss_mib=%.6g n=%ld\n", ms, double(rss) / 1024.0, n);
}
