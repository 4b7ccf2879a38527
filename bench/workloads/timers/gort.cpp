// timers (gort): G goroutines each sleep 1 ms R times in a row. Reports the
// total wall time in ms and the CPU time of the process in seconds (user +
// system, every thread, from getrusage). Usage: gort G [R]
#include <gort/gort.hpp>

#include <chrono>
#include <cstdio>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long g = bench::arg(argc, argv, 1, 10000);
  const long rounds = bench::arg(argc, argv, 2, 10);
  gort::wait_group wg;
  double cpu0 = bench::cpu_seconds();
  auto t0 = bench::now();
  for (long i = 0; i < g; i++) {
    wg.add(1);
    gort::go([&wg, rounds] {
      for (long r = 0; r < rounds; r++) gort::sleep(std::chrono::milliseconds(1));
      wg.done();
    });
  }
  wg.wait();
  double ns = bench::ns_since(t0);
  double cpu = bench::cpu_seconds() - cpu0;
  std::printf("result ms=%.6g cpu_s=%.6g n=%ld\n", ns / 1e6, cpu, g);
}
