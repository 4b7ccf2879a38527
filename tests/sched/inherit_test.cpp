// tests/sched/inherit_test.cpp: runqget's bound on an inherited time slice
// (issue 19, item 2), on bare structures.
#include <criterion/criterion.h>

#include "bare.hpp"

static void setup() {
  gomaxprocs = 1;
  physPageSize = 4096;
  ncpu = 2;
}

TestSuite(inherit, .init = setup);

// Two Gs taking turns in runnext, as a ping-pong pair does, with a third
// waiting in the ring: within 64 turns the third comes out, on a fresh
// slice, and the runnext G goes behind it.
Test(inherit, runnext_loses_its_place_after_64_turns) {
  p* pp = new p();
  pp->status = _Prunning;
  g a, b, victim;
  runqput(pp, &victim, false);
  g* cur = &a;
  bool inherit = false;
  int turns = 0;
  for (;;) {
    runqput(pp, cur == &a ? &b : &a, true);  // cur readies its partner, then blocks
    g* gp = runqget(pp, &inherit);
    turns++;
    if (gp == &victim) break;
    cr_assert(inherit, "a G from runnext inherits the slice (turn %d)", turns);
    cr_assert(turns < 64, "the victim ran after 64 turns at the latest");
    cur = gp;
  }
  cr_assert_not(inherit, "the victim runs on a fresh slice");
  cr_assert_eq(turns, 64);
  bool inherit2 = true;
  g* next = runqget(pp, &inherit2);
  cr_assert(next == &a || next == &b, "the displaced runnext G is next in the ring");
  cr_assert_not(inherit2);
}

// With nobody waiting, the pair keeps its slice: no G moves.
Test(inherit, alone_the_pair_keeps_inheriting) {
  p* pp = new p();
  pp->status = _Prunning;
  g a, b;
  g* cur = &a;
  for (int i = 0; i < 1000; i++) {
    runqput(pp, cur == &a ? &b : &a, true);
    bool inherit = false;
    g* gp = runqget(pp, &inherit);
    cr_assert(inherit && gp != cur);
    cur = gp;
  }
}
