// tests/chan/chan_test.cpp: channels and select (<gort/chan.hpp>). Runs the
// programs tests/progs/chan_*.cpp in every build variant at GOMAXPROCS 1
// and 2 and matches one "<scenario>: ok" line per scenario (each program
// describes its scenarios at the top); misuse must end the program with
// Go's panic message and exit status 2.
#include <criterion/criterion.h>

#include <cstdio>
#include <fstream>

#include "harness.hpp"
#include "sanitize.hpp"

namespace {

const int kProcs[] = {1, 2};

// run_scenarios runs program name in each variant at each GOMAXPROCS and
// checks that it exits 0 with "<s>: ok" for every scenario s and no FAIL.
void run_scenarios(const std::string& name, const std::vector<std::string>& scenarios) {
  for (const std::string& v : variants()) {
    for (int procs : kProcs) {
      result r = runp(v, name, procs);
      expect_scenarios(r, name + " " + v + " GOMAXPROCS=" + std::to_string(procs), procs, scenarios);
    }
  }
}

}  // namespace

TestSuite(chan, .timeout = 400);

Test(chan, classic_sieve_ring_fifo_stress) {
  SKIP_UNDER_TSAN("the ring and the stress start tens of thousands of goroutines, a TSan fiber each: past the "
                  "test's time limit");
  run_scenarios("chan_classic", {"sieve", "ring", "fifo", "stress", "stress_select"});
}

Test(chan, semantics_of_each_operation_and_element_lifetimes) {
  run_scenarios("chan_semantics", {"lencap", "handles", "nonblocking", "closed", "fullsender", "wakeclose", "range",
                                   "zerosize", "moveonly", "strings", "counted", "atexit"});
}

Test(chan, select_fairness_cases_and_blocking_forever) {
  run_scenarios("chan_select", {"fair_recv", "fair_mixed", "fair_same", "index", "handlers", "default", "nil",
                                "same_chan", "types", "wake", "forever"});
}

// Misuse panics as Go's does: "panic: <message>" on stderr, exit status 2,
// and nothing the program would print after the faulty operation.
Test(chan, misuse_panics_as_in_go) {
  struct {
    const char* scenario;
    const char* want;
  } cases[] = {
      {"send_closed", "panic: send on closed channel\n"},
      {"send_closed_unbuf", "panic: send on closed channel\n"},
      {"try_send_closed", "panic: send on closed channel\n"},
      {"select_send_closed", "panic: send on closed channel\n"},
      {"send_blocked_close", "panic: send on closed channel\n"},
      {"select_blocked_close", "panic: send on closed channel\n"},
      {"close_closed", "panic: close of closed channel\n"},
      {"close_nil", "panic: close of nil channel\n"},
      {"make_negative", "panic: makechan: size out of range\n"},
      {"make_huge_count", "panic: makechan: size out of range\n"},
      {"make_huge_bytes", "panic: makechan: size out of range\n"},
  };
  for (const std::string& v : variants()) {
    for (int procs : kProcs) {
      std::vector<std::string> env = {"GOMAXPROCS=" + std::to_string(procs)};
      for (auto& c : cases) {
        result r = run({prog(v, "chan_panic"), c.scenario}, &env, 30);
        std::string where = std::string(c.scenario) + " " + v + " GOMAXPROCS=" + std::to_string(procs);
        cr_assert(r.exited && r.status == 2, "%s: %s", where.c_str(), show(r).c_str());
        cr_assert_eq(r.out, "before\n", "%s: %s", where.c_str(), show(r).c_str());
        cr_assert(r.err.rfind(c.want, 0) == 0, "%s: stderr does not start with %s%s", where.c_str(), c.want,
                  show(r).c_str());
      }
    }
  }
}

// The header compiles as strict ISO C++17 and C++20; a handle's operations
// work on a const handle (a lambda's copy); and an element type whose move
// may throw is refused at compile time with the header's message.
// The same panics are exceptions (gort::panic_error) that a catch recovers,
// as Go's recover does, on main and on a goroutine woken by close.
Test(chan, misuse_panics_are_recoverable) {
  for (const std::string& v : variants()) {
    for (int procs : {1, 2}) {
      std::vector<std::string> env = {"GOMAXPROCS=" + std::to_string(procs)};
      result r = run({prog(v, "chan_panic"), "recover"}, &env, 30);
      std::string where = "recover " + v + " GOMAXPROCS=" + std::to_string(procs);
      cr_assert(r.exited && r.status == 0, "%s: %s", where.c_str(), show(r).c_str());
      cr_assert_eq(r.out,
                   "before\n"
                   "send: recovered: send on closed channel\n"
                   "select: recovered: send on closed channel\n"
                   "close: recovered: close of closed channel\n"
                   "close_nil: recovered: close of nil channel\n"
                   "make: recovered: makechan: size out of range\n"
                   "blocked_send: recovered: send on closed channel\n"
                   "after\n",
                   "%s: %s", where.c_str(), show(r).c_str());
    }
  }
}

