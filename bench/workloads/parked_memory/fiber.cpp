// parked_memory (Boost.Fiber): RSS added per fiber blocked on an
// unbuffered_channel (16 KiB fixedsize_stack each, see fiber.hpp). Reads
// VmRSS, starts N fibers that each block in value_pop, reads VmRSS again once
// all have started, then releases them. Reports bytes per fiber, the time
// until all are parked and the process's RSS then (as gort.cpp).
// Usage: fiber N
#include <cstdio>

#include "bench.hpp"
#include "fiber.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 100000);
  fb::run([&] {
    boost::fibers::unbuffered_channel<int> c;
    fb::wait_group started, finished;
    long before = bench::rss_kib();
    auto t0 = bench::now();
    for (long i = 0; i < n; i++) {
      started.add(1);
      finished.add(1);
      fb::go([&] {
        started.done();
        c.value_pop();
        finished.done();
      });
    }
    started.wait();
    for (int i = 0; i < 100; i++) boost::this_fiber::yield();
    double ms = bench::ns_since(t0) / 1e6;
    long after = bench::rss_kib();
    for (long i = 0; i < n; i++) c.push(0);
    finished.wait();
    std::printf("result bytes_per_g=%.6g ms=%.6g rss_mib=%.6g rss_before_kib=%ld n=%ld\n",
                double(after - before) * 1024.0 / double(n), ms, double(after) / 1024.0, before, n);
  });
}
