// spawn_backlog: spawn_join at GOMAXPROCS=2 started with a backlog. main first
// creates B goroutines on one P, then turns on the second P and creates N
// more, as spawn_join does, and waits for all. If the P that runs them is
// slower than the P creating them once the queued Gs are cold (the backlog
// outgrows the caches), the backlog never drains and the figure stays high;
// GODEBUG=schedtrace=20 shows the global queue (runqueue=) over time.
// Reports ns per goroutine of the second phase. Usage: spawn_backlog [B [N]].
#include <gort/gort.hpp>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long b = bench::arg(argc, argv, 1, 300000);
  const long n = bench::arg(argc, argv, 2, 1000000);
  gort::wait_group wg;
  auto spawn = [&wg](long k) {
    for (long i = 0; i < k; i++) {
      wg.add(1);
      gort::go([&wg] { wg.done(); });
    }
  };
  gort::gomaxprocs(1);
  spawn(b);
  gort::gomaxprocs(2);
  auto t0 = bench::now();
  spawn(n);
  wg.wait();
  bench::result("ns_per_op", bench::ns_since(t0) / double(n), n);
}
