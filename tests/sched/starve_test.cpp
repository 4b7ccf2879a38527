// tests/sched/starve_test.cpp: goroutines that only yield, or only block,
// must not starve timers or other goroutines (issue 19, items 1 and 2).
// Each scenario of tests/progs/starve.cpp hangs when something starves; the
// 30 s limit turns a hang into a failure (the scenarios take milliseconds).
#include <criterion/criterion.h>

#include <string>
#include <vector>

#include "harness.hpp"

static void scenario(const char* name, std::vector<int> procs, std::vector<std::string> env = {}) {
  for (const std::string& v : some_variants())
    for (int n : procs) {
      result r = runp(v, "starve", n, {name}, env, 30);
      cr_assert(r.exited && r.status == 0 && contains(r.out, std::string(name) + ": ok\n"), "%s %s GOMAXPROCS=%d: %s",
                v.c_str(), name, n, show(r).c_str());
    }
}

// Item 1: gosched's shortcut to the global queue passed no timers.
Test(starve, yield_progress) { scenario("yield_progress", {1, 2}); }
Test(starve, yield_locked_progress) { scenario("yield_locked_progress", {1, 2}); }
Test(starve, one_yielder_per_p_waits_for_a_timer) { scenario("yield_afterfunc", {1, 2, 4}); }

// Item 2: a G woken into runnext inherited the time slice for ever. The
// bound is cooperative, so it holds with asyncpreemptoff=1 too.
Test(starve, pingpong_pair_leaves_room_for_others) {
  scenario("pingpong", {1});
  scenario("pingpong", {1}, {"GODEBUG=asyncpreemptoff=1"});
}
Test(starve, two_pingpong_pairs_at_two_ps) { scenario("pingpong2", {2}); }
Test(starve, pingpong_leaves_room_for_the_global_queue) { scenario("pingpong_global", {1}); }
Test(starve, sleeper_in_runnext_leaves_room_for_others) {
  scenario("sleeper_victim", {1});
  scenario("sleeper_victim", {1}, {"GODEBUG=asyncpreemptoff=1"});
}
