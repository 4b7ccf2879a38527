// yield_pingpong (gort): main and one goroutine each call gosched N times, so
// the two alternate. Reports ns per switch (2N switches). Usage: gort N
#include <gort/gort.hpp>

#include <atomic>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 1000000);
  std::atomic<bool> done{false};
  auto t0 = bench::now();
  gort::go([&done, n] {
    for (long i = 0; i < n; i++) gort::gosched();
    done.store(true);
  });
  for (long i = 0; i < n; i++) gort::gosched();
  while (!done.load()) gort::gosched();
  double ns = bench::ns_since(t0);
  bench::result("ns_per_op", ns / double(2 * n), n);
}
