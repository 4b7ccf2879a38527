// fib_spawn (Boost.Fiber): fib(N) where every call with n >= 2 starts both of
// its recursive calls as fibers and joins them. Reports total ms.
// Usage: fiber N
#include "bench.hpp"
#include "fiber.hpp"

static void fib(long n, long* out) {
  if (n < 2) {
    *out = n;
    return;
  }
  long a = 0, b = 0;
  auto fa = fb::fiber([n, &a] { fib(n - 1, &a); });
  auto fbb = fb::fiber([n, &b] { fib(n - 2, &b); });
  fa.join();
  fbb.join();
  *out = a + b;
}

static long fib_plain(long n) { return n < 2 ? n : fib_plain(n - 1) + fib_plain(n - 2); }

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 27);
  fb::run([&] {
    long r = 0;
    auto t0 = bench::now();
    fib(n, &r);
    double ns = bench::ns_since(t0);
    bench::check(r == fib_plain(n), "fib");
    bench::result("ms", ns / 1e6, n);
  });
}
