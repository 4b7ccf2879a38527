// tests/tools/tsan_race.cpp: a program with a data race (four goroutines
// incrementing one plain counter), for check-install: built with
// `gort-c++ -fsanitize=thread` and run at GOMAXPROCS=4, TSan must report
// the race and the program exit with TSan's status 66. Before the
// runtime's hooks let the TSan runtime's own libc calls through
// (runtime/sanitizer.hpp, sancaller), the report's symbolization entered the
// scheduler and the program hung in about one run in seven.
//
// gort's goroutine switches synchronise for TSan (gort-debug(7)): goroutines
// that run one after the other on one M are ordered, and their race is not
// seen. On a loaded machine the four could all finish on one M before a
// second M started (CI saw exit 0 once; here, 3 runs in 30 beside two CPU
// hogs), so each goroutine first waits until all four have started, on a
// relaxed counter, which orders nothing for TSan; the wait itself touches
// nothing racy, so the one race reported is the counter's.
#include <gort/gort.hpp>

#include <atomic>
#include <cstdio>

long counter;
std::atomic<int> started;

int main() {
  constexpr int workers = 4;
  gort::wait_group wg;
  for (int w = 0; w < workers; w++) {
    wg.add(1);
    gort::go([&wg] {
      started.fetch_add(1, std::memory_order_relaxed);
      while (started.load(std::memory_order_relaxed) < workers) {
      }
      for (int i = 0; i < 100000; i++) counter++;
      wg.done();
    });
  }
  wg.wait();
  std::printf("counter=%ld\n", counter);
}
