// tests/progs/interleave.cpp: gosched hands the processor to the other
// runnable goroutines: two goroutines that log and yield alternate (run with
// GOMAXPROCS=1).
#include <gort/gort.hpp>

#include <atomic>
#include <cstdio>
#include <string>

// gosched is no synchronisation (as in Go, whose race detector would flag
// the unguarded log): the mutex and the atomic make the program race-free
// at any GOMAXPROCS, which TSan checks (check-tsan); at one P, what is
// tested is still the order that gosched gives.
int main() {
  std::string log;
  gort::mutex mu;
  std::atomic<int> done{0};
  for (char c : {'A', 'B'})
    gort::go([&log, &mu, &done, c] {
      for (int i = 0; i < 50; i++) {
        mu.lock();
        log += c;
        mu.unlock();
        gort::gosched();
      }
      done++;
    });
  while (done < 2) gort::gosched();
  std::printf("%s\n", log.c_str());
  return 0;
}
