// tests/progs/sched_idle.cpp: an idle program burns no CPU.
// First it makes GOMAXPROCS Ms busy at once (a spin barrier, as in
// sched_parallel) and runs a burst of short goroutines on them; once every
// goroutine has exited, main sleeps in a raw nanosleep system call (the
// libc one parks the goroutine, which might come back on another thread,
// and every park hands the P around) and reads /proc/self/task/*/stat
// twice, 250 ms apart. sysmon takes the P of main's sleeping thread once
// (retakeblocked); after that nothing moves. Every other thread (idle Ms,
// sysmon) must not have used CPU in between (utime+stime, in clock ticks,
// within a tolerance of 2 ticks; a spinning thread would use about 25).
#include <gort/gort.hpp>
#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>

namespace {

double now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

void sleep_ms(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000};
  while (syscall(SYS_nanosleep, &ts, &ts) != 0) {
  }
}

struct tstat {
  char state = '?';
  long ticks = 0;  // utime + stime
  std::string comm;
};

// The /proc files are read with raw system calls: a hooked open (the C
// library's, gort's own in the nolibc flavour) enters a system call the
// runtime's way, and entersyscall wakes a sysmon in deep sleep (as Go's
// does), which would then be caught running.
bool readstat(long tid, tstat* st) {
  char path[64], buf[1024];
  std::snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
  long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
  syscall(SYS_close, fd);
  if (n < 0) return false;
  buf[n] = 0;
  char* open = std::strchr(buf, '(');
  char* close = std::strrchr(buf, ')');
  if (open == nullptr || close == nullptr) return false;
  st->comm.assign(open + 1, close);
  // Fields after "(comm) ": state is field 3, utime 14, stime 15.
  char* p = close + 2;
  st->state = *p;
  long field[16] = {};
  for (int i = 4; i <= 15; i++) {
    p = std::strchr(p, ' ');
    if (p == nullptr) return false;
    field[i] = std::strtol(++p, nullptr, 10);
  }
  st->ticks = field[14] + field[15];
  return true;
}

std::map<long, tstat> sample() {
  std::map<long, tstat> m;
  long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return m;
  alignas(8) char buf[4096];
  for (long n; (n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0;)
    for (long off = 0; off < n;) {
      auto* e = reinterpret_cast<dirent64*>(buf + off);
      off += e->d_reclen;
      if (e->d_name[0] == '.') continue;
      long tid = std::atol(e->d_name);
      tstat st;
      if (readstat(tid, &st)) m[tid] = st;
    }
  syscall(SYS_close, fd);
  return m;
}

std::atomic<int> arrived{0}, finished{0};

void barrier_worker(int n, double deadline) {
  arrived.fetch_add(1);
  while (arrived.load() < n && now() < deadline) {
  }
  finished.fetch_add(1);
}

void short_worker(std::atomic<long>* sum, int i) {
  volatile long x = i;
  for (int k = 0; k < 200; k++) x = x + k;
  sum->fetch_add(i);
  finished.fetch_add(1);
}

}  // namespace

int main() {
  const int n = gort::gomaxprocs(0);
  // Make all Ps busy at once, so that GOMAXPROCS Ms exist.
  double deadline = now() + 3;
  for (int k = 1; k < n; k++) gort::go(barrier_worker, n, deadline);
  barrier_worker(n, deadline);
  bool allbusy = arrived.load() == n;
  while (finished.load() < n) gort::gosched();
  // A burst of short goroutines over all Ps.
  finished = 0;
  std::atomic<long> sum{0};
  const int burst = 20000;
  for (int i = 0; i < burst; i++) gort::go(short_worker, &sum, i);
  while (finished.load() < burst) gort::gosched();
  int ng = gort::num_goroutine();
  for (double d = now() + 5; ng != 1 && now() < d; ng = gort::num_goroutine()) gort::gosched();
  std::printf("work done: all %d Ps busy at once: %s, sum ok: %s, goroutines left: %d\n", n,
              allbusy ? "yes" : "no", sum.load() == long(burst) * (burst - 1) / 2 ? "yes" : "no", ng);

  // Idle: let spinning Ms give up, then measure.
  sleep_ms(100);
  long self = long(gettid());
  std::map<long, tstat> a = sample();
  sleep_ms(250);
  std::map<long, tstat> b = sample();
  int others = 0, busy = 0;
  for (auto& [tid, sb] : b) {
    if (tid == self) continue;
    others++;
    // Busy means CPU used, not the state seen at one moment: a sleeping
    // thread may be caught awake (sysmon's periodic wake-up), and on a
    // loaded machine it may then wait in state R for a CPU for longer than
    // any second look (CI once saw a thread in R with 0 ticks used).
    auto it = a.find(tid);
    long used = it == a.end() ? -1 : sb.ticks - it->second.ticks;
    if (used < 0 || used > 2) {
      busy++;
      std::printf("busy thread %ld (%s): state %c, %ld ticks in 250 ms\n", tid, sb.comm.c_str(), sb.state, used);
    }
  }
  std::printf("idle: threads=%d (other than main's) busy=%d\n", others, busy);
  bool ok = allbusy && sum.load() == long(burst) * (burst - 1) / 2 && ng == 1 && busy == 0;
  return ok ? 0 : 1;
}
