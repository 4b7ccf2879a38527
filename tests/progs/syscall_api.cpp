// tests/progs/syscall_api.cpp SCENARIO: the system-call protocol seen from a
// program: gort::syscall and gort::blocking, errno across migrations,
// thread limits, and ports of Go's proc_test.go (TestGoroutineParallelism,
// TestBlockLocked, the system-call part of TestNumGoroutine).
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "check.hpp"
#include "thread.hpp"

using progs::report;

namespace {

// The ticker of syscall_block.cpp: counts 10 ms sleeps.
std::atomic<long> ticks{0};
std::atomic<bool> ticking{true};
gort::wait_group tickerdone;
void startticker() {
  tickerdone.add(1);
  gort::go([] {
    while (ticking.load()) {
      gort::sleep(std::chrono::milliseconds(10));
      ticks.fetch_add(1);
    }
    tickerdone.done();
  });
}
void stopticker() {
  ticking.store(false);
  tickerdone.wait();
}

long rawread(int fd) {
  char c;
  return syscall(SYS_read, fd, &c, 1);  // not hooked: only gort::syscall tells the scheduler
}

// api: gort::syscall and gort::blocking around a raw blocking read give the
// P away (with retakeblocked off, nothing else would): the ticker makes 5
// ticks while the read blocks; results and exceptions pass through. The
// read is released by a thread of its own once the ticker has made that
// progress, or after 5 s when it has not (a fixed 200 ms window was too
// short for 5 ticks on a loaded machine, now and then).
// The releaser's state: progs::thread takes a plain function in the
// nolibc flavour (a raw clone thread), so no captures.
int relfd = -1;
long relt0 = 0;
std::atomic<long> during{-1};
void release() {
  std::int64_t cap = progs::now_ns() + 5'000'000'000;
  while (ticks.load() - relt0 < 5 && progs::now_ns() < cap) {
    timespec ms{0, 1'000'000};
    nanosleep(&ms, nullptr);
  }
  during = ticks.load() - relt0;
  if (write(relfd, "x", 1) != 1) std::exit(3);
}

void api() {
  for (bool block : {false, true}) {
    int p[2];
    if (pipe(p) != 0) std::exit(3);
    startticker();
    gort::sleep(std::chrono::milliseconds(20));
    relt0 = ticks.load();
    relfd = p[1];
    during = -1;
    gort::chan<long> res(1);
    progs::thread releaser(release);
    gort::go([&] { res.send(block ? gort::blocking(rawread, p[0]) : gort::syscall(rawread, p[0])); });
    long r = res.recv();
    releaser.join();
    stopticker();
    ticking.store(true);
    char d[64];
    std::snprintf(d, sizeof d, "ticks=%ld result=%ld", during.load(), r);
    report(block ? "blocking_gives_the_p_away" : "syscall_gives_the_p_away", during.load() >= 5 && r == 1, d);
    close(p[0]);
    close(p[1]);
  }
  bool caught = false;
  try {
    gort::syscall([]() -> int { throw std::runtime_error("from inside"); });
  } catch (const std::runtime_error& e) {
    caught = std::strcmp(e.what(), "from inside") == 0;
  }
  // The goroutine must hold a P again: a channel round trip needs one.
  gort::chan<int> c(1);
  c.send(7);
  report("exception_passes_with_the_p_back", caught && c.recv() == 7);
  int v = gort::blocking([](int a, int b) { return a * b; }, 6, 7);
  report("blocking_returns_the_value", v == 42);
  // Nested: a hooked call inside gort::syscall goes straight to the kernel.
  long n = gort::syscall([] { return long(write(-1, "x", 1)); });
  report("nested_hook_is_a_plain_call", n == -1 && errno == EBADF);
}

// errno: each goroutine sets errno by a failing call, parks, and finds its
// own errno again, on whatever thread it resumed.
void errnoscenario() {
  const int G = 16, R = 300;
  std::atomic<int> bad{0}, migrated{0};
  gort::wait_group wg;
  for (int i = 0; i < G; i++) {
    wg.add(1);
    gort::go([&, i] {
      for (int r = 0; r < R; r++) {
        pid_t before = gettid();
        int want = (i + r) % 2 == 0 ? EBADF : ENOENT;
        if (want == EBADF)
          (void)!write(-1, "x", 1);
        else
          (void)!access("/nonexistent/gort", F_OK);
        switch (r % 3) {
          case 0: gort::gosched(); break;
          case 1: gort::sleep(std::chrono::microseconds(50)); break;
          case 2: usleep(20); break;  // the hooked sleep parks too
        }
        if (errno != want) bad.fetch_add(1);
        if (gettid() != before) migrated.fetch_add(1);
      }
      wg.done();
    });
  }
  wg.wait();
  char d[64];
  std::snprintf(d, sizeof d, "wrong=%d migrated=%d", bad.load(), migrated.load());
  // Migrations happen at GOMAXPROCS > 1; the check means little without.
  report("errno_follows_the_goroutine", bad.load() == 0 && (gort::gomaxprocs(0) == 1 || migrated.load() > 0), d);
}

// threads: more goroutines blocked in system calls than set_max_threads
// allows: Go's fatal error, never a hang.
void threads() {
  gort::set_max_threads(12);
  int p[2];
  if (pipe(p) != 0) std::exit(3);
  // gort::blocking: each holds a thread (a hooked read would not: it
  // waits on the network poller).
  for (int i = 0; i < 40; i++) gort::go([&] { (void)!gort::blocking(rawread, p[0]); });
  gort::sleep(std::chrono::seconds(5));
  std::printf("threads: not stopped\n");
  std::exit(0);
}

// parallelism: Go's TestGoroutineParallelism, at GOMAXPROCS=4: four
// goroutines spin, each waiting for the others' turn; they finish only if
// all four run at once, on four threads.
void parallelism() {
  const int P = 4, N = 10;
  int old = gort::gomaxprocs(P);
  for (int t = 0; t < N; t++) {
    gort::chan<bool> done(0);
    std::atomic<unsigned> x{0};
    for (int p = 0; p < P; p++) {
      gort::go([&, p] {
        for (int i = 0; i < 3; i++) {
          unsigned expected = unsigned(P * i + p);
          while (x.load() != expected) {
          }
          x.store(expected + 1);
        }
        done.send(true);
      });
    }
    for (int p = 0; p < P; p++) done.recv();
  }
  gort::gomaxprocs(old);
  report("goroutine_parallelism", true);
}

// blocklocked: Go's TestBlockLocked: a goroutine locked to its thread
// hands values to main through an unbuffered channel.
void blocklocked() {
  const int N = 10;
  gort::chan<bool> c(0);
  gort::go([&] {
    gort::lock_os_thread();
    for (int i = 0; i < N; i++) c.send(true);
    gort::unlock_os_thread();
  });
  for (int i = 0; i < N; i++) c.recv();
  report("block_locked", true);
}

// numgoroutine: goroutines in system calls count, and a SIGQUIT dump
// shows them [syscall] (the system-call part of Go's TestNumGoroutine);
// those in a hooked read of a pipe wait on the poller: [IO wait]. At
// GOMAXPROCS=1 each goroutine in gort::syscall holds the P until sysmon
// takes it, so main waits until all have started (each a few lines from
// its call) rather than for a fixed time, and then 100 ms more.
void numgoroutine() {
  const int N = 6;
  int p[2];
  if (pipe(p) != 0) std::exit(3);
  std::atomic<int> started{0};
  for (int i = 0; i < N; i++) gort::go([&, i] {
      char c;
      started.fetch_add(1);
      if (i % 2 == 0)
        (void)!read(p[0], &c, 1);  // hooked: parks on the poller
      else
        (void)!gort::syscall(rawread, p[0]);
    });
  while (started.load() < N) gort::sleep(std::chrono::milliseconds(10));
  gort::sleep(std::chrono::milliseconds(100));
  std::printf("numgoroutine: %d\n", gort::num_goroutine());
  std::fflush(stdout);
  kill(getpid(), SIGQUIT);
  gort::sleep(std::chrono::seconds(5));
}

}  // namespace

int main(int argc, char** argv) {
  std::string s = argc > 1 ? argv[1] : "";
  if (s == "api") api();
  else if (s == "errno") errnoscenario();
  else if (s == "threads") threads();
  else if (s == "parallelism") parallelism();
  else if (s == "blocklocked") blocklocked();
  else if (s == "numgoroutine") numgoroutine();
  else {
    std::fprintf(stderr, "usage: syscall_api api|errno|threads|parallelism|blocklocked|numgoroutine\n");
    return 2;
  }
  return progs::fails == 0 ? 0 : 1;
}
