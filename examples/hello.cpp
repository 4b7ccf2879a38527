// examples/hello.cpp: the demo. main runs as goroutine 1; it starts a few
// goroutines, which take turns with gosched.
//
//   $ gort-c++ -O2 examples/hello.cpp -o hello && GODEBUG=boottrace=1 ./hello world
#include <gort/gort.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  std::string who = argc > 1 ? argv[1] : "gopher";
  std::cout << "hello, " << who << ", from goroutine " << gort::goid() << " of " << gort::num_goroutine()
            << " on " << gort::num_cpu() << " CPUs (" << gort::version() << ")\n";
  int done = 0;
  for (int i = 0; i < 3; i++) {
    gort::go([&done](int n) {
      for (int round = 0; round < 2; round++) {
        std::cout << "  goroutine " << gort::goid() << " (worker " << n << "), round " << round << "\n";
        gort::gosched();
      }
      done++;
    }, i);
  }
  while (done < 3) gort::gosched();
  std::cout << "all " << done << " workers finished; goroutines left: " << gort::num_goroutine() << "\n";
  return 0;
}
