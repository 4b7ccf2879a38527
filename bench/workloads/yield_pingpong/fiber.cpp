// yield_pingpong (Boost.Fiber): the main fiber and one other each call
// this_fiber::yield N times, so the two alternate. Reports ns per switch (2N).
// Usage: fiber N
#include <atomic>

#include "bench.hpp"
#include "fiber.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 1000000);
  fb::run([&] {
    std::atomic<bool> done{false};
    auto t0 = bench::now();
    fb::go([&done, n] {
      for (long i = 0; i < n; i++) boost::this_fiber::yield();
      done.store(true);
    });
    for (long i = 0; i < n; i++) boost::this_fiber::yield();
    while (!done.load()) boost::this_fiber::yield();
    double ns = bench::ns_since(t0);
    bench::result("ns_per_op", ns / double(2 * n), n);
  });
}
