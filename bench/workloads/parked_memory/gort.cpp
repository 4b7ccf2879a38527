// parked_memory (gort): RSS added per goroutine blocked on a channel. Reads
// VmRSS, starts N goroutines that each block receiving from one unbuffered
// channel, reads VmRSS again once all have started, then releases them.
// Reports bytes per goroutine, and (for parked_1m, the same program with a
// million) the time from the first start until all are parked and the
// process's whole RSS then. Usage: gort N
#include <gort/gort.hpp>

#include <cstdio>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 100000);
  gort::chan<int> c(0);
  gort::wait_group started, finished;
  long before = bench::rss_kib();
  auto t0 = bench::now();
  for (long i = 0; i < n; i++) {
    started.add(1);
    finished.add(1);
    gort::go([&] {
      started.done();
      c.recv();
      finished.done();
    });
  }
  started.wait();
  for (int i = 0; i < 100; i++) gort::gosched();  // let the last ones reach recv
  double ms = bench::ns_since(t0) / 1e6;
  long after = bench::rss_kib();
  for (long i = 0; i < n; i++) c.send(0);
  finished.wait();
  std::printf("result bytes_per_g=%.6g ms=%.6g rss_mib=%.6g rss_before_kib=%ld n=%ld\n",
              double(after - before) * 1024.0 / double(n), ms, double(after) / 1024.0, before, n);
}
