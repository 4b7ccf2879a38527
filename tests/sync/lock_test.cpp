// tests/sync/lock_test.cpp: the runtime lock (lock_futex.cpp) under real
// threads, with both releases: the plain store (membarrier on the sleepers'
// side) and Go's exchange. The holders sometimes keep the lock long enough
// that the others give up spinning and sleep on the futex, so a lost
// wake-up would leave a thread asleep for good (the test's timeout).
#include <criterion/criterion.h>
#include <time.h>

#include <atomic>
#include <thread>
#include <vector>

#include "bare.hpp"
#include "skip.hpp"

namespace {

// Threads of this test have no g, so lock() keeps no M accounting.
struct contended {
  mutex mu;
  long counter = 0;        // guarded by mu, deliberately not atomic
  long inside = 0;         // guarded by mu: threads in the critical section
  std::atomic<long> sleepersSeen{0};
};

void hammer(contended* c, int iters, int id) {
  for (int i = 0; i < iters; i++) {
    lock(&c->mu);
    if (c->inside++ != 0) __builtin_trap();  // mutual exclusion broken
    c->counter++;
    if ((i + id) % 512 == 0) {
      // Hold the lock for 300 us: long past the spinning, so that waiters
      // go to sleep on the futex.
      timespec ts{0, 300000};
      nanosleep(&ts, nullptr);
      if (c->mu.nsleep.load() != 0) c->sleepersSeen++;
    }
    c->inside--;
    unlock(&c->mu);
  }
}

void run(bool storeRelease) {
  ncpu = 2;
  lockinit();
  if (!storeRelease) lockStoreRelease = false;
  contended c;
  const int nthreads = 6, iters = 20000;
  std::vector<std::thread> ts;
  for (int t = 0; t < nthreads; t++) ts.emplace_back(hammer, &c, iters, t * 97);
  for (auto& t : ts) t.join();
  cr_assert_eq(c.counter, long(nthreads) * iters, "every increment under the lock, none lost");
  cr_assert_eq(c.mu.key.load(), 0u, "unlocked at the end");
  cr_assert_eq(c.mu.nsleep.load(), 0u, "no sleeper left counted");
  cr_assert_gt(c.sleepersSeen.load(), 0, "the test made threads sleep on the lock");
}

}  // namespace

Test(lock, store_release_with_sleepers, .timeout = 120) {
  lockinit();
  if (!lockStoreRelease) SKIP("membarrier(PRIVATE_EXPEDITED) is not available here: locks release by exchange");
  run(true);
}

Test(lock, exchange_release_with_sleepers, .timeout = 120) { run(false); }
