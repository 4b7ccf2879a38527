// spawn_join (Boost.Fiber): N detached fibers that do nothing but wg.done(),
// joined with a wait group (fb::wait_group). Reports ns per fiber. Usage: fiber N
#include "bench.hpp"
#include "fiber.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 1000000);
  fb::run([&] {
    fb::wait_group wg;
    auto t0 = bench::now();
    for (long i = 0; i < n; i++) {
      wg.add(1);
      fb::go([&wg] { wg.done(); });
    }
    wg.wait();
    double ns = bench::ns_since(t0);
    bench::result("ns_per_op", ns / double(n), n);
  });
}
