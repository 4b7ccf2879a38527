// tests/progs/sync_rwmutex.cpp: gort::rwmutex. One line per scenario,
// "<name>: ok ..." or "<name>: FAIL ..."; exit status = number of failures.
//   concurrent  6 readers are inside the read lock at the same time
//   exclusive   writers alone, readers with readers only, under contention
//   nostarve    a writer gets the lock while readers keep re-taking it, in a
//               loop that only ends when the writer has had it
//   try         try_lock / try_lock_shared against held locks
//   std         std::shared_lock, std::unique_lock, std::lock_guard; Go's
//               names rlock / runlock
#include <gort/gort.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <shared_mutex>

#include "tests/progs/check.hpp"

using progs::fails;
using progs::now_ns;
using progs::report;

static void concurrent() {
  constexpr int R = 6;
  gort::rwmutex rw;
  gort::wait_group wg;
  std::atomic<int> inside{0}, max_inside{0};
  std::int64_t deadline = now_ns() + 5'000'000'000LL;
  for (int r = 0; r < R; r++) {
    wg.add(1);
    gort::go([&] {
      rw.lock_shared();
      int n = inside.fetch_add(1) + 1;
      for (int m = max_inside; n > m && !max_inside.compare_exchange_weak(m, n);) {
      }
      // Stay inside until every reader is: possible only if they share it.
      while (max_inside < R && now_ns() < deadline) gort::gosched();
      inside--;
      rw.unlock_shared();
      wg.done();
    });
  }
  wg.wait();
  char buf[64];
  std::snprintf(buf, sizeof buf, "max readers inside=%d of %d", max_inside.load(), R);
  report("concurrent", max_inside == R, buf);
}

static void exclusive() {
  constexpr int W = 3, R = 5, K = 400;
  gort::rwmutex rw;
  gort::wait_group wg;
  std::atomic<int> readers{0}, writers{0}, bad{0};
  long a = 0, b = 0;  // plain; a writer keeps a == b
  for (int w = 0; w < W; w++) {
    wg.add(1);
    gort::go([&] {
      for (int i = 0; i < K; i++) {
        rw.lock();
        if (writers.fetch_add(1) != 0 || readers != 0) bad++;
        a++;
        gort::gosched();
        b++;
        writers--;
        rw.unlock();
      }
      wg.done();
    });
  }
  for (int r = 0; r < R; r++) {
    wg.add(1);
    gort::go([&] {
      for (int i = 0; i < K; i++) {
        rw.lock_shared();
        readers++;
        if (writers != 0 || a != b) bad++;
        if (i % 2) gort::gosched();
        if (writers != 0 || a != b) bad++;
        readers--;
        rw.unlock_shared();
      }
      wg.done();
    });
  }
  wg.wait();
  char buf[64];
  std::snprintf(buf, sizeof buf, "a=%ld b=%ld want=%d violations=%d", a, b, W * K, bad.load());
  report("exclusive", bad == 0 && a == W * K && b == W * K, buf);
}

static void nostarve() {
  constexpr int R = 4;
  gort::rwmutex rw;
  gort::wait_group wg;
  std::atomic<bool> writer_done{false}, gave_up{false};
  std::atomic<int> reads{0};
  std::int64_t giveup_at = now_ns() + 5'000'000'000LL;
  for (int r = 0; r < R; r++) {
    wg.add(1);
    gort::go([&] {
      // Overlapping readers: without writer preference the reader count
      // would never drop to zero.
      while (!writer_done) {
        rw.lock_shared();
        reads++;
        gort::gosched();
        rw.unlock_shared();
        if (now_ns() > giveup_at) {
          gave_up = true;
          break;
        }
      }
      wg.done();
    });
  }
  while (reads < 50) gort::gosched();
  std::int64_t t0 = now_ns(), waited = 0;
  wg.add(1);
  gort::go([&] {
    rw.lock();
    waited = now_ns() - t0;
    writer_done = true;
    rw.unlock();
    wg.done();
  });
  wg.wait();
  char buf[96];
  std::snprintf(buf, sizeof buf, "writer waited %lld us, %d reads", (long long)(waited / 1000), reads.load());
  report("nostarve", writer_done && !gave_up, buf);
}

static void try_locks() {
  bool ok = true;
  gort::rwmutex rw;
  ok &= rw.try_lock_shared();
  ok &= rw.try_rlock();
  ok &= !rw.try_lock();
  rw.unlock_shared();
  rw.runlock();
  ok &= rw.try_lock();
  ok &= !rw.try_lock();
  ok &= !rw.try_lock_shared();
  rw.unlock();
  ok &= rw.try_lock_shared();
  rw.unlock_shared();
  report("try", ok);
}

static gort::rwmutex global_rw;  // constexpr-constructed

static void std_wrappers() {
  bool ok = true;
  gort::rwmutex rw;
  {
    std::shared_lock<gort::rwmutex> s1(rw);
    std::shared_lock<gort::rwmutex> s2(rw, std::try_to_lock);
    ok &= s1.owns_lock() && s2.owns_lock();
    std::unique_lock<gort::rwmutex> u(rw, std::try_to_lock);
    ok &= !u.owns_lock();
  }
  {
    std::unique_lock<gort::rwmutex> u(rw);
    std::shared_lock<gort::rwmutex> s(rw, std::try_to_lock);
    ok &= !s.owns_lock();
  }
  {
    std::lock_guard<gort::rwmutex> g(global_rw);
  }
  {
    std::scoped_lock l(rw, global_rw);
  }
  // A writer blocked behind a shared_lock holder gets in once it is gone.
  int value = 0;
  gort::wait_group wg;
  {
    std::shared_lock<gort::rwmutex> s(rw);
    wg.add(1);
    gort::go([&] {
      std::lock_guard<gort::rwmutex> g(rw);
      value = 1;
      wg.done();
    });
    for (int i = 0; i < 10; i++) gort::gosched();
    ok &= value == 0;
  }
  wg.wait();
  ok &= value == 1;
  report("std", ok);
}

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  concurrent();
  exclusive();
  nostarve();
  try_locks();
  std_wrappers();
  return fails;
}
