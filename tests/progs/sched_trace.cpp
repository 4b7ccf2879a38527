// tests/progs/sched_trace.cpp: a run of known length for GODEBUG=schedtrace=N
// (and scheddetail=1). For about 500 ms, workers compute and yield, one of
// them locked to its thread (so the detailed trace shows a lockedg/lockedm
// pair); then every goroutine has exited and main sleeps about 500 ms in
// nanosleep. stdout says what ran; sysmon writes the trace to stderr.
#include <gort/gort.hpp>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>

namespace {

double now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

std::atomic<bool> stop{false};
std::atomic<int> done{0};
std::atomic<long> lockedgoid{0};

void worker(bool locked) {
  if (locked) {
    gort::lock_os_thread();
    lockedgoid = gort::goid();
  }
  while (!stop.load()) {
    volatile long x = 0;
    for (int i = 0; i < 20000; i++) x = x + i;
    gort::gosched();
  }
  if (locked) gort::unlock_os_thread();
  done++;
}

}  // namespace

int main() {
  const int nw = 6;
  double t0 = now();
  for (int i = 0; i < nw; i++) gort::go(worker, i == 0);
  while (now() < t0 + 0.5) gort::gosched();
  stop = true;
  while (done.load() < nw) gort::gosched();
  timespec ts{0, 500 * 1000000};
  while (nanosleep(&ts, &ts) != 0) {
  }
  std::printf("ran %.0f ms, locked goroutine G%ld\n", (now() - t0) * 1000, lockedgoid.load());
  return 0;
}
