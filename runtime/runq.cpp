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

// runqempty tells whether pp's local queue, runnext included, holds no G.
// A true answer can be trusted: the queue really was empty at some instant.
bool runqempty(p* pp) {
  // Beware this interleaving: (1) G1 sits in pp's runnext and the ring is
  // empty (runqhead == runqtail); (2) a runqput on pp puts a new G in
  // runnext and moves G1 into the ring; (3) a runqget on pp takes that new G
  // from runnext. A reader that saw head == tail before (2) and a null
  // runnext after (3) would call the queue empty while G1 is in it. Hence
  // the three loads are retried until the tail did not move meanwhile.
  for (;;) {
    uint32 head = pp->runqhead.load(std::memory_order_acquire);
    uint32 tail = pp->runqtail.load(std::memory_order_acquire);
    g* runnext = pp->runnext.load(std::memory_order_acquire);
    if (tail == pp->runqtail.load(std::memory_order_acquire)) return head == tail && runnext == nullptr;
  }
}

// runqput queues gp on pp's local run queue. With next false, gp joins the
// tail of the ring; with next true, gp goes into pp->runnext, and whatever
// was there moves to the tail of the ring instead. A full ring spills half
// its Gs, with gp, to the global queue. Only pp's owner may call it.
void runqput(p* pp, g* gp, bool next) {
  if (next) {
    g* oldnext = pp->runnext.load(std::memory_order_relaxed);
    if (oldnext == nullptr) {
      // Thieves only ever clear a non-null runnext, so an empty one stays
      // empty until we fill it: a plain release store suffices (the common
      // case of goready, and cheaper than Go's CAS).
      pp->runnext.store(gp, std::memory_order_release);
      return;
    }
    while (!pp->runnext.compare_exchange_weak(oldnext, gp, std::memory_order_acq_rel)) {
    }
    if (oldnext == nullptr) return;
    // The G that gp displaced from runnext goes into the ring.
    gp = oldnext;
  }
  for (;;) {
    uint32 h = pp->runqhead.load(std::memory_order_acquire);  // pairs with the consumers' CAS
    uint32 t = pp->runqtail.load(std::memory_order_relaxed);
    if (t - h < kRunqSize) {
      pp->runq[t % kRunqSize].store(gp, std::memory_order_relaxed);
      pp->runqtail.store(t + 1, std::memory_order_release);  // publishes the slot to consumers
      return;
    }
    if (runqputslow(pp, gp, h, t)) return;
    // Consumers took Gs meanwhile, so there is room now: retry the fast path.
  }
}

// runqputslow moves the older half of pp's full ring, and gp after it, to
// the global queue. Only pp's owner calls it. It returns false when a
// consumer moved runqhead in the meantime; the caller then retries.
bool runqputslow(p* pp, g* gp, uint32 h, uint32 t) {
  g* batch[kRunqSize / 2 + 1];

  // Take the older half of the ring.
  uint32 n = t - h;
  n = n / 2;
  if (n != kRunqSize / 2) throw_("runqputslow: queue is not full");
  for (uint32 i = 0; i < n; i++) batch[i] = pp->runq[(h + i) % kRunqSize].load(std::memory_order_relaxed);
  if (!pp->runqhead.compare_exchange_strong(h, h + n, std::memory_order_release)) return false;  // commits consume
  batch[n] = gp;

  // Chain them through schedlink, and (our addition) give each the G
  // kRunqAhead places later as its prefetch hint: the batch array has
  // them all at hand here, where the chain alone would not.
  for (uint32 i = 0; i < n; i++) batch[i]->schedlink = batch[i + 1];
  batch[n]->schedlink = nullptr;
  for (uint32 i = 0; i <= n; i++) batch[i]->schedlinkahead = i + kRunqAhead <= n ? batch[i + kRunqAhead] : nullptr;
  gQueue q;
  q.head = batch[0];
  q.tail = batch[n];

  // Append the chain to the global queue.
  lock(&sched.lock);
  globrunqputbatch(&q, int32(n + 1));
  unlock(&sched.lock);
  return true;
}

