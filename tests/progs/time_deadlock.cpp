// tests/progs/time_deadlock.cpp: a pending timer is not a deadlock
// (checkdead). Usage: time_deadlock <scenario>
//   main_sleeps   every other goroutine is blocked for ever (a nil channel,
//                 a mutex, a wait_group); main sleeps 300 ms, then returns
//                 0: no deadlock may be reported while it sleeps
//   main_blocked  main blocks for ever on a mutex; a goroutine sleeps 200
//                 ms and an after_func timer fires at 300 ms, each printing
//                 a line. The deadlock is reported (exit 2) only after both,
//                 once no timer remains; the program prints the elapsed
//                 time in each line for the test to check
//   ticker        as main_blocked, with a running ticker that a goroutine
//                 receives 5 ticks from and then stops: no report while it
//                 runs, the report after it is stopped
#include <gort/gort.hpp>

#include <cstdio>
#include <cstring>

#include "tests/progs/check.hpp"

using namespace std::chrono_literals;
using progs::now_ns;

static std::int64_t t0;

static void say(const char* what) {
  std::printf("%s at %lld ms\n", what, (long long)((now_ns() - t0) / 1000000));
  std::fflush(stdout);
}

int main(int argc, char** argv) {
  t0 = now_ns();
  const char* s = argc > 1 ? argv[1] : "";
  static gort::mutex mu;
  static gort::wait_group wg;
  if (std::strcmp(s, "main_sleeps") == 0) {
    mu.lock();
    wg.add(1);
    gort::go([] { gort::chan<int>().recv(); });
    gort::go([] { mu.lock(); });
    gort::go([] { wg.wait(); });
    gort::sleep(300ms);
    say("main woke");
    return 0;
  }
  if (std::strcmp(s, "main_blocked") == 0) {
    gort::go([] {
      gort::sleep(200ms);
      say("sleeper woke");
    });
    gort::after_func(300ms, [] { say("after_func ran"); }).detach();
    mu.lock();
    mu.lock();  // for ever
    say("unreachable");
    return 1;
  }
  if (std::strcmp(s, "ticker") == 0) {
    gort::go([] {
      gort::ticker tk(50ms);
      for (int i = 0; i < 5; i++) tk.C.recv();
      say("ticker stopped");
    });
    mu.lock();
    mu.lock();
    say("unreachable");
    return 1;
  }
  std::printf("unknown scenario\n");
  return 3;
}
