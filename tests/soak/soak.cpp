// tests/soak/soak.cpp: gort under a mixed load for a bounded time, watched
// from outside the scheduler (issue 19, "a soak that stays flat").
//
//   soak SECONDS CSV SVG
//
// Runs, all at once and for SECONDS: channel and select traffic with sum
// invariants, timer churn, spawn storms, goroutines that exit locked to
// their thread, goroutines blocking in system calls (a pipe through the
// poller, gort::blocking, a raw syscall(2) that only sysmon's
// retakeblocked sees), and GOMAXPROCS churn through 1, 2 and 8. A
// std::thread (not a goroutine, so that it sees a hang too) samples RSS,
// the thread count, malloc's bytes in use (mallinfo2) and each workload's
// rounds every second into CSV, checks that every workload
// keeps making progress, and at the end fails (exit 1) if RSS or the
// thread count after the warm-up (the first minute, or the first third of
// a shorter run) rose above what the warm-up reached: RSS by more than 10%
// + 4 MiB; threads by more than 2 in every one of the last 10 samples (a
// locked exit's thread may overlap its successor's for a sample, and that
// burst is no leak; leaked threads never go away). It draws the RSS curve
// into SVG. Exit
// 0: flat, invariants held.
//
// SOAK_ONLY=chan,timer,spawn,locked,procs,syscall (any of them) runs only
// those workloads, to find which one grows.
#include <gort/gort.hpp>
#include <malloc.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using clk = std::chrono::steady_clock;

static std::atomic<bool> stopping{false};
static std::atomic<bool> failed{false};

static void fail(const char* what) {
  std::fprintf(stderr, "soak: FAIL: %s\n", what);
  failed = true;
}

// Progress counters, one per workload: the watcher fails the soak if one
// stands still for 30 s.
enum { wChan, wTimer, wSpawn, wLocked, wProcs, wSyscall, wCount };
static const char* const wname[wCount] = {"chan/select", "timers",     "spawn storms",
                                          "locked exits", "gomaxprocs", "system calls"};
static std::atomic<long> progress[wCount];

