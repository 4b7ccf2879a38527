// runtime/sema.cpp: semaphores for the sync primitives, and the notify lists
// under gort::cond (Go: sema.go).
//
// These are not counting semaphores in the textbook sense so much as a
// sleep/wake-up pair that cannot lose a wake-up: each semrelease is matched
// by exactly one semacquire, even when the release comes first. The count at
// *addr records releases that nobody has consumed yet. They park the
// goroutine, never the M, which is what makes gort::mutex different from the
// runtime's own futex lock (lock_futex.cpp). The design is Plan 9's (Mullender
// and Cox, "Semaphores in Plan 9", https://swtch.com/semaphore.pdf), as in Go.
//
// Waiters live in a fixed hash table of semaRoots keyed by address. Each
// root keeps a treap (a binary search tree by address, heap-ordered by a
// random priority) with one sudog per distinct address; the other waiters on
// the same address hang off that sudog in a FIFO list (waitlink/waittail).
// So finding an address is O(log n) in the number of distinct blocked
// addresses that share a root, and everything else is O(1).
//
// Not done here, unlike Go: block and mutex profiling (the acquiretime /
// releasetime bookkeeping). The fields exist in sudog; nothing reads them.
#include "runtime.hpp"

namespace gort::runtime {

namespace {

// One hash bucket is a semaRoot (runtime.hpp): the waiters on every address
// that hashes there.

// A prime, so that the table does not resonate with the strides of users'
// data structures.
constexpr uintptr semTabSize = 251;
constexpr uintptr cacheLinePadSize = 64;

// Each root on its own cache line: roots are hot and unrelated to each other.
struct alignas(cacheLinePadSize) semTableEntry {
  semaRoot root;
};
static_assert(sizeof(semTableEntry) == cacheLinePadSize);

struct semTable {
  semTableEntry t[semTabSize];

