// runtime/lock_futex.cpp: runtime locks and notes on futexes (Go:
// lock_futex.go). These block the M, not the goroutine: they are for the
// runtime's own short critical sections and for idle Ms.
#include "runtime.hpp"

namespace gort::runtime {

enum : uint32 {
  mutex_unlocked = 0,
  mutex_locked = 1,
  mutex_sleeping = 2,

  active_spin = 4,
  active_spin_cnt = 30,
  passive_spin = 1,
};

// A runtime lock's key is mutex_unlocked, mutex_locked or mutex_sleeping;
// the last one means that some thread is probably asleep on the futex.
// Threads spinning for the lock may exist in any of the three states: they
// leave no trace in the key.
void lock(mutex* l) {
  g* gp = getg();
  if (gp != nullptr && gp->m != nullptr) {
    if (gp->m->locks < 0) throw_("runtime.lock: lock count");
    gp->m->locks++;
  }

  // Optimistic first try: swap in mutex_locked.
  uint32 v = l->key.exchange(mutex_locked, std::memory_order_acquire);
  if (v == mutex_unlocked) return;

  // wait is what this thread stores when it takes the lock: mutex_locked,
  // or mutex_sleeping when another thread may be asleep on it. Whenever we
  // replace mutex_sleeping in l->key with another value, mutex_sleeping has
  // to be put back before we return; otherwise unlock would skip the futex
  // wake-up, and the sleeper would never be woken.
  uint32 wait = v;

  // Spinning pays only if another CPU can release the lock meanwhile: with a
  // single CPU skip it, otherwise make up to active_spin spinning attempts.
  uint32 spin = ncpu > 1 ? uint32(active_spin) : 0;
  for (;;) {
    // Spin a few rounds, trying to take it.
    for (uint32 i = 0; i < spin; i++) {
      while (l->key.load(std::memory_order_relaxed) == mutex_unlocked) {
        uint32 expect = mutex_unlocked;
        if (l->key.compare_exchange_weak(expect, wait, std::memory_order_acquire)) return;
      }
      arch::procyield(active_spin_cnt);
    }

    // Then yield the thread, trying again after each yield.
    for (uint32 i = 0; i < passive_spin; i++) {
      while (l->key.load(std::memory_order_relaxed) == mutex_unlocked) {
        uint32 expect = mutex_unlocked;
        if (l->key.compare_exchange_weak(expect, wait, std::memory_order_acquire)) return;
      }
      osyield();
    }

    // Sleep.
    v = l->key.exchange(mutex_sleeping, std::memory_order_acquire);
    if (v == mutex_unlocked) return;
    wait = mutex_sleeping;
    futexsleep(&l->key, mutex_sleeping, -1);
  }
}

void unlock(mutex* l) {
  uint32 v = l->key.exchange(mutex_unlocked, std::memory_order_release);
  if (v == mutex_unlocked) throw_("unlock of unlocked lock");
  if (v == mutex_sleeping) futexwakeup(&l->key, 1);

  g* gp = getg();
  if (gp != nullptr && gp->m != nullptr) {
    gp->m->locks--;
    if (gp->m->locks < 0) throw_("runtime.unlock: lock count");
  }
}

// One-time notifications.
void noteclear(note* n) { n->key.store(0, std::memory_order_relaxed); }

void notewakeup(note* n) {
  uint32 old = n->key.exchange(1, std::memory_order_release);
  if (old != 0) {
    print("notewakeup - double wakeup (", old, ")\n");
    throw_("notewakeup - double wakeup");
  }
  futexwakeup(&n->key, 1);
}

// notesleep blocks the M until notewakeup. Must be called on g0.
void notesleep(note* n) {
  g* gp = getg();
  if (gp != gp->m->g0) throw_("notesleep not on g0");
  while (n->key.load(std::memory_order_acquire) == 0) {
    gp->m->blocked = true;
    futexsleep(&n->key, 0, -1);
    gp->m->blocked = false;
  }
}

// notetsleep is notesleep with a timeout in ns (< 0: none). Reports whether
// the note was woken.
bool notetsleep(note* n, int64 ns) {
  if (ns < 0) {
    notesleep(n);
    return true;
  }
  if (n->key.load(std::memory_order_acquire) != 0) return true;
  int64 deadline = nanotime() + ns;
  for (;;) {
    getg()->m->blocked = true;
    futexsleep(&n->key, 0, ns);
    getg()->m->blocked = false;
    if (n->key.load(std::memory_order_acquire) != 0) return true;
    int64 now = nanotime();
    if (now >= deadline) return false;
    ns = deadline - now;
  }
}

}  // namespace gort::runtime
