// mutex_contended (Boost.Fiber): 4 fibers increment one counter under a
// boost::fibers::mutex, N increments in all. Reports ns per
// lock+increment+unlock. Usage: fiber N
#include "bench.hpp"
#include "fiber.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 4000000);
  const long workers = 4, per = n / workers;
  fb::run([&] {
    boost::fibers::mutex mu;
    fb::wait_group wg;
    long counter = 0;
    auto t0 = bench::now();
    for (long w = 0; w < workers; w++) {
      wg.add(1);
      fb::go([&mu, &wg, &counter, per] {
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
  });
}
