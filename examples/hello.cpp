// examples/hello.cpp: the demo. main runs as goroutine 1; it starts a few
// goroutines, which run on up to GOMAXPROCS threads at once, take turns with
// gosched, and are waited for with a wait_group.
//
//   $ gort-c++ -O2 examples/hello.cpp -o hello && GODEBUG=boottrace=1 ./hello world
#include <gort/gort.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  std::string who = argc > 1 ? argv[1] : "gopher";
  std::printf("hello, %s, from goroutine %lld of %d, on %d CPUs with GOMAXPROCS=%d (%s)\n", who.c_str(),
              static_cast<long long>(gort::goid()), gort::num_goroutine(), gort::num_cpu(), gort::gomaxprocs(0),
              gort::version());
  gort::wait_group wg;
  for (int i = 0; i < 3; i++) {
    wg.add(1);
    gort::go([&wg](int n) {
      for (int round = 0; round < 2; round++) {
        // One printf per line: lines from goroutines on other threads do
        // not interleave within a line.
        std::printf("  goroutine %lld (worker %d), round %d\n", static_cast<long long>(gort::goid()), n, round);
        gort::gosched();
      }
      wg.done();
    }, i);
  }
  wg.wait();
  std::printf("all 3 workers finished; goroutines left: %d\n", gort::num_goroutine());
  return 0;
}
