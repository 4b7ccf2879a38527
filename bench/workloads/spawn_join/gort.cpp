// spawn_join (gort): N goroutines that do nothing but wg.done(), joined with a
// wait group. Reports ns per goroutine. Usage: gort N
#include <gort/gort.hpp>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 1000000);
  gort::wait_group wg;
  auto t0 = bench::now();
  for (long i = 0; i < n; i++) {
    wg.add(1);
    gort::go([&wg] { wg.done(); });
  }
  wg.wait();
  double ns = bench::ns_since(t0);
  bench::result("ns_per_op", ns / double(n), n);
}
