// tests/progs/time_idle.cpp: waiting for a timer costs no CPU time.
// After a burst of work on every P, main and 100 goroutines wait for
// timers 300 ms away (main in a receive from after(), the goroutines in
// sleep); the CPU time of the whole process over the wait (getrusage,
// user + system, every thread) must stay under 20 ms. An M polling for
// the timer, or sysmon waking every 20 us, would use far more. This is a
// check of behaviour (nobody spins), not of speed.
#include <gort/gort.hpp>
#include <sys/resource.h>

#include <atomic>
#include <cstdio>

#include "tests/progs/check.hpp"

using namespace std::chrono_literals;
using progs::now_ns;
using progs::report;

static double cpu_ms() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  // Work on every P first, so that every M exists and has been busy.
  std::atomic<long> sum{0};
  gort::wait_group wg;
  for (int i = 0; i < 2000; i++) {
    wg.add(1);
    gort::go([&, i] {
      volatile long x = 0;
      for (int k = 0; k < 2000; k++) x = x + k;
      sum += i;
      wg.done();
    });
  }
  wg.wait();
  gort::sleep(50ms);  // let spinning Ms settle

  std::atomic<int> woke{0};
  for (int i = 0; i < 100; i++) {
    wg.add(1);
    gort::go([&] {
      gort::sleep(300ms);
      woke++;
      wg.done();
    });
  }
  double c0 = cpu_ms();
  std::int64_t t0 = now_ns();
  auto v = gort::after(300ms).recv();
  std::int64_t t1 = now_ns();
  double c1 = cpu_ms();
  wg.wait();
  double used = c1 - c0;
  char buf[200];
  std::snprintf(buf, sizeof buf, "waited %.1f ms, used %.2f ms of CPU; %d sleepers woke", double(t1 - t0) / 1e6, used,
                woke.load());
  bool ok = t1 - t0 >= 300'000'000 &&
            std::chrono::duration_cast<std::chrono::nanoseconds>(v.time_since_epoch()).count() >= t0 + 300'000'000 &&
            used < 20.0 && woke == 100 && sum == 2000L * 1999 / 2;
  report("idle", ok, buf);
  return progs::fails;
}
