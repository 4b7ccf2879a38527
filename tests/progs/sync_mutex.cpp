// tests/progs/sync_mutex.cpp: gort::mutex. Each scenario prints one line
// "<name>: ok ..." or "<name>: FAIL ..."; the exit status is the number of
// failures. Run at several GOMAXPROCS by tests/sync/sync_test.cpp.
//   exclusion   8 goroutines x 2000 increments of a plain int, yielding
//               inside the critical section: no update lost, never two inside
//   std         std::lock_guard, std::unique_lock, std::scoped_lock, try_lock
//   starve      a waiter kept out for more than 1 ms switches the mutex to
//               starvation mode (seen in its state), then gets it by handoff
//   hammer      a late goroutine gets the mutex while others re-lock it in a
//               loop that only ends when it has (no livelock without
//               starvation mode)
//   treap       64 mutexes whose addresses share one semaphore root, 3
//               waiters on each, unlocked in a scrambled order: the root's
//               tree of addresses and per-address queues lose nobody
#include <gort/gort.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <new>
#include <utility>

#include "tests/progs/check.hpp"

using progs::fails;
using progs::now_ns;
using progs::report;

// The test hook declared in <gort/sync.hpp>: reads a mutex's state word.
struct gort::detail::sync_test {
  static std::int32_t state(const gort::mutex& m) { return m.state_.load(); }
  static constexpr std::int32_t locked = gort::mutex::locked;
  static constexpr std::int32_t starving = gort::mutex::starving;
  static constexpr int waiter_shift = gort::mutex::waiter_shift;
};
using hook = gort::detail::sync_test;

// A global one: constexpr-constructed, usable before main.
static gort::mutex global_mu;
static_assert(!std::is_copy_constructible_v<gort::mutex> && !std::is_move_constructible_v<gort::mutex>);

static void exclusion() {
  constexpr int G = 8, K = 2000;
  gort::mutex mu;
  gort::wait_group wg;
  int counter = 0;  // plain: only the mutex protects it
  std::atomic<int> inside{0}, overlaps{0};
  for (int g = 0; g < G; g++) {
    wg.add(1);
    gort::go([&] {
      for (int i = 0; i < K; i++) {
        mu.lock();
        if (inside.fetch_add(1) != 0) overlaps++;
        int v = counter;
        if (i % 4 == 0) gort::gosched();  // let the others pile up on the mutex
        counter = v + 1;
        inside.fetch_sub(1);
        mu.unlock();
      }
      wg.done();
    });
  }
  wg.wait();
  char buf[128];
  std::snprintf(buf, sizeof buf, "counter=%d want=%d overlaps=%d", counter, G * K, overlaps.load());
  report("exclusion", counter == G * K && overlaps == 0 && hook::state(mu) == 0, buf);
}

static void std_wrappers() {
  bool ok = true;
  gort::mutex a, b;
  {
    std::lock_guard<gort::mutex> g(a);
    ok &= !a.try_lock();
  }
  ok &= a.try_lock();
  a.unlock();
  {
    std::unique_lock<gort::mutex> u(a, std::try_to_lock);
    ok &= u.owns_lock();
    std::unique_lock<gort::mutex> v(a, std::try_to_lock);
    ok &= !v.owns_lock();
    u.unlock();
    ok &= v.try_lock();
  }
  ok &= hook::state(a) == 0;
  {
    std::lock_guard<gort::mutex> g(global_mu);
  }

  // std::scoped_lock over two mutexes, taken in opposite orders by
  // competing goroutines: std::lock's algorithm avoids the deadlock.
  constexpr int G = 4, K = 300;
  gort::wait_group wg;
  int x = 0, y = 0;
  for (int g = 0; g < G; g++) {
    wg.add(1);
    gort::go([&, g] {
      for (int i = 0; i < K; i++) {
        if (g % 2 == 0) {
          std::scoped_lock l(a, b);
          int v = x;
          gort::gosched();
          x = v + 1;
        } else {
          std::scoped_lock l(b, a);
          int v = y;
          gort::gosched();
          y = v + 1;
        }
      }
      wg.done();
    });
  }
  wg.wait();
  ok &= x == G / 2 * K && y == G / 2 * K;
  ok &= hook::state(a) == 0 && hook::state(b) == 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "x=%d y=%d", x, y);
  report("std", ok, buf);
}

static void busy_wait_ns(std::int64_t ns) {
  std::int64_t end = now_ns() + ns;
  while (now_ns() < end) {
  }
}

