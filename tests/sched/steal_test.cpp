// tests/sched/steal_test.cpp: run-queue races under real threads (Go:
// proc_test.go's TestStealOrder idea, export_test.go's RunStealQueue, but
// with real concurrency). Bare runtime structures: no scheduler runs; each
// test thread plays an M holding its own P and drives runqput / runqget /
// runqsteal / globrunqget directly. The Gs are plain g structs with ids; the
// check is that every G is taken exactly once: nothing lost, nothing taken
// twice, no pointer that was never put.
//
// Threads: each test thread binds a fake g0 and m of its own in
// gort::runtime::tlsg, with m->p set to the thread's P, the state an M is in
// when findrunnable steals. Today runqgrab's runnext backoff (usleep) and
// lock(&sched.lock) cope with a thread that has no g at all, but runtime
// code is free to use getg()->m on these paths (Go's lock does), and a thread
// without a g would then crash instead of testing the queues.
#include <criterion/criterion.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "bare.hpp"

using clk = std::chrono::steady_clock;

namespace {

// The Gs of one test and the record of who took each.
struct pool {
  std::unique_ptr<g[]> gs;
  std::unique_ptr<std::atomic<uint32>[]> taken;
  int n;
  std::atomic<int64> total{0};    // Gs taken so far
  std::atomic<int64> bad{0};      // foreign pointers, double takes
  std::atomic<int64> firstbad{-1};

  explicit pool(int n_) : gs(new g[n_]), taken(new std::atomic<uint32>[n_]), n(n_) {
    for (int i = 0; i < n; i++) {
      gs[i].goid = i;
      gs[i].atomicstatus = _Grunnable;
      taken[i] = 0;
    }
  }
  void reset() {
    for (int i = 0; i < n; i++) taken[i] = 0, gs[i].schedlink = nullptr;
    total = 0;
  }
  // take records that gp left the queues once more.
  void take(g* gp) {
    uintptr a = reinterpret_cast<uintptr>(gp), lo = reinterpret_cast<uintptr>(&gs[0]);
    if (gp == nullptr || a < lo || a >= reinterpret_cast<uintptr>(&gs[n]) || (a - lo) % sizeof(g) != 0) {
      bad++;
      return;
    }
    int64 id = int64((a - lo) / sizeof(g));
    if (gp->goid != id || taken[id].fetch_add(1) != 0) {
      bad++;
      int64 e = -1;
      firstbad.compare_exchange_strong(e, id);
    }
    total++;
  }
  // check verifies that every G was taken exactly once.
  void check(const char* what, int round) {
    int lost = 0, twice = 0, first = -1;
    for (int i = 0; i < n; i++) {
      uint32 t = taken[i].load();
      if (t == 0) lost++;
      if (t > 1) twice++;
      if (t != 1 && first < 0) first = i;
    }
    cr_assert(lost == 0 && twice == 0 && bad.load() == 0,
              "%s, round %d: %d Gs lost, %d taken more than once, %ld bad takes (first G %d / %ld) of %d",
              what, round, lost, twice, long(bad.load()), first, long(firstbad.load()), n);
  }
};

// drain takes everything from pp's local queue (pp must be the caller's).
int drain(p* pp, pool& pl) {
  int k = 0;
  bool inherit;
  while (g* gp = runqget(pp, &inherit)) pl.take(gp), k++;
  return k;
}

// globget takes one batch from the global queue onto pp, as findrunnable
// does; pp's local queue must be empty (it is, after drain).
g* globget(p* pp) {
  lock(&sched.lock);
  g* gp = globrunqget(pp, 0);
  unlock(&sched.lock);
  return gp;
}

int64 globsize() {
  lock(&sched.lock);
  int64 n = sched.runqsize;
  unlock(&sched.lock);
  return n;
}

void setup() {
  physPageSize = 4096;
  ncpu = 2;
  sched.runq = gQueue{};
  sched.runqsize = 0;
}

}  // namespace

TestSuite(steal, .init = setup, .timeout = 60);

