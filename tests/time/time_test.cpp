// tests/time/time_test.cpp: timers (<gort/time.hpp>, runtime/time.cpp).
// Runs the programs tests/progs/time_*.cpp at GOMAXPROCS 1 and 2 and
// matches one "<scenario>: ok" line per scenario (each program describes
// its scenarios at the top). The heavier ones run in two build variants
// (pie-O2 and nopie-O0, where the run has them): the runtime is the same
// code in all four.
#include <criterion/criterion.h>

#include <algorithm>
#include <chrono>
#include <regex>

#include "harness.hpp"
#include "sanitize.hpp"

namespace {

const int kProcs[] = {1, 2};

// run_scenarios runs program name at each GOMAXPROCS in the given variants
// and checks exit 0 and "<s>: ok" for every scenario s.
void run_scenarios(const std::vector<std::string>& vs, const std::string& name,
                   const std::vector<std::string>& scenarios) {
  for (const std::string& v : vs) {
    for (int procs : kProcs) {
      result r = runp(v, name, procs);
      expect_scenarios(r, name + " " + v + " GOMAXPROCS=" + std::to_string(procs), procs, scenarios);
    }
  }
}

// ms reads "<what> at <n> ms" from out; -1 if absent.
long ms(const std::string& out, const std::string& what) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(what + " at (\\d+) ms"))) return -1;
  return std::stol(m[1]);
}

}  // namespace

TestSuite(time, .timeout = 400);

Test(time, ten_thousand_sleepers_wake_in_order_never_early) {
  SKIP_UNDER_TSAN("starting a goroutine takes TSan about half a millisecond: the sleepers' order is the starts'");
  run_scenarios(some_variants(), "time_sleepers", {"early", "order", "all"});
}

Test(time, timer_stop_reset_semantics_and_races) {
  run_scenarios(variants(), "time_timer", {"basic", "zero", "after", "func", "races", "chanraces", "procresize", "locked"});
}

Test(time, ticker_drift_bounded_slow_receiver_stop_reset) {
  run_scenarios(some_variants(), "time_ticker", {"drift", "slow", "stop", "select"});
}

Test(time, timers_in_select) { run_scenarios(variants(), "time_select", {"timeout", "ready", "reuse", "many"}); }

Test(time, waiting_for_a_timer_burns_no_cpu) {
  SKIP_UNDER_TSAN("TSan's fibers cost CPU at each goroutine's start and end, and its background thread runs");
  run_scenarios(some_variants(), "time_idle", {"idle"});
}

// checkdead and timers: no deadlock report while a timer is pending; the
// report once the last one has fired.
Test(time, no_false_deadlock_with_a_pending_timer) {
  for (const std::string& v : variants()) {
    for (int procs : kProcs) {
      std::string where = v + " GOMAXPROCS=" + std::to_string(procs);

      result r = runp(v, "time_deadlock", procs, {"main_sleeps"}, {}, 30);
      cr_assert(r.exited && r.status == 0 && r.err.empty(), "main_sleeps %s: %s", where.c_str(), show(r).c_str());
      cr_assert(ms(r.out, "main woke") >= 300, "main_sleeps %s: %s", where.c_str(), show(r).c_str());

      auto t0 = std::chrono::steady_clock::now();
      r = runp(v, "time_deadlock", procs, {"main_blocked"}, {}, 30);
      long el = long(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
      cr_assert(r.exited && r.status == 2, "main_blocked %s: %s", where.c_str(), show(r).c_str());
      cr_assert(r.err.rfind("fatal error: all goroutines are asleep - deadlock!\n", 0) == 0, "main_blocked %s: %s",
                where.c_str(), show(r).c_str());
      long s = ms(r.out, "sleeper woke"), f = ms(r.out, "after_func ran");
      cr_assert(s >= 200 && f >= 300 && el >= 300 && !contains(r.out, "unreachable"), "main_blocked %s: %s",
                where.c_str(), show(r).c_str());

      r = runp(v, "time_deadlock", procs, {"ticker"}, {}, 30);
      cr_assert(r.exited && r.status == 2, "ticker %s: %s", where.c_str(), show(r).c_str());
      cr_assert(r.err.rfind("fatal error: all goroutines are asleep - deadlock!\n", 0) == 0, "ticker %s: %s",
                where.c_str(), show(r).c_str());
      cr_assert(ms(r.out, "ticker stopped") >= 250, "ticker %s: %s", where.c_str(), show(r).c_str());
    }
  }
}
