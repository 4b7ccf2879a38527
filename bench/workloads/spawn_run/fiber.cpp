// spawn_run (Boost.Fiber): main starts N detached fibers that each increment a
// counter and exit, calling this_fiber::yield every 1000 starts; then it
// yields until all have run. Reports ns per fiber. Usage: fiber N
#include <atomic>

#include "bench.hpp"
#include "fiber.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 1000000);
  std::atomic<long> counter{0};
  fb::run([&] {
    auto t0 = bench::now();
    for (long i = 0; i < n; i++) {
      fb::go([&counter] { counter.fetch_add(1, std::memory_order_relaxed); });
      if (i % 1000 == 999) boost::this_fiber::yield();
    }
    while (counter.load(std::memory_order_relaxed) < n) boost::this_fiber::yield();
    double ns = bench::ns_since(t0);
    bench::result("ns_per_op", ns / double(n), n);
  });
}
