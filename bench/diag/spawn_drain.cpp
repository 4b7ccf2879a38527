// spawn_drain: the cost of running goroutines that sit cold in the global run
// queue. main creates N goroutines without yielding (at GOMAXPROCS=1 all but
// 256 of them spill to the global queue, long since out of every cache), then
// waits; the time of the wait, per goroutine, is what one P pays to take them
// off the global queue (globrunqget), run them and free them.
// Usage: spawn_drain [N]. Run with GOMAXPROCS=1.
#include <gort/gort.hpp>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 300000);
  gort::wait_group wg;
  for (long i = 0; i < n; i++) {
    wg.add(1);
    gort::go([&wg] { wg.done(); });
  }
  auto t0 = bench::now();
  wg.wait();
  bench::result("ns_per_op", bench::ns_since(t0) / double(n), n);
}
