// runtime/gfree.cpp: free lists of dead Gs (Go: gfput/gfget in proc.go).
// Each P keeps up to 64 dead Gs; beyond that it moves 33 of them to the
// global list, and an empty P takes one such batch at once.
//
// Difference from Go: Go keeps a dead G's stack when it has the standard
// size. Here gfput always gives the stack back to the P's stack cache (and a
// non-standard one, the main goroutine's, to the kernel), because stacks are
// attached when a goroutine first runs: a G on these lists never has one.
#include "runtime.hpp"

namespace gort::runtime {

// Moving Gs to and from the global list is O(1) under sched.gFree.lock:
// a batch is cut from a P's list outside the lock and pushed whole, and a
// P refills by popping one whole batch. Go moves the Gs one at a time under
// the lock; measured with perf on the 2-core test VM (spawn_join at
// GOMAXPROCS=2, one P creating goroutines and the other ending them), the
// refill then touched 32 Gs last written by the other CPU, one cache miss
// each, while holding the lock, and the two Ms spent much of their time
// waiting for it or asleep on it.

// addn adds d to a free-list count, which only its owner (the P's M, or
// the holder of sched.gFree.lock) writes: a relaxed load and store.
static inline void addn(std::atomic<int32>& n, int32 d) {
  n.store(n.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
}

// gfbatchpush puts the chain head..(schedlink)..null of n Gs on the global
// list as one batch.
static void gfbatchpush(g* head, int32 n) {
  head->gfreebatchn = n;
  lock(&sched.gFree.lock);
  head->gfreebatch = sched.gFree.batches;
  __atomic_store_n(&sched.gFree.batches, head, __ATOMIC_RELAXED);
  addn(sched.gFree.n, n);
  unlock(&sched.gFree.lock);
}

// gfput adds the dead G gp to pp's free list. Once that list reaches 64,
// its first 33 Gs move to the global list as one batch (Go: until pp keeps
// fewer than 32).
void gfput(p* pp, g* gp) {
  if (readgstatus(gp) != _Gdead) throw_("gfput: bad status (not Gdead)");

  if (gp->stack.lo != 0) {
    stackfree(pp, gp->stack);
    gp->stack = {};
    gp->stackguard0 = 0;
  }

  pp->gFree.list.push(gp);
  addn(pp->gFree.n, 1);
  if (pp->gFree.n >= 64) {
    // Cut the first 33 off pp's list, outside the lock: these Gs are hot
    // in this CPU's cache.
    const int32 cut = pp->gFree.n - 31;
    g* head = pp->gFree.list.head;
    g* last = head;
    for (int32 i = 1; i < cut; i++) last = last->schedlink;
    pp->gFree.list.head = last->schedlink;
    addn(pp->gFree.n, -cut);
    last->schedlink = nullptr;
    gfbatchpush(head, cut);
  }
}

// gfget takes a dead G from pp's free list, first refilling that list with
// one batch from the global one when it is empty; null when both have none.
g* gfget(p* pp) {
  if (pp->gFree.list.empty() && __atomic_load_n(&sched.gFree.batches, __ATOMIC_RELAXED) != nullptr) {
    lock(&sched.gFree.lock);
    g* b = sched.gFree.batches;
    if (b != nullptr) {
      __atomic_store_n(&sched.gFree.batches, b->gfreebatch, __ATOMIC_RELAXED);
      addn(sched.gFree.n, -b->gfreebatchn);
    }
    unlock(&sched.gFree.lock);
    if (b != nullptr) {
      pp->gFree.list.head = b;  // the list was empty
      pp->gFree.n.store(b->gfreebatchn, std::memory_order_relaxed);
      b->gfreebatch = nullptr;
    }
  }
  g* gp = pp->gFree.list.pop();
  if (gp == nullptr) return nullptr;
  addn(pp->gFree.n, -1);
  return gp;
}

// gfpurge empties pp's free list into the global one, as one batch (for a P
// that is being destroyed).
void gfpurge(p* pp) {
  if (pp->gFree.list.empty()) return;
  gfbatchpush(pp->gFree.list.head, pp->gFree.n);
  pp->gFree.list.head = nullptr;
  pp->gFree.n.store(0, std::memory_order_relaxed);
}

}  // namespace gort::runtime
