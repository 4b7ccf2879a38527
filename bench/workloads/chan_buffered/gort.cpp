// chan_buffered (gort): one producer goroutine sends N items into a channel
// of capacity 128; main receives them. Reports ns per item. Usage: gort N
#include <gort/gort.hpp>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 10000000);
  gort::chan<long> c(128);
  auto t0 = bench::now();
  gort::go([&c, n] {
    for (long i = 0; i < n; i++) c.send(i);
  });
  long sum = 0;
  for (long i = 0; i < n; i++) sum += c.recv();
  double ns = bench::ns_since(t0);
  bench::check(sum == n * (n - 1) / 2, "sum == n(n-1)/2");
  bench::result("ns_per_op", ns / double(n), n);
}
