// runtime/time.cpp: timers (Go: time.go). The scheduler's side (checkTimers,
// stealing, the sleep until the next timer) is in proc.cpp, the sleeping M
// in netpoll (netpoll_epoll.cpp), the public API (gort::sleep, timer, ticker, after,
// after_func) in api.cpp over the functions here.
//
// Who may touch a timer, and when.
//
// Whoever makes a timer fills in when, period, f, arg and seq, and then
// hands it to addtimer; from then on it is *active* and only the functions
// of this file touch it. pp, status and nextwhen belong to this file alone.
// deltimer makes an active timer *inactive*; an inactive one may have its
// period, f, arg and seq changed (not when), and may be made active again
// with resettimer (never addtimer, which takes only fresh timers). modtimer
// changes an active timer in place. adjusttimers and runtimer may run at the
// same time as any of addtimer, deltimer, modtimer and resettimer, on
// another M; the status word is what keeps them apart.
//
// Active timers sit in the heap of a P, p.timers: the P they were started
// on, until that P is destroyed (moveTimers). An inactive timer may stay in
// the heap for a while, marked timerDeleted, until the P gets round to
// taking it out. Only the M holding a P changes the layout of that P's
// heap, under p.timersLock; others (deltimer, modtimer on another M) only
// change the status word and nextwhen, and leave the re-sorting to the
// owner. The status transitions, for each operation:
//
//   addtimer:      timerNoStatus -> timerWaiting; anything else: throw
//   deltimer:      timerWaiting / timerModifiedXX -> timerModifying -> timerDeleted
//                  timerNoStatus / Deleted / Removing / Removed: nothing to do
//                  timerRunning / Moving / Modifying: wait for the change
//   modtimer:      timerWaiting / timerModifiedXX -> timerModifying -> timerModifiedYY
//                  timerNoStatus / Removed -> timerModifying -> timerWaiting
//                  timerDeleted -> timerModifying -> timerModifiedXX
//                  timerRunning / Moving / Removing / Modifying: wait for the change
//   cleantimers, adjusttimers (the P's own heap):
//                  timerDeleted -> timerRemoving -> timerRemoved
//                  timerModifiedXX -> timerMoving -> timerWaiting
//   runtimer (the first timer of a heap):
//                  timerWaiting -> (not yet due) timerWaiting
//                  timerWaiting -> timerRunning -> timerNoStatus (one-shot)
//                  timerWaiting -> timerRunning -> timerWaiting (periodic)
//                  timerModifiedXX -> timerMoving -> timerWaiting
//                  timerDeleted -> timerRemoving -> timerRemoved
//                  timerModifying: wait; anything else: throw
//
// The brief states (Running, Removing, Modifying, Moving) are held only
// for a few instructions, with the M non-preemptible (acquirem), so the
// waiting side just yields the thread (osyield) and looks again.
//
// Memory. Go's collector frees a timer once nothing refers to it; C++ has
// none, so each timer that can be freed counts its references (timer::refs):
// its owner (the API's handle) holds one, its presence in a heap another,
// and a call of its f in progress a third. The heap's reference is taken
// where a timer enters a heap from outside (addtimer, modtimer of an
// inactive timer) and dropped where it leaves for good (-> timerRemoved,
// or -> timerNoStatus after its f has run). The runtime's own timers
// (g::timer) have no release function and skip all of this.
#include "runtime.hpp"

