// ring (gort): M goroutines in a ring of unbuffered channels pass a token
// around for H hops (rounded down to whole laps). Goroutine i receives from
// c[i] and sends to c[i+1]; on the last hop the token goes to main instead,
// so every goroutine ends. Reports ns per hop. Usage: gort H [M]
#include <gort/gort.hpp>

#include <memory>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long hops = bench::arg(argc, argv, 1, 1000000);
  const long m = bench::arg(argc, argv, 2, 1000);
  const long laps = hops / m > 0 ? hops / m : 1;
  std::unique_ptr<gort::chan<long>[]> c(new gort::chan<long>[m]);
  for (long i = 0; i < m; i++) c[i] = gort::chan<long>(0);  // default-constructed = nil
  gort::chan<long> done(0);
  for (long i = 0; i < m; i++)
    gort::go([&c, &done, i, m, laps] {
      gort::chan<long>& in = c[i];
      gort::chan<long>& out = c[(i + 1) % m];
      for (long lap = 0; lap < laps; lap++) {
        long t = in.recv();
        if (i == m - 1 && lap == laps - 1)
          done.send(t + 1);
        else
          out.send(t + 1);
      }
    });
  auto t0 = bench::now();
  c[0].send(0);
  long t = done.recv();
  double ns = bench::ns_since(t0);
  bench::check(t == laps * m, "token == laps*m");
  bench::result("ns_per_op", ns / double(laps * m), laps * m);
}
