// tests/progs/thread_limit.cpp: gort::set_max_threads and what happens when
// a program needs more threads: goroutines that lock their thread and then
// block each keep an M, so every new one needs a new thread. With a limit
// of 6 the program dies with Go's report and exit status 2.
#include <gort/gort.hpp>

#include <cstdio>

int main() {
  int old = gort::set_max_threads(6);
  std::printf("default limit %d\n", old);
  std::fflush(stdout);
  gort::wait_group never;
  never.add(1);
  for (int i = 0; i < 20; i++) {
    gort::go([&never, i] {
      gort::lock_os_thread();
      std::printf("locked %d\n", i);
      std::fflush(stdout);
      never.wait();
    });
    gort::gosched();
  }
  std::printf("not reached: 20 locked threads under a limit of 6\n");
  return 0;
}