namespace gort::runtime {

// badTimer reports a corrupted timer structure, presumably from racy use by
// the program; a clear throw is better than a wild access under a lock.
[[noreturn]] static void badTimer() { throw_("timer data corruption"); }

static inline bool cas(std::atomic<uint32>& a, uint32 old, uint32 nw) { return a.compare_exchange_strong(old, nw); }

// ---- references (our addition; see the top of the file) ----

void timerRelease(timer* t) {
  void (*rel)(timer*) = t->release;
  if (rel == nullptr) return;
  int32 n = t->refs.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (n == 0) {
    rel(t);
  } else if (n < 0) {
    throw_("timer: released more often than held");
  }
}

// ---- the heap array ----

// timersAppend adds t at the end of ts, growing the array by doubling:
// fresh pages from the kernel, copied over, the old ones given back. Never
// libc: it runs under timersLock, on g0 as often as not.
static void timersAppend(timerSlice* ts, timer* t) {
  if (ts->n == ts->cap) {
    int32 ncap = ts->cap == 0 ? 512 : ts->cap * 2;  // 512 pointers: one page
    auto** na = static_cast<timer**>(sysAlloc(uintptr(ncap) * sizeof(timer*)));
    if (na == nullptr) throw_("out of memory (timer heap)");
    if (ts->n > 0) rt_memmove(na, ts->a, uintptr(ts->n) * sizeof(timer*));
    if (ts->a != nullptr) sysFree(ts->a, uintptr(ts->cap) * sizeof(timer*));
    ts->a = na;
    ts->cap = ncap;
  }
  ts->a[ts->n++] = t;
}

// ---- the 4-ary heap on when ----
// A 4-ary heap is shallower than a binary one, so a sift touches fewer
// cache lines. The functions check their indices and throw through
// badTimer rather than reading out of bounds under a lock.

// siftupTimer moves the timer at i up to its place; returns its new index,
// the smallest index that changed.
int32 siftupTimer(timerSlice& t, int32 i) {
  if (i >= t.len()) badTimer();
  int64 when = t[i]->when;
  if (when <= 0) badTimer();
  timer* tmp = t[i];
  while (i > 0) {
    int32 p = (i - 1) / 4;  // parent
    if (when >= t[p]->when) break;
    t[i] = t[p];
    i = p;
  }
  if (tmp != t[i]) t[i] = tmp;
  return i;
}

// siftdownTimer moves the timer at i down to its place.
void siftdownTimer(timerSlice& t, int32 i) {
  int32 n = t.len();
  if (i >= n) badTimer();
  int64 when = t[i]->when;
  if (when <= 0) badTimer();
  timer* tmp = t[i];
  for (;;) {
    int32 c = i * 4 + 1;  // first child
    int32 c3 = c + 2;     // third child
    if (c >= n) break;
    int64 w = t[c]->when;
    if (c + 1 < n && t[c + 1]->when < w) {
      w = t[c + 1]->when;
      c++;
    }
    if (c3 < n) {
      int64 w3 = t[c3]->when;
      if (c3 + 1 < n && t[c3 + 1]->when < w3) {
        w3 = t[c3 + 1]->when;
        c3++;
      }
      if (w3 < w) {
        w = w3;
        c = c3;
      }
    }
    if (w >= when) break;
    t[i] = t[c];
    i = c;
  }
  if (tmp != t[i]) t[i] = tmp;
}

// ---- sleeping ----

// goroutineReady is the f of a sleep timer: it readies the goroutine arg.
void goroutineReady(void* arg, uintptr) { goready(static_cast<g*>(arg)); }

// resetForSleep is timeSleep's unlockf: it starts the timer only once the
// goroutine is parked. Started earlier, a short sleep could fire (and call
// goready on a goroutine still running) before the goroutine had parked.
static bool resetForSleep(g*, void* ut) {
  timer* t = static_cast<timer*>(ut);
  resettimer(t, t->nextwhen);
  return true;
}

// timeSleep parks the current goroutine for at least ns nanoseconds (Go:
// timeSleep, behind time.Sleep). Each g keeps one timer for this.
void timeSleep(int64 ns) {
  if (ns <= 0) return;
  g* gp = getg();
  timer* t = gp->timer;
  if (t == nullptr) {
    t = new (persistentalloc(sizeof(timer), alignof(timer))) timer();
    gp->timer = t;
  }
  t->f = goroutineReady;
  t->arg = gp;
  t->nextwhen = nanotime() + ns;
  if (t->nextwhen < 0) t->nextwhen = maxWhen;  // overflow
  gopark(resetForSleep, t, waitReason::sleep);
}

// ---- starting, stopping, changing ----

// addtimer starts a fresh timer on the current P (Go: addtimer). Only a
// timer that was never started may come here: one already in a heap would
// have its when changed under the heap's feet.
void addtimer(timer* t) {
  startsysmon();  // overdue timers are sysmon's to notice (proc.cpp)
  // when > 0: runtimer's arithmetic on a negative when overflows, and a
  // zero timer0When means "no timers" to checkTimers.
  if (t->when <= 0) throw_("timer when must be positive");
  if (t->period < 0) throw_("timer period must be non-negative");
  if (t->status.load() != timerNoStatus) throw_("addtimer called with initialized timer");
  timerAcquire(t);  // the heap's reference
  t->status.store(timerWaiting);

  int64 when = t->when;

  // Not preemptible while pp is used: it must stay our P.
  m* mp = acquirem();
  p* pp = getg()->m->p;
  lock(&pp->timersLock);
  cleantimers(pp);
  doaddtimer(pp, t);
  unlock(&pp->timersLock);

  wakeNetPoller(when);

  releasem(mp);
}

// doaddtimer puts t into pp's heap. The caller holds pp->timersLock.
void doaddtimer(p* pp, timer* t) {
  assertLockHeld(&pp->timersLock);
  // The M that sleeps until the next timer does so in netpoll: make sure
  // the poller is set up.
  if (netpollInited.load() == 0) netpollGenericInit();

  if (t->pp != nullptr) throw_("doaddtimer: P already set in timer");
  t->pp = pp;
  int32 i = pp->timers.len();
  timersAppend(&pp->timers, t);
  siftupTimer(pp->timers, i);
  if (t == pp->timers[0]) pp->timer0When.store(t->when);
  pp->numTimers.fetch_add(1);
}

// deltimer stops t (Go: deltimer). t may be in another P's heap, which is
// not ours to rearrange: it is only marked timerDeleted, and that P takes
// it out later. Reports whether t was stopped before it ran.
bool deltimer(timer* t) {
  for (;;) {
    switch (uint32 s = t->status.load(); s) {
      case timerWaiting:
      case timerModifiedLater:
      case timerModifiedEarlier: {
        // Not preemptible while the timer is timerModifying: another
        // goroutine waiting for that state to end could otherwise spin
        // on this very M for ever.
        m* mp = acquirem();
        if (cas(t->status, s, timerModifying)) {
          // Read t->pp while the status still pins it: once it says
          // timerDeleted, the owner may take t out and clear pp.
          p* tpp = t->pp;
          if (!cas(t->status, timerModifying, timerDeleted)) badTimer();
          releasem(mp);
          tpp->deletedTimers.fetch_add(1);
          return true;  // it had not run
        }
        releasem(mp);
        break;
      }
      case timerDeleted:
      case timerRemoving:
      case timerRemoved:
        return false;  // already stopped, or run
      case timerRunning:
      case timerMoving:
        // Another P is running or moving it: wait until it is done.
        osyield();
        break;
      case timerNoStatus:
        return false;  // never started, or already run
      case timerModifying:
      // A deltimer or modtimer of the same timer is in progress on
      // another M: wait for it.
        osyield();
        break;
      default:
        badTimer();
    }
  }
}

// dodeltimer takes the timer at index i out of pp's heap and returns the
// smallest heap index that changed. The caller holds pp->timersLock.
int32 dodeltimer(p* pp, int32 i) {
  assertLockHeld(&pp->timersLock);
  timerSlice& ts = pp->timers;
  if (timer* t = ts[i]; t->pp != pp) {
    throw_("dodeltimer: wrong P");
  } else {
    t->pp = nullptr;
  }
  int32 last = ts.len() - 1;
  if (i != last) ts[i] = ts[last];
  ts[last] = nullptr;
  ts.n = last;
  int32 smallestChanged = i;
  if (i != last) {
    // The timer moved to i may belong above i as well as below it.
    smallestChanged = siftupTimer(ts, i);
    siftdownTimer(ts, i);
  }
  if (i == 0) updateTimer0When(pp);
  if (pp->numTimers.fetch_sub(1) - 1 == 0) {
    // No timers left, so none is modified either.
    pp->timerModifiedEarliest.store(0);
  }
  return smallestChanged;
}

// dodeltimer0 takes the first timer out of pp's heap. The caller holds
// pp->timersLock.
void dodeltimer0(p* pp) {
  assertLockHeld(&pp->timersLock);
  timerSlice& ts = pp->timers;
  if (timer* t = ts[0]; t->pp != pp) {
    throw_("dodeltimer0: wrong P");
  } else {
    t->pp = nullptr;
  }
  int32 last = ts.len() - 1;
  if (last > 0) ts[0] = ts[last];
  ts[last] = nullptr;
  ts.n = last;
  if (last > 0) siftdownTimer(ts, 0);
  updateTimer0When(pp);
  if (pp->numTimers.fetch_sub(1) - 1 == 0) pp->timerModifiedEarliest.store(0);
}

// modtimer changes t to fire at when (then every period), calling f(arg,
// seq) (Go: modtimer). An inactive t is started again on the current P;
// an active one in some P's heap only gets its new time in nextwhen and a
// timerModifiedXX status, for its P to re-sort later. Reports whether t was
// active (had not run or been stopped).
bool modtimer(timer* t, int64 when, int64 period, void (*f)(void*, uintptr), void* arg, uintptr seq) {
  startsysmon();
  if (when <= 0) throw_("timer when must be positive");
  if (period < 0) throw_("timer period must be non-negative");

  uint32 status = timerNoStatus;
  bool wasRemoved = false;
  bool pending = false;
  m* mp = nullptr;
  for (bool done = false; !done;) {
    switch (status = t->status.load(); status) {
      case timerWaiting:
      case timerModifiedEarlier:
      case timerModifiedLater:
        // Not preemptible while timerModifying (see deltimer).
        mp = acquirem();
        if (cas(t->status, status, timerModifying)) {
          pending = true;  // it had not run yet
          done = true;
          break;
        }
        releasem(mp);
        break;
      case timerNoStatus:
      case timerRemoved:
        mp = acquirem();
        // It ran or was stopped, and is in no heap: start it afresh, as
        // addtimer would.
        if (cas(t->status, status, timerModifying)) {
          wasRemoved = true;
          pending = false;
          done = true;
          break;
        }
        releasem(mp);
        break;
      case timerDeleted:
        mp = acquirem();
        if (cas(t->status, status, timerModifying)) {
          t->pp->deletedTimers.fetch_sub(1);
          pending = false;  // it had been stopped
          done = true;
          break;
        }
        releasem(mp);
        break;
      case timerRunning:
      case timerRemoving:
      case timerMoving:
        // Its P is running or moving it: wait until it is done.
        osyield();
        break;
      case timerModifying:
        // Another modtimer of this timer is in progress: wait for it.
        osyield();
        break;
      default:
        badTimer();
    }
  }

  sanstore(&t->period, period, __ATOMIC_RELAXED);  // resettimer reads them unlocked
  sanstore(&t->f, f, __ATOMIC_RELAXED);
  sanstore(&t->arg, arg, __ATOMIC_RELAXED);
  sanstore(&t->seq, seq, __ATOMIC_RELAXED);

  if (wasRemoved) {
    t->when = when;
    timerAcquire(t);  // the heap's reference
    p* pp = getg()->m->p;
    lock(&pp->timersLock);
    doaddtimer(pp, t);
    unlock(&pp->timersLock);
    if (!cas(t->status, timerModifying, timerWaiting)) badTimer();
    releasem(mp);
    wakeNetPoller(when);
  } else {
    // t sits in some P's heap, ordered by its when, which only that P may
    // change. The new time goes to nextwhen, and the status tells the P
    // to move t when it is ready to re-sort its heap.
    t->nextwhen = when;

    uint32 newStatus = timerModifiedLater;
    if (when < t->when) newStatus = timerModifiedEarlier;

    p* tpp = t->pp;
    if (newStatus == timerModifiedEarlier) updateTimerModifiedEarliest(tpp, when);

    if (!cas(t->status, timerModifying, newStatus)) badTimer();
    releasem(mp);

    // Earlier than before: the sleeping M may have to wake sooner.
    if (newStatus == timerModifiedEarlier) wakeNetPoller(when);
  }

  return pending;
}

// resettimer makes t fire at when, keeping its period, f, arg and seq; for
// a timer that has been (or may have been) used before, instead of
// addtimer. Reports whether t was active.
// (Read atomically: another reset of the same timer may be storing the
// same values in modtimer meanwhile; Go reads them plainly.)
bool resettimer(timer* t, int64 when) {
  return modtimer(t, when, __atomic_load_n(&t->period, __ATOMIC_RELAXED), __atomic_load_n(&t->f, __ATOMIC_RELAXED),
                  __atomic_load_n(&t->arg, __ATOMIC_RELAXED), __atomic_load_n(&t->seq, __ATOMIC_RELAXED));
}

// cleantimers clears deleted and modified timers off the front of pp's
// heap, so that a program that keeps starting and stopping timers does not
// slow addtimer down with dead entries. The caller holds pp->timersLock.
//
// Difference from Go: Go stops early when a preemption (gp.preemptStop) is
// pending, since it holds a lock; gort's preemption will add that.
void cleantimers(p* pp) {
  for (;;) {
    if (pp->timers.len() == 0) return;
    timer* t = pp->timers[0];
    if (t->pp != pp) throw_("cleantimers: bad p");
    switch (uint32 s = t->status.load(); s) {
      case timerDeleted:
        if (!cas(t->status, s, timerRemoving)) continue;
        dodeltimer0(pp);
        if (!cas(t->status, timerRemoving, timerRemoved)) badTimer();
        pp->deletedTimers.fetch_sub(1);
        timerRelease(t);  // out of the heap for good
        break;
      case timerModifiedEarlier:
      case timerModifiedLater:
        if (!cas(t->status, s, timerMoving)) continue;
        // when may change now that t is ours to move.
        t->when = t->nextwhen;
        // Take it out and put it back in its place.
        dodeltimer0(pp);
        doaddtimer(pp, t);
        if (!cas(t->status, timerMoving, timerWaiting)) badTimer();
        break;
      default:
        // The first timer is in order.
        return;
    }
  }
}

// moveTimers moves the timers of a P being destroyed onto pp (Go:
// moveTimers). The world is stopped; the caller holds both timersLocks.
void moveTimers(p* pp, timerSlice* timers) {
  assertLockHeld(&pp->timersLock);
  for (int32 i = 0; i < timers->len(); i++) {
    timer* t = (*timers)[i];
    for (bool done = false; !done;) {
      switch (uint32 s = t->status.load(); s) {
        case timerWaiting:
          if (!cas(t->status, s, timerMoving)) continue;
          t->pp = nullptr;
          doaddtimer(pp, t);
          if (!cas(t->status, timerMoving, timerWaiting)) badTimer();
          done = true;
          break;
        case timerModifiedEarlier:
        case timerModifiedLater:
          if (!cas(t->status, s, timerMoving)) continue;
          t->when = t->nextwhen;
          t->pp = nullptr;
          doaddtimer(pp, t);
          if (!cas(t->status, timerMoving, timerWaiting)) badTimer();
          done = true;
          break;
        case timerDeleted:
          if (!cas(t->status, s, timerRemoved)) continue;
          t->pp = nullptr;
          timerRelease(t);  // it is not carried over
          done = true;
          break;
        case timerModifying:
          // Wait until the change is complete.
          osyield();
          break;
        case timerNoStatus:
        case timerRemoved:
          // Never in a heap.
          badTimer();
        case timerRunning:
        case timerRemoving:
        case timerMoving:
          // Some other P acts as the owner of this timer: impossible.
          badTimer();
        default:
          badTimer();
      }
    }
  }
}

static void addAdjustedTimers(p* pp, timer** moved, int32 nmoved);

// adjusttimers puts the timers of pp's heap that were modified to fire
// earlier into their right places; on the way it also moves the ones
// modified to fire later and drops the deleted ones. The caller holds
// pp->timersLock.
void adjusttimers(p* pp, int64 now) {
  assertLockHeld(&pp->timersLock);
  // Until the earliest timerModifiedEarlier timer is due, leave the heap
  // alone: a program that moves many timers back and forth pays for the
  // walk only when one of them is about to fire.
  int64 first = pp->timerModifiedEarliest.load();
  if (first == 0 || first > now) return;

  // Every timerModifiedEarlier timer is dealt with below.
  pp->timerModifiedEarliest.store(0);

  // The timers taken off the heap here are put back only after the walk,
  // since re-inserting one could move another past the walk's position.
  // Go collects them in a new slice; we keep them in the array's own
  // slots beyond the shrinking heap (each one taken off frees a slot at
  // the end), filling from n0-1 downwards: moved[j] is at a[n0-1-j].
  int32 n0 = pp->timers.len();
  int32 nmoved = 0;
  for (int32 i = 0; i < pp->timers.len(); i++) {
    timer* t = pp->timers[i];
    if (t->pp != pp) throw_("adjusttimers: bad p");
    switch (uint32 s = t->status.load(); s) {
      case timerDeleted:
        if (cas(t->status, s, timerRemoving)) {
          int32 changed = dodeltimer(pp, i);
          if (!cas(t->status, timerRemoving, timerRemoved)) badTimer();
          pp->deletedTimers.fetch_sub(1);
          timerRelease(t);
          // Carry on from the first index that changed (the loop adds 1).
          i = changed - 1;
        }
        break;
      case timerModifiedEarlier:
      case timerModifiedLater:
        if (cas(t->status, s, timerMoving)) {
          t->when = t->nextwhen;
          int32 changed = dodeltimer(pp, i);
          pp->timers.a[n0 - 1 - nmoved] = t;
          nmoved++;
          i = changed - 1;
        }
        break;
      case timerNoStatus:
      case timerRunning:
      case timerRemoving:
      case timerRemoved:
      case timerMoving:
        badTimer();
      case timerWaiting:
        break;  // in place already
      case timerModifying:
        // Look at it again once the change is complete.
        osyield();
        i--;
        break;
      default:
        badTimer();
    }
  }

  if (nmoved > 0) addAdjustedTimers(pp, pp->timers.a + (n0 - nmoved), nmoved);
}

// addAdjustedTimers puts back the timers that adjusttimers took off. They
// lie in the heap array's spare slots at or beyond the heap's end; going
// up from the lowest, each is read before a re-insertion can reach its
// slot.
static void addAdjustedTimers(p* pp, timer** moved, int32 nmoved) {
  for (int32 j = 0; j < nmoved; j++) {
    timer* t = moved[j];
    moved[j] = nullptr;
    doaddtimer(pp, t);
    if (!cas(t->status, timerMoving, timerWaiting)) badTimer();
  }
}

// nobarrierWakeTime returns when the netpoller should wake for pp's
// timers, 0 if they need nothing. Safe without a P.
int64 nobarrierWakeTime(p* pp) {
  int64 next = pp->timer0When.load();
  int64 nextAdj = pp->timerModifiedEarliest.load();
  if (next == 0 || (nextAdj != 0 && nextAdj < next)) next = nextAdj;
  return next;
}

static void runOneTimer(p* pp, timer* t, int64 now);

// runtimer looks at the first timer of pp's heap, runs it if it is due,
// and takes it out or re-arms it. Returns 0 if it ran a timer, -1 if the
// heap is now empty, or else when the first timer is due. The caller
// holds pp->timersLock; it is released while a timer's f runs.
int64 runtimer(p* pp, int64 now) {
  assertLockHeld(&pp->timersLock);
  for (;;) {
    timer* t = pp->timers[0];
    if (t->pp != pp) throw_("runtimer: bad p");
    switch (uint32 s = t->status.load(); s) {
      case timerWaiting:
        if (t->when > now) return t->when;  // not yet
        if (!cas(t->status, s, timerRunning)) continue;
        // runOneTimer may unlock pp->timersLock for a while.
        runOneTimer(pp, t, now);
        return 0;

      case timerDeleted:
        if (!cas(t->status, s, timerRemoving)) continue;
        dodeltimer0(pp);
        if (!cas(t->status, timerRemoving, timerRemoved)) badTimer();
        pp->deletedTimers.fetch_sub(1);
        timerRelease(t);
        if (pp->timers.len() == 0) return -1;
        break;

      case timerModifiedEarlier:
      case timerModifiedLater:
        if (!cas(t->status, s, timerMoving)) continue;
        t->when = t->nextwhen;
        dodeltimer0(pp);
        doaddtimer(pp, t);
        if (!cas(t->status, timerMoving, timerWaiting)) badTimer();
        break;

      case timerModifying:
        // Wait for the change to complete.
        osyield();
        break;

      case timerNoStatus:
      case timerRemoved:
        // A new or inactive timer has no business in a heap.
        badTimer();
      case timerRunning:
      case timerRemoving:
      case timerMoving:
        // Only the holder of timersLock sets these, and that is us.
        badTimer();
      default:
        badTimer();
    }
  }
}

// runOneTimer runs the first timer t of pp's heap, which is due. The
// caller holds pp->timersLock; it is released while f runs.
static void runOneTimer(p* pp, timer* t, int64 now) {
  auto f = t->f;
  void* arg = t->arg;
  uintptr seq = t->seq;

  if (t->period > 0) {
    // Periodic: it stays in the heap, re-armed for its next period after
    // now (periods that went by unseen are skipped, not replayed).
    int64 delta = t->when - now;
    t->when += t->period * (1 + -delta / t->period);
    if (t->when < 0) t->when = maxWhen;  // overflow
    siftdownTimer(pp->timers, 0);
    timerAcquire(t);  // for the call of f below, as it may be stopped and dropped meanwhile
    if (!cas(t->status, timerRunning, timerWaiting)) badTimer();
    updateTimer0When(pp);
  } else {
    // One-shot: out of the heap. The heap's reference passes to the call
    // of f below.
    dodeltimer0(pp);
    if (!cas(t->status, timerRunning, timerNoStatus)) badTimer();
  }

  unlock(&pp->timersLock);

  f(arg, seq);
  timerRelease(t);

  lock(&pp->timersLock);
}

// clearDeletedTimers drops every deleted timer from pp's heap, so that a
// program that starts many long timers and stops them (timeouts that are
// never reached) does not fill the heap with dead ones. Apart from
// moveTimers, which runs with the world stopped, it is the only walk over
// the whole heap. The caller holds pp->timersLock.
void clearDeletedTimers(p* pp) {
  assertLockHeld(&pp->timersLock);
  // Every timerModifiedEarlier timer is dealt with below; clear the mark
  // first, so that one modified meanwhile sets it again.
  pp->timerModifiedEarliest.store(0);

  int32 cdel = 0;
  int32 to = 0;
  bool changedHeap = false;
  timerSlice& timers = pp->timers;
  for (int32 i = 0; i < timers.len(); i++) {
    timer* t = timers[i];
    for (bool next = false; !next;) {
      switch (uint32 s = t->status.load(); s) {
        case timerWaiting:
          if (changedHeap) {
            timers[to] = t;
            siftupTimer(timers, to);
          }
          to++;
          next = true;
          break;
        case timerModifiedEarlier:
        case timerModifiedLater:
          if (cas(t->status, s, timerMoving)) {
            t->when = t->nextwhen;
            timers[to] = t;
            siftupTimer(timers, to);
            to++;
            changedHeap = true;
            if (!cas(t->status, timerMoving, timerWaiting)) badTimer();
            next = true;
          }
          break;
        case timerDeleted:
          if (cas(t->status, s, timerRemoving)) {
            t->pp = nullptr;
            cdel++;
            if (!cas(t->status, timerRemoving, timerRemoved)) badTimer();
            timerRelease(t);
            changedHeap = true;
            next = true;
          }
          break;
        case timerModifying:
          // Wait for the change to complete.
          osyield();
          break;
        case timerNoStatus:
        case timerRemoved:
          badTimer();
        case timerRunning:
        case timerRemoving:
        case timerMoving:
          badTimer();
        default:
          badTimer();
      }
    }
  }

  for (int32 i = to; i < timers.len(); i++) timers[i] = nullptr;

  pp->deletedTimers.fetch_sub(cdel);
  pp->numTimers.fetch_sub(cdel);

  timers.n = to;
  updateTimer0When(pp);
}

// updateTimer0When sets pp->timer0When from the heap. The caller holds
// pp->timersLock.
void updateTimer0When(p* pp) {
  if (pp->timers.len() == 0)
    pp->timer0When.store(0);
  else
    pp->timer0When.store(pp->timers[0]->when);
}

// updateTimerModifiedEarliest lowers pp->timerModifiedEarliest to nextwhen
// if that is earlier. pp's timersLock is not held.
void updateTimerModifiedEarliest(p* pp, int64 nextwhen) {
  for (;;) {
    int64 old = pp->timerModifiedEarliest.load();
    if (old != 0 && old < nextwhen) return;
    if (pp->timerModifiedEarliest.compare_exchange_strong(old, nextwhen)) return;
  }
}

// timeSleepUntil returns when the next timer of any P is due, maxWhen if
// there is none (Go: timeSleepUntil; for sysmon and checkdead). Go holds
// allpLock; here allp only changes under sched.lock, which both callers
// hold, and the loads are atomic anyway.
int64 timeSleepUntil() {
  int64 next = maxWhen;
  int32 n = __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE);
  p** ps = __atomic_load_n(&allp, __ATOMIC_ACQUIRE);
  for (int32 i = 0; i < n; i++) {
    p* pp = ps[i];
    if (pp == nullptr) continue;
    int64 w = pp->timer0When.load();
    if (w != 0 && w < next) next = w;
    w = pp->timerModifiedEarliest.load();
    if (w != 0 && w < next) next = w;
  }
  return next;
}

}  // namespace gort::runtime