static uint64_t rnd(uint64_t* s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

// Channel and select traffic: producers send numbered values on buffered
// and unbuffered channels, consumers receive through select (with a timer
// case); each round the sum received must equal the sum sent.
static void chan_workload() {
  uint64_t seed = 0x9e3779b97f4a7c15;
  while (!stopping) {
    int nch = 4, nprod = 4, per = 500;
    std::vector<gort::chan<long>> chs;
    for (int i = 0; i < nch; i++) chs.emplace_back(int64_t(i % 2 == 0 ? 0 : 1 + rnd(&seed) % 8));
    gort::chan<long> done(0);
    std::atomic<long> sent{0};
    gort::wait_group prod;
    for (int p = 0; p < nprod; p++) {
      prod.add(1);
      gort::go([&, p] {
        uint64_t s = seed + uint64_t(p) * 7919;
        for (int i = 0; i < per; i++) {
          long v = long(rnd(&s) % 1000);
          chs[rnd(&s) % chs.size()].send(v);
          sent += v;
        }
        prod.done();
      });
    }
    gort::go([&] {
      prod.wait();
      done.close();
    });
    long got = 0, n = 0;
    bool closed = false;
    while (!closed || n < long(nprod) * per) {
      auto t = gort::after(1s);
      gort::select(gort::case_recv(chs[0], [&](long v) { got += v, n++; }),
                   gort::case_recv(chs[1], [&](long v) { got += v, n++; }),
                   gort::case_recv(chs[2], [&](long v) { got += v, n++; }),
                   gort::case_recv(chs[3], [&](long v) { got += v, n++; }),
                   gort::case_recv(done, [&](long, bool) { closed = true; }), gort::case_recv(t, [](auto) {}));
      if (closed && n == long(nprod) * per) break;
    }
    if (got != sent.load()) fail("chan: the sum received is not the sum sent");
    progress[wChan]++;
  }
}

// Timer churn: timers started, reset and stopped at random, after_func
// callbacks counted, short sleeps.
static void timer_workload() {
  uint64_t seed = 12345;
  while (!stopping) {
    std::atomic<int> fired{0};
    int want = 0;
    std::vector<gort::timer> ts;
    for (int i = 0; i < 200; i++) ts.emplace_back(std::chrono::microseconds(rnd(&seed) % 5000));
    for (int i = 0; i < 200; i++) {
      switch (rnd(&seed) % 3) {
        case 0: ts[size_t(i)].stop(); break;
        case 1: ts[size_t(i)].reset(std::chrono::microseconds(rnd(&seed) % 3000)); break;
        default: break;
      }
    }
    gort::wait_group wg;
    for (int i = 0; i < 50; i++) {
      wg.add(1);
      want++;
      gort::after_func(std::chrono::microseconds(rnd(&seed) % 4000), [&] {
        fired++;
        wg.done();
      }).detach();
    }
    gort::sleep(std::chrono::microseconds(rnd(&seed) % 2000));
    wg.wait();
    if (fired != want) fail("timers: an after_func did not run once");
    progress[wTimer]++;
  }
}

// Spawn storms: 2000 goroutines at once, each yields or sleeps once.
static void spawn_workload() {
  while (!stopping) {
    gort::wait_group wg;
    std::atomic<int> ran{0};
    for (int i = 0; i < 2000; i++) {
      wg.add(1);
      gort::go([&, i] {
        if (i % 3 == 0)
          gort::gosched();
        else if (i % 3 == 1)
          gort::sleep(100us);
        ran++;
        wg.done();
      });
    }
    wg.wait();
    if (ran != 2000) fail("spawn: not every goroutine ran");
    progress[wSpawn]++;
  }
}

// Goroutines that exit locked to their thread, which ends it.
static void locked_workload() {
  while (!stopping) {
    gort::wait_group wg;
    for (int i = 0; i < 20; i++) {
      wg.add(1);
      gort::go([&] {
        gort::lock_os_thread();
        wg.done();
      });
    }
    wg.wait();
    gort::sleep(50ms);
    progress[wLocked]++;
  }
}

// GOMAXPROCS churn: 1, 2, 8, every 2 s.
static void procs_workload() {
  const int seq[] = {1, 2, 8};
  for (int i = 0; !stopping; i++) {
    gort::gomaxprocs(seq[i % 3]);
    gort::sleep(2s);
    progress[wProcs]++;
  }
}

// Goroutines blocking in system calls, three ways: a byte handed back and
// forth through two pipes (hooked read/write: they park on the poller), a
// 1 ms nanosleep inside gort::blocking (entersyscallblock), and a raw
// syscall(2) nanosleep that no hook sees (sysmon's retakeblocked hands its
// P off). Each round checks the bytes that came back.
static void syscall_workload() {
  int ab[2], ba[2];
  if (pipe(ab) != 0 || pipe(ba) != 0) {
    fail("syscall: pipe");
    return;
  }
  gort::go([ab, ba] {
    char c;
    while (read(ab[0], &c, 1) == 1) {
      c++;
      if (write(ba[1], &c, 1) != 1) break;
    }
    close(ba[1]);
  });
  const timespec ms{0, 1000000};
  for (char c = 0; !stopping; c++) {
    char back = 0;
    if (write(ab[1], &c, 1) != 1 || read(ba[0], &back, 1) != 1 || back != char(c + 1)) fail("syscall: pipe echo");
    gort::blocking([&] { return ::syscall(SYS_nanosleep, &ms, nullptr); });
    ::syscall(SYS_nanosleep, &ms, nullptr);
    progress[wSyscall]++;
  }
  close(ab[1]);  // the echo goroutine ends
  char c;
  while (read(ba[0], &c, 1) == 1) {
  }
  close(ab[0]);
  close(ba[0]);
}

static long statusfield(const char* name) {
  FILE* f = std::fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  std::size_t n = std::strlen(name);
  while (f != nullptr && std::fgets(line, sizeof line, f) != nullptr)
    if (std::strncmp(line, name, n) == 0) v = std::atol(line + n);
  if (f != nullptr) std::fclose(f);
  return v;
}

struct sample {
  double t;
  long rss_kb, threads, heap_kb;
};

static void writesvg(const char* path, const std::vector<sample>& s, double warm) {
  FILE* f = std::fopen(path, "w");
  if (f == nullptr || s.empty()) return;
  long maxr = 1;
  for (auto& x : s) maxr = std::max(maxr, x.rss_kb);
  double T = s.back().t > 0 ? s.back().t : 1, W = 800, H = 300, L = 60, B = 40;
  std::fprintf(f,
               "<svg xmlns='http://www.w3.org/2000/svg' width='%g' height='%g' font-family='sans-serif' "
               "font-size='12'>\n<rect width='100%%' height='100%%' fill='white'/>\n",
               W + L + 20, H + B + 30);
  std::fprintf(f,
               "<text x='%g' y='16'>gort soak: RSS (MiB, blue) and malloc's bytes in use (orange) each second, "
               "%.0f s; warm-up to the line</text>\n",
               L, T);
  std::fprintf(f, "<line x1='%g' y1='%g' x2='%g' y2='%g' stroke='black'/>\n", L, H + 20, L + W, H + 20);
  std::fprintf(f, "<line x1='%g' y1='20' x2='%g' y2='%g' stroke='black'/>\n", L, L, H + 20);
  for (int i = 0; i <= 4; i++) {
    double v = maxr / 1024.0 * i / 4;
    std::fprintf(f, "<text x='5' y='%g'>%.1f</text>\n", H + 20 - H * i / 4 + 4, v);
    std::fprintf(f, "<text x='%g' y='%g'>%.0fs</text>\n", L + W * i / 4 - 10, H + 38, T * i / 4);
  }
  std::fprintf(f, "<line x1='%g' y1='20' x2='%g' y2='%g' stroke='gray' stroke-dasharray='4'/>\n", L + W * warm / T,
               L + W * warm / T, H + 20);
  std::fprintf(f, "<polyline fill='none' stroke='steelblue' stroke-width='1.5' points='");
  for (auto& x : s) std::fprintf(f, "%.1f,%.1f ", L + W * x.t / T, H + 20 - H * double(x.rss_kb) / double(maxr));
  std::fprintf(f, "'/>\n<polyline fill='none' stroke='darkorange' stroke-width='1' points='");
  for (auto& x : s) std::fprintf(f, "%.1f,%.1f ", L + W * x.t / T, H + 20 - H * double(x.heap_kb) / double(maxr));
  std::fprintf(f, "'/>\n</svg>\n");
  std::fclose(f);
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: soak SECONDS CSV SVG\n");
    return 2;
  }
  double secs = std::atof(argv[1]);
  if (secs < 3) {
    std::fprintf(stderr, "soak: SECONDS must be at least 3\n");
    return 2;
  }
  double warm = std::min(60.0, secs / 3);
  std::vector<sample> samples;
  auto t0 = clk::now();
  // The watcher: a thread of its own, outside the scheduler.
  std::thread watcher([&] {
    long last[wCount] = {};
    double lastmove[wCount] = {};
    FILE* csv = std::fopen(argv[2], "w");
    if (csv != nullptr) std::fprintf(csv, "seconds,rss_kb,threads,heap_kb,chan,timer,spawn,locked,procs,syscall\n");
    for (;;) {
      std::this_thread::sleep_for(1s);
      double t = std::chrono::duration<double>(clk::now() - t0).count();
      sample s{t, statusfield("VmRSS:"), statusfield("Threads:"), long(mallinfo2().uordblks / 1024)};
      samples.push_back(s);
      if (csv != nullptr) {
        std::fprintf(csv, "%.0f,%ld,%ld,%ld", s.t, s.rss_kb, s.threads, s.heap_kb);
        for (int w = 0; w < wCount; w++) std::fprintf(csv, ",%ld", progress[w].load());
        std::fprintf(csv, "\n");
        std::fflush(csv);
      }
      for (int w = 0; w < wCount; w++) {
        long p = progress[w].load();
        if (p < 0) continue;  // not run (SOAK_ONLY)
        if (p != last[w]) last[w] = p, lastmove[w] = t;
        if (t - lastmove[w] > 30) {
          std::fprintf(stderr, "soak: FAIL: %s made no progress for 30 s (a hang)\n", wname[w]);
          std::fflush(stderr);
          std::_Exit(1);  // the scheduler may be stuck: nothing else can end the run
        }
      }
      if (t >= secs) break;
    }
    if (csv != nullptr) std::fclose(csv);
  });
  // SOAK_ONLY=chan,timer,spawn,locked,procs,syscall runs only those
  // workloads (to find which one grows); the watcher skips the others.
  const char* only = std::getenv("SOAK_ONLY");
  const char* const key[wCount] = {"chan", "timer", "spawn", "locked", "procs", "syscall"};
  void (*const fns[wCount])() = {chan_workload,   timer_workload, spawn_workload,
                                 locked_workload, procs_workload, syscall_workload};
  gort::wait_group wg;
  for (int w = 0; w < wCount; w++) {
    if (only != nullptr && std::strstr(only, key[w]) == nullptr) {
      progress[w] = -1;  // never checked: see the watcher
      continue;
    }
    auto fn = fns[w];
    wg.add(1);
    gort::go([&wg, fn] {
      fn();
      wg.done();
    });
  }
  // Main waits as a goroutine would, while the watcher counts the seconds.
  while (std::chrono::duration<double>(clk::now() - t0).count() < secs) gort::sleep(200ms);
  stopping = true;
  wg.wait();
  watcher.join();

  long warmrss = 0, warmthr = 0, laterss = 0, latethr = 0, endthr = -1;
  for (std::size_t i = 0; i < samples.size(); i++) {
    const sample& s = samples[i];
    if (s.t <= warm) {
      warmrss = std::max(warmrss, s.rss_kb);
      warmthr = std::max(warmthr, s.threads);
    } else {
      laterss = std::max(laterss, s.rss_kb);
      latethr = std::max(latethr, s.threads);
      if (i + 10 >= samples.size()) endthr = endthr < 0 ? s.threads : std::min(endthr, s.threads);
    }
  }
  std::printf(
      "soak: %.0f s, warm-up %.0f s: RSS max %ld KiB during the warm-up, %ld KiB after; threads max %ld, %ld "
      "(at least %ld in the last 10 samples)\n",
      secs, warm, warmrss, laterss, warmthr, latethr, endthr);
  for (int w = 0; w < wCount; w++)
    if (progress[w] >= 0) std::printf("soak: %s: %ld rounds\n", wname[w], progress[w].load());
  if (laterss > warmrss + warmrss / 10 + 4096) fail("RSS grew after the warm-up");
  if (endthr > warmthr + 2) fail("the thread count grew after the warm-up");
  writesvg(argv[3], samples, warm);
  std::printf("soak: %s\n", failed ? "FAIL" : "ok (flat)");
  return failed ? 1 : 0;
}
