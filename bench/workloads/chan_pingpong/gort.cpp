// chan_pingpong (gort): a value bounced between main and one goroutine over
// two unbuffered channels, N round trips. Reports ns per round trip (two
// channel hand-offs). Usage: gort N
#include <gort/gort.hpp>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 500000);
  gort::chan<long> ping(0), pong(0);  // make(chan long): a default-constructed chan is nil
  gort::go([&ping, &pong, n] {
    for (long i = 0; i < n; i++) pong.send(ping.recv() + 1);
  });
  auto t0 = bench::now();
  long v = 0;
  for (long i = 0; i < n; i++) {
    ping.send(v);
    v = pong.recv();
  }
  double ns = bench::ns_since(t0);
  bench::check(v == n, "v == n");
  bench::result("ns_per_op", ns / double(n), n);
}
