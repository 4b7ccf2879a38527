// tests/progs/preempt_sched.cpp: goroutines that compute without a
// scheduling point are preempted (gort(7), "PREEMPTION"). One scenario per
// run, named by argv[1]; prints "gomaxprocs=N", figures, and one
// "<scenario>: ok" or "<scenario>: FAIL ..." line; exits with the number
// of failures. The verdicts are about progress and order (did the other
// goroutine run at all, did it run while the loop spun, did it not run
// inside libc), never about time; times are printed for the closing note.
// A watchdog thread ends a run that hangs (a goroutine starved for good)
// with a FAIL line after 40 s.
//
//   callfree    GOMAXPROCS=1: a call-free loop, main sleeps 1 ms 100 times
//   inline      the same with a loop that calls only inline code
//   fair        two CPU-bound goroutines share one P (counts within 20x)
//   pingponghog Go's TestPingPongHog
//   aftersyscall Go's TestPreemptionAfterSyscall (GOMAXPROCS=2)
//   asyncpreempt Go's testprog AsyncPreempt: stop the world with three
//               loops that never call the scheduler
//   stw         gomaxprocs(n) stops the world while goroutines compute
//   nopreempt   a gort::no_preempt region is not preempted; its end is
//   qsort       no preemption inside libc's qsort; right after it returns
//   unpin       a goroutine preempted on an M that then blocks in the
//               kernel runs on elsewhere; the blocked thread gets no signal
//               (prints how often its nanosleep was cut short: a
//               narrow race, gort(7) "PREEMPTION")
//   nosignal    GOMAXPROCS=2: a thread asleep in the kernel past its
//               slice gets no signal: its nanosleep is never cut short
//   foreign     a SIGURG the runtime did not send reaches the program's
//               own handler
//   dump        SIGQUIT shows a preempted goroutine's frames
//   asyncoff    a bounded loop; prints how often main ran meanwhile (the
//               test runs it with GODEBUG=asyncpreemptoff=1 and without)
//   policy      three loops on two Ps check, instruction by instruction,
//               that their thread does not change between two calls
//               (prints the changes; 0 expected unless asyncpreemptpin=0)
#include <dlfcn.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include <algorithm>
#include <cerrno>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "runtime/runtime.hpp"
#include "tests/progs/check.hpp"
#include "tests/progs/thread.hpp"

namespace rt = gort::runtime;
using progs::report;

