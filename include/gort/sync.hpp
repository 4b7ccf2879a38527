// <gort/sync.hpp>: mutex, rwmutex, cond, once, wait_group (Go: package sync).
// Included by <gort/gort.hpp>.
//
// These block the goroutine, not its thread: a goroutine that waits here is
// parked on a runtime semaphore and its M runs other goroutines meanwhile
// (std::mutex would block the whole M, and with it every goroutine queued on
// its P). They follow Go 1.19's package sync step for step.
//
// mutex and rwmutex satisfy the standard lock concepts (Lockable; rwmutex
// also SharedLockable), so std::lock_guard, std::unique_lock and
// std::scoped_lock work with both, and std::shared_lock with rwmutex. Their state is zero-initialised and their
// constructors constexpr: a global one is ready before any constructor runs.
// They cannot be copied or moved (Go's vet warns about copies; here the
// compiler refuses them).
//
// An uncontended lock or unlock never enters the runtime and works from any
// thread. Blocking, waking a blocked goroutine, and cond's signal and
// broadcast need a goroutine: from a thread gort does not manage
// (std::thread) they end the program with a message.
//
// This header is C++17.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>

namespace gort {

class mutex;
class rwmutex;
class cond;
class once;
class wait_group;

namespace detail {
// Entry points into the runtime (runtime/sync.cpp), for the inline parts
// below. Go: the runtime_* functions that package sync links to.

// semacquire waits until *addr > 0 and then decrements it (Go:
// runtime_Semacquire).
void semacquire(std::uint32_t* addr) noexcept;
// semacquire_mutex is semacquire for mutexes; lifo queues the caller first,
// for a waiter that has already waited once (Go: runtime_SemacquireMutex).
void semacquire_mutex(std::uint32_t* addr, bool lifo) noexcept;
// semrelease increments *addr and wakes one waiter; handoff gives the unit
// straight to that waiter and yields to it (Go: runtime_Semrelease).
void semrelease(std::uint32_t* addr, bool handoff) noexcept;
// can_spin reports whether spinning is worthwhile in the i-th iteration of
// a contended lock; do_spin spins once (Go: runtime_canSpin, runtime_doSpin).
bool can_spin(int i) noexcept;
void do_spin() noexcept;
// nanotime is the runtime's monotonic clock in ns (Go: runtime_nanotime).
std::int64_t nanotime() noexcept;

// The runtime's notify list (Go: notifyList), opaque here; runtime/sync.cpp
// checks the size and alignment. All zeros is its initial state.
struct notify_list {
  alignas(8) unsigned char opaque[32] = {};
};
std::uint32_t notify_list_add(notify_list* l) noexcept;
void notify_list_wait(notify_list* l, std::uint32_t ticket) noexcept;
void notify_list_notify_one(notify_list* l) noexcept;
void notify_list_notify_all(notify_list* l) noexcept;

// For gort's own tests: reads private state (defined by the tests only).
struct sync_test;
}  // namespace detail

// mutex gives goroutines exclusive access, one at a time (Go: sync.Mutex).
// A zero-initialised mutex is unlocked. Ownership is not tracked: a
// goroutine may unlock a mutex that another one locked. Not recursive.
//
// Fairness follows Go. Most of the time the mutex is in "normal mode":
// waiters are woken in FIFO order, but a woken waiter must still race for
// the mutex with goroutines arriving just then, which are already on a CPU
// and tend to win; a waiter that loses goes back to the front of the queue.
// Once a waiter has gone without the mutex for over 1 ms, it puts the mutex
// in "starvation mode": unlock then passes the mutex straight to the first
// waiter (yielding the P to it), and newcomers join the tail of the queue
// without trying. Normal mode comes back when a waiter that gets the mutex
// is the last one, or has waited under 1 ms. Normal mode is much faster;
// starvation mode keeps the worst-case wait bounded.
//
// Unlocking an unlocked mutex is a fatal error ("fatal error: sync: unlock
// of unlocked mutex", exit status 2).
class mutex {
 public:
  constexpr mutex() noexcept = default;
  mutex(const mutex&) = delete;
  mutex& operator=(const mutex&) = delete;

  // lock takes m, parking the goroutine for as long as another holds it.
  void lock() noexcept {
    std::int32_t unlocked = 0;
    if (state_.compare_exchange_strong(unlocked, locked, std::memory_order_acquire, std::memory_order_relaxed))
      return;
    lock_slow();
  }

  // try_lock locks m if it is unlocked now, and says whether it did. It
  // does not barge in starvation mode.
  bool try_lock() noexcept {
    std::int32_t old = state_.load(std::memory_order_relaxed);
    if ((old & (locked | starving)) != 0) return false;
    return state_.compare_exchange_strong(old, old | locked, std::memory_order_acquire, std::memory_order_relaxed);
  }

