// tests/sched/preempt_test.cpp: asynchronous preemption (runtime/
// preempt.cpp; gort(7), "PREEMPTION"). Child-process tests over
// tests/progs/preempt_sched.cpp (one scenario per run) and
// tests/progs/preempt_regs.cpp (bit-exactness, malloc).
//
// The verdicts are about progress and order, never time: did the sleeper
// wake at all while a loop spun on the only P (without preemption it never
// does: the program hangs and the watchdog prints FAIL), did the two loops
// both advance, did nothing run inside qsort or a no_preempt region. The
// times the programs print (wake latency, slices) are for the closing note
// and bench/run, not asserted.
#include <criterion/criterion.h>

#include <regex>

#include "harness.hpp"
#include "sanitize.hpp"

TestSuite(preempt, .timeout = 900);

namespace {

result sched(const std::string& v, const char* scenario, int procs, std::vector<std::string> env = {}) {
  return runp(v, "preempt_sched", procs, {scenario}, env, 60);
}

void expect_ok(const std::string& v, const char* scenario, int procs, std::vector<std::string> env = {}) {
  result r = sched(v, scenario, procs, env);
  std::string w = v + " " + scenario + " GOMAXPROCS=" + std::to_string(procs);
  for (auto& e : env) w += " " + e;
  expect_scenarios(r, w, procs, {scenario});
}

long field(const std::string& out, const char* re) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(re))) return -1;
  return std::stol(m[1].str());
}

}  // namespace

// At GOMAXPROCS=1, a loop without calls and a loop calling only inline code
// do not starve main, which sleeps 1 ms a hundred times (Go: every
// goroutine gets the P within a slice).
Test(preempt, loops_do_not_starve_a_sleeper) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  for (const std::string& v : variants())
    for (const char* s : {"callfree", "inline"}) expect_ok(v, s, 1);
}

// Two CPU-bound goroutines share the P; Go's TestPingPongHog.
Test(preempt, cpu_bound_goroutines_share_the_p) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  for (const std::string& v : some_variants())
    for (const char* s : {"fair", "pingponghog"}) expect_ok(v, s, 1);
}

// Go's testprog AsyncPreempt and a stop of the world by gomaxprocs(n):
// loops that never enter the scheduler are stopped.
Test(preempt, stop_the_world_stops_loops) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  for (const std::string& v : some_variants()) {
    expect_ok(v, "asyncpreempt", 1);
    expect_ok(v, "stw", 2);
  }
}

// Go's TestPreemptionAfterSyscall.
Test(preempt, preemption_after_syscall) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  expect_ok("pie-O2", "aftersyscall", 2);
}

// Never inside libc: qsort is not preempted, the loop after it is; a
// gort::no_preempt region is not, the code after it is.
Test(preempt, not_in_libc_nor_no_preempt) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  for (const std::string& v : some_variants())
    for (const char* s : {"qsort", "nopreempt"}) expect_ok(v, s, 1);
}

// A thread asleep in the kernel gets no signal (its nanosleep is not cut
// short); a goroutine pinned to an M that blocks runs elsewhere.
Test(preempt, sleeping_threads_and_pins) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  expect_ok("pie-O2", "nosignal", 2);
  expect_ok("pie-O2", "unpin", 1);
}

// Where a preempted goroutine resumes: on the same thread by default (its
// fs base does not change between two calls), on any with
// GODEBUG=asyncpreemptpin=0 (Go's way: it does).
Test(preempt, sticky_resumption) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  result r = sched("pie-O2", "policy", 2);
  expect_scenarios(r, "policy", 2, {"policy"});
  cr_assert_eq(field(r.out, "changes inside call-free code: (\\d+)"), 0, "%s", r.out.c_str());
  r = sched("pie-O2", "policy", 2, {"GODEBUG=asyncpreemptpin=0"});
  expect_scenarios(r, "policy asyncpreemptpin=0", 2, {"policy"});
  cr_assert_gt(field(r.out, "changes inside call-free code: (\\d+)"), 0, "%s", r.out.c_str());
}

