// tests/unit/runq_test.cpp: run queues, free lists and stacks on bare
// structures (Go: export_test.go's RunGetQueue, TestRunqSteal...). No
// scheduler runs here: the tests drive the functions directly.
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <sys/mman.h>

#include <csignal>

#include <algorithm>
#include <new>
#include <set>
#include <vector>

#include "runtime/runtime.hpp"

using namespace gort::runtime;

static p* newp(int32 id = 0) {
  p* pp = new p();
  pp->id = id;
  pp->status = _Prunning;
  return pp;
}

static std::vector<g*> newgs(int n) {
  std::vector<g*> v;
  for (int i = 0; i < n; i++) {
    g* gp = new g();
    gp->goid = i + 1;
    v.push_back(gp);
  }
  return v;
}

static void setup() {
  gomaxprocs = 1;
  physPageSize = 4096;
  ncpu = 2;
}

TestSuite(runq, .init = setup);
TestSuite(gfree, .init = setup);
TestSuite(stack, .init = setup);

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

Test(gfree, local_list_spills_to_global_at_64) {
  p* pp = newp();
  auto gs = newgs(64);
  for (int i = 0; i < 63; i++) {
    gs[i]->atomicstatus = _Gdead;
    gfput(pp, gs[i]);
  }
  cr_assert_eq(pp->gFree.n, 63);
  cr_assert_eq(sched.gFree.n, 0);
  gs[63]->atomicstatus = _Gdead;
  gfput(pp, gs[63]);
  // At 64, Gs move to the global list until fewer than 32 remain.
  cr_assert_eq(pp->gFree.n, 31);
  cr_assert_eq(sched.gFree.n, 33);
}

Test(gfree, empty_local_list_takes_a_batch) {
  // Two batches on the global list, spilled by another P.
  p* other = newp(1);
  auto gs = newgs(97);
  for (g* gp : gs) {
    gp->atomicstatus = _Gdead;
    gfput(other, gp);
  }
  cr_assert_eq(other->gFree.n, 31);
  cr_assert_eq(sched.gFree.n, 66);
  // An empty P takes one whole batch, the one spilled last.
  p* pp = newp();
  g* gp = gfget(pp);
  cr_assert_not_null(gp);
  cr_assert_eq(pp->gFree.n, 32);
  cr_assert_eq(sched.gFree.n, 33);
  // Every G comes back exactly once, through both lists.
  std::set<g*> seen{gp};
  while (g* g1 = gfget(pp)) cr_assert(seen.insert(g1).second, "a G handed out twice");
  cr_assert_eq(sched.gFree.n, 0);
  cr_assert_null(sched.gFree.batches);
  while (g* g1 = gfget(other)) cr_assert(seen.insert(g1).second, "a G handed out twice");
  cr_assert_eq(seen.size(), gs.size());
}

Test(gfree, gfput_rejects_a_live_g, .exit_code = 2, .init = cr_redirect_stderr) {
  p* pp = newp();
  auto gs = newgs(1);
  gs[0]->atomicstatus = _Grunning;
  gfput(pp, gs[0]);  // fatal error: gfput: bad status (not Gdead)
}

Test(gfree, gfput_gives_the_stack_back) {
  stackinit();
  p* pp = newp();
  auto gs = newgs(1);
  gs[0]->atomicstatus = _Gdead;
  gs[0]->stack = stackalloc(pp, startingStackSize);
  int32 before = pp->stackcache.n;
  gfput(pp, gs[0]);
  cr_assert_eq(gs[0]->stack.lo, 0u);
  cr_assert_eq(pp->stackcache.n, before + 1);
  cr_assert_eq(gfget(pp), gs[0]);
}

Test(stack, alloc_is_usable_and_reused_lifo) {
  stackinit();
  p* pp = newp();
  struct stack s = stackalloc(pp, startingStackSize);
  cr_assert_eq(s.hi - s.lo, startingStackSize);
  cr_assert_eq(s.lo % 4096, 0u);
  reinterpret_cast<char*>(s.lo)[0] = 1;
  reinterpret_cast<char*>(s.hi)[-1] = 1;
  stackfree(pp, s);
  struct stack t = stackalloc(pp, startingStackSize);
  cr_assert_eq(t.lo, s.lo);
}

Test(stack, odd_size_gets_its_own_mapping) {
  stackinit();
  p* pp = newp();
  struct stack s = stackalloc(pp, 1 << 20);
  cr_assert_eq(s.hi - s.lo, uintptr(1) << 20);
  reinterpret_cast<char*>(s.lo)[0] = 1;
  stackfree(pp, s);
}

Test(stack, guard_below_faults, .signal = SIGSEGV) {
  stackinit();
  p* pp = newp();
  struct stack s = stackalloc(pp, startingStackSize);
  reinterpret_cast<volatile char*>(s.lo)[-1] = 1;  // in the guard
}

Test(stack, cache_spills_and_scavenges) {
  stackinit();
  p* pp = newp();
  std::vector<struct stack> v;
  for (int i = 0; i < 200; i++) v.push_back(stackalloc(pp, startingStackSize));
  for (auto& s : v) {
    reinterpret_cast<char*>(s.hi)[-1] = 1;  // commit a page
    stackfree(pp, s);
  }
  cr_assert_leq(pp->stackcache.n, kStackCacheMax);
  // Freeing scavenges nothing by itself: sysmon's periodic pass does. The
  // first pass sees stacks that were pooled for part of a period only (the
  // pool's low-water mark was lower), so it keeps them; the second gives
  // back all that stayed pooled, except the 64 hot ones on top.
  uintptr pooled = 200 - uintptr(pp->stackcache.n);  // at least (batches of 16 may leave more)
  cr_assert_eq(stackscavengeidle(), 0u);
  uintptr second = stackscavengeidle();
  cr_assert_geq(second, pooled - 64, "second pass gave back %zu of %zu", size_t(second), size_t(pooled));
  cr_assert_eq(stackscavengeidle(), 0u);
  cr_assert_eq(stackscavenge(64), 0u);
  cr_assert_gt(stackscavenge(0), 0u);
  // A scavenged stack reads as zero when reused.
  std::set<uintptr> seen;
  for (int i = 0; i < 200; i++) {
    struct stack s = stackalloc(pp, startingStackSize);
    cr_assert(seen.insert(s.lo).second, "stack handed out twice");
  }
}

Test(env, atoi64) {
  int64 v;
  cr_assert(atoi64("42", &v) && v == 42);
  cr_assert(atoi64("-7", &v) && v == -7);
  cr_assert(!atoi64("+7", &v));  // no '+', as Go's atoi (GOMAXPROCS=+1 is refused)
  cr_assert(!atoi64("", &v));
  cr_assert(!atoi64("-", &v));
  cr_assert(!atoi64("4x", &v));
  cr_assert(!atoi64("99999999999999999999", &v));
}

Test(env, godebug_parsing) {
  char e0[] = "GODEBUG=schedtrace=1000,unknown=3,scheddetail=1,boottrace=x,asyncpreemptoff=1";
  char* env[] = {e0, nullptr};
  envp_ = env;
  parsedebugvars();
  cr_assert_eq(debug.schedtrace, 1000);
  cr_assert_eq(debug.scheddetail, 1);
  cr_assert_eq(debug.asyncpreemptoff, 1);
  cr_assert_eq(debug.boottrace, 0);  // not a number: ignored, as Go does
  cr_assert_str_eq(gogetenv("GODEBUG"), e0 + 8);
  cr_assert_null(gogetenv("GODEBU"));
}
