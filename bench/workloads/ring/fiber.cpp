// ring (Boost.Fiber): M fibers in a ring of unbuffered_channels pass a token
// around for H hops (whole laps); the last hop goes to the main fiber.
// Reports ns per hop. Usage: fiber H [M]
#include <memory>

#include "bench.hpp"
#include "fiber.hpp"

using chan = boost::fibers::unbuffered_channel<long>;

int main(int argc, char** argv) {
  const long hops = bench::arg(argc, argv, 1, 1000000);
  const long m = bench::arg(argc, argv, 2, 1000);
  const long laps = hops / m > 0 ? hops / m : 1;
  fb::run([&] {
    std::unique_ptr<chan[]> c(new chan[m]);
    chan done;
    fb::wait_group wg;
    for (long i = 0; i < m; i++) {
      wg.add(1);
      fb::go([&c, &done, &wg, i, m, laps] {
        chan& in = c[i];
        chan& out = c[(i + 1) % m];
        for (long lap = 0; lap < laps; lap++) {
          long t = in.value_pop();
          if (i == m - 1 && lap == laps - 1)
            done.push(t + 1);
          else
            out.push(t + 1);
        }
        wg.done();
      });
    }
    auto t0 = bench::now();
    c[0].push(0);
    long t = done.value_pop();
    double ns = bench::ns_since(t0);
    wg.wait();  // the channels live on this fiber's stack
    bench::check(t == laps * m, "token == laps*m");
    bench::result("ns_per_op", ns / double(laps * m), laps * m);
  });
}
