// tests/sched/deadlock_test.cpp: checkdead. When no goroutine can ever run
// again the program must say so the way Go does (fatal error, the
// goroutines with their wait reasons, exit status 2), in every variant and
// at GOMAXPROCS 1 and 2. The no-false-alarm cases (timers pending, a
// goroutine computing) are in the timer and scheduler tests.
#include <criterion/criterion.h>

#include "harness.hpp"

// expect_deadlock runs `deadlock mode` and checks the report: the header,
// goroutine 1's wait reason, and that every other line named appears.
static void expect_deadlock(const std::string& mode, const std::string& main_reason,
                            const std::vector<std::string>& others, int ngoroutines) {
  for (const std::string& v : variants()) {
    for (int procs : {1, 2}) {
      std::vector<std::string> env = {"GOMAXPROCS=" + std::to_string(procs)};
      result r = run({prog(v, "deadlock"), mode}, &env, 30);
      std::string where = "deadlock " + mode + " " + v + " GOMAXPROCS=" + std::to_string(procs);
      cr_assert(r.exited && r.status == 2, "%s: %s", where.c_str(), show(r).c_str());
      cr_assert(!contains(r.out, "unreachable"), "%s: %s", where.c_str(), show(r).c_str());
      cr_assert(r.err.rfind("fatal error: all goroutines are asleep - deadlock!\n", 0) == 0, "%s: %s",
                where.c_str(), show(r).c_str());
      cr_assert(contains(r.err, "\ngoroutine 1 [" + main_reason), "%s: %s", where.c_str(), show(r).c_str());
      for (const std::string& o : others)
        cr_assert(contains(r.err, o), "%s: missing %s: %s", where.c_str(), o.c_str(), show(r).c_str());
      cr_assert_eq(count(r.err, "\ngoroutine "), ngoroutines, "%s: %s", where.c_str(), show(r).c_str());
    }
  }
}

Test(deadlock, main_blocked_on_a_channel_nobody_sends_on) {
  expect_deadlock("recv", "chan receive]:", {" [chan send]:", " [select]:"}, 3);
}

Test(deadlock, after_other_goroutines_ran_and_exited) {
  expect_deadlock("late", "chan receive]:", {" [chan send]:", " [select]:"}, 3);
}

Test(deadlock, receive_from_nil_channel) { expect_deadlock("nilchan", "chan receive (nil chan)]:", {}, 1); }

Test(deadlock, select_with_no_cases) { expect_deadlock("select0", "select (no cases)]:", {}, 1); }

Test(deadlock, all_goroutines_blocked_on_a_mutex) { expect_deadlock("mutex", "semacquire]:", {}, 4); }

Test(deadlock, wait_group_with_stuck_workers) { expect_deadlock("wg", "semacquire]:", {" [chan receive]:"}, 3); }
