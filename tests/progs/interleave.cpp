// tests/progs/interleave.cpp: gosched hands the processor to the other
// runnable goroutines: two goroutines that log and yield alternate (run with
// GOMAXPROCS=1).
#include <gort/gort.hpp>

#include <cstdio>
#include <string>

int main() {
  std::string log;
  int done = 0;
  for (char c : {'A', 'B'})
    gort::go([&log, &done, c] {
      for (int i = 0; i < 50; i++) {
        log += c;
        gort::gosched();
      }
      done++;
    });
  while (done < 2) gort::gosched();
  std::printf("%s\n", log.c_str());
  return 0;
}
