// chan_buffered (Boost.Fiber): one producer fiber pushes N items into a
// buffered_channel of capacity 128 (Boost's holds at most 127: one slot stays
// empty); the main fiber pops them. Reports ns per item. Usage: fiber N
#include "bench.hpp"
#include "fiber.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 10000000);
  fb::run([&] {
    boost::fibers::buffered_channel<long> c(128);
    auto t0 = bench::now();
    auto f = fb::fiber([&c, n] {
      for (long i = 0; i < n; i++) c.push(i);
    });
    long sum = 0;
    for (long i = 0; i < n; i++) sum += c.value_pop();
    double ns = bench::ns_since(t0);
    f.join();
    bench::check(sum == n * (n - 1) / 2, "sum == n(n-1)/2");
    bench::result("ns_per_op", ns / double(n), n);
  });
}
