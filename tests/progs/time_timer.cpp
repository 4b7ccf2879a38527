// tests/progs/time_timer.cpp: gort::timer, after, after_func: Go's
// semantics of stop and reset, alone and under races.
//   basic      a channel timer: stop before firing is true, then false;
//              reset of a stopped timer is false; it then fires once, not
//              before its time; stop after firing is false; reset + stop
//              of a fired timer is false + true; nothing more arrives
//   zero       a timer of 0 or a negative duration fires at once
//   after      gort::after(d) delivers one time value >= start + d
//   func       after_func runs f once, in another goroutine, not early;
//              stop before it fires keeps it from running; a dropped
//              handle stops it; a detached one still fires
//   races      8 goroutines stop and reset 16 after_func timers at random,
//              20,000 operations in all. Every activation is accounted
//              for: 1 (start) + resets that returned false (they started
//              an inactive timer) == stops that returned true (each
//              cancelled one) + fires; and stop's result matches: a stop
//              that returned false saw no pending activation
//   chanraces  the same on channel timers, by one owner each with readers:
//              every value received is matched by an activation
//   procresize timers pending on every P, some of them stopped, while
//              GOMAXPROCS grows to 4 and shrinks to 1 (moveTimers carries
//              the timers of the Ps that go away): every sleeper wakes,
//              every live timer fires once, no stopped one fires
//   locked     goroutines locked to their threads (and main) sleep: their
//              Ms hand their Ps on while they wait (handoffp wakes an M
//              for the timer), and each wakes on its own thread
// Prints "gomaxprocs=N" and one line per scenario; exit status = failures.
#include <gort/gort.hpp>

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <vector>

#include "tests/progs/check.hpp"

using namespace std::chrono_literals;
using progs::now_ns;
using progs::ns;
using progs::report;

