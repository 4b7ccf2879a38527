// runtime/runq.cpp: run queues (Go: the run-queue half of proc.go).
//
// Each P has a 256-slot ring, runq[runqhead % 256 .. runqtail % 256), plus
// runnext. Only the owner P puts (at the tail, and into runnext); anyone may
// take from the head with a CAS on runqhead (owner in runqget, thieves in
// runqgrab). The tail is published with a store-release after the slot is
// written; heads are read with load-acquire. Overflow moves half of the ring,
// plus the new G, to the global queue (sched.runq, under sched.lock).
#include "runtime.hpp"

namespace gort::runtime {

// runqempty reports whether pp has no Gs on its local run queue. It never
// returns true spuriously.
bool runqempty(p* pp) {
  // Defend against a race where 1) pp has G1 in runqnext but runqhead ==
  // runqtail, 2) runqput on pp kicks G1 to the runq, 3) runqget on pp empties
  // runqnext. Simply observing that runqhead == runqtail and then observing
  // that runqnext == nil does not mean the queue is empty.
  for (;;) {
    uint32 head = pp->runqhead.load(std::memory_order_acquire);
    uint32 tail = pp->runqtail.load(std::memory_order_acquire);
    g* runnext = pp->runnext.load(std::memory_order_acquire);
    if (tail == pp->runqtail.load(std::memory_order_acquire)) return head == tail && runnext == nullptr;
  }
}

// runqput tries to put gp on the local runnable queue. If next is false, it
// adds gp to the tail of the runnable queue. If next is true, it puts gp in
// the pp->runnext slot. If the run queue is full, it puts gp on the global
// queue. Executed only by the owner P.
void runqput(p* pp, g* gp, bool next) {
  if (next) {
    g* oldnext = pp->runnext.load(std::memory_order_relaxed);
    while (!pp->runnext.compare_exchange_weak(oldnext, gp, std::memory_order_acq_rel)) {
    }
    if (oldnext == nullptr) return;
    // Kick the old runnext out to the regular run queue.
    gp = oldnext;
  }
  for (;;) {
    uint32 h = pp->runqhead.load(std::memory_order_acquire);  // synchronize with consumers
    uint32 t = pp->runqtail.load(std::memory_order_relaxed);
    if (t - h < kRunqSize) {
      pp->runq[t % kRunqSize].store(gp, std::memory_order_relaxed);
      pp->runqtail.store(t + 1, std::memory_order_release);  // makes the item available for consumption
      return;
    }
    if (runqputslow(pp, gp, h, t)) return;
    // the queue is not full, now the put above must succeed
  }
}

// runqputslow puts gp and a batch of work from the local runnable queue on
// the global queue. Executed only by the owner P.
bool runqputslow(p* pp, g* gp, uint32 h, uint32 t) {
  g* batch[kRunqSize / 2 + 1];

  // First, grab a batch from local queue.
  uint32 n = t - h;
  n = n / 2;
  if (n != kRunqSize / 2) throw_("runqputslow: queue is not full");
  for (uint32 i = 0; i < n; i++) batch[i] = pp->runq[(h + i) % kRunqSize].load(std::memory_order_relaxed);
  if (!pp->runqhead.compare_exchange_strong(h, h + n, std::memory_order_release)) return false;  // commits consume
  batch[n] = gp;

  // Link the goroutines.
  for (uint32 i = 0; i < n; i++) batch[i]->schedlink = batch[i + 1];
  batch[n]->schedlink = nullptr;
  gQueue q;
  q.head = batch[0];
  q.tail = batch[n];

  // Now put the batch on global queue.
  lock(&sched.lock);
  globrunqputbatch(&q, int32(n + 1));
  unlock(&sched.lock);
  return true;
}

// runqget gets a G from the local runnable queue. If inheritTime is set, the
// G should inherit the remaining time in the current time slice (it came from
// runnext). Executed only by the owner P.
g* runqget(p* pp, bool* inheritTime) {
  // If there's a runnext, it's the next G to run.
  g* next = pp->runnext.load(std::memory_order_acquire);
  // If the runnext is non-null and the CAS fails, it could only have been
  // stolen by another P, because other Ps can race to set runnext to null,
  // but only the current P can set it to non-null. Hence, there's no need to
  // retry this CAS if it fails.
  if (next != nullptr && pp->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) {
    *inheritTime = true;
    return next;
  }
  for (;;) {
    uint32 h = pp->runqhead.load(std::memory_order_acquire);  // synchronize with other consumers
    uint32 t = pp->runqtail.load(std::memory_order_relaxed);
    if (t == h) {
      *inheritTime = false;
      return nullptr;
    }
    g* gp = pp->runq[h % kRunqSize].load(std::memory_order_relaxed);
    if (pp->runqhead.compare_exchange_strong(h, h + 1, std::memory_order_release)) {  // commits consume
      *inheritTime = false;
      return gp;
    }
  }
}

// runqgrab grabs a batch of goroutines from pp's runnable queue into batch,
// a ring buffer starting at batchHead. Returns the number of grabbed
// goroutines. Can be executed by any P.
uint32 runqgrab(p* pp, g** batch, uint32 batchHead, bool stealRunNextG) {
  for (;;) {
    uint32 h = pp->runqhead.load(std::memory_order_acquire);  // synchronize with other consumers
    uint32 t = pp->runqtail.load(std::memory_order_acquire);  // synchronize with the producer
    uint32 n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (stealRunNextG) {
        // Try to steal from pp->runnext.
        if (g* next = pp->runnext.load(std::memory_order_acquire); next != nullptr) {
          if (pp->status == _Prunning) {
            // Sleep to ensure that pp isn't about to run the g we are about
            // to steal. The important use case here is when the g running
            // on pp ready()s another g and then almost immediately blocks.
            // Instead of stealing runnext in this window, back off to give
            // pp a chance to schedule runnext and pick up the G it readied.
            usleep(3);
          }
          if (!pp->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) continue;
          batch[batchHead % kRunqSize] = next;
          return 1;
        }
      }
      return 0;
    }
    if (n > kRunqSize / 2) continue;  // read inconsistent h and t
    for (uint32 i = 0; i < n; i++) {
      g* gp = pp->runq[(h + i) % kRunqSize].load(std::memory_order_relaxed);
      batch[(batchHead + i) % kRunqSize] = gp;
    }
    if (pp->runqhead.compare_exchange_strong(h, h + n, std::memory_order_release)) return n;  // commits consume
  }
}

