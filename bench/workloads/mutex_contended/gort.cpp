// mutex_contended (gort): 4 goroutines increment one counter under a
// gort::mutex, N increments in all. Reports ns per lock+increment+unlock.
// Usage: gort N
#include <gort/gort.hpp>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 4000000);
  const long workers = 4, per = n / workers;
  gort::mutex mu;
  gort::wait_group wg;
  long counter = 0;
  auto t0 = bench::now();
  for (long w = 0; w < workers; w++) {
    wg.add(1);
    gort::go([&mu, &wg, &counter, per] {
      for (long i = 0; i < per; i++) {
        mu.lock();
        counter++;
        mu.unlock();
      }
      wg.done();
    });
  }
  wg.wait();
  double ns = bench::ns_since(t0);
  bench::check(counter == workers * per, "counter == workers*per");
  bench::result("ns_per_op", ns / double(workers * per), workers * per);
}
