// skynet (Boost.Fiber): the classic spawn tree with detached fibers and
// unbuffered channels. Reports ns per fiber. Usage: fiber N
#include "bench.hpp"
#include "fiber.hpp"

using chan = boost::fibers::unbuffered_channel<long>;

static void skynet(chan* c, long num, long size, long div) {
  if (size == 1) {
    c->push(num);
    return;
  }
  chan rc;
  for (long i = 0; i < div; i++) {
    long sub = num + i * (size / div);
    fb::go([&rc, sub, size, div] { skynet(&rc, sub, size / div, div); });
  }
  long sum = 0;
  for (long i = 0; i < div; i++) sum += rc.value_pop();
  c->push(sum);
}

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 1000000);
  long fibers = 0;
  for (long s = n; s >= 1; s /= 10) fibers += n / s;
  fb::run([&] {
    chan c;
    auto t0 = bench::now();
    fb::go([&c, n] { skynet(&c, 0, n, 10); });
    long sum = c.value_pop();
    double ns = bench::ns_since(t0);
    bench::check(sum == n * (n - 1) / 2, "sum == n(n-1)/2");
    bench::result("ns_per_op", ns / double(fibers), n);
  });
}