// runqsteal steals half of the elements from the local runnable queue of p2
// and puts them onto the local runnable queue of pp. Returns one of the
// stolen elements (or null if failed).
g* runqsteal(p* pp, p* p2, bool stealRunNextG) {
  uint32 t = pp->runqtail.load(std::memory_order_relaxed);
  g* batch[kRunqSize];
  uint32 n = runqgrab(p2, batch, 0, stealRunNextG);
  if (n == 0) return nullptr;
  n--;
  g* gp = batch[n];
  if (n == 0) return gp;
  uint32 h = pp->runqhead.load(std::memory_order_acquire);  // synchronize with consumers
  if (t - h + n >= kRunqSize) throw_("runqsteal: runq overflow");
  for (uint32 i = 0; i < n; i++) pp->runq[(t + i) % kRunqSize].store(batch[i], std::memory_order_relaxed);
  pp->runqtail.store(t + n, std::memory_order_release);  // makes the item available for consumption
  return gp;
}

// globrunqput puts gp on the global runnable queue. sched.lock must be held.
void globrunqput(g* gp) {
  sched.runq.pushBack(gp);
  sched.runqsize++;
}

// globrunqputhead puts gp at the head of the global runnable queue.
// sched.lock must be held.
void globrunqputhead(g* gp) {
  gp->schedlink = sched.runq.head;
  sched.runq.head = gp;
  if (sched.runq.tail == nullptr) sched.runq.tail = gp;
  sched.runqsize++;
}

// globrunqputbatch puts a batch of runnable goroutines on the global
// runnable queue. This clears *batch. sched.lock must be held.
void globrunqputbatch(gQueue* batch, int32 n) {
  sched.runq.pushBackAll(*batch);
  sched.runqsize += n;
  *batch = gQueue{};
}

// globrunqget tries to get a batch of G's from the global runnable queue.
// sched.lock must be held. One G is returned; up to max-1 more (all that fit,
// a fair share per P, at most half a local queue) go onto pp's local queue.
g* globrunqget(p* pp, int32 max) {
  if (sched.runqsize == 0) return nullptr;

  int32 n = sched.runqsize / gomaxprocs + 1;
  if (n > sched.runqsize) n = sched.runqsize;
  if (max > 0 && n > max) n = max;
  if (n > int32(kRunqSize) / 2) n = int32(kRunqSize) / 2;

  sched.runqsize -= n;

  g* gp = sched.runq.pop();
  n--;
  for (; n > 0; n--) {
    g* gp1 = sched.runq.pop();
    runqput(pp, gp1, false);
  }
  return gp;
}

}  // namespace gort::runtime