// GODEBUG=asyncpreemptoff=1: cooperative only, as before; main does not run
// during a call-free loop. Without it, it does.
Test(preempt, asyncpreemptoff) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  result r = sched("pie-O2", "asyncoff", 1, {"GODEBUG=asyncpreemptoff=1"});
  expect_scenarios(r, "asyncoff off", 1, {"asyncoff"});
  cr_assert_eq(field(r.out, "main ran (\\d+) times"), 0, "%s", r.out.c_str());
  cr_assert_eq(field(r.out, "signals=(\\d+)"), 0, "%s", r.out.c_str());
  r = sched("pie-O2", "asyncoff", 1);
  expect_scenarios(r, "asyncoff on", 1, {"asyncoff"});
  cr_assert_gt(field(r.out, "main ran (\\d+) times"), 0, "%s", r.out.c_str());
}

// The signal: a foreign SIGURG reaches the program's own handler;
// GORT_PREEMPTSIG picks another signal; a bad one is refused clearly.
Test(preempt, the_signal) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  expect_ok("pie-O2", "foreign", 1);
  expect_ok("pie-O2", "callfree", 1, {"GORT_PREEMPTSIG=SIGUSR2"});
  expect_ok("pie-O2", "foreign", 1, {"GORT_PREEMPTSIG=RTMIN+3"});
  for (const char* bad : {"SIGSEGV", "KILL", "33", "nonsense", "RTMIN+99"}) {
    result r = sched("pie-O2", "callfree", 1, {std::string("GORT_PREEMPTSIG=") + bad});
    cr_assert(r.exited && r.status != 0, "GORT_PREEMPTSIG=%s: %s", bad, show(r).c_str());
    cr_assert(contains(r.err, "GORT_PREEMPTSIG"), "GORT_PREEMPTSIG=%s: %s", bad, show(r).c_str());
  }
}

// A SIGQUIT dump shows a preempted goroutine's own frames below
// runtime.asyncPreempt.
Test(preempt, dump_shows_preempted_frames) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  for (const std::string& v : some_variants()) {
    result r = sched(v, "dump", 1);
    cr_assert(r.exited && r.status == 2, "%s: %s", v.c_str(), show(r).c_str());
    // (Under ASan, mcall's detour that tells the sanitizer of the switch,
    // runtime/sanitizer.cpp, is the innermost frame: shown at this level.)
    std::string head = "goroutine 2 [runnable]:\n";
    std::size_t at = r.err.find(head);
    cr_assert(at != std::string::npos, "%s: %s", v.c_str(), show(r).c_str());
    std::size_t top = at + head.size();
    if (!test_sanitizer().empty() && r.err.compare(top, 24, "gort::runtime::mcallsan(") == 0)
      top = r.err.find('\n', r.err.find('\n', top) + 1) + 1;
    cr_assert(r.err.compare(top, 21, "runtime.asyncPreempt(") == 0, "%s: %s", v.c_str(), show(r).c_str());
    std::string g2 = r.err.substr(at, r.err.find("\n\n", at) - at);
    cr_assert(contains(g2, "spinUntilStopped"), "%s: %s", v.c_str(), show(r).c_str());
  }
}

// 10^5 preemptions of a loop that keeps live values in every general
// register, the flags, MXCSR, x87 and every vector register the CPU has
// leave them bit-exact; malloc-heavy goroutines survive 10^5 preemption
// signals. Each run is also bounded to 60 s (a busy CI machine delivers
// cross-thread signals slowly); a run stopped by the bound must still have
// seen 200 and says how many it saw.
Test(preempt, registers_bit_exact) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  result r = runp("pie-O2", "preempt_regs", 1, {"regs", "100000", "60"}, {}, 120);
  expect_scenarios(r, "preempt_regs regs", 1, {"regs"});
  cr_log_info("%s", r.out.c_str());
}

Test(preempt, malloc_survives) {
  SKIP_WITHOUT_ASYNC_PREEMPTION();
  result r = runp("pie-O2", "preempt_regs", 1, {"malloc", "100000", "40"}, {}, 120);
  expect_scenarios(r, "preempt_regs malloc", 1, {"malloc"});
  cr_log_info("%s", r.out.c_str());
}