  // unlock unlocks m, waking a waiter if there is one.
  void unlock() noexcept {
    std::int32_t now = state_.fetch_sub(locked, std::memory_order_release) - locked;
    if (now != 0) unlock_slow(now);
  }

 private:
  friend struct detail::sync_test;
  // state_: bit 0 locked; bit 1 woken (a waiter is awake and trying, so
  // unlock need not wake another); bit 2 starving (starvation mode); the
  // rest counts the waiters parked on sema_.
  static constexpr std::int32_t locked = 1;
  static constexpr std::int32_t woken = 2;
  static constexpr std::int32_t starving = 4;
  static constexpr int waiter_shift = 3;
  static constexpr std::int64_t starvation_threshold_ns = 1000000;

  void lock_slow() noexcept;
  void unlock_slow(std::int32_t now) noexcept;

  std::atomic<std::int32_t> state_{0};
  std::uint32_t sema_ = 0;  // runtime semaphore (atomic accesses only, in the runtime)
};

// rwmutex is a lock that readers may share and a writer holds alone (Go:
// sync.RWMutex): any number of readers, or one writer. A zero-initialised
// rwmutex is unlocked.
//
// A writer that calls lock waits for the readers that hold the lock, and
// keeps new readers out meanwhile, so writers are not starved by a stream
// of readers. Hence a reader must not lock_shared recursively: if a writer
// arrives in between, the second lock_shared waits for the writer, which
// waits for the first. Like mutex, it is not tied to a goroutine.
//
// Both naming styles are provided: the standard SharedMutex names
// (lock_shared, unlock_shared, try_lock_shared, for std::shared_lock) and
// Go's (rlock, runlock, try_rlock).
//
// Unlocking an unlocked rwmutex is a fatal error ("sync: Unlock of unlocked
// RWMutex", "sync: RUnlock of unlocked RWMutex").
class rwmutex {
 public:
  constexpr rwmutex() noexcept = default;
  rwmutex(const rwmutex&) = delete;
  rwmutex& operator=(const rwmutex&) = delete;

  // Exclusive (writer) side.
  void lock() noexcept;
  bool try_lock() noexcept;
  void unlock() noexcept;

  // Shared (reader) side.
  void lock_shared() noexcept {
    if (reader_count_.fetch_add(1) + 1 < 0) {
      // A writer holds the lock or waits for it: block until it is done.
      detail::semacquire_mutex(&reader_sem_, false);
    }
  }
  bool try_lock_shared() noexcept {
    std::int32_t c = reader_count_.load();
    for (;;) {
      if (c < 0) return false;  // a writer holds it or is pending
      if (reader_count_.compare_exchange_weak(c, c + 1)) return true;
    }
  }
  void unlock_shared() noexcept {
    std::int32_t r = reader_count_.fetch_sub(1) - 1;
    if (r < 0) unlock_shared_slow(r);  // a writer is pending, or misuse
  }

  // Go's names.
  void rlock() noexcept { lock_shared(); }
  bool try_rlock() noexcept { return try_lock_shared(); }
  void runlock() noexcept { unlock_shared(); }

 private:
  friend struct detail::sync_test;
  static constexpr std::int32_t max_readers = 1 << 30;

  void unlock_shared_slow(std::int32_t r) noexcept;

  mutex w_;                    // held by the writer, pending or not
  std::uint32_t writer_sem_ = 0;  // the writer waits here for departing readers
  std::uint32_t reader_sem_ = 0;  // readers wait here for the writer
  // Readers holding or waiting for the lock; a pending writer subtracts
  // max_readers, which makes it negative.
  std::atomic<std::int32_t> reader_count_{0};
  // Readers the pending writer still waits for.
  std::atomic<std::int32_t> reader_wait_{0};
};

// cond is a condition variable (Go: sync.Cond): goroutines wait on it for an
// event, and signal or broadcast announce it. The lock is passed to wait, as
// with std::condition_variable_any: any BasicLockable (gort::mutex itself,
// std::unique_lock<gort::mutex>, an rwmutex, ...), which the caller must
// hold.
//
// A signal or broadcast wakes only goroutines that were already waiting: it
// is not remembered for later waiters. There are no spurious wake-ups, but a
// woken waiter may find its condition false again (another goroutine got
// there first), so wait in a loop, or use the predicate form. Unlike Go,
// the lock need not be the same for every wait.
class cond {
 public:
  constexpr cond() noexcept = default;
  cond(const cond&) = delete;
  cond& operator=(const cond&) = delete;

