// tests/progs/startup.cpp: what a gort program starts with
// (tests/boot/startup_test.cpp). Prints the number of the process's threads
// (/proc/self/task) at the start of main, then after what argv[1] names:
//   none       nothing: a plain C++ program
//   timer      a timer (gort::after_func)
//   goroutine  a goroutine, waited for
#include <gort/gort.hpp>


#include <chrono>
#include <cstdio>
#include <cstring>

#include "check.hpp"

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "none";
  std::printf("threads at main: %d\n", progs::threads());
  if (std::strcmp(s, "timer") == 0) {
    gort::timer t = gort::after_func(std::chrono::hours(1), [] {});
    std::printf("threads after a timer: %d\n", progs::threads());
    t.stop();
  } else if (std::strcmp(s, "goroutine") == 0) {
    gort::wait_group wg;
    wg.add(1);
    gort::go([&wg] { wg.done(); });
    wg.wait();
    std::printf("threads after a goroutine: %d\n", progs::threads());
  }
  return 0;
}
