// tests/progs/foreign_thread.cpp: calling gort from a thread that gort does
// not manage (here std::thread) is refused with a message, not a crash.
// hosted only: std::thread needs the C library's pthread_create
#include <gort/gort.hpp>

#include <cstdio>
#include <thread>

int main() {
  std::printf("main is goroutine %ld\n", long(gort::goid()));
  std::fflush(stdout);
  std::thread t([] { gort::go([] {}); });
  t.join();
  return 0;
}
