// chan_pingpong (Boost.Fiber): a value bounced between the main fiber and one
// other over two unbuffered_channels, N round trips. Reports ns per round
// trip. Usage: fiber N
#include "bench.hpp"
#include "fiber.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 500000);
  fb::run([&] {
    boost::fibers::unbuffered_channel<long> ping, pong;
    auto f = fb::fiber([&ping, &pong, n] {
      for (long i = 0; i < n; i++) pong.push(ping.value_pop() + 1);
    });
    auto t0 = bench::now();
    long v = 0;
    for (long i = 0; i < n; i++) {
      ping.push(v);
      v = pong.value_pop();
    }
    double ns = bench::ns_since(t0);
    f.join();
    bench::check(v == n, "v == n");
    bench::result("ns_per_op", ns / double(n), n);
  });
}