// One attempt: main holds mu while B parks on it for 3 ms; main unlocks and
// at once re-locks (barging past the woken B, as normal mode allows). B wakes
// to a locked mutex having waited > 1 ms, so it sets the starving bit and
// re-queues. Main then sees that bit, and its unlock hands mu to B. Returns
// whether the starving bit was seen.
//
// The barging must not depend on timing: at GOMAXPROCS > 1 another P could
// take B (readied into main's runnext) and run it between main's unlock
// and its lock, and on a loaded machine it did, attempt after attempt (20
// of 20, twice in 40 runs at P=2): the unlock's wakep woke an idle M, and
// the kernel let that freshly woken thread preempt main's on its CPU. So
// the other Ps are kept busy by spinners for the attempt (no idle P to
// wake, none to steal B), and main's unlock/lock pair is not preemptible:
// B runs when main yields, on main's P, as at GOMAXPROCS=1. A spinner that
// sysmon preempts meanwhile can still, rarely, cost an attempt.
static bool starve_attempt(bool* ok) {
  // The spinners: one per other P, running until the attempt is over.
  int others = gort::gomaxprocs(0) - 1;
  std::atomic<int> spinning{0};
  std::atomic<bool> over{false};
  gort::wait_group spinners;
  for (int i = 0; i < others; i++) {
    spinners.add(1);
    gort::go([&] {
      spinning++;
      while (!over) {
      }
      spinners.done();
    });
  }
  while (spinning < others) gort::gosched();

  gort::mutex mu;
  gort::wait_group wg;
  std::atomic<int> b{0};  // 1 while B holds mu, 2 once B has released it
  mu.lock();
  wg.add(1);
  gort::go([&] {
    mu.lock();
    b = 1;
    b = 2;
    mu.unlock();
    wg.done();
  });
  std::int64_t deadline = now_ns() + 2'000'000'000;
  while ((hook::state(mu) >> hook::waiter_shift) == 0 && now_ns() < deadline) gort::gosched();  // B queued
  busy_wait_ns(3'000'000);
  {
    gort::no_preempt np;  // not rescheduled between the two
    mu.unlock();
    mu.lock();
  }
  bool saw = false;
  deadline = now_ns() + 200'000'000;
  while (now_ns() < deadline) {
    *ok &= b != 1;  // we hold mu: B cannot
    std::int32_t s = hook::state(mu);
    if ((s & hook::starving) != 0 && (s >> hook::waiter_shift) == 1) {
      saw = true;
      break;
    }
    if (b == 2) break;  // B won the race and is done: no starvation this time
    gort::gosched();
  }
  mu.unlock();  // in starvation mode: a direct handoff to B
  wg.wait();
  *ok &= b == 2;
  // B was the last waiter, so it left starvation mode; it unlocked.
  *ok &= hook::state(mu) == 0;
  over = true;
  spinners.wait();
  return saw;
}

static void starve() {
  bool ok = true;
  int attempts = 0;
  bool saw = false;
  while (!saw && attempts < 20) {
    attempts++;
    saw = starve_attempt(&ok);
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "attempts=%d", attempts);
  report("starve", ok && saw, buf);
}

static void hammer() {
  constexpr int H = 4;
  gort::mutex mu;
  gort::wait_group wg;
  std::atomic<bool> victim_done{false}, gave_up{false};
  std::atomic<int> seen_starving{0};
  std::atomic<int> rounds{0};
  std::int64_t giveup_at = now_ns() + 5'000'000'000LL;  // a livelock fails, not hangs
  for (int h = 0; h < H; h++) {
    wg.add(1);
    gort::go([&] {
      while (!victim_done) {
        mu.lock();
        if (hook::state(mu) & hook::starving) seen_starving++;
        rounds++;
        gort::gosched();  // hold it across a yield, then re-lock at once
        mu.unlock();
        if (now_ns() > giveup_at) {
          gave_up = true;
          break;
        }
      }
      wg.done();
    });
  }
  while (rounds < 100) gort::gosched();  // the hammering is under way
  std::int64_t t0 = now_ns();
  wg.add(1);
  std::int64_t waited = 0;
  gort::go([&] {
    mu.lock();
    waited = now_ns() - t0;
    victim_done = true;
    mu.unlock();
    wg.done();
  });
  wg.wait();
  char buf[128];
  std::snprintf(buf, sizeof buf, "victim waited %lld us, %d rounds, starving seen %d times",
                (long long)(waited / 1000), rounds.load(), seen_starving.load());
  report("hammer", victim_done && !gave_up && hook::state(mu) == 0, buf);
}

static void treap() {
  constexpr int M = 64, W = 3;
  // The runtime hashes a semaphore's address as (addr >> 3) % 251: mutexes
  // this far apart all land on the same root.
  constexpr std::size_t stride = 251 * 8;
  static_assert(sizeof(gort::mutex) <= stride);
  alignas(8) static unsigned char buf[M * stride];
  gort::mutex* ms[M];
  for (int i = 0; i < M; i++) ms[i] = new (buf + i * stride) gort::mutex;
  for (auto* m : ms) m->lock();

  gort::wait_group wg;
  int got[M] = {};  // each under its own mutex
  unsigned rnd = 12345;
  auto next = [&rnd](int n) {
    rnd = rnd * 1103515245u + 12345u;
    return int((rnd >> 8) % unsigned(n));
  };
  // Waiters arrive in a scrambled order of addresses.
  int order[M * W];
  for (int k = 0; k < M * W; k++) order[k] = k % M;
  for (int k = M * W - 1; k > 0; k--) std::swap(order[k], order[next(k + 1)]);
  for (int k = 0; k < M * W; k++) {
    wg.add(1);
    gort::go([&, i = order[k]] {
      ms[i]->lock();
      got[i]++;
      ms[i]->unlock();
      wg.done();
    });
  }
  // Until every waiter is parked: each mutex counts W waiters.
  std::int64_t deadline = now_ns() + 5'000'000'000LL;
  for (bool all = false; !all && now_ns() < deadline;) {
    gort::gosched();
    all = true;
    for (auto* m : ms) all &= (hook::state(*m) >> hook::waiter_shift) == W;
  }
  int perm[M];
  for (int i = 0; i < M; i++) perm[i] = i;
  for (int i = M - 1; i > 0; i--) std::swap(perm[i], perm[next(i + 1)]);
  for (int i : perm) ms[i]->unlock();
  wg.wait();
  bool ok = true;
  for (int i = 0; i < M; i++) ok &= got[i] == W && hook::state(*ms[i]) == 0;
  report("treap", ok);
}

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  exclusion();
  std_wrappers();
  starve();
  hammer();
  treap();
  return fails;
}