namespace {


void basic() {
  bool ok = true;
  char buf[200] = "";
  gort::timer t(1h);
  bool s1 = t.stop(), s2 = t.stop();
  std::int64_t t0 = now_ns();
  bool r1 = t.reset(5ms);
  gort::time_point v = t.C.recv();
  std::int64_t t1 = now_ns();
  bool s3 = t.stop();
  bool r2 = t.reset(1h);
  bool s4 = t.stop();
  gort::sleep(10ms);
  bool empty = !t.C.try_recv().has_value();
  ok = s1 && !s2 && !r1 && ns(v) >= t0 + 5'000'000 && ns(v) <= t1 && !s3 && !r2 && s4 && empty;
  std::snprintf(buf, sizeof buf, "stop=%d,%d reset=%d fired after %.2f ms stop=%d reset=%d stop=%d empty=%d", s1, s2,
                r1, double(ns(v) - t0) / 1e6, s3, r2, s4, empty);
  report("basic", ok, buf);
}

void zero() {
  std::int64_t t0 = now_ns();
  gort::timer a(0s), b(-5s);
  gort::time_point va = a.C.recv(), vb = b.C.recv();
  bool ok = ns(va) >= t0 && ns(vb) >= t0 && now_ns() - t0 < 1'000'000'000;
  report("zero", ok);
}

void after() {
  std::int64_t t0 = now_ns();
  auto c = gort::after(20ms);
  gort::time_point v = c.recv();
  std::int64_t t1 = now_ns();
  bool more = c.try_recv().has_value();
  char buf[100];
  std::snprintf(buf, sizeof buf, "after %.2f ms", double(ns(v) - t0) / 1e6);
  report("after", ns(v) >= t0 + 20'000'000 && ns(v) <= t1 && !more, buf);
}

void func() {
  bool ok = true;
  std::atomic<int> runs{0};
  std::atomic<std::int64_t> when{0};
  std::atomic<std::int64_t> who{0};
  std::int64_t t0 = now_ns();
  {
    gort::timer t = gort::after_func(10ms, [&] {
      when = now_ns();
      who = gort::goid();
      runs++;
    });
    while (runs.load() == 0 && now_ns() - t0 < 5'000'000'000) gort::sleep(1ms);
    gort::sleep(20ms);
    ok &= runs == 1 && when >= t0 + 10'000'000 && who != gort::goid() && !t.stop();
  }
  // Stopped before it fires.
  std::atomic<int> runs2{0};
  {
    gort::timer t = gort::after_func(20ms, [&] { runs2++; });
    ok &= t.stop();
    gort::sleep(40ms);
    ok &= runs2 == 0;
  }
  // A dropped handle stops the timer; a detached one does not.
  std::atomic<int> runs3{0}, runs4{0};
  { gort::timer t = gort::after_func(10ms, [&] { runs3++; }); }
  // A move-only function will do.
  gort::after_func(10ms, [&runs4, p = std::make_unique<int>(1)] { runs4 += *p; }).detach();
  gort::sleep(40ms);
  for (int i = 0; i < 500 && runs4 == 0; i++) gort::sleep(1ms);
  ok &= runs3 == 0 && runs4 == 1;
  char buf[100];
  std::snprintf(buf, sizeof buf, "runs=%d,%d,%d,%d", runs.load(), runs2.load(), runs3.load(), runs4.load());
  report("func", ok, buf);
}

// races: shared after_func timers, stopped and reset from many goroutines.
void races() {
  constexpr int T = 16, G = 8, OPS = 2500;
  struct acct {
    std::atomic<long> started{1}, cancelled{0}, fired{0};
  };
  std::vector<acct> a(T);
  std::vector<gort::timer> timers;
  for (int i = 0; i < T; i++) timers.push_back(gort::after_func(std::chrono::microseconds(50 * (i + 1)), [&a, i] { a[i].fired++; }));
  gort::wait_group wg;
  for (int g = 0; g < G; g++) {
    wg.add(1);
    gort::go([&, g] {
      std::uint64_t x = 0x9e3779b97f4a7c15ull * std::uint64_t(g + 1);
      for (int k = 0; k < OPS; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int i = int(x % T);
        if ((x >> 8) % 3 == 0) {
          if (timers[i].stop()) a[i].cancelled++;
        } else {
          if (!timers[i].reset(std::chrono::microseconds((x >> 16) % 300))) a[i].started++;
        }
        if (k % 16 == 0) gort::sleep(std::chrono::microseconds((x >> 24) % 400));
      }
      wg.done();
    });
  }
  wg.wait();
  // Final stops; then wait for the fires already under way to land.
  for (int i = 0; i < T; i++)
    if (timers[i].stop()) a[i].cancelled++;
  auto balanced = [&] {
    for (acct& x : a)
      if (x.started != x.cancelled + x.fired) return false;
    return true;
  };
  std::int64_t t0 = now_ns();
  while (!balanced() && now_ns() - t0 < 5'000'000'000) gort::sleep(1ms);
  long st = 0, ca = 0, fi = 0;
  for (acct& x : a) st += x.started, ca += x.cancelled, fi += x.fired;
  char buf[200];
  std::snprintf(buf, sizeof buf, "activations=%ld cancelled=%ld fired=%ld", st, ca, fi);
  report("races", balanced() && fi > 100 && ca > 100, buf);
}

// chanraces: channel timers; each has one owner goroutine that resets and
// stops it and counts activations, and a reader that drains C. A value
// can be lost only when C is full, which the owner avoids by draining
// before each reset (Go's rule for Reset).
void chanraces() {
  constexpr int T = 8, OPS = 1500;
  std::atomic<long> started{0}, cancelled{0}, received{0};
  gort::wait_group wg;
  for (int i = 0; i < T; i++) {
    wg.add(1);
    gort::go([&, i] {
      gort::timer t(std::chrono::microseconds(100));
      long st = 1, ca = 0, rc = 0;
      std::uint64_t x = 0x2545f4914f6cdd1dull * std::uint64_t(i + 1);
      for (int k = 0; k < OPS; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (x % 2 == 0) gort::sleep(std::chrono::microseconds(x % 200));
        if (!t.stop()) {
          // It fired (or was stopped before): its value, if any, is in C
          // or on its way; Go's idiom drains it before the reset.
          if (st - ca > rc) {
            t.C.recv();
            rc++;
          }
        } else {
          ca++;
        }
        if (!t.reset(std::chrono::microseconds(x % 150))) st++;
      }
      if (t.stop()) ca++;
      else if (st - ca > rc) {
        t.C.recv();
        rc++;
      }
      bool extra = t.C.try_recv().has_value();
      started += st;
      cancelled += ca;
      received += rc + (extra ? 1000000 : 0);
      wg.done();
    });
  }
  wg.wait();
  char buf[200];
  std::snprintf(buf, sizeof buf, "activations=%ld cancelled=%ld received=%ld", started.load(), cancelled.load(),
                received.load());
  report("chanraces", started == cancelled + received && received > 100, buf);
}

void procresize() {
  const int before = gort::gomaxprocs(0);
  gort::gomaxprocs(4);
  constexpr int S = 400, T = 100;
  std::atomic<int> woke{0}, early{0}, fired{0}, stoppedfired{0};
  gort::wait_group wg, made;
  // Sleepers and timers started from goroutines spread over the Ps.
  std::vector<gort::timer> live, stopped;
  gort::mutex mu;
  for (int i = 0; i < S; i++) {
    wg.add(1);
    made.add(1);
    gort::go([&, i] {
      if (i < T) {
        std::lock_guard<gort::mutex> g(mu);
        live.push_back(gort::after_func(std::chrono::milliseconds(20 + i % 30), [&] { fired++; }));
        stopped.push_back(gort::after_func(std::chrono::milliseconds(20 + i % 30), [&] { stoppedfired++; }));
      }
      made.done();
      auto d = std::chrono::milliseconds(10 + i % 40);
      std::int64_t t0 = now_ns();
      gort::sleep(d);
      if (now_ns() < t0 + std::chrono::nanoseconds(d).count()) early++;
      woke++;
      wg.done();
    });
    if (i % 50 == 0) gort::gosched();
  }
  made.wait();
  // A stop that comes too late (a loaded machine) returns false: then that
  // timer has fired, or will.
  int late = 0;
  {
    std::lock_guard<gort::mutex> g(mu);
    for (auto& t : stopped) late += !t.stop();
  }
  gort::gomaxprocs(1);
  wg.wait();
  std::int64_t t0 = now_ns();
  while ((fired < T || stoppedfired < late) && now_ns() - t0 < 5'000'000'000) gort::sleep(1ms);
  gort::sleep(60ms);
  gort::gomaxprocs(before);
  char buf[200];
  std::snprintf(buf, sizeof buf, "woke %d of %d (%d early), fired %d of %d, stopped ones fired %d (%d stopped late)",
                woke.load(), S, early.load(), fired.load(), T, stoppedfired.load(), late);
  report("procresize", woke == S && early == 0 && fired == T && stoppedfired == late, buf);
}

void locked() {
  std::atomic<int> moved{0}, done{0};
  gort::wait_group wg;
  for (int k = 0; k < 4; k++) {
    wg.add(1);
    gort::go([&] {
      gort::lock_os_thread();
      long tid = syscall(SYS_gettid);
      for (int i = 0; i < 20; i++) {
        gort::sleep(2ms);
        if (syscall(SYS_gettid) != tid) moved++;
      }
      gort::unlock_os_thread();
      done++;
      wg.done();
    });
  }
  gort::lock_os_thread();
  long tid = syscall(SYS_gettid);
  gort::sleep(30ms);
  if (syscall(SYS_gettid) != tid) moved++;
  gort::unlock_os_thread();
  wg.wait();
  char buf[100];
  std::snprintf(buf, sizeof buf, "%d of 4 done, %d wake-ups on another thread", done.load(), moved.load());
  report("locked", done == 4 && moved == 0, buf);
}

}  // namespace

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  basic();
  zero();
  after();
  func();
  races();
  chanraces();
  procresize();
  locked();
  return progs::fails;
}
