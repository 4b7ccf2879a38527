// runtime/gfree.cpp: free lists of dead Gs (Go: gfput/gfget in proc.go).
// Each P keeps up to 64 dead Gs; beyond that it moves them to the global
// list until it holds fewer than 32, and an empty P takes up to 32 at once.
//
// Difference from Go: Go keeps a dead G's stack when it has the standard
// size. Here gfput always gives the stack back to the P's stack cache (and a
// non-standard one, the main goroutine's, to the kernel), because stacks are
// attached when a goroutine first runs: a G on these lists never has one.
#include "runtime.hpp"

namespace gort::runtime {

// gfput puts a dead G on pp's free list. If the local list is too long,
// transfers a batch to the global list.
void gfput(p* pp, g* gp) {
  if (readgstatus(gp) != _Gdead) throw_("gfput: bad status (not Gdead)");

  if (gp->stack.lo != 0) {
    stackfree(pp, gp->stack);
    gp->stack = {};
    gp->stackguard0 = 0;
  }

  pp->gFree.list.push(gp);
  pp->gFree.n++;
  if (pp->gFree.n >= 64) {
    gList moved;
    int32 inc = 0;
    while (pp->gFree.n >= 32) {
      g* g1 = pp->gFree.list.pop();
      pp->gFree.n--;
      moved.push(g1);
      inc++;
    }
    lock(&sched.gFree.lock);
    while (g* g1 = moved.pop()) sched.gFree.list.push(g1);
    sched.gFree.n += inc;
    unlock(&sched.gFree.lock);
  }
}

// gfget gets a G from pp's free list. If the local list is empty, grabs a
// batch from the global list.
g* gfget(p* pp) {
  if (pp->gFree.list.empty() && __atomic_load_n(&sched.gFree.list.head, __ATOMIC_RELAXED) != nullptr) {
    lock(&sched.gFree.lock);
    // Move a batch of free Gs to the P.
    while (pp->gFree.n < 32) {
      g* gp = sched.gFree.list.pop();
      if (gp == nullptr) break;
      sched.gFree.n--;
      pp->gFree.list.push(gp);
      pp->gFree.n++;
    }
    unlock(&sched.gFree.lock);
  }
  g* gp = pp->gFree.list.pop();
  if (gp == nullptr) return nullptr;
  pp->gFree.n--;
  return gp;
}

// gfpurge purges all cached G's from pp's free list to the global list.
void gfpurge(p* pp) {
  lock(&sched.gFree.lock);
  while (g* gp = pp->gFree.list.pop()) {
    pp->gFree.n--;
    sched.gFree.list.push(gp);
    sched.gFree.n++;
  }
  unlock(&sched.gFree.lock);
}

}  // namespace gort::runtime