// main returns while goroutines wait on global channels: the program ends
// with main's status and nothing else, though the channels' destructors
// run at exit with waiters still queued. Only at GOMAXPROCS=1, where the
// goroutines have certainly blocked once main has yielded to each of them:
// with two Ps a goroutine stolen by the other M may not have run yet when
// main returns, and then it races with the global's destructor, as any
// thread touching a global during exit does in C++ (gort(3)).
Test(chan, main_returns_while_goroutines_wait_on_global_channels) {
  for (const std::string& v : variants()) {
    for (int procs : {1}) {
      std::vector<std::string> env = {"GOMAXPROCS=" + std::to_string(procs)};
      result r = run({prog(v, "chan_exit")}, &env, 30);
      std::string where = "chan_exit " + v + " GOMAXPROCS=" + std::to_string(procs);
      cr_assert(r.exited && r.status == 3, "%s: %s", where.c_str(), show(r).c_str());
      cr_assert_eq(r.out, "main returns with 5 goroutines\n", "%s: %s", where.c_str(), show(r).c_str());
      cr_assert_eq(r.err, "", "%s: %s", where.c_str(), show(r).c_str());
    }
  }
}

Test(chan, header_is_strict_cxx_and_refuses_a_throwing_move) {
  const char* bin = std::getenv("GORT_BIN");
  std::string drv = std::string(bin != nullptr ? bin : "build/bin") + "/gort-c++";
  char tmpl[] = "/tmp/gort-chan-XXXXXX";
  cr_assert(mkdtemp(tmpl) != nullptr);
  std::string src = std::string(tmpl) + "/use.cpp";
  std::ofstream(src) << R"(
#include <gort/gort.hpp>
#include <memory>
#include <string>
#include <type_traits>
static_assert(std::is_nothrow_default_constructible<gort::chan<int>>::value, "");
static_assert(std::is_nothrow_copy_constructible<gort::chan<int>>::value, "");
static_assert(std::is_nothrow_move_constructible<gort::chan<std::string>>::value, "");
static_assert(std::is_nothrow_move_assignable<gort::chan<int>>::value, "");
static_assert(!std::is_convertible<int, gort::chan<int>>::value, "make is explicit");
struct empty {};
int f(const gort::chan<int>& c, const gort::chan<std::unique_ptr<int>>& u, const gort::chan<empty>& e) {
  c.send(1);
  int v = c.recv();
  v += c.recv_ok().value;
  if (c.try_send(2)) v++;
  if (auto r = c.try_recv()) v += r->value;
  for (int x : c) v += x;
  u.send(std::make_unique<int>(3));
  e.send(empty{});
  c.close();
  v += gort::select(gort::case_recv(c, [&](int x, bool ok) { v += x + ok; }), gort::case_send(c, 4),
                    gort::case_recv(e), gort::case_default());
  if (v < 0) gort::select();
  return v + int(c.len() + c.cap());
}
)";
  std::string flags = " -Wall -Wextra -Werror -pedantic -fsyntax-only ";
  for (std::string std : {"-std=c++17", "-std=c++20"}) {
    std::string out = sh(drv + " " + std + flags + src + " 2>&1; echo rc=$?");
    cr_assert(contains(out, "rc=0\n"), "%s -pedantic:\n%s", std.c_str(), out.c_str());
  }
  std::ofstream(src) << R"(
#include <gort/chan.hpp>
struct throwing_move {
  throwing_move() = default;
  throwing_move(throwing_move&&) noexcept(false) {}
};
gort::chan<throwing_move> c(1);
)";
  std::string out = sh(drv + " -std=c++17 -fsyntax-only " + src + " 2>&1; echo rc=$?");
  cr_assert(!contains(out, "rc=0\n") && contains(out, "must be nothrow move-constructible"), "%s", out.c_str());
  sh(std::string("rm -rf ") + tmpl);
}
