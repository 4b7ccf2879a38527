// tests/sched/gfree_test.cpp: the free lists of dead Gs (gfree.cpp), per P
// and global, on bare structures. Bare-structure tests: no scheduler runs
// here; the tests drive gfput and gfget directly.
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <set>
#include <vector>

#include "bare.hpp"

TestSuite(gfree, .init = bare_setup);

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
