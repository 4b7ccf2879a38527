// runtime/lock_futex.cpp: runtime locks and notes on futexes (Go:
// lock_futex.go). These block the M, not the goroutine: they are for the
// runtime's own short critical sections and for idle Ms.
#include <linux/membarrier.h>

#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

// Difference from Go. Go's key has three states (unlocked, locked, locked
// with sleepers), and unlock must exchange it to learn whether to wake a
// sleeper: on x86 that is a locked instruction, which drains the store
// buffer and costs about as much as the exchange that took the lock
// (7-10 ns each on the 2-core test VM). Here the key is only locked or
// unlocked, sleepers count themselves in l->nsleep, and unlock is a store
// of the key followed by a plain load of nsleep.
//
// A plain store then load may be reordered by the CPU (x86's only
// reordering: StoreLoad), so an unlocker might read nsleep = 0 while a
// sleeper, having just counted itself, still reads the key as locked; both
// sides would then miss each other and the sleeper would sleep forever.
// Dekker's fix is a full fence on both sides; ours puts the whole fence on
// the sleeper's side, which is already paying for a futex system call:
// after counting itself, a sleeper calls membarrier(PRIVATE_EXPEDITED),
// which runs a full memory barrier on every CPU currently running one of
// our threads. After it returns, either the unlocker's store of 0 is visible
// to the sleeper (it takes the lock instead of sleeping), or the unlocker's
// load comes after the barrier and sees nsleep > 0 (it wakes the sleeper).
// Where membarrier is missing or forbidden (old kernel, seccomp),
// lockStoreRelease stays false and unlock exchanges the key, a full fence
// on its own, as Go's does.
bool lockStoreRelease = false;

// lockinit decides between the two releases; osinit calls it while m0 is
// the only thread, before any lock can have a sleeper.
void lockinit() {
  long cmds = sys_membarrier(MEMBARRIER_CMD_QUERY, 0);
  if (cmds < 0 || (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return;
  if (sys_membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0) != 0) return;
  lockStoreRelease = true;
}

void procfence() {
  if (lockStoreRelease)
    sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0);
  else
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

[[noreturn]] void lockCountBad(const char* what) { throw_(what); }

// Difference from Go: 16 rounds of active spinning before yielding and
// sleeping, where Go makes 4. A sleep here costs a membarrier on top of the
// futex calls, so waiting longer on the CPU pays sooner. Measured on the
// 2-core VM, spawn_join at GOMAXPROCS=2 (sched.lock handed between a P
// pushing half its queue to the global one and a P taking from it): with 4
// rounds half the runs fell into storms of 4,500-8,800 lock sleeps, with 16
// none made more than 52; medians over 10 interleaved runs 196 -> 175 ns a
// goroutine, skynet 298 -> 257 ns, the timers workload's CPU time unchanged.
enum : uint32 {
  active_spin = 16,
  active_spin_cnt = 30,
  passive_spin = 1,
};

// lockSlow: the key was taken. Spin while another CPU may release it, then
// yield the thread, then sleep on the futex (Go: lock2's loop).
void lockSlow(mutex* l) {
  // Spinning pays only if another CPU can release the lock meanwhile: with a
  // single CPU skip it, otherwise make up to active_spin spinning attempts.
  uint32 spin = ncpu > 1 ? uint32(active_spin) : 0;
  for (uint32 i = 0; i < spin; i++) {
    while (l->key.load(std::memory_order_relaxed) == 0)
      if (l->key.exchange(1, std::memory_order_acquire) == 0) return;
    arch::procyield(active_spin_cnt);
  }
  for (uint32 i = 0; i < passive_spin; i++) {
    while (l->key.load(std::memory_order_relaxed) == 0)
      if (l->key.exchange(1, std::memory_order_acquire) == 0) return;
    osyield();
  }

  // Sleep. Count ourselves first, then fence (see the top of this file),
  // then look at the key: from here on every unlock wakes someone.
  //
  // Only the sleeper that makes the count go from 0 to 1 fences. One that
  // finds others counted is covered by them. An unlock whose load of nsleep
  // missed our increment either saw one of the earlier counts, and wakes
  // one of those sleepers, or ran before all of them, and then the fence of
  // the first one, the one that counted from 0, made that unlock's store
  // visible to it, so it takes the lock instead of sleeping. Either way a
  // counted thread goes on to take the lock, and it uncounts itself (a
  // locked instruction, ordered after our increment) before its own unlock
  // reads nsleep, so that unlock wakes someone in turn. This is Go's
  // mutex_sleeping state passed on from sleeper to sleeper, and it keeps
  // membarrier's interrupts of the other CPUs to the start of a contended
  // spell rather than one per sleeper.
  if (l->nsleep.fetch_add(1, std::memory_order_seq_cst) == 0 && lockStoreRelease)
    sys_membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0);
  while (l->key.exchange(1, std::memory_order_acquire) != 0) futexsleep(&l->key, 1, -1);
  l->nsleep.fetch_sub(1, std::memory_order_seq_cst);
}

// unlockWake: unlock saw a sleeper. Wake one; it tries the key again and
// sleeps again if another thread took it first (that thread's unlock will
// see nsleep > 0 in turn).
void unlockWake(mutex* l) { futexwakeup(&l->key, 1); }

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

// The held-lock bookkeeping of debug builds (see assertLockHeld). An M
// holds few locks at once; more than fit is itself reported, as is an
// unlock of a lock this M does not hold (Go reports both under
// staticlockranking): every runtime lock is released by the M that took
// it, since an M holding one never switches goroutines.
void lockHeldPush(m* mp, mutex* l) {
  if (mp->locksHeldLen == int32(sizeof mp->locksHeld / sizeof mp->locksHeld[0])) throw_("too many locks held");
  mp->locksHeld[mp->locksHeldLen++] = l;
}

void lockHeldPop(m* mp, mutex* l) {
  for (int32 i = mp->locksHeldLen - 1; i >= 0; i--) {
    if (mp->locksHeld[i] == l) {
      for (int32 j = i; j < mp->locksHeldLen - 1; j++) mp->locksHeld[j] = mp->locksHeld[j + 1];
      mp->locksHeldLen--;
      return;
    }
  }
  throw_("unlock of a lock this M does not hold");
}

void assertLockHeldSlow(mutex* l) {
  g* gp = getg();
  if (gp == nullptr) return;  // a thread with no M (unit tests): nothing recorded
  for (int32 i = 0; i < gp->m->locksHeldLen; i++)
    if (gp->m->locksHeld[i] == l) return;
  throw_("not holding required lock!");
}

}  // namespace gort::runtime