// runqputbatch puts all the Gs of q on pp's local queue, as far as it has
// room, and the rest on the global queue (Go: runqputbatch). qsize is q's
// length. Only pp's owner calls it.
void runqputbatch(p* pp, gQueue* q, int32 qsize) {
  uint32 h = pp->runqhead.load(std::memory_order_acquire);
  uint32 t = pp->runqtail.load(std::memory_order_relaxed);
  uint32 n = 0;
  while (!q->empty() && t - h < kRunqSize) {
    g* gp = q->pop();
    pp->runq[t % kRunqSize].store(gp, std::memory_order_relaxed);
    t++;
    n++;
  }
  qsize -= int32(n);
  pp->runqtail.store(t, std::memory_order_release);
  if (!q->empty()) {
    lock(&sched.lock);
    globrunqputbatch(q, qsize);
    unlock(&sched.lock);
  }
}

// runqget takes the next G from pp's local queue: runnext first, then the
// head of the ring. *inheritTime is set when the G came from runnext: it is
// to run on what is left of the current time slice. Only pp's owner calls
// it.
//
// Difference from Go: an inherited slice is bounded here, by a count. Two
// goroutines that hand a value back and forth (or one that sleeps 1 ns in
// a loop) keep runnext filled: each runs from it, inheriting the slice, so
// schedtick never advances and the Gs queued behind them, locally or
// globally, never run, although every goroutine blocks all the time. Go
// ends such a slice after 10 ms, when sysmon's retake sees schedtick
// unchanged and preempts the running G. gort bounds it cooperatively,
// whatever asyncpreemptoff says: once kInheritMax Gs in a row have
// inherited the slice and other Gs wait, the runnext G loses its place. It
// goes to the tail of the ring and the head runs on a fresh slice; with
// only the global queue waiting, it runs on a fresh slice itself, so that
// schedtick moves on and findRunnable's 1-in-61 look at the global queue
// comes round.
static constexpr uint32 kInheritMax = 64;

// prefetchresume warms the resume points of the Gs queued behind the one
// runqget takes at h (t: the tail it read). Our addition: a parked goroutine
// resumes by returning on its own stack (gogo restores sp; the first pop
// reads it), and with one page or more per stack, each goroutine's top is a
// page of its own: with thousands of goroutines that first read misses in
// the TLB and the caches. In the timers workload (10,000 goroutines
// sleeping in turn) it was a quarter of the samples, on the `ret` of
// gort::sleep. So each take asks for the saved stack top of the G two
// places behind, whose sched line it asked for one take earlier, and for
// the sched line of the G three places behind; the page walk then overlaps
// with running the G in between. Only when the G taken has run before
// (its saved sp is set): a queue of new goroutines, which have no stack
// yet, is left without the extra loads (spawn_join, spawn_run). The slots
// may be stale (a thief took them): Gs are never freed, so the reads are
// safe and at worst useless. GORT_NOTSAN: the racy read of sched.sp is
// deliberate.
GORT_NOTSAN static inline void prefetchresume(p* pp, uint32 h, uint32 t) {
  if (t - h < 3) return;
  g* n2 = pp->runq[(h + 2) % kRunqSize].load(std::memory_order_relaxed);
  __builtin_prefetch(reinterpret_cast<const void*>(n2->sched.sp));
  if (t - h > 3) __builtin_prefetch(&pp->runq[(h + 3) % kRunqSize].load(std::memory_order_relaxed)->sched);
}

