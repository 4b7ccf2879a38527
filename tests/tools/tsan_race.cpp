// tests/tools/tsan_race.cpp: a program with a data race (four goroutines
// incrementing one plain counter), for check-install: built with
// `gort-c++ -fsanitize=thread` and run at GOMAXPROCS=4, TSan must report
// the race and the program exit with TSan's status 66. Before the
// runtime's hooks let the TSan runtime's own libc calls through
// (runtime/sanitizer.hpp, sancaller), the report's symbolization entered the
// scheduler and the program hung in about one run in seven.
#include <gort/gort.hpp>

#include <cstdio>

long counter;

int main() {
  gort::wait_group wg;
  for (int w = 0; w < 4; w++) {
    wg.add(1);
    gort::go([&wg] {
      for (int i = 0; i < 100000; i++) counter++;
      wg.done();
    });
  }
  wg.wait();
  std::printf("counter=%ld\n", counter);
}
