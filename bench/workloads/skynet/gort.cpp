// skynet (gort): the classic spawn tree. Each goroutine starts 10 children and
// sums what they send back over a channel; the N leaves (N a power of 10) send
// their number. Reports ns per goroutine (N + N/10 + ... + 1 of them).
// Usage: gort N
#include <gort/gort.hpp>

#include "bench.hpp"

static void skynet(gort::chan<long>* c, long num, long size, long div) {
  if (size == 1) {
    c->send(num);
    return;
  }
  gort::chan<long> rc(0);
  for (long i = 0; i < div; i++) gort::go(skynet, &rc, num + i * (size / div), size / div, div);
  long sum = 0;
  for (long i = 0; i < div; i++) sum += rc.recv();
  c->send(sum);
}

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 1000000);
  long goroutines = 0;
  for (long s = n; s >= 1; s /= 10) goroutines += n / s;
  gort::chan<long> c(0);
  auto t0 = bench::now();
  gort::go(skynet, &c, 0L, n, 10L);
  long sum = c.recv();
  double ns = bench::ns_since(t0);
  bench::check(sum == n * (n - 1) / 2, "sum == n(n-1)/2");
  bench::result("ns_per_op", ns / double(goroutines), n);
}