  // wait unlocks lk, parks the goroutine until a signal or broadcast that
  // comes after this call started, then locks lk again before returning.
  template <class Lock>
  void wait(Lock& lk) {
    std::uint32_t t = detail::notify_list_add(&notify_);
    lk.unlock();
    detail::notify_list_wait(&notify_, t);
    lk.lock();
  }

  // wait until pred() is true: while (!pred()) wait(lk);
  template <class Lock, class Predicate>
  void wait(Lock& lk, Predicate pred) {
    while (!pred()) wait(lk);
  }

  // signal wakes one waiting goroutine, if there is one: the one that has
  // waited longest.
  void signal() noexcept { detail::notify_list_notify_one(&notify_); }
  // broadcast wakes every waiting goroutine.
  void broadcast() noexcept { detail::notify_list_notify_all(&notify_); }

  // The names of std::condition_variable.
  void notify_one() noexcept { signal(); }
  void notify_all() noexcept { broadcast(); }

 private:
  detail::notify_list notify_;
};

// once runs a function exactly once (Go: sync.Once). call(f) runs f if no
// call on this once has run a function yet; every call returns only after
// that one function has returned, so whatever f initialises is visible to
// all of them.
//
// If f throws, the once counts as done all the same, as in Go (where a
// panicking f also counts): the exception propagates from that call and
// later calls do nothing. (std::call_once differs: there a throwing call
// does not count and the next caller tries again.) If f calls call on the
// same once, it deadlocks.
class once {
 public:
  constexpr once() noexcept = default;
  once(const once&) = delete;
  once& operator=(const once&) = delete;

  template <class F, class... Args>
  void call(F&& f, Args&&... args) {
    // The fast path is an acquire load, so that a caller that sees done
    // also sees what f did.
    if (done_.load(std::memory_order_acquire) == 0) call_slow(std::forward<F>(f), std::forward<Args>(args)...);
  }

  // done reports whether a call has completed (or thrown).
  bool done() const noexcept { return done_.load(std::memory_order_acquire) != 0; }

 private:
  template <class F, class... Args>
  void call_slow(F&& f, Args&&... args) {
    // Destructors, not try/catch, so that this also compiles without
    // exceptions; they run in reverse order: done is set before m_ unlocks.
    struct unlocker {
      mutex& m;
      ~unlocker() { m.unlock(); }
    };
    struct mark_done {
      std::atomic<std::uint32_t>& d;
      ~mark_done() { d.store(1, std::memory_order_release); }
    };
    m_.lock();
    unlocker u{m_};
    if (done_.load(std::memory_order_relaxed) == 0) {
      mark_done md{done_};
      std::invoke(std::forward<F>(f), std::forward<Args>(args)...);
    }
  }

  std::atomic<std::uint32_t> done_{0};
  mutex m_;
};

// wait_group lets goroutines wait until a set of other goroutines has
// finished (Go: sync.WaitGroup). The starter adds one to the count for each
// goroutine it starts; each calls done as it ends; wait parks until the
// count is back to zero.
//
// Raising the counter from zero must be ordered before the wait it is meant
// for, which usually means calling add before the goroutine is started. A
// wait_group can serve again for a new round only after every wait of the
// round before has returned. Misuse panics, as in Go (message, exit
// status 2): "sync: negative WaitGroup counter", "sync: WaitGroup misuse:
// Add called concurrently with Wait", "sync: WaitGroup is reused before
// previous Wait has returned".
class wait_group {
 public:
  constexpr wait_group() noexcept = default;
  wait_group(const wait_group&) = delete;
  wait_group& operator=(const wait_group&) = delete;

  // add changes the counter by delta, which can be negative. Once the
  // counter drops to zero, every goroutine parked in wait is let go.
  void add(int delta) noexcept {
    std::uint64_t d = static_cast<std::uint64_t>(static_cast<std::int64_t>(delta)) << 32;
    std::uint64_t state = state_.fetch_add(d) + d;
    // Common case: nobody waits and the counter is not negative.
    if (static_cast<std::uint32_t>(state) == 0 && static_cast<std::int32_t>(state >> 32) >= 0) return;
    add_slow(state, delta);
  }

  // done decrements the counter by one.
  void done() noexcept { add(-1); }

  // wait parks the goroutine until the counter is zero.
  void wait() noexcept {
    if ((state_.load() >> 32) == 0) return;
    wait_slow();
  }

 private:
  friend struct detail::sync_test;
  void add_slow(std::uint64_t state, int delta) noexcept;
  void wait_slow() noexcept;

  // High 32 bits: the counter; low 32 bits: the number of waiters.
  std::atomic<std::uint64_t> state_{0};
  std::uint32_t sema_ = 0;
};

}  // namespace gort
