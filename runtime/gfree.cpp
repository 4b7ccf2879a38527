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

// gfput adds the dead G gp to pp's free list. Once that list reaches 64,
// Gs move to the global list until pp keeps fewer than 32.
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

// gfget takes a dead G from pp's free list, first refilling that list from
// the global one when it is empty; null when both have none.
g* gfget(p* pp) {
  if (pp->gFree.list.empty() && __atomic_load_n(&sched.gFree.list.head, __ATOMIC_RELAXED) != nullptr) {
    lock(&sched.gFree.lock);
    // Refill pp's list, up to 32 Gs.
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

// gfpurge empties pp's free list into the global one (for a P that is being
// destroyed).
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