namespace {

std::atomic<bool> stop{false};
std::atomic<long> wakes{0};  // how many times main has run again after a sleep

// A TSC deadline, for loops that must end by themselves while nobody else
// can run (no call: rdtsc is an instruction).
double ticksPerNs = 0;
void calibrate() {
  auto t0 = std::chrono::steady_clock::now();
  std::uint64_t r0 = __rdtsc();
  usleep(20000);
  double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  ticksPerNs = double(__rdtsc() - r0) / ns;
}
std::uint64_t deadline(double ms) { return __rdtsc() + std::uint64_t(ms * 1e6 * ticksPerNs); }

double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

void percentiles(const char* what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::printf("%s n=%zu p50=%.2f p90=%.2f p99=%.2f max=%.2f ms\n", what, v.size(), v[v.size() / 2],
              v[v.size() * 9 / 10], v[v.size() * 99 / 100], v.back());
}

// sleeper: main sleeps 1 ms n times while loop(counter) spins; each wake
// must come, and the loop must have advanced meanwhile.
template <class Loop>
void sleeper(const char* name, Loop loop) {
  std::atomic<long> counter{0};
  std::atomic<bool> started{false};
  gort::go([&] {
    started = true;
    loop(counter);
  });
  while (!started) gort::gosched();
  std::vector<double> lat;
  int advanced = 0;
  for (int i = 0; i < 100; i++) {
    long c0 = counter.load();
    auto t0 = std::chrono::steady_clock::now();
    gort::sleep(std::chrono::milliseconds(1));
    lat.push_back(msSince(t0));
    if (counter.load() != c0) advanced++;
  }
  stop = true;
  percentiles("wake latency (1 ms sleep)", lat);
  char d[96];
  std::snprintf(d, sizeof d, "100 wakes, the loop advanced across %d of them", advanced);
  report(name, advanced >= 90, d);
}

// A call-free loop: one atomic load and one store per round.
void callfree(std::atomic<long>& c) {
  while (!stop.load(std::memory_order_relaxed)) c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

inline std::uint64_t mix(std::uint64_t x) { return (x ^ (x >> 31)) * 0x9e3779b97f4a7c15; }

// A loop that calls only inline code (at -O0, calls into the program).
void inlinecalls(std::atomic<long>& c) {
  std::uint64_t x = 1;
  auto step = [](std::uint64_t v) { return std::max<std::uint64_t>(mix(v), 1); };
  while (!stop.load(std::memory_order_relaxed)) {
    x = step(x);
    c.store(c.load(std::memory_order_relaxed) + long(x & 1) + 1, std::memory_order_relaxed);
  }
}

void fair() {
  std::atomic<long> n[2] = {0, 0};
  for (int i = 0; i < 2; i++)
    gort::go([&, i] {
      while (!stop.load(std::memory_order_relaxed)) n[i].store(n[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    });
  gort::sleep(std::chrono::milliseconds(300));
  stop = true;
  gort::sleep(std::chrono::milliseconds(30));
  long a = n[0].load(), b = n[1].load();
  double ratio = b > 0 ? double(a) / double(b) : 0;
  std::printf("counts %ld %ld ratio %.3f\n", a, b, ratio);
  char d[96];
  std::snprintf(d, sizeof d, "counts %ld and %ld", a, b);
  report("fair", a > 0 && b > 0 && a / 20 <= b && b / 20 <= a, d);
}

// Go's TestPingPongHog: two pairs hand a token back and forth over
// channels, one pair doing 1000 times more work per turn; both pairs must
// get a fair share of the one P (within a factor of 20).
void pingponghog() {
  gort::chan<bool> done(0), hogChan(0), lightChan(0);
  long hogCount = 0, lightCount = 0;
  auto run = [&](long limit, long* counter, gort::chan<bool> wake) {
    for (;;) {
      bool quit = false;
      gort::select(gort::case_recv(done, [&](auto) { quit = true; }),
                   gort::case_recv(wake, [&](auto) {
                     for (long i = 0; i < limit; i++) ++*reinterpret_cast<volatile long*>(counter);
                     wake.send(true);
                   }));
      if (quit) return;
    }
  };
  for (int i = 0; i < 2; i++) gort::go(run, 1000000, &hogCount, hogChan);
  for (int i = 0; i < 2; i++) gort::go(run, 1000, &lightCount, lightChan);
  hogChan.send(true);
  lightChan.send(true);
  gort::sleep(std::chrono::milliseconds(100));
  done.close();
  hogChan.recv();
  lightChan.recv();
  std::printf("hogCount=%ld lightCount=%ld ratio=%.3f\n", hogCount, lightCount,
              lightCount > 0 ? double(hogCount) / double(lightCount) : 0);
  char d[96];
  std::snprintf(d, sizeof d, "hogCount/lightCount = %ld/%ld", hogCount, lightCount);
  report("pingponghog", hogCount / 20 <= lightCount && lightCount / 20 <= hogCount, d);
}

// Go's fakeSyscall: a "system call" that is a busy loop between
// entersyscall and exitsyscall.
void fakeSyscall(std::chrono::microseconds d) {
  gort::syscall([d] {
    auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
    }
  });
}

// Go's testPreemptionAfterSyscall at GOMAXPROCS=2: eight goroutines making
// short system calls in a loop must let main run.
void aftersyscall() {
  gort::gomaxprocs(2);
  bool ok = true;
  for (int us : {10, 100, 1000}) {
    std::vector<double> took;
    for (int it = 0; it < 10; it++) {
      constexpr int kRoutines = 8;
      gort::chan<bool> c(kRoutines);
      std::atomic<bool> halt{false};
      auto t0 = std::chrono::steady_clock::now();
      for (int g = 0; g < kRoutines; g++)
        gort::go([&, c]() mutable {
          c.send(true);
          while (!halt.load()) fakeSyscall(std::chrono::microseconds(us));
          c.send(true);
        });
      for (int g = 0; g < kRoutines; g++) c.recv();
      halt = true;
      for (int g = 0; g < kRoutines; g++) c.recv();
      took.push_back(msSince(t0));
    }
    char what[64];
    std::snprintf(what, sizeof what, "aftersyscall %d us: iteration", us);
    percentiles(what, took);
  }
  report("aftersyscall", ok, "every iteration finished");
}

volatile std::int64_t out;
[[gnu::noinline]] void dummy() { asm volatile(""); }
[[gnu::noinline]] void frameless() {
  std::int64_t o = 0;
  for (std::int64_t i = 0; i < (std::int64_t(1) << 62); i++) {
    o += i * i * i * i * i * 12345;
    asm volatile("" : "+r"(o));
  }
  out = o;
}

// Go's testprog AsyncPreempt: GOMAXPROCS=1, a loop that calls a function
// that never enters the scheduler, a frameless loop, an empty loop; then
// stop the world (Go runs a GC; gort changes GOMAXPROCS, twice).
void asyncpreempt() {
  gort::gomaxprocs(1);
  std::atomic<std::uint32_t> ready{0}, ready2{0};
  gort::go([&] {
    for (;;) {
      ready.store(1);
      dummy();
      dummy();
    }
  });
  gort::go([&] {
    ready2.fetch_add(1);
    frameless();
  });
  gort::go([&] {
    ready2.fetch_add(1);
    for (;;) asm volatile("");
  });
  while (ready.load() == 0 || ready2.load() < 2) gort::gosched();
  gort::gomaxprocs(2);
  gort::gomaxprocs(1);
  report("asyncpreempt", true, "the world stopped twice");
}

// gomaxprocs(n) stops the world while every P runs a loop.
void stw() {
  gort::gomaxprocs(2);
  std::atomic<int> running{0};
  for (int i = 0; i < 2; i++)
    gort::go([&] {
      running.fetch_add(1);
      std::atomic<long> c{0};
      callfree(c);
    });
  while (running.load() < 2) gort::gosched();
  int changes = 0;
  for (int n : {1, 3, 2, 1, 2}) {
    gort::gomaxprocs(n);
    changes += gort::gomaxprocs(0) == n;
  }
  stop = true;
  char d[64];
  std::snprintf(d, sizeof d, "%d of 5 changes made", changes);
  report("stw", changes == 5, d);
}

// mainticker: main wakes every 1 ms and counts it.
void mainticker(const std::atomic<bool>& until) {
  while (!until.load()) {
    gort::sleep(std::chrono::milliseconds(1));
    wakes.fetch_add(1);
  }
}

// A no_preempt region of 150 ms, then 150 ms without: main runs in the
// second half only.
void nopreempt() {
  std::atomic<long> during{-1}, after{-1};
  std::atomic<bool> fin{false};
  gort::go([&] {
    gort::gosched();  // let main start ticking
    long w0;
    {
      gort::no_preempt np;
      w0 = wakes.load();
      for (std::uint64_t end = deadline(150); __rdtsc() < end;) {
      }
      during = wakes.load() - w0;
    }
    w0 = wakes.load();
    for (std::uint64_t end = deadline(150); __rdtsc() < end;) {
    }
    after = wakes.load() - w0;
    fin = true;
  });
  mainticker(fin);
  std::printf("main ran %ld times inside the region, %ld times after it; refused in it: %lu\n", during.load(),
              after.load(), (unsigned long)rt::preemptStats.get(rt::statRefusedLocks));
  char d[96];
  std::snprintf(d, sizeof d, "main ran %ld times inside, %ld after", during.load(), after.load());
  report("nopreempt", during.load() == 0 && after.load() > 0, d);
}

// qsort of 400,000 16-byte strings with libc's strcmp as the comparator:
// no code of the program runs inside, so no preemption may land there;
// the loop after it must be preempted.
void qsortcase() {
  std::atomic<long> during{-1}, after{-1};
  std::atomic<bool> fin{false}, sorted{false};
  std::atomic<double> qsortms{0};
  gort::go([&] {
    constexpr std::size_t n = 400000;
    auto* a = static_cast<char(*)[16]>(std::malloc(n * 16));
    std::uint64_t x = 42;
    for (std::size_t i = 0; i < n; i++) {
      x = x * 6364136223846793005u + 1442695040888963407u;
      std::snprintf(a[i], 16, "%015llu", (unsigned long long)(x >> 4) % 1000000000000000ull);
    }
    // libc's own strcmp, not a PLT stub of this program's. In the nolibc
    // flavour the crt's (boot/nolibc/), which is in the program's text:
    // the runtime's section (gort_rt) keeps preemption out of it.
#ifdef GORT_NOLIBC
    auto cmp = reinterpret_cast<int (*)(const void*, const void*)>(&strcmp);
#else
    auto cmp = reinterpret_cast<int (*)(const void*, const void*)>(dlsym(RTLD_DEFAULT, "strcmp"));
#endif
    gort::gosched();
    long w0 = wakes.load();
    auto t0 = std::chrono::steady_clock::now();
    std::qsort(a, n, 16, cmp);
    qsortms = msSince(t0);
    during = wakes.load() - w0;
    bool ok = true;
    for (std::size_t i = 1; i < n; i++) ok = ok && std::strcmp(a[i - 1], a[i]) <= 0;
    sorted = ok;
    std::free(a);
    w0 = wakes.load();
    for (std::uint64_t end = deadline(150); __rdtsc() < end;) {
    }
    after = wakes.load() - w0;
    fin = true;
  });
  std::uint64_t refused0 = rt::preemptStats.get(rt::statRefusedForeignPC);
  mainticker(fin);
  std::uint64_t refused = rt::preemptStats.get(rt::statRefusedForeignPC) - refused0;
  std::printf("qsort took %.1f ms; main ran %ld times during it, %ld times in the loop after; %lu tries refused "
              "in libc\n",
              qsortms.load(), during.load(), after.load(), (unsigned long)refused);
  char d[96];
  std::snprintf(d, sizeof d, "main ran %ld times during qsort, %ld after; sorted=%d", during.load(), after.load(),
                int(sorted.load()));
  report("qsort", during.load() == 0 && after.load() > 0 && sorted.load(), d);
}

// G2 sleeps in a raw nanosleep (no hook sees it) five times, yielding in
// between; sysmon finds its thread asleep and hands the P on, and the loop
// G1, preempted on that thread before and pinned to it, must run
// meanwhile. (How often a signal cut a sleep short is printed, not
// checked: sysmon may read the thread running just before it switches to
// this goroutine and sleeps; "nosignal" checks the rule itself.)
void unpin() {
  std::atomic<long> counter{0};
  gort::go([&] { callfree(counter); });
  std::atomic<int> advanced{0}, eintr{0};
  std::atomic<bool> fin{false};
  gort::go([&] {
    for (int i = 0; i < 5; i++) {
      long c0 = counter.load();
      timespec ts{0, 100 * 1000 * 1000};
      if (syscall(SYS_nanosleep, &ts, nullptr) != 0) eintr.fetch_add(1);
      if (counter.load() != c0) advanced.fetch_add(1);
      // Back to the scheduler: the runtime sees the sleep end (until a
      // runtime call it still takes the M for one in a system call), and
      // this goroutine waits for the P, so the loop is preempted and
      // pinned to the M that runs this one next.
      gort::gosched();
    }
    fin = true;
  });
  while (!fin.load()) gort::sleep(std::chrono::milliseconds(5));
  stop = true;
  std::printf("loop advanced during %d of 5 sleeps; %d sleeps cut short; unpinned=%lu\n", advanced.load(),
              eintr.load(), (unsigned long)rt::preemptStats.get(rt::statUnpinned));
  char d[96];
  std::snprintf(d, sizeof d, "advanced during %d of 5, %d cut short, %lu unpinned", advanced.load(), eintr.load(),
                (unsigned long)rt::preemptStats.get(rt::statUnpinned));
  report("unpin", advanced.load() == 5 && rt::preemptStats.get(rt::statUnpinned) > 0, d);
}

// GOMAXPROCS=2, one goroutine alone sleeps in a raw nanosleep (no hook
// sees it) five times for 50 ms, back in the scheduler in between: each
// time it holds its P past the 10 ms slice, and sysmon asks it to stop;
// finding its thread asleep, it sends no signal (a signal would end the
// sleep early, EINTR), and takes the P instead.
void nosignal() {
  std::atomic<int> eintr{0};
  std::atomic<bool> fin{false};
  gort::go([&] {
    for (int i = 0; i < 5; i++) {
      timespec ts{0, 50 * 1000 * 1000};
      if (syscall(SYS_nanosleep, &ts, nullptr) != 0) eintr.fetch_add(1);
      gort::gosched();
    }
    fin = true;
  });
  while (!fin.load()) gort::sleep(std::chrono::milliseconds(5));
  unsigned long asleep = (unsigned long)rt::preemptStats.get(rt::statNotRunningThread);
  unsigned long sent = (unsigned long)rt::preemptStats.get(rt::statSignals);
  std::printf("sleeps cut short: %d; requests that found the thread asleep: %lu; signals sent: %lu\n", eintr.load(),
              asleep, sent);
  char d[96];
  std::snprintf(d, sizeof d, "%d of 5 sleeps cut short, %lu requests found it asleep", eintr.load(), asleep);
  report("nosignal", eintr.load() == 0 && asleep > 0, d);
}

// A loop of 300 ms; how many times main ran meanwhile.
void asyncoff() {
  std::atomic<long> during{-1};
  std::atomic<bool> fin{false};
  gort::go([&] {
    gort::gosched();
    long w0 = wakes.load();
    for (std::uint64_t end = deadline(300); __rdtsc() < end;) {
    }
    during = wakes.load() - w0;
    fin = true;
  });
  mainticker(fin);
  std::printf("main ran %ld times during the loop; preemptions=%lu signals=%lu\n", during.load(),
              (unsigned long)rt::preemptStats.get(rt::statInjected), (unsigned long)rt::preemptStats.get(rt::statSignals));
  report("asyncoff", during.load() >= 0, "");
}

// Three loops on two Ps, each reading its thread pointer (%fs:0) at every
// round: it may change only at a call, and these loops make none.
void policy() {
  std::atomic<long> changes{0};
  std::atomic<int> fin{0};
  for (int i = 0; i < 3; i++)
    gort::go([&] {
      std::uintptr_t tp0;
      asm volatile("movq %%fs:0, %0" : "=r"(tp0));
      long n = 0;
      for (std::uint64_t end = deadline(300); __rdtsc() < end;) {
        std::uintptr_t tp;
        asm volatile("movq %%fs:0, %0" : "=r"(tp));
        if (tp != tp0) {
          n++;
          tp0 = tp;
        }
      }
      changes.fetch_add(n);
      fin.fetch_add(1);
    });
  while (fin.load() < 3) gort::sleep(std::chrono::milliseconds(5));
  std::printf("thread changes inside call-free code: %ld, over %lu preemptions (asyncpreemptpin=%d)\n",
              changes.load(), (unsigned long)rt::preemptStats.get(rt::statInjected), rt::debug.asyncpreemptpin);
  char d[96];
  std::snprintf(d, sizeof d, "%ld thread changes", changes.load());
  report("policy", rt::preemptStats.get(rt::statInjected) > 0 && (rt::debug.asyncpreemptpin == 0 || changes.load() == 0),
         d);
}

// A program's own SIGURG handler gets the SIGURGs the runtime did not send,
// and preemption goes on meanwhile.
std::atomic<int> foreignSeen{0};
void onurg(int) { foreignSeen.fetch_add(1); }
void foreign() {
  if (signal(SIGURG, onurg) == SIG_ERR) std::printf("signal failed\n");
  std::atomic<long> counter{0};
  gort::go([&] { callfree(counter); });
  for (int i = 0; i < 3; i++) {
    kill(getpid(), SIGURG);
    gort::sleep(std::chrono::milliseconds(20));
  }
  stop = true;
  unsigned long pre = (unsigned long)rt::preemptStats.get(rt::statInjected);
  std::printf("program's handler ran %d times for 3 kills; preemptions %lu\n", foreignSeen.load(), pre);
  char d[96];
  std::snprintf(d, sizeof d, "handler ran %d times, %lu preemptions", foreignSeen.load(), pre);
  report("foreign", foreignSeen.load() == 3 && pre > 0, d);
}

// A goroutine stopped by preemption shows its own frames in a dump:
// SIGQUIT while it waits, preempted, for the P that main holds.
[[gnu::noinline]] void spinUntilStopped(std::atomic<long>& c) {
  callfree(c);
  asm volatile("");
}
void dump() {
  std::atomic<long> counter{0};
  gort::go([&] { spinUntilStopped(counter); });
  gort::sleep(std::chrono::milliseconds(30));  // the spinner is preempted for main to wake
  std::fflush(stdout);
  // SIGQUIT goes to whichever thread the kernel picks (m0, parked, as a
  // rule), and on a loaded machine that thread may run its handler more
  // than a slice later: main spins unpreemptible meanwhile, so that the
  // spinner stays preempted, [runnable], until the dump is taken.
  gort::no_preempt np;
  kill(getpid(), SIGQUIT);  // the dump, then exit status 2
  for (;;) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  progs::thread([] {
    // A process-directed signal (foreign's kill of SIGURG, or the
    // preemption signal) may be delivered to this thread and cut its
    // sleep short: sleep on for what is left.
    struct timespec ts{40, 0};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    std::printf("FAIL: watchdog: still running after 40 s (a goroutine starved?)\n");
    std::fflush(stdout);
    _exit(3);
  }).detach();
  calibrate();
  const char* s = argc > 1 ? argv[1] : "";
  auto is = [s](const char* n) { return std::strcmp(s, n) == 0; };
  if (is("callfree"))
    sleeper("callfree", callfree);
  else if (is("inline"))
    sleeper("inline", inlinecalls);
  else if (is("fair"))
    fair();
  else if (is("pingponghog"))
    pingponghog();
  else if (is("aftersyscall"))
    aftersyscall();
  else if (is("asyncpreempt"))
    asyncpreempt();
  else if (is("stw"))
    stw();
  else if (is("nopreempt"))
    nopreempt();
  else if (is("qsort"))
    qsortcase();
  else if (is("unpin"))
    unpin();
  else if (is("nosignal"))
    nosignal();
  else if (is("foreign"))
    foreign();
  else if (is("dump"))
    dump();
  else if (is("asyncoff"))
    asyncoff();
  else if (is("policy"))
    policy();
  else {
    std::fprintf(stderr, "preempt_sched: unknown scenario '%s'\n", s);
    return 2;
  }
  std::fflush(stdout);
  return progs::fails;
}
