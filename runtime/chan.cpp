// runtime/chan.cpp: channels (Go: chan.go).
//
// Invariants (Go's):
//   - At least one of c.sendq and c.recvq is empty, except for an
//     unbuffered channel with one goroutine blocked in a select that both
//     sends and receives on it: then the lengths are bounded only by the
//     select.
//   - For a buffered channel: qcount > 0 implies recvq is empty, and
//     qcount < dataqsiz implies sendq is empty.
//
// Values move between goroutines by construction: a waiting receiver's
// storage is raw memory into which the sender's value is move-constructed
// ("direct send", Go's sendDirect), so an unbuffered hand-off touches the
// value once and no buffer at all.
#include "chan.hpp"

namespace gort::runtime {

// ---- element moves (Go: typedmemmove, typedmemclr) ----

void typedmemmoveSlow(const chantype* t, void* dst, void* src) {
  if (t->move != nullptr) {
    t->move(dst, src);
    return;
  }
  // Word-sized values (the common chan<int>, chan<T*>) without a call.
  switch (t->size) {
    case 8:
      __builtin_memcpy(dst, src, 8);
      return;
    case 4:
      __builtin_memcpy(dst, src, 4);
      return;
    case 1:
      __builtin_memcpy(dst, src, 1);
      return;
  }
  rt_memmove(dst, src, t->size);
}

// ---- make, and lifetime ----

hchan* makechan(const chantype* t, int64 size) {
  // Go bounds the buffer by its maximum allocation; we bound the count by
  // the index type as well.
  uintptr elem = t->size;
  if (size < 0 || size > int64(0x7fffffff) ||
      (elem != 0 && uint64(size) > (uint64(1) << 40) / elem))
    panicplain("makechan: size out of range");
  uintptr align = t->align < alignof(hchan) ? alignof(hchan) : t->align;
  uintptr hdr = (sizeof(hchan) + align - 1) & ~(align - 1);
  // Go puts the buffer right after the header in one allocation when the
  // element holds no pointers; with no collector to tell, we always do.
  void* mem = flavour_malloc(hdr + uintptr(size) * elem, align);
  if (mem == nullptr) throw_("out of memory (makechan)");
  hchan* c = new (mem) hchan();
  c->buf = static_cast<unsigned char*>(mem) + hdr;
  c->elemsize = elem;
  c->elemtype = t;
  c->dataqsiz = uint32(size);
  return c;
}

void chanretain(hchan* c) {
  if (c != nullptr) c->refs.fetch_add(1, std::memory_order_relaxed);
}

// The bit of hchan.refs that chansettimer sets when c takes over its
// timer. The count below it includes the timer's own reference to c, so
// "the bit and a count of 1" means that no handle is left, only the timer.
// Each party learns this from its own atomic operation on refs, never from
// a later load: once a handle is dropped, another party may free c.
constexpr int64 kRefsOwnsTimer = int64(1) << 62;

// chandroptimer stops c's timer and drops the timer's reference to c, once
// no handle of c is left. Exactly one party calls it: whichever of
// chansettimer's fetch_or and the last handle's fetch_sub comes second.
// Freeing the timer drops that last reference and frees c: do not touch c
// after this. On a thread that gort does not manage there is no M to keep
// deltimer's state change unpreemptible: the timer is left to fire (a send
// that nobody sees) and is freed then.
static void chandroptimer(hchan* c) {
  timer* t = c->timer.exchange(nullptr);
  if (getg() != nullptr) deltimer(t);
  timerRelease(t);
}

void chansettimer(hchan* c, timer* t) {
  c->timer.store(t);
  // Every handle may have gone already (the program kept none).
  if ((c->refs.fetch_or(kRefsOwnsTimer) & ~kRefsOwnsTimer) == 1) chandroptimer(c);
}

// chanrelease drops a handle. The last one destroys what is still buffered
// and frees the channel, unless goroutines still wait on it: they can only
// reach it through a reference to a handle that is gone, which happens
// when main returns while goroutines wait on a global channel (its
// destructor runs at exit, and Go's rule is that the program simply ends).
// Then the channel stays allocated, so that a waiter is never left on freed
// memory.
void chanrelease(hchan* c) {
  if (c == nullptr) return;
  int64 n = c->refs.fetch_sub(1) - 1;
  if (n == (kRefsOwnsTimer | 1)) {
    chandroptimer(c);  // the last handle went: only the timer's reference is left
    return;
  }
  n &= ~kRefsOwnsTimer;
  if (n != 0) return;
  lock(&c->lock);
  bool waiters = c->recvq.first != nullptr || c->sendq.first != nullptr;
  unlock(&c->lock);
  if (waiters) return;
  for (uint32 n = c->qcount, i = c->recvx; n > 0; n--) {
    typedmemclr(c->elemtype, chanbuf(c, i));
    if (++i == c->dataqsiz) i = 0;
  }
  c->~hchan();
  flavour_free(c);
}

// ---- wait queues ----

void waitq::enqueue(sudog* sgp) {
  sgp->next = nullptr;
  sudog* x = last;
  if (x == nullptr) {
    sgp->prev = nullptr;
    setfirst(sgp);
    last = sgp;
    return;
  }
  sgp->prev = x;
  x->next = sgp;
  last = sgp;
}

// dequeue takes the first waiter that can still be woken. A goroutine in a
// select sits on several queues: after another case has woken it, it stays
// queued here until it relocks the channels and takes itself off. Its
// g->selectDone, won by CAS, says whether someone else already has it.
sudog* waitq::dequeue() {
  for (;;) {
    sudog* sgp = first;
    if (sgp == nullptr) return nullptr;
    sudog* y = sgp->next;
    if (y == nullptr) {
      setfirst(nullptr);
      last = nullptr;
    } else {
      y->prev = nullptr;
      setfirst(y);
      sgp->next = nullptr;  // mark as removed (see dequeueSudoG)
    }
    if (sgp->isSelect) {
      uint32 zero = 0;
      if (!__atomic_compare_exchange_n(&sgp->g_->selectDone, &zero, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        continue;  // lost the race to another case of that select
    }
    return sgp;
  }
}

// dequeueSudoG removes sgp if it is still queued (select's pass 3).
void waitq::dequeueSudoG(sudog* sgp) {
  sudog* x = sgp->prev;
  sudog* y = sgp->next;
  if (x != nullptr) {
    if (y != nullptr) {  // in the middle
      x->next = y;
      y->prev = x;
      sgp->next = nullptr;
      sgp->prev = nullptr;
      return;
    }
    x->next = nullptr;  // at the end
    last = x;
    sgp->prev = nullptr;
    return;
  }
  if (y != nullptr) {  // at the front
    y->prev = nullptr;
    setfirst(y);
    sgp->next = nullptr;
    return;
  }
  // No neighbours: sgp is either the only element or already gone.
  if (first == sgp) {
    setfirst(nullptr);
    last = nullptr;
  }
}

// ---- racy emptiness checks for the non-blocking fast paths ----

// full reports whether a send would block. The fields read may change at
// once; callers use the answer only where Go's reasoning about the order of
// observations makes a stale one harmless (see chansend).
static inline bool full(hchan* c) {
  if (c->dataqsiz == 0) return __atomic_load_n(&c->recvq.first, __ATOMIC_RELAXED) == nullptr;
  return __atomic_load_n(&c->qcount, __ATOMIC_RELAXED) == c->dataqsiz;
}

// empty reports whether a receive would block.
static inline bool empty(hchan* c) {
  if (c->dataqsiz == 0) return __atomic_load_n(&c->sendq.first, __ATOMIC_ACQUIRE) == nullptr;
  return __atomic_load_n(&c->qcount, __ATOMIC_ACQUIRE) == 0;
}

// chanparkcommit is gopark's unlockf for a blocked send or receive: the
// goroutine is off its stack, so the channel lock can go.
static bool chanparkcommit(g* gp, void* chanLock) {
  unlock(static_cast<mutex*>(chanLock));
  gp->parkingOnChan.store(false, std::memory_order_release);
  return true;
}

// chanwaitparked: a waker that took gp off a channel's wait queue waits
// here, before readying it, until gp's unlockf has finished with the
// channel locks (see g.parkingOnChan). The window is the few instructions
// of an unlock, on a running M; yield the thread if that M is not on a CPU.
static void chanwaitparked(g* gp) {
  for (int i = 0; gp->parkingOnChan.load(std::memory_order_acquire); i++) {
    if (i < 100)
      arch::procyield(10);
    else
      osyield();
  }
}

static void unlockchan(void* c) { unlock(&static_cast<hchan*>(c)->lock); }

// chanpark is the blocking half of chansend and chanrecv (Go writes it out
// in each): with c locked, queue a sudog for the current goroutine on q,
// pointing at ep (the value to send, or the storage to receive into), and
// park; the channel lock is released once we are off our stack. Returns
// whether the operation completed (false: woken by close).
// Always inlined, so that tracebacks and gdb show a blocked goroutine in
// runtime.chansend or runtime.chanrecv, as Go's do.
[[gnu::always_inline]] static inline bool chanpark(hchan* c, waitq* q, void* ep, waitReason reason) {
  g* gp = getg();
  sudog* mysg = acquireSudog();
  mysg->elem = ep;
  mysg->waitlink = nullptr;
  mysg->g_ = gp;
  mysg->isSelect = false;
  mysg->c = c;
  gp->waiting = mysg;
  gp->param = nullptr;
  q->enqueue(mysg);
  gp->parkingOnChan.store(true, std::memory_order_relaxed);
  gopark(chanparkcommit, &c->lock, reason);

  // Woken up: by the other side, which completed the operation, or by
  // close.
  if (mysg != gp->waiting) throw_("G waiting list is corrupted");
  gp->waiting = nullptr;
  bool success = mysg->success;
  gp->param = nullptr;
  mysg->c = nullptr;
  releaseSudog(mysg);
  return success;
}

// ---- send ----

bool chansend(hchan* c, void* ep, bool block, bool* closed) {
  if (c == nullptr) {
    if (!block) return false;
    gopark(nullptr, nullptr, waitReason::chanSendNilChan);
    throw_("unreachable");
  }

  // A failed non-blocking send is decided without the lock. The channel is
  // seen not closed, then full; each observation was true at its moment,
  // and a channel never goes from closed back to open, so at the moment of
  // the second it was both open and full: reporting "cannot send" then is
  // a linearisable answer even if both have changed since. (Go's order:
  // closed first, then full.)
  if (!block && __atomic_load_n(&c->closed, __ATOMIC_RELAXED) == 0 && full(c)) return false;

  lock(&c->lock);
  if (c->closed != 0) {
    unlock(&c->lock);
    if (closed != nullptr) {
      *closed = true;
      return false;
    }
    panicplain("send on closed channel");
  }

  if (sudog* sg = c->recvq.dequeue(); sg != nullptr) {
    // A receiver is waiting: hand it the value directly, past the buffer.
    chansend_direct(c, sg, ep, unlockchan, c);
    return true;
  }

  if (c->qcount < c->dataqsiz) {
    // Room in the buffer.
    chanbufput(c, ep);
    unlock(&c->lock);
    return true;
  }

  if (!block) {
    unlock(&c->lock);
    return false;
  }

  // Block until a receiver takes the value, or close wakes us.
  if (!chanpark(c, &c->sendq, ep, waitReason::chanSend)) {
    if (__atomic_load_n(&c->closed, __ATOMIC_RELAXED) == 0) throw_("chansend: spurious wakeup");
    panicplain("send on closed channel");
  }
  return true;
}

// completeWaiter ends the wait of sg's goroutine, whose operation the
// caller has just completed: unlock through unlockf (the channel, or all of
// a select's), then ready it with sg as the case that fired. Readying comes
// after the unlock: never change a G's status under a channel lock.
static void completeWaiter(sudog* sg, void (*unlockf)(void*), void* arg) {
  sg->elem = nullptr;
  g* gp = sg->g_;
  unlockf(arg);
  gp->param = sg;
  sg->success = true;
  chanwaitparked(gp);
  goready(gp);
}

// chansend_direct completes a send to the waiting receiver sg (Go: send):
// the value goes straight into the receiver's storage, then c is unlocked
// through unlockf and the receiver readied. c must be empty (the receiver
// was queued, so the buffer holds nothing).
void chansend_direct(hchan* c, sudog* sg, void* ep, void (*unlockf)(void*), void* arg) {
  if (sg->elem != nullptr) {
    // Go's sendDirect writes to another goroutine's stack, which only the
    // channel lock makes safe; likewise here.
    typedmemmove(c->elemtype, sg->elem, ep);
  }
  completeWaiter(sg, unlockf, arg);
}

// ---- receive ----

recvResult chanrecv(hchan* c, void* ep, bool block) {
  if (c == nullptr) {
    if (!block) return {false, false};
    gopark(nullptr, nullptr, waitReason::chanReceiveNilChan);
    throw_("unreachable");
  }

  // Failed non-blocking receive without the lock: empty, then (open or
  // still empty). See Go's chanrecv for why this order is linearisable:
  // once closed, a channel stays closed, so "empty, then open" means it was
  // open and empty at the second load; "closed, then empty" (rechecked
  // after seeing closed) means closed and drained.
  if (!block && empty(c)) {
    if (__atomic_load_n(&c->closed, __ATOMIC_ACQUIRE) == 0) return {false, false};
    if (empty(c)) return {true, false};
  }

  lock(&c->lock);
  if (c->closed != 0) {
    if (c->qcount == 0) {
      unlock(&c->lock);
      return {true, false};
    }
    // Closed but still holding values: they are received first.
  } else if (sudog* sg = c->sendq.dequeue(); sg != nullptr) {
    // A sender waits. Unbuffered: take its value directly. Buffered (and so
    // full): take the head of the buffer and put the sender's value at the
    // tail.
    chanrecv_direct(c, sg, ep, unlockchan, c);
    return {true, true};
  }

  if (c->qcount > 0) {
    chanbufget(c, ep);
    unlock(&c->lock);
    return {true, true};
  }

  if (!block) {
    unlock(&c->lock);
    return {false, false};
  }

  // No sender: block until one fills ep, or close wakes us.
  return {true, chanpark(c, &c->recvq, ep, waitReason::chanReceive)};
}

// chanrecv_direct completes a receive from the waiting sender sg (Go:
// recv); see chanrecv. Unlocks through unlockf, then readies the sender.
void chanrecv_direct(hchan* c, sudog* sg, void* ep, void (*unlockf)(void*), void* arg) {
  if (c->dataqsiz == 0) {
    if (ep != nullptr) typedmemmove(c->elemtype, ep, sg->elem);
  } else {
    // The buffer is full: the receiver takes the oldest value, and the
    // sender's value goes into the slot that frees, which is the new tail.
    unsigned char* qp = chanbuf(c, c->recvx);
    if (ep != nullptr) typedmemmove(c->elemtype, ep, qp);
    typedmemclr(c->elemtype, qp);
    typedmemmove(c->elemtype, qp, sg->elem);
    if (++c->recvx == c->dataqsiz) c->recvx = 0;
    c->sendx = c->recvx;  // c->sendx = (c->sendx+1) % c->dataqsiz
  }
  completeWaiter(sg, unlockf, arg);
}

// ---- close ----

void closechan(hchan* c) {
  if (c == nullptr) panicplain("close of nil channel");

  lock(&c->lock);
  if (c->closed != 0) {
    unlock(&c->lock);
    panicplain("close of closed channel");
  }
  __atomic_store_n(&c->closed, 1, __ATOMIC_RELEASE);

  gList glist;
  // Every waiting receiver gets "closed": its storage stays raw and the
  // header makes the zero value.
  while (sudog* sg = c->recvq.dequeue()) {
    sg->elem = nullptr;
    g* gp = sg->g_;
    gp->param = sg;
    sg->success = false;
    glist.push(gp);
  }
  // Every waiting sender wakes too, and panics.
  while (sudog* sg = c->sendq.dequeue()) {
    sg->elem = nullptr;
    g* gp = sg->g_;
    gp->param = sg;
    sg->success = false;
    glist.push(gp);
  }
  unlock(&c->lock);

  // Ready them only now: never change a G's status under a channel lock.
  while (g* gp = glist.pop()) {
    gp->schedlink = nullptr;
    chanwaitparked(gp);
    goready(gp);
  }
}

int64 chanlen(hchan* c) { return c == nullptr ? 0 : int64(__atomic_load_n(&c->qcount, __ATOMIC_RELAXED)); }
int64 chancap(hchan* c) { return c == nullptr ? 0 : int64(c->dataqsiz); }

// ---- entry points for compiled code (Go: chansend1, chanrecv1/2,
// selectnbsend, selectnbrecv) ----

// Our shortcut in chansend1 and chanrecv2: the buffered case with room
// (for a send) or values (for a receive) and nobody waiting on the other
// side, done with chansend's and chanrecv's own steps in chansendbuf and
// chanrecvbuf. It is the common case of a buffered channel, and there it
// needs none of the registers that the blocking paths of chansend and
// chanrecv make those functions save on entry. The first look is without
// the lock, as in chansend's non-blocking test; the lock then confirms it,
// and if it has changed the full function runs. chansend1 and chanrecv2
// only jump, so an unbuffered channel pays no frame for the shortcut.
// Callgrind, GOMAXPROCS=1: a buffered send and receive 214 -> 186
// instructions; an unbuffered ping-pong round trip 1194 -> 1214, a ring hop
// 564 -> 574. Handling a send to a waiting receiver here too was tried: no
// gain on the ring, and ping-pong (whose senders park first) paid for it.
[[gnu::noinline]] static void chansendbuf(hchan* c, void* elem) {
  lock(&c->lock);
  if (c->closed == 0 && c->recvq.first == nullptr && c->qcount < c->dataqsiz) {
    chanbufput(c, elem);
    unlock(&c->lock);
    return;
  }
  unlock(&c->lock);
  chansend(c, elem, true);
}

[[gnu::noinline]] static bool chanrecvbuf(hchan* c, void* elem) {
  lock(&c->lock);
  if (c->qcount > 0 && c->sendq.first == nullptr) {
    chanbufget(c, elem);
    unlock(&c->lock);
    return true;
  }
  unlock(&c->lock);
  return chanrecv(c, elem, true).received;
}

void chansend1(hchan* c, void* elem) {
  if (c != nullptr && __atomic_load_n(&c->qcount, __ATOMIC_RELAXED) < c->dataqsiz &&
      __atomic_load_n(&c->recvq.first, __ATOMIC_RELAXED) == nullptr)
    chansendbuf(c, elem);
  else
    chansend(c, elem, true);
}

void chanrecv1(hchan* c, void* elem) { chanrecv(c, elem, true); }

bool chanrecv2(hchan* c, void* elem) {
  if (c != nullptr && __atomic_load_n(&c->qcount, __ATOMIC_RELAXED) > 0 &&
      __atomic_load_n(&c->sendq.first, __ATOMIC_RELAXED) == nullptr)
    return chanrecvbuf(c, elem);
  return chanrecv(c, elem, true).received;
}

bool selectnbsend(hchan* c, void* elem) { return chansend(c, elem, false); }
int selectnbrecv(hchan* c, void* elem) {
  recvResult r = chanrecv(c, elem, false);
  return !r.selected ? 0 : r.received ? 1 : 2;
}

}  // namespace gort::runtime
