// tests/progs/startup.cpp: what a gort program starts with
// (tests/boot/startup_test.cpp). Prints the number of the process's threads
// (/proc/self/task) at the start of main, then after what argv[1] names:
//   none       nothing: a plain C++ program
//   timer      a timer (gort::after_func)
//   goroutine  a goroutine, waited for
#include <gort/gort.hpp>

#include <dirent.h>

#include <chrono>
#include <cstdio>
#include <cstring>

static int threads() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') n++;
    closedir(d);
  }
  return n;
}

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "none";
  std::printf("threads at main: %d\n", threads());
  if (std::strcmp(s, "timer") == 0) {
    gort::timer t = gort::after_func(std::chrono::hours(1), [] {});
    std::printf("threads after a timer: %d\n", threads());
    t.stop();
  } else if (std::strcmp(s, "goroutine") == 0) {
    gort::wait_group wg;
    wg.add(1);
    gort::go([&wg] { wg.done(); });
    wg.wait();
    std::printf("threads after a goroutine: %d\n", threads());
  }
  return 0;
}
