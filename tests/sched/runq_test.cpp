// tests/sched/runq_test.cpp: run queues on bare structures, the local ring
// with runnext and the global queue (Go: export_test.go's RunGetQueue,
// TestRunqSteal...). Bare-structure tests: no scheduler runs here; the
// tests drive the functions directly.
#include <criterion/criterion.h>

#include <algorithm>
#include <set>
#include <vector>

#include "bare.hpp"

TestSuite(runq, .init = bare_setup);

Test(runq, fifo_order) {
  p* pp = newp();
  auto gs = newgs(100);
  for (g* gp : gs) runqput(pp, gp, false);
  cr_assert(!runqempty(pp));
  bool inherit = true;
  for (g* want : gs) {
    g* gp = runqget(pp, &inherit);
    cr_assert_eq(gp, want);
    cr_assert(!inherit);
  }
  cr_assert_null(runqget(pp, &inherit));
  cr_assert(runqempty(pp));
}

Test(runq, runnext_first_and_inherits_time) {
  p* pp = newp();
  auto gs = newgs(3);
  runqput(pp, gs[0], false);
  runqput(pp, gs[1], true);
  runqput(pp, gs[2], true);  // kicks gs[1] out to the tail of the ring
  bool inherit;
  cr_assert_eq(runqget(pp, &inherit), gs[2]);
  cr_assert(inherit);
  cr_assert_eq(runqget(pp, &inherit), gs[0]);
  cr_assert(!inherit);
  cr_assert_eq(runqget(pp, &inherit), gs[1]);
  cr_assert(runqempty(pp));
}

Test(runq, runqempty_sees_runnext) {
  p* pp = newp();
  auto gs = newgs(1);
  runqput(pp, gs[0], true);
  cr_assert(!runqempty(pp));
}

Test(runq, overflow_moves_half_plus_one_to_global) {
  p* pp = newp();
  auto gs = newgs(kRunqSize + 1);
  for (g* gp : gs) runqput(pp, gp, false);
  // The 257th put found the ring full: the oldest 128 and the new G went to
  // the global queue, in order.
  cr_assert_eq(sched.runqsize, int32(kRunqSize / 2 + 1));
  g* q = sched.runq.head;
  for (uint32 i = 0; i < kRunqSize / 2; i++, q = q->schedlink) cr_assert_eq(q, gs[i]);
  cr_assert_eq(q, gs[kRunqSize]);
  cr_assert_eq(pp->runqtail.load() - pp->runqhead.load(), kRunqSize / 2);
  bool inherit;
  cr_assert_eq(runqget(pp, &inherit), gs[kRunqSize / 2]);
}

// The prefetch hints runqputslow leaves (g::schedlinkahead): each spilled G
// names the G kRunqAhead places further down its batch, or null where the
// batch ends sooner; a G put on the global queue alone carries none, even
// one that was spilled with hints before.
Test(runq, overflow_leaves_prefetch_hints) {
  p* pp = newp();
  auto gs = newgs(kRunqSize + 1);
  for (g* gp : gs) runqput(pp, gp, false);
  std::vector<g*> chain;
  for (g* q = sched.runq.head; q != nullptr; q = q->schedlink) chain.push_back(q);
  cr_assert_eq(chain.size(), std::size_t(kRunqSize / 2 + 1));
  for (std::size_t i = 0; i < chain.size(); i++) {
    g* want = i + kRunqAhead < chain.size() ? chain[i + kRunqAhead] : nullptr;
    cr_assert_eq(chain[i]->schedlinkahead, want, "hint of G %zu", i);
  }
  // Taking them off in batches returns them all, in order.
  gomaxprocs = 2;
  std::vector<g*> got;
  bool inherit;
  while (g* gp = globrunqget(pp, 0)) {
    got.push_back(gp);
    while (g* l = runqget(pp, &inherit)) {
      if (std::find(chain.begin(), chain.end(), l) != chain.end()) got.push_back(l);
    }
  }
  cr_assert(got == chain);
  globrunqput(chain[0]);
  cr_assert_null(chain[0]->schedlinkahead);
  globrunqputhead(chain[1]);
  cr_assert_null(chain[1]->schedlinkahead);
}

Test(runq, globrunqget_takes_a_fair_share) {
  p* pp = newp();
  auto gs = newgs(300);
  for (g* gp : gs) globrunqput(gp);
  gomaxprocs = 4;
  // n = runqsize/gomaxprocs + 1 = 76: one returned, 75 onto the local queue.
  cr_assert_eq(globrunqget(pp, 0), gs[0]);
  cr_assert_eq(sched.runqsize, 300 - 76);
  cr_assert_eq(pp->runqtail.load() - pp->runqhead.load(), 75u);
  // max limits it.
  cr_assert_eq(globrunqget(pp, 1), gs[76]);
  cr_assert_eq(sched.runqsize, 300 - 77);
  // At most half a local queue, whatever the share.
  p* p2 = newp(1);
  gomaxprocs = 1;
  cr_assert_eq(globrunqget(p2, 0), gs[77]);
  cr_assert_eq(p2->runqtail.load() - p2->runqhead.load(), kRunqSize / 2 - 1);
}

Test(runq, globrunqget_empty) {
  cr_assert_null(globrunqget(newp(), 0));
}

Test(runq, steal_takes_half) {
  p* victim = newp(0);
  p* thief = newp(1);
  auto gs = newgs(10);
  for (g* gp : gs) runqput(victim, gp, false);
  g* got = runqsteal(thief, victim, false);
  // Half rounded up (5): the last one grabbed is returned, four go local.
  cr_assert_eq(got, gs[4]);
  cr_assert_eq(thief->runqtail.load() - thief->runqhead.load(), 4u);
  cr_assert_eq(victim->runqtail.load() - victim->runqhead.load(), 5u);
  std::set<g*> seen{got};
  bool inherit;
  while (g* gp = runqget(thief, &inherit)) seen.insert(gp);
  while (g* gp = runqget(victim, &inherit)) seen.insert(gp);
  cr_assert_eq(seen.size(), 10u);
}

Test(runq, steal_runnext_only_when_asked) {
  p* victim = newp(0);
  p* thief = newp(1);
  victim->status = _Pidle;
  auto gs = newgs(1);
  runqput(victim, gs[0], true);
  cr_assert_null(runqsteal(thief, victim, false));
  cr_assert_eq(runqsteal(thief, victim, true), gs[0]);
  cr_assert(runqempty(victim));
}