// One owner puts (tail and runnext) and gets on its P; three thieves steal
// half of it at a time (runnext included) into their own Ps, drain those and
// take from the global queue. From time to time the owner holds the thieves
// off and puts more than a ring holds, so the overflow to the global queue
// (runqputslow) is exercised every round, racing with the thieves' globrunqget
// once they resume.
Test(steal, owner_and_thieves_take_each_g_once) {
  constexpr int kThieves = 3, kN = 50000, kRounds = 6;
  gomaxprocs = 1 + kThieves;
  pool pl(kN);
  p* victim = newp(0);
  p* thiefp[kThieves];
  for (int i = 0; i < kThieves; i++) thiefp[i] = newp(i + 1);

  std::atomic<int> round{-1};  // thieves start a round when this changes; -2: quit
  std::atomic<bool> hold{false};
  std::atomic<int> held{0}, finished{0};
  std::atomic<int64> stolen{0}, fromglobal{0};
  auto deadline = clk::now() + std::chrono::seconds(30);

  std::vector<std::thread> thieves;
  for (int t = 0; t < kThieves; t++)
    thieves.emplace_back([&, t] {
      fakem fm(thiefp[t]);
      std::minstd_rand rnd(t + 1);
      for (int r = 0;; r++) {
        while (round.load() < r && round.load() != -2) std::this_thread::yield();
        if (round.load() == -2) return;
        while (pl.total.load() < kN && clk::now() < deadline) {
          if (hold.load()) {
            held++;
            while (hold.load()) std::this_thread::yield();
            held--;
          }
          g* gp = runqsteal(thiefp[t], victim, rnd() % 2 == 0);
          if (gp != nullptr) {
            stolen++;
          } else if ((gp = globget(thiefp[t])) != nullptr) {
            fromglobal++;
          } else {
            continue;
          }
          pl.take(gp);
          drain(thiefp[t], pl);
        }
        finished++;
      }
    });

  {
    fakem fm(victim);
    std::minstd_rand rnd(42);
    bool inherit;
    for (int r = 0; r < kRounds; r++) {
      pl.reset();
      cr_assert_eq(globsize(), 0);
      finished = 0;
      victim->status = r % 3 == 2 ? _Pidle : _Prunning;  // runnext steals with and without the backoff
      round = r;
      int i = 0;
      while (i < kN) {
        uint32 op = rnd() % 512;
        if (op == 0 && kN - i >= 600) {
          // Hold the thieves, then overflow the ring: 600 puts into at most
          // 256 slots must spill to the global queue at least twice.
          hold = true;
          while (held.load() < kThieves && pl.total.load() < kN) std::this_thread::yield();
          int64 before = globsize();
          for (int k = 0; k < 600; k++) runqput(victim, &pl.gs[i++], false);
          cr_assert_geq(globsize() - before, 2 * int64(kRunqSize / 2 + 1), "no overflow to the global queue");
          hold = false;
          while (held.load() > 0) std::this_thread::yield();
        } else if (op < 64) {
          runqput(victim, &pl.gs[i++], true);  // runnext; kicks the old one to the tail
        } else if (op < 96) {
          if (g* gp = runqget(victim, &inherit)) pl.take(gp);
        } else {
          // A burst of puts at the tail.
          for (int k = 0; k < 8 && i < kN; k++) runqput(victim, &pl.gs[i++], false);
        }
      }
      // The owner takes part in draining until all are accounted for.
      while (pl.total.load() < kN && clk::now() < deadline) {
        if (g* gp = runqget(victim, &inherit)) {
          pl.take(gp);
        } else if (g* gq = globget(victim)) {
          pl.take(gq);
          drain(victim, pl);
        } else {
          std::this_thread::yield();
        }
      }
      while (finished.load() < kThieves) std::this_thread::yield();
      cr_assert(clk::now() < deadline, "round %d: timed out with %ld of %d Gs taken", r, long(pl.total.load()), kN);
      pl.check("owner and thieves", r);
      cr_assert(runqempty(victim) && globsize() == 0);
      for (p* tp : thiefp) cr_assert(runqempty(tp));
    }
    round = -2;
  }
  for (auto& t : thieves) t.join();
  // Every path was taken.
  cr_assert_gt(stolen.load(), 0);
  cr_assert_gt(fromglobal.load(), 0);
}

