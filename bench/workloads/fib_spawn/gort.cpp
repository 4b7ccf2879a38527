// fib_spawn (gort): fib(N) where every call with n >= 2 starts both of its
// recursive calls as goroutines and waits for them with a wait group.
// Reports total ms. Usage: gort N
#include <gort/gort.hpp>

#include "bench.hpp"

static void fib(long n, long* out) {
  if (n < 2) {
    *out = n;
    return;
  }
  long a = 0, b = 0;
  gort::wait_group wg;
  wg.add(2);
  gort::go([&] {
    fib(n - 1, &a);
    wg.done();
  });
  gort::go([&] {
    fib(n - 2, &b);
    wg.done();
  });
  wg.wait();
  *out = a + b;
}

static long fib_plain(long n) { return n < 2 ? n : fib_plain(n - 1) + fib_plain(n - 2); }

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 27);
  long r = 0;
  auto t0 = bench::now();
  fib(n, &r);
  double ns = bench::ns_since(t0);
  bench::check(r == fib_plain(n), "fib");
  bench::result("ms", ns / 1e6, n);
}