g* runqget(p* pp, bool* inheritTime) {
  // runnext, when set, comes before everything in the ring.
  g* next = pp->runnext.load(std::memory_order_acquire);
  // A failed CAS on a non-null runnext means a thief took it: other Ps can
  // only clear runnext, and only this P ever fills it. runnext is therefore
  // null now, and trying the CAS again would be pointless.
  if (next != nullptr && pp->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) {
    if (__builtin_expect(++pp->inherited < kInheritMax, 1)) {
      *inheritTime = true;
      return next;
    }
    // The slice has been passed on kInheritMax times (execute clears the
    // count when a fresh slice begins).
    uint32 h = pp->runqhead.load(std::memory_order_acquire);
    if (h == pp->runqtail.load(std::memory_order_relaxed)) {
      // Nothing waits in the ring: no need to move next. A fresh slice all
      // the same, for the global queue's sake, if anything waits there.
      *inheritTime = sched.runqsize.load(std::memory_order_relaxed) == 0;
      if (*inheritTime) pp->inherited = 0;
      return next;
    }
    runqput(pp, next, false);  // behind the Gs it was starving
  }
  for (;;) {
    uint32 h = pp->runqhead.load(std::memory_order_acquire);  // pairs with thieves' CAS
    uint32 t = pp->runqtail.load(std::memory_order_relaxed);
    if (t == h) {
      *inheritTime = false;
      return nullptr;
    }
    g* gp = pp->runq[h % kRunqSize].load(std::memory_order_relaxed);
    if (pp->runqhead.compare_exchange_strong(h, h + 1, std::memory_order_release)) {  // commits consume
      *inheritTime = false;
      if (gp->sched.sp != 0) prefetchresume(pp, h, t);
      return gp;
    }
  }
}

// runqgrab copies about half of pp's queued Gs into batch, a ring that
// starts at index batchHead, and commits the take with a CAS on runqhead.
// It returns how many Gs it took. Any P may call it.
uint32 runqgrab(p* pp, g** batch, uint32 batchHead, bool stealRunNextG) {
  for (;;) {
    uint32 h = pp->runqhead.load(std::memory_order_acquire);  // pairs with other takers' CAS
    uint32 t = pp->runqtail.load(std::memory_order_acquire);  // pairs with the owner's release
    uint32 n = t - h;
    n = n - n / 2;
    if (n == 0) {
      if (stealRunNextG) {
        // The ring is empty: runnext is the last thing to take.
        if (g* next = pp->runnext.load(std::memory_order_acquire); next != nullptr) {
          if (pp->status.load(std::memory_order_relaxed) == _Prunning) {
            // pp is running: pause briefly first, in case pp itself is about
            // to run this very G. The case that matters is a G on pp that
            // readies another G (into runnext) and blocks right after.
            // Stealing runnext in that short window would move work pp was
            // about to take; backing off lets pp schedule its runnext.
            usleep(3);
          }
          if (!pp->runnext.compare_exchange_strong(next, nullptr, std::memory_order_acq_rel)) continue;
          batch[batchHead % kRunqSize] = next;
          return 1;
        }
      }
      return 0;
    }
    if (n > kRunqSize / 2) continue;  // h and t came from different moments
    for (uint32 i = 0; i < n; i++) {
      g* gp = pp->runq[(h + i) % kRunqSize].load(std::memory_order_relaxed);
      batch[(batchHead + i) % kRunqSize] = gp;
    }
    if (pp->runqhead.compare_exchange_strong(h, h + n, std::memory_order_release)) return n;  // commits consume
  }
}

// runqsteal moves about half of p2's queued Gs to pp's local queue and
// returns one of them for the caller to run, or null when it got none.
g* runqsteal(p* pp, p* p2, bool stealRunNextG) {
  uint32 t = pp->runqtail.load(std::memory_order_relaxed);
  g* batch[kRunqSize];
  uint32 n = runqgrab(p2, batch, 0, stealRunNextG);
  if (n == 0) return nullptr;
  n--;
  g* gp = batch[n];
  if (n == 0) return gp;
  uint32 h = pp->runqhead.load(std::memory_order_acquire);  // pairs with the consumers' CAS
  if (t - h + n >= kRunqSize) throw_("runqsteal: runq overflow");
  for (uint32 i = 0; i < n; i++) pp->runq[(t + i) % kRunqSize].store(batch[i], std::memory_order_relaxed);
  pp->runqtail.store(t + n, std::memory_order_release);  // publishes the slots to consumers
  return gp;
}