// runnext alone: the owner puts one G into runnext of an otherwise empty
// queue and then races the thieves (runqsteal with stealRunNextG) for it
// with its own runqget; each such G goes to exactly one of them. With the P
// idle there is no backoff, so the thieves must win some.
Test(steal, runnext_race_takes_each_g_once) {
  constexpr int kThieves = 2, kN = 10000;
  gomaxprocs = 1 + kThieves;
  pool pl(kN);
  p* victim = newp(0);
  victim->status = _Pidle;
  std::atomic<bool> quit{false};
  std::atomic<int64> thiefwins{0}, multi{0};
  auto deadline = clk::now() + std::chrono::seconds(30);
  std::vector<std::thread> thieves;
  for (int t = 0; t < kThieves; t++)
    thieves.emplace_back([&, t] {
      p* mine = newp(t + 1);
      fakem fm(mine);
      while (!quit.load()) {
        if (g* gp = runqsteal(mine, victim, true)) {
          thiefwins++;
          pl.take(gp);
          if (!runqempty(mine)) multi++;  // (no cr_assert off the test's thread)
        }
      }
    });
  int64 ownerwins = 0;
  {
    fakem fm(victim);
    std::minstd_rand rnd(7);
    bool inherit;
    for (int i = 0; i < kN; i++) {
      runqput(victim, &pl.gs[i], true);
      for (uint32 k = rnd() % 1000; k > 0; k--) asm volatile("pause");
      if (g* gp = runqget(victim, &inherit)) {
        cr_assert(inherit, "a G taken from runnext must inherit the time slice");
        pl.take(gp), ownerwins++;
      }
      // Wait for the thief that won.
      while (pl.total.load() < i + 1 && clk::now() < deadline) asm volatile("pause");
      if (pl.total.load() < i + 1) break;
    }
    quit = true;
  }
  for (auto& t : thieves) t.join();
  cr_assert_eq(pl.total.load(), kN, "timed out: a runnext G was lost (%ld of %d taken)", long(pl.total.load()), kN);
  cr_assert_eq(multi.load(), 0, "a runnext steal brought more than one G");
  pl.check("runnext race", 0);
  cr_assert_eq(ownerwins + thiefwins.load(), kN);
  cr_assert_gt(thiefwins.load(), 0, "no thief ever stole runnext");
  cr_assert_gt(ownerwins, 0, "the owner never got its own runnext");
}

// Many producers: four threads, each the owner of one P, put their own Gs
// (tail and runnext, with overflow to the global queue), take from their own
// queue, the global queue and steal from the others in random order, as
// findrunnable does. Every G is taken exactly once.
Test(steal, all_ps_produce_and_steal_from_each_other) {
  constexpr int kP = 4, kPer = 50000, kN = kP * kPer, kRounds = 10;
  gomaxprocs = kP;
  pool pl(kN);
  p* ps[kP];
  for (int i = 0; i < kP; i++) ps[i] = newp(i);
  auto deadline = clk::now() + std::chrono::seconds(30);
  std::atomic<int64> steals{0}, globals{0};

  for (int r = 0; r < kRounds; r++) {
    pl.reset();
    std::vector<std::thread> ts;
    for (int t = 0; t < kP; t++)
      ts.emplace_back([&, t] {
        fakem fm(ps[t]);
        std::minstd_rand rnd(uint32(r * kP + t + 1));
        bool inherit;
        int next = t * kPer, end = next + kPer;
        while (pl.total.load() < kN && clk::now() < deadline) {
          uint32 op = rnd() % 16;
          if (next < end && op < 10) {
            // Produce: a burst, sometimes larger than the ring.
            int k = op == 0 ? 300 : 1 + int(rnd() % 6);
            for (; k > 0 && next < end; k--) runqput(ps[t], &pl.gs[next++], rnd() % 4 == 0);
            continue;
          }
          // Consume as findrunnable would: local, global, then steal.
          if (g* gp = runqget(ps[t], &inherit)) {
            pl.take(gp);
            continue;
          }
          if (g* gp = globget(ps[t])) {
            globals++;
            pl.take(gp);
            continue;
          }
          uint32 start = rnd() % kP;
          for (int i = 0; i < kP; i++) {
            int v = int((start + uint32(i)) % kP);
            if (v == t) continue;
            if (g* gp = runqsteal(ps[t], ps[v], i == kP - 1)) {
              steals++;
              pl.take(gp);
              break;
            }
          }
        }
      });
    for (auto& t : ts) t.join();
    cr_assert(clk::now() < deadline, "round %d: timed out with %ld of %d Gs taken", r, long(pl.total.load()), kN);
    pl.check("all Ps", r);
    for (p* pp : ps) cr_assert(runqempty(pp));
    cr_assert_eq(globsize(), 0);
  }
  cr_assert_gt(steals.load(), 0);
  cr_assert_gt(globals.load(), 0);
}