  semaRoot* rootFor(uint32* addr) { return &t[(reinterpret_cast<uintptr>(addr) >> 3) % semTabSize].root; }
};

constinit semTable semtable;

// The semaphore words belong to the callers (plain uint32 fields of
// gort::mutex and friends); every access to them here is atomic.
inline std::atomic_ref<uint32> atomicOf(uint32* addr) { return std::atomic_ref<uint32>(*addr); }

// cansemacquire takes one unit from *addr if there is one.
bool cansemacquire(uint32* addr) {
  auto a = atomicOf(addr);
  uint32 v = a.load();
  for (;;) {
    if (v == 0) return false;
    if (a.compare_exchange_weak(v, v - 1)) return true;  // on failure v is reloaded
  }
}

// readyWithTime makes the waiter of s runnable. Go stamps s->releasetime
// here for the block profile; gort has no profiler yet.
void readyWithTime(sudog* s) { goready(s->g_); }

}  // namespace

// semacquire1 is documented in runtime.hpp. Runs on a user goroutine and
// may park it; must not hold runtime locks.
void semacquire1(uint32* addr, bool lifo, waitReason reason) {
  g* gp = getg();
  if (gp != gp->m->curg) throw_("semacquire not on the G stack");

  // Fast path: a unit is there to take.
  if (cansemacquire(addr)) return;

  // Slow path: announce ourselves in nwait, look once more under the root's
  // lock, queue and sleep. The releaser dequeues our sudog.
  sudog* s = acquireSudog();
  semaRoot* root = semtable.rootFor(addr);
  s->releasetime = 0;
  s->acquiretime = 0;
  s->ticket = 0;
  for (;;) {
    lock(&root->lock);
    // While nwait is non-zero, semrelease1 cannot take its fast path and
    // skip the wake-up.
    root->nwait.fetch_add(1);
    // A release that came before the increment above left its unit in
    // *addr; one that comes after will see nwait and look for us.
    if (cansemacquire(addr)) {
      root->nwait.fetch_sub(1);
      unlock(&root->lock);
      break;
    }
    root->queue(addr, s, lifo);
    goparkunlock(&root->lock, reason);
    // Woken. With handoff (ticket 1) the releaser's unit is ours already;
    // otherwise compete for it with any goroutine that arrived meanwhile.
    if (s->ticket != 0 || cansemacquire(addr)) break;
  }
  releaseSudog(s);
}

// semrelease1 is documented in runtime.hpp. With handoff it may yield the
// P to the woken waiter.
void semrelease1(uint32* addr, bool handoff) {
  semaRoot* root = semtable.rootFor(addr);
  atomicOf(addr).fetch_add(1);

  // Fast path: nobody waits. This load must come after the increment (both
  // sequentially consistent): a waiter increments nwait before its last
  // cansemacquire, so one of the two sides sees the other.
  if (root->nwait.load() == 0) return;

  // Slow path: look for a goroutine parked on addr and ready it.
  lock(&root->lock);
  if (root->nwait.load() == 0) {
    // Someone else took the unit, and with it the need for a wake-up.
    unlock(&root->lock);
    return;
  }
  sudog* s = root->dequeue(addr);
  if (s != nullptr) root->nwait.fetch_sub(1);
  unlock(&root->lock);
  if (s == nullptr) return;  // the waiters were on other addresses of this root

  // Readying may be slow or may yield, so the lock is dropped first.
  if (s->ticket != 0) throw_("corrupted semaphore ticket");
  if (handoff && cansemacquire(addr)) s->ticket = 1;
  // Read before readying: once runnable, the waiter may run on another M
  // and release s at once.
  bool handedOff = s->ticket == 1;
  readyWithTime(s);
  if (handedOff && getg() != nullptr && getg()->m->locks == 0) {  // (not from a foreign thread)
    // Direct handoff (starving gort::mutex): goready put the waiter in our
    // P's runnext; yielding to the local queue lets it run now, on the rest
    // of our time slice, so that a contended semaphore cannot keep the P
    // for itself. Not done without handoff: there another goroutine may
    // take the unit while we yield, and the yield would be wasted (Go issue
    // 33747).
    goyield();
  }
}

// queue adds s, the current goroutine's sudog, to the waiters on addr.
// root->lock must be held.
void semaRoot::queue(uint32* addr, sudog* s, bool lifo) {
  s->g_ = getg();
  s->elem = addr;
  s->next = nullptr;
  s->prev = nullptr;

  sudog* last = nullptr;
  sudog** pt = &treap;
  for (sudog* t = *pt; t != nullptr; t = *pt) {
    if (t->elem == addr) {
      // addr already has waiters, headed by t.
      if (lifo) {
        // s takes t's node in the tree, and t becomes first in s's list.
        *pt = s;
        s->ticket = t->ticket;
        s->acquiretime = t->acquiretime;
        s->parent = t->parent;
        s->prev = t->prev;
        s->next = t->next;
        if (s->prev != nullptr) s->prev->parent = s;
        if (s->next != nullptr) s->next->parent = s;
        s->waitlink = t;
        s->waittail = t->waittail;
        if (s->waittail == nullptr) s->waittail = t;
        t->parent = nullptr;
        t->prev = nullptr;
        t->next = nullptr;
        t->waittail = nullptr;
      } else {
        // s goes to the end of t's list.
        if (t->waittail == nullptr)
          t->waitlink = s;
        else
          t->waittail->waitlink = s;
        t->waittail = s;
        s->waitlink = nullptr;
      }
      return;
    }
    last = t;
    pt = reinterpret_cast<uintptr>(addr) < reinterpret_cast<uintptr>(t->elem) ? &t->prev : &t->next;
  }

  // A new address: s becomes a leaf, then rises while its priority is
  // smaller than its parent's (the heap order of the treap: a node's ticket
  // is <= its children's), which keeps the tree balanced on average. The
  // ticket is also tested against 0 elsewhere (handoff), hence the low bit.
  s->ticket = fastrand() | 1;
  s->parent = last;
  *pt = s;

  while (s->parent != nullptr && s->parent->ticket > s->ticket) {
    if (s->parent->prev == s) {
      rotateRight(s->parent);
    } else {
      if (s->parent->next != s) throw_("semaRoot queue");
      rotateLeft(s->parent);
    }
  }
}

// dequeue removes and returns the first waiter on addr, or null if there is
// none. root->lock must be held. The returned sudog's links and ticket are
// cleared.
sudog* semaRoot::dequeue(uint32* addr) {
  sudog** ps = &treap;
  sudog* s = *ps;
  for (; s != nullptr; s = *ps) {
    if (s->elem == addr) break;
    ps = reinterpret_cast<uintptr>(addr) < reinterpret_cast<uintptr>(s->elem) ? &s->prev : &s->next;
  }
  if (s == nullptr) return nullptr;

  if (sudog* t = s->waitlink; t != nullptr) {
    // The next waiter on addr, t, takes s's node in the tree.
    *ps = t;
    t->ticket = s->ticket;
    t->parent = s->parent;
    t->prev = s->prev;
    if (t->prev != nullptr) t->prev->parent = t;
    t->next = s->next;
    if (t->next != nullptr) t->next->parent = t;
    t->waittail = t->waitlink != nullptr ? s->waittail : nullptr;
    t->acquiretime = 0;  // Go: now, for the mutex profile
    s->waitlink = nullptr;
    s->waittail = nullptr;
  } else {
    // s was the only waiter on addr: rotate it down to a leaf, keeping the
    // heap order (the child with the smaller ticket rises), then cut it off.
    while (s->next != nullptr || s->prev != nullptr) {
      if (s->next == nullptr || (s->prev != nullptr && s->prev->ticket < s->next->ticket))
        rotateRight(s);
      else
        rotateLeft(s);
    }
    if (s->parent != nullptr) {
      if (s->parent->prev == s)
        s->parent->prev = nullptr;
      else
        s->parent->next = nullptr;
    } else {
      treap = nullptr;
    }
  }
  s->parent = nullptr;
  s->elem = nullptr;
  s->next = nullptr;
  s->prev = nullptr;
  s->ticket = 0;
  return s;
}

// rotateLeft rotates at x: the shape (x a (y b c)) becomes (y (x a b) c).
void semaRoot::rotateLeft(sudog* x) {
  sudog* p = x->parent;
  sudog* y = x->next;
  sudog* b = y->prev;

  y->prev = x;
  x->parent = y;
  x->next = b;
  if (b != nullptr) b->parent = x;

  y->parent = p;
  if (p == nullptr) {
    treap = y;
  } else if (p->prev == x) {
    p->prev = y;
  } else {
    if (p->next != x) throw_("semaRoot rotateLeft");
    p->next = y;
  }
}

// rotateRight rotates at y: the shape (y (x a b) c) becomes (x a (y b c)).
void semaRoot::rotateRight(sudog* y) {
  sudog* p = y->parent;
  sudog* x = y->prev;
  sudog* b = x->next;

  x->next = y;
  y->parent = x;
  y->prev = b;
  if (b != nullptr) b->parent = y;

  x->parent = p;
  if (p == nullptr) {
    treap = x;
  } else if (p->prev == y) {
    p->prev = x;
  } else {
    if (p->next != y) throw_("semaRoot rotateRight");
    p->next = x;
  }
}

// ---- notify lists (gort::cond) ----
//
// A waiter takes a ticket (notifyListAdd) while it still holds the user's
// lock, then releases that lock and waits for its ticket to be notified
// (notifyListWait). l->notify is the first ticket not yet notified: a signal
// notifies exactly that ticket, a broadcast every ticket taken so far. A
// waiter whose ticket was notified before it got to the list does not park,
// so no signal is lost between the user's unlock and the park.
//
// Both counters wrap around; comparisons are correct while fewer than 2^31
// goroutines wait on one list.

namespace {

// less reports whether ticket a comes before ticket b, modulo 2^32.
inline bool less(uint32 a, uint32 b) { return int32(a - b) < 0; }

// notify is written under l->lock but read outside it; every access is
// atomic (relaxed where the lock orders it).
inline std::atomic_ref<uint32> notifyOf(notifyList* l) { return std::atomic_ref<uint32>(l->notify); }

}  // namespace

// notifyListAdd gives the caller the next ticket; it must then call
// notifyListWait with it. Lock-free: waiters holding a shared lock (rwmutex in
// read mode) may call it concurrently.
uint32 notifyListAdd(notifyList* l) { return l->wait.fetch_add(1); }

// notifyListWait parks the caller until ticket t is notified, or returns at
// once if it already was.
void notifyListWait(notifyList* l, uint32 t) {
  lock(&l->lock);

  if (less(t, notifyOf(l).load(std::memory_order_relaxed))) {
    unlock(&l->lock);
    return;
  }

  sudog* s = acquireSudog();
  s->g_ = getg();
  s->ticket = t;
  s->releasetime = 0;
  if (l->tail == nullptr)
    l->head = s;
  else
    l->tail->next = s;
  l->tail = s;
  goparkunlock(&l->lock, waitReason::syncCondWait);
  releaseSudog(s);
}

// notifyListNotifyAll wakes every goroutine that holds a ticket.
void notifyListNotifyAll(notifyList* l) {
  // No ticket taken since the last notification: nothing to do, and no lock.
  if (l->wait.load() == notifyOf(l).load()) return;

  // Take the whole list and ready its waiters after the lock is dropped.
  lock(&l->lock);
  sudog* s = l->head;
  l->head = nullptr;
  l->tail = nullptr;
  // Every ticket taken so far is notified: its holder is either on the list
  // we hold, or will see this value in notifyListWait and not park.
  notifyOf(l).store(l->wait.load());
  unlock(&l->lock);

  while (s != nullptr) {
    sudog* next = s->next;
    s->next = nullptr;
    readyWithTime(s);
    s = next;
  }
}

// notifyListNotifyOne wakes the holder of the oldest ticket not yet notified.
void notifyListNotifyOne(notifyList* l) {
  if (l->wait.load() == notifyOf(l).load()) return;

  lock(&l->lock);
  uint32 t = notifyOf(l).load(std::memory_order_relaxed);
  if (t == l->wait.load()) {
    unlock(&l->lock);
    return;
  }
  notifyOf(l).store(t + 1);

  // Find the holder of ticket t. It may not be on the list yet (it took its
  // ticket but has not reached notifyListWait); then it will see the new
  // notify value and not park. Tickets are taken and queued in two steps, so
  // the list is nearly but not exactly in ticket order; the holder of t is
  // near the head, behind at most the few that overtook it.
  for (sudog *p = nullptr, *s = l->head; s != nullptr; p = s, s = s->next) {
    if (s->ticket == t) {
      sudog* n = s->next;
      if (p != nullptr)
        p->next = n;
      else
        l->head = n;
      if (n == nullptr) l->tail = p;
      unlock(&l->lock);
      s->next = nullptr;
      readyWithTime(s);
      return;
    }
  }
  unlock(&l->lock);
}

}  // namespace gort::runtime
