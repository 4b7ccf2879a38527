// runtime/sync.cpp: the out-of-line half of <gort/sync.hpp> (Go: package
// sync's mutex.go, rwmutex.go, waitgroup.go, and the runtime_* functions it
// links to in sema.go and proc.go).
//
// The header keeps the uncontended paths inline; what is here is the
// contended part (spinning, parking on semaphores, the starvation logic) and
// the misuse reports. This file is runtime core: no libc and no exceptions.
// It includes sync.hpp, not gort.hpp, whose gort::go needs -fexceptions.
#include "../include/gort/sync.hpp"

#include <new>

#include "runtime.hpp"

namespace gort {

using runtime::g;
using runtime::getg;
using runtime::uint32;

// ---- entry points from the header (Go: sync.runtime_*) ----

namespace {

// needg returns the running goroutine, or ends the program if the caller is
// a thread that gort does not manage: parking needs a G and a P. (Waking
// does not: such a thread may unlock, signal or call done, and the
// goroutine it wakes is readied through runtime/foreign.cpp.)
g* needg() {
  g* gp = getg();
  if (__builtin_expect(gp == nullptr, 0)) {
    runtime::print(
        "gort: a gort::mutex, rwmutex, cond or wait_group would block a thread that gort does not\n"
        "gort: manage (std::thread, pthread_create, a library's thread): only goroutines can wait\n"
        "gort: on them; see gort(3), THREADS THAT GORT DOES NOT MANAGE\n");
    runtime::exit_group(2);
  }
  return gp;
}

runtime::notifyList* nl(detail::notify_list* l) {
  return std::launder(reinterpret_cast<runtime::notifyList*>(l->opaque));
}

}  // namespace

static_assert(sizeof(detail::notify_list) == sizeof(runtime::notifyList), "notify_list size");
static_assert(alignof(detail::notify_list) == alignof(runtime::notifyList), "notify_list alignment");

namespace detail {

void semacquire(std::uint32_t* addr) noexcept {
  needg();
  runtime::semacquire1(addr, false, runtime::waitReason::semacquire);
}

void semacquire_mutex(std::uint32_t* addr, bool lifo) noexcept {
  needg();
  // Go 1.19 shows mutex waiters as "semacquire" too (1.20 added
  // "sync.Mutex.Lock" and friends).
  runtime::semacquire1(addr, lifo, runtime::waitReason::semacquire);
}

void semrelease(std::uint32_t* addr, bool handoff) noexcept { runtime::semrelease1(addr, handoff); }

bool can_spin(int i) noexcept {
  if (getg() == nullptr) return false;  // a foreign thread: it is about to park, and cannot
  return runtime::sync_runtime_canSpin(i);
}

void do_spin() noexcept { runtime::sync_runtime_doSpin(); }

std::int64_t nanotime() noexcept { return runtime::nanotime(); }

std::uint32_t notify_list_add(notify_list* l) noexcept { return runtime::notifyListAdd(nl(l)); }

void notify_list_wait(notify_list* l, std::uint32_t ticket) noexcept {
  needg();
  runtime::notifyListWait(nl(l), ticket);
}

void notify_list_notify_one(notify_list* l) noexcept { runtime::notifyListNotifyOne(nl(l)); }

void notify_list_notify_all(notify_list* l) noexcept { runtime::notifyListNotifyAll(nl(l)); }

}  // namespace detail

// ---- mutex (Go: sync/mutex.go) ----

void mutex::lock_slow() noexcept {
  std::int64_t waitStartTime = 0;
  bool starve = false;  // this waiter has waited longer than the threshold
  bool awoke = false;   // this waiter owns the woken bit
  int iter = 0;
  std::int32_t old = state_.load(std::memory_order_relaxed);
  for (;;) {
    // Spin while the mutex is locked in normal mode and spinning is worth
    // it: the holder may unlock soon. Never in starvation mode, where the
    // mutex goes to a waiter and spinning cannot win it.
    if ((old & (locked | starving)) == locked && detail::can_spin(iter)) {
      // Set the woken bit, so that unlock does not wake another waiter
      // while this goroutine is awake and trying.
      std::int32_t expect = old;
      if (!awoke && (old & woken) == 0 && (old >> waiter_shift) != 0 &&
          state_.compare_exchange_strong(expect, old | woken)) {
        awoke = true;
      }
      detail::do_spin();
      iter++;
      old = state_.load(std::memory_order_relaxed);
      continue;
    }
    std::int32_t next = old;
    // In starvation mode an arriving goroutine does not take the mutex: it
    // belongs to the first waiter.
    if ((old & starving) == 0) next |= locked;
    if ((old & (locked | starving)) != 0) next += 1 << waiter_shift;
    // A starving goroutine turns starvation mode on, yet only while the
    // mutex is held: unlock of a starving mutex hands it to a waiter, and
    // with the mutex unlocked there may be no waiter to receive it.
    if (starve && (old & locked) != 0) next |= starving;
    if (awoke) {
      // awoke means this goroutine owns the woken bit, set by the unlock
      // that woke it or by itself while spinning; either way it drops it.
      if ((next & woken) == 0) runtime::throw_("sync: inconsistent mutex state");
      next &= ~woken;
    }
    if (state_.compare_exchange_strong(old, next)) {  // on failure, old is reloaded
      if ((old & (locked | starving)) == 0) break;    // locked it with the CAS

      // A goroutine that has waited before queues at the front.
      bool queueLifo = waitStartTime != 0;
      if (waitStartTime == 0) waitStartTime = detail::nanotime();
      detail::semacquire_mutex(&sema_, queueLifo);
      starve = starve || detail::nanotime() - waitStartTime > starvation_threshold_ns;
      old = state_.load();
      if ((old & starving) != 0) {
        // Starvation mode: unlock handed the mutex to this goroutine, but
        // left the state as it was (not locked, woken clear, this waiter
        // still counted). Fix it up.
        if ((old & (locked | woken)) != 0 || (old >> waiter_shift) == 0)
          runtime::throw_("sync: inconsistent mutex state");
        std::int32_t delta = locked - (1 << waiter_shift);
        if (!starve || (old >> waiter_shift) == 1) {
          // Leave starvation mode: it costs a handoff per unlock, so stay
          // only while waiters are really starving and there are others.
          delta -= starving;
        }
        state_.fetch_add(delta);
        break;
      }
      awoke = true;
      iter = 0;
    }
  }
}

void mutex::unlock_slow(std::int32_t now) noexcept {
  if (((now + locked) & locked) == 0) runtime::fatal("sync: unlock of unlocked mutex");
  if ((now & starving) == 0) {
    std::int32_t old = now;
    for (;;) {
      // Nobody to wake, or somebody else has it in hand: a goroutine holds
      // the mutex again, one is awake already, or the mutex is now in
      // starvation mode (then its next unlock hands it over).
      if ((old >> waiter_shift) == 0 || (old & (locked | woken | starving)) != 0) return;
      // Take a waiter off the count and wake it, setting woken.
      std::int32_t next = (old - (1 << waiter_shift)) | woken;
      if (state_.compare_exchange_strong(old, next)) {
        detail::semrelease(&sema_, false);
        return;
      }
    }
  } else {
    // Starvation mode: ownership passes straight to the first waiter, and
    // the P is yielded to it so that it runs right away. The waiter sets
    // the locked bit itself once awake; until then newcomers still treat
    // the mutex as taken, since the starving bit is set.
    detail::semrelease(&sema_, true);
  }
}

// ---- rwmutex (Go: sync/rwmutex.go) ----

void rwmutex::unlock_shared_slow(std::int32_t r) noexcept {
  if (r + 1 == 0 || r + 1 == -max_readers) runtime::fatal("sync: RUnlock of unlocked RWMutex");
  // A writer waits for the readers to leave; the last one out wakes it.
  if (reader_wait_.fetch_sub(1) - 1 == 0) detail::semrelease(&writer_sem_, false);
}

void rwmutex::lock() noexcept {
  // First exclude the other writers.
  w_.lock();
  // Then announce the pending writer to the readers (reader_count_ goes
  // negative, so new readers wait) and learn how many are inside.
  std::int32_t r = reader_count_.fetch_sub(max_readers);  // the value before
  // Wait for those readers to leave.
  if (r != 0 && reader_wait_.fetch_add(r) + r != 0) detail::semacquire_mutex(&writer_sem_, false);
}

bool rwmutex::try_lock() noexcept {
  if (!w_.try_lock()) return false;
  std::int32_t zero = 0;
  if (!reader_count_.compare_exchange_strong(zero, -max_readers)) {
    w_.unlock();
    return false;
  }
  return true;
}

void rwmutex::unlock() noexcept {
  // Tell the readers the writer is gone: reader_count_ is non-negative again.
  std::int32_t r = reader_count_.fetch_add(max_readers) + max_readers;
  if (r >= max_readers) runtime::fatal("sync: Unlock of unlocked RWMutex");
  // Release the readers that arrived while the writer held the lock.
  for (std::int32_t i = 0; i < r; i++) detail::semrelease(&reader_sem_, false);
  // Let the other writers in.
  w_.unlock();
}

// ---- wait_group (Go: sync/waitgroup.go) ----

// add_slow is the rest of add: the checks, and the release of the waiters
// when the counter has reached zero. state is the value add produced.
void wait_group::add_slow(std::uint64_t state, int delta) noexcept {
  std::int32_t v = static_cast<std::int32_t>(state >> 32);  // counter
  uint32 w = static_cast<uint32>(state);                      // waiters
  if (v < 0) runtime::panicstring("sync: negative WaitGroup counter");
  // An add that starts the counter from zero while goroutines wait: it
  // raced with a wait that had seen zero.
  if (w != 0 && delta > 0 && v == delta)
    runtime::panicstring("sync: WaitGroup misuse: Add called concurrently with Wait");
  if (v > 0 || w == 0) return;
  // This add brought the counter to zero with waiters present. The state
  // must now stay still: no add may overlap a wait, and a wait that sees a
  // zero counter does not register. A quick re-read catches some misuse.
  if (state_.load() != state) runtime::panicstring("sync: WaitGroup misuse: Add called concurrently with Wait");
  // Clear the whole state, waiter count included, then wake each waiter.
  state_.store(0);
  for (; w != 0; w--) detail::semrelease(&sema_, false);
}

void wait_group::wait_slow() noexcept {
  for (;;) {
    std::uint64_t state = state_.load();
    std::int32_t v = static_cast<std::int32_t>(state >> 32);
    if (v == 0) return;  // nothing left to wait for
    // Count ourselves in as a waiter.
    if (state_.compare_exchange_strong(state, state + 1)) {
      detail::semacquire(&sema_);
      // The last add reset the state to zero before releasing us; anything
      // else means an add of the next round came before we returned.
      if (state_.load() != 0) runtime::panicstring("sync: WaitGroup is reused before previous Wait has returned");
      return;
    }
  }
}

}  // namespace gort