// globrunqput appends gp to the global run queue. The caller holds
// sched.lock.
void globrunqput(g* gp) {
  assertLockHeld(&sched.lock);
  gp->schedlinkahead = nullptr;
  sched.runq.pushBack(gp);
  sched.runqsize.store(sched.runqsize.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// globrunqputhead pushes gp on the front of the global run queue, so that
// it is taken next. The caller holds sched.lock.
void globrunqputhead(g* gp) {
  assertLockHeld(&sched.lock);
  gp->schedlinkahead = nullptr;
  gp->schedlink = sched.runq.head;
  sched.runq.head = gp;
  if (sched.runq.tail == nullptr) sched.runq.tail = gp;
  sched.runqsize.store(sched.runqsize.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// globrunqputbatch appends the n goroutines of *batch to the global run
// queue and leaves *batch empty. The caller holds sched.lock.
void globrunqputbatch(gQueue* batch, int32 n) {
  assertLockHeld(&sched.lock);
  sched.runq.pushBackAll(*batch);
  sched.runqsize.store(sched.runqsize.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  *batch = gQueue{};
}

// prefetchg asks the CPU to bring in all of gp's cache lines, for writing
// (our addition, see globrunqget).
static inline void prefetchg(g* gp) {
  const char* b = reinterpret_cast<const char*>(gp);
  for (std::size_t off = 0; off < sizeof(g); off += 64) __builtin_prefetch(b + off, 1, 3);
  __builtin_prefetch(b + sizeof(g) - 1, 1, 3);  // a G need not start a line
}

// globrunqget takes goroutines off the global run queue; the caller holds
// sched.lock. One G is returned; up to max-1 more (all that fit,
// a fair share per P, at most half a local queue) go onto pp's local queue.
//
// Our addition: prefetching. The Gs on the global queue were last written by
// the P that spilled them (runqputslow), so each is cold here, and when the
// queue is long (a P creating goroutines faster than the others run them)
// they are cold in every cache. Following schedlink then costs one memory
// latency per G, serially, with sched.lock held; and running each G later
// costs a miss on each of its lines. So the walk prefetches the chain
// kRunqAhead Gs ahead, through the hint runqputslow left, and all lines of
// each G it moves to pp's queue. On the 2-core test VM, one P running
// 300,000 queued goroutines took 128 ns a goroutine without this and 63 ns
// with it (`make bench-diag`, bench/README.md "spawn_join at GOMAXPROCS=2").
g* globrunqget(p* pp, int32 max) {
  assertLockHeld(&sched.lock);
  int32 runqsize = sched.runqsize.load(std::memory_order_relaxed);
  if (runqsize == 0) return nullptr;
  if (max == 1) {
    // One G, the common request (the fairness check, Gosched's shortcut):
    // no batch to size, so no division.
    sched.runqsize.store(runqsize - 1, std::memory_order_relaxed);
    return sched.runq.pop();
  }

  int32 n = runqsize / gomaxprocs + 1;
  if (n > runqsize) n = runqsize;
  if (max > 0 && n > max) n = max;
  if (n > int32(kRunqSize) / 2) n = int32(kRunqSize) / 2;

  sched.runqsize.store(runqsize - n, std::memory_order_relaxed);

  g* gp = sched.runq.pop();
  n--;
  for (; n > 0; n--) {
    g* gp1 = sched.runq.pop();
    if (g* ahead = gp1->schedlinkahead; ahead != nullptr) __builtin_prefetch(&ahead->schedlink);
    prefetchg(gp1);
    runqput(pp, gp1, false);
  }
  return gp;
}

}  // namespace gort::runtime
