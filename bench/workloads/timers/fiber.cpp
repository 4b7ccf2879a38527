// timers (Boost.Fiber): G fibers each call this_fiber::sleep_for(1 ms) R
// times in a row. Reports the total wall time in ms and the CPU time of the
// process in seconds (getrusage). Usage: fiber G [R]
#include <chrono>
#include <cstdio>

#include "bench.hpp"
#include "fiber.hpp"

int main(int argc, char** argv) {
  const long g = bench::arg(argc, argv, 1, 10000);
  const long rounds = bench::arg(argc, argv, 2, 10);
  fb::run([&] {
    fb::wait_group wg;
    double cpu0 = bench::cpu_seconds();
    auto t0 = bench::now();
    for (long i = 0; i < g; i++) {
      wg.add(1);
      fb::go([&wg, rounds] {
        for (long r = 0; r < rounds; r++) boost::this_fiber::sleep_for(std::chrono::milliseconds(1));
        wg.done();
      });
    }
    wg.wait();
    double ns = bench::ns_since(t0);
    double cpu = bench::cpu_seconds() - cpu0;
    std::printf("result ms=%.6g cpu_s=%.6g n=%ld\n", ns / 1e6, cpu, g);
  });
}
