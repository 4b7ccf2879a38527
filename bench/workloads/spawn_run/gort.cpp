// spawn_run (gort): main starts N goroutines that each increment a counter and
// exit, yielding every 1000 starts so that the queued ones run and their
// goroutines are recycled; then it yields until all have run.
// Reports ns per goroutine (start + run + exit). Usage: gort N
#include <gort/gort.hpp>

#include <atomic>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 1000000);
  std::atomic<long> counter{0};
  auto t0 = bench::now();
  for (long i = 0; i < n; i++) {
    gort::go([&counter] { counter.fetch_add(1, std::memory_order_relaxed); });
    if (i % 1000 == 999) gort::gosched();
  }
  while (counter.load(std::memory_order_relaxed) < n) gort::gosched();
  double ns = bench::ns_since(t0);
  bench::check(counter.load() == n, "counter == n");
  bench::result("ns_per_op", ns / double(n), n);
}
