// tests/progs/starve.cpp: goroutines that yield or block all the time must
// not keep timers or other goroutines from running (issue 19, items 1 and
// 2). argv[1] names the scenario; it prints "<scenario>: ok" and exits 0.
// A scenario that starves something hangs, and the test's time limit
// catches it.
#include <gort/gort.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>

using namespace std::chrono_literals;

// Go's TestYieldProgress and TestYieldLockedProgress: a goroutine polls a
// channel with a non-blocking select and yields between polls; main sleeps
// 10 ms (a timer on the yielder's P) and then tells it to stop.
static void yield_progress(bool locked) {
  gort::chan<bool> c(0), cack(0);
  gort::go([=]() mutable {
    if (locked) gort::lock_os_thread();
    for (;;) {
      bool done = false;
      gort::select(gort::case_recv(c, [&](bool) { done = true; }), gort::case_default([] { gort::gosched(); }));
      if (done) break;
    }
    cack.send(true);
  });
  gort::sleep(10ms);
  c.send(true);
  cack.recv();
}

// One yielder per P, all waiting for an after_func timer.
static void yield_afterfunc() {
  static std::atomic<bool> fired{false};
  auto t = gort::after_func(10ms, [] { fired = true; });
  gort::wait_group wg;
  for (int i = 0; i < gort::gomaxprocs(0); i++) {
    wg.add(1);
    gort::go([&] {
      while (!fired.load()) gort::gosched();
      wg.done();
    });
  }
  wg.wait();
}

// Goroutine pairs that hand a value back and forth for ever (each wakes the
// other into runnext, and blocks); 4 more goroutines must still run.
static std::atomic<bool> stop{false};
// startpair starts two goroutines that hand a value back and forth over
// unbuffered channels until stop.
static void startpair() {
  gort::chan<int> a(0), b(0);
  gort::go([a, b]() mutable {
    while (!stop.load()) {
      a.send(1);
      b.recv();
    }
  });
  gort::go([a, b]() mutable {
    while (!stop.load()) {
      a.recv();
      b.send(1);
    }
  });
}
static void pingpong(int pairs) {
  for (int i = 0; i < pairs; i++) {
    startpair();
    gort::gosched();
  }
  gort::wait_group wg;
  for (int i = 0; i < 4; i++) {
    wg.add(1);
    gort::go([&] { wg.done(); });
  }
  wg.wait();
}

// The same, with main waiting in the global run queue (it yields) rather
// than in the local one.
static void pingpong_global() {
  startpair();
  for (int i = 0; i < 3; i++) gort::gosched();
}

// A goroutine that sleeps 1 ns in a loop: its timer is due at once and
// readies it into runnext every time. The goroutine it displaced must run.
static void sleeper_victim() {
  gort::chan<bool> done(0);
  gort::go([done]() mutable { done.send(true); });
  gort::go([] {
    for (;;) gort::sleep(1ns);
  });
  done.recv();
}

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  if (!std::strcmp(s, "yield_progress")) yield_progress(false);
  else if (!std::strcmp(s, "yield_locked_progress")) yield_progress(true);
  else if (!std::strcmp(s, "yield_afterfunc")) yield_afterfunc();
  else if (!std::strcmp(s, "pingpong")) pingpong(1);
  else if (!std::strcmp(s, "pingpong2")) pingpong(2);
  else if (!std::strcmp(s, "pingpong_global")) pingpong_global();
  else if (!std::strcmp(s, "sleeper_victim")) sleeper_victim();
  else {
    std::fprintf(stderr, "starve: unknown scenario '%s'\n", s);
    return 1;
  }
  stop = true;
  std::printf("%s: ok\n", s);
  std::fflush(stdout);
  std::_Exit(0);  // the pairs and sleepers never end by themselves
}
