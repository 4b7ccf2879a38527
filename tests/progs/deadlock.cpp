// deadlock: the classic cases in which no goroutine can ever run again.
// Each must end with Go's "fatal error: all goroutines are asleep -
// deadlock!", a dump of the goroutines with their wait reasons, and exit
// status 2. Usage: deadlock CASE
//   recv     main receives on a channel nobody sends on; two other
//            goroutines wait too: one sending on another unbuffered
//            channel, one in a select
//   nilchan  main receives from a nil channel
//   select0  main blocks in select with no cases
//   mutex    every goroutine waits on a mutex nobody unlocks
//   wg       main waits on a wait_group whose workers are stuck on a channel
//   late     like recv, but only after a worker has run for a while and exited
#include <gort/gort.hpp>

#include <cstdio>
#include <cstring>

#include "tests/progs/check.hpp"

static void park_sender(gort::chan<int> c) { c.send(1); }
static void park_select(gort::chan<int> a, gort::chan<long> b) {
  gort::select(gort::case_recv(a), gort::case_recv(b));
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "recv";
  std::printf("mode %s\n", mode);
  std::fflush(stdout);
  if (std::strcmp(mode, "recv") == 0 || std::strcmp(mode, "late") == 0) {
    gort::chan<int> never(0), other(0);
    gort::chan<long> other2(4);
    gort::go(park_sender, other);
    gort::go(park_select, never, other2);
    if (std::strcmp(mode, "late") == 0) {
      gort::chan<int> done(0);
      gort::go([done]() mutable {
        long s = 0;
        for (int i = 0; i < 200000; i++) s += i, gort::gosched();
        done.send(int(s & 1));
      });
      done.recv();
    }
    never.recv();
  } else if (std::strcmp(mode, "nilchan") == 0) {
    gort::chan<int> nil;
    nil.recv();
  } else if (std::strcmp(mode, "select0") == 0) {
    gort::select();
  } else if (std::strcmp(mode, "mutex") == 0) {
    static gort::mutex mu;
    mu.lock();
    for (int i = 0; i < 3; i++) gort::go([] { mu.lock(); });
    for (int i = 0; i < 10; i++) gort::gosched();
    mu.lock();
  } else if (std::strcmp(mode, "wg") == 0) {
    gort::wait_group wg;
    gort::chan<int> stuck(0);
    for (int i = 0; i < 2; i++) {
      wg.add(1);
      gort::go([&wg, stuck]() mutable {
        stuck.recv();
        wg.done();
      });
    }
    wg.wait();
  }
  std::printf("unreachable: main continued\n");
  return 0;
}
