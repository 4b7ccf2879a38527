// tests/time/timerheap_test.cpp: a P's timer heap (time.cpp) on bare
// structures: the 4-ary heap's sifts, taking a timer out at any index,
// adjusttimers and clearDeletedTimers. Bare-structure tests: no scheduler
// runs and no timer fires; the tests set the status words the way
// modtimer and deltimer do on another M, then call the P's side directly,
// holding p.timersLock as the scheduler does. Random inputs come from fixed
// seeds, so a failure repeats. (Timers firing in running programs are
// tests/time/time_test.cpp's.)
#include <criterion/criterion.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "bare.hpp"

namespace {

// heapbad returns the first index whose timer is due before its parent's,
// -1 where the 4-ary heap property holds.
int32 heapbad(const timerSlice& ts) {
  for (int32 i = 1; i < ts.len(); i++)
    if (ts[i]->when < ts[(i - 1) / 4]->when) return i;
  return -1;
}

#define EXPECT_HEAP(ts, what, ...)                                                                              \
  do {                                                                                                         \
    int32 bad_ = heapbad(ts);                                                                                  \
    cr_assert_eq(bad_, -1, what ": timer %d (when %ld) is due before its parent %d (when %ld)", ##__VA_ARGS__, \
                 bad_, bad_ < 0 ? 0L : long((ts)[bad_]->when), (bad_ - 1) / 4,                                 \
                 bad_ < 0 ? 0L : long((ts)[(bad_ - 1) / 4]->when));                                            \
  } while (0)

// A heap array the test owns, of fixed capacity (the sifts never grow it).
struct array {
  std::vector<timer*> slots;
  timerSlice ts;
  explicit array(int32 cap) : slots(size_t(cap)) {
    ts.a = slots.data();
    ts.cap = cap;
  }
};

timer* newtimer(int64 when) {
  timer* t = new timer();
  t->when = when;
  return t;
}

// What released a timer (timer::release), and how often.
std::map<timer*, int> released;
void countRelease(timer* t) { released[t]++; }

// addtimers puts n timers due at random times in [1, span] into pp's heap
// the way addtimer does: the owner's reference and the heap's, status
// timerWaiting, doaddtimer under timersLock.
std::vector<timer*> addtimers(p* pp, int n, std::mt19937_64& rnd, int64 span) {
  std::vector<timer*> v;
  lock(&pp->timersLock);
  for (int i = 0; i < n; i++) {
    timer* t = newtimer(1 + int64(rnd() % uint64(span)));
    t->release = countRelease;
    timerAcquire(t);
    t->status.store(timerWaiting);
    doaddtimer(pp, t);
    v.push_back(t);
  }
  unlock(&pp->timersLock);
  return v;
}

// What a test expects of each timer after the P has re-sorted its heap.
enum class fate { waiting, earlier, later, deleted };

struct plan {
  std::map<timer*, fate> fates;
  std::map<timer*, int64> want;  // when, for the timers that stay
  int ndeleted = 0;
  int64 earliest = 0;  // earliest nextwhen of the timerModifiedEarlier ones
};

// modify gives each timer of ts a random fate, as modtimer and deltimer
// would from another M: only the status word, nextwhen, and the P's
// counters change; the heap stays as it is.
plan modify(p* pp, const std::vector<timer*>& ts, std::mt19937_64& rnd, bool earlierToo = true) {
  plan pl;
  for (timer* t : ts) {
    fate f = fate(rnd() % 4);
    if (f == fate::earlier && (!earlierToo || t->when < 2)) f = fate::waiting;
    pl.fates[t] = f;
    switch (f) {
      case fate::waiting:
        pl.want[t] = t->when;
        break;
      case fate::earlier:
        t->nextwhen = 1 + int64(rnd() % uint64(t->when - 1));  // in [1, when)
        t->status.store(timerModifiedEarlier);
        updateTimerModifiedEarliest(pp, t->nextwhen);
        pl.want[t] = t->nextwhen;
        if (pl.earliest == 0 || t->nextwhen < pl.earliest) pl.earliest = t->nextwhen;
        break;
      case fate::later:
        t->nextwhen = t->when + int64(rnd() % 1000000);
        t->status.store(timerModifiedLater);
        pl.want[t] = t->nextwhen;
        break;
      case fate::deleted:
        t->status.store(timerDeleted);
        pp->deletedTimers.fetch_add(1);
        pl.ndeleted++;
        break;
    }
  }
  return pl;
}

// expect_resorted checks pp's heap and each timer of pl after adjusttimers
// or clearDeletedTimers: a valid heap of exactly the timers not deleted,
// each timerWaiting at its new when; the deleted ones out of every heap
// with the heap's reference dropped; the P's counters right; the slots
// the heap no longer uses cleared.
void expect_resorted(p* pp, const plan& pl, int32 n0, const char* what) {
  timerSlice& ts = pp->timers;
  EXPECT_HEAP(ts, "%s", what);
  cr_assert_eq(ts.len(), int32(pl.fates.size()) - pl.ndeleted, "%s: heap size", what);
  std::set<timer*> in(ts.a, ts.a + ts.len());
  cr_assert_eq(in.size(), size_t(ts.len()), "%s: a timer twice in the heap", what);
  for (auto [t, f] : pl.fates) {
    if (f == fate::deleted) {
      cr_assert(!in.count(t), "%s: a deleted timer is still in the heap", what);
      cr_assert_eq(t->status.load(), uint32(timerRemoved), "%s", what);
      cr_assert_null(t->pp, "%s: a removed timer still names its P", what);
      cr_assert_eq(t->refs.load(), 1, "%s: the heap's reference to a removed timer was not dropped", what);
    } else {
      cr_assert(in.count(t), "%s: a live timer is missing from the heap", what);
      cr_assert_eq(t->status.load(), uint32(timerWaiting), "%s: status %u", what, t->status.load());
      cr_assert_eq(t->when, pl.want.at(t), "%s: when %ld, want %ld", what, long(t->when), long(pl.want.at(t)));
      cr_assert_eq(t->pp, pp, "%s", what);
      cr_assert_eq(t->refs.load(), 2, "%s: the owner's and the heap's reference", what);
    }
  }
  cr_assert(released.empty(), "%s: a timer still referenced was released", what);
  cr_assert_eq(pp->numTimers.load(), ts.len(), "%s: numTimers", what);
  cr_assert_eq(pp->deletedTimers.load(), 0, "%s: deletedTimers", what);
  cr_assert_eq(pp->timerModifiedEarliest.load(), 0, "%s: timerModifiedEarliest", what);
  cr_assert_eq(pp->timer0When.load(), ts.len() > 0 ? ts[0]->when : 0, "%s: timer0When", what);
  for (int32 i = ts.len(); i < n0; i++) cr_assert_null(ts.a[i], "%s: slot %d beyond the heap not cleared", what, i);
}

}  // namespace

TestSuite(timerheap, .init = bare_setup);

// siftupTimer, as doaddtimer uses it: each timer appended at the end rises
// to its place; the heap holds after every insertion. Sizes around the
// 4-ary levels (1, 5, 21, 85), whens with many ties and without.
Test(timerheap, siftup_keeps_the_heap_on_random_inputs) {
  for (uint64 seed = 1; seed <= 20; seed++) {
    std::mt19937_64 rnd(seed);
    for (int32 n : {1, 2, 4, 5, 6, 20, 21, 22, 85, 86, 700}) {
      for (uint64 span : {uint64(3), uint64(1) << 40}) {
        array h(n);
        for (int32 i = 0; i < n; i++) {
          timer* t = newtimer(1 + int64(rnd() % span));
          h.ts.a[i] = t;
          h.ts.n = i + 1;
          int32 at = siftupTimer(h.ts, i);
          cr_assert(at >= 0 && at <= i && h.ts[at] == t, "seed %lu n %d: siftupTimer(%d) returned %d", seed, n, i,
                    at);
          EXPECT_HEAP(h.ts, "seed %lu n %d after inserting %d", seed, n, i);
        }
      }
    }
  }
}

// siftdownTimer, as runOneTimer uses it for a periodic timer (the first
// one re-armed later) and dodeltimer0 to take the first one out: the heap
// holds after each, and taking the first out until none is left yields the
// timers in order (a heap sort).
Test(timerheap, siftdown_keeps_the_heap_on_random_inputs) {
  for (uint64 seed = 1; seed <= 20; seed++) {
    std::mt19937_64 rnd(seed);
    for (int32 n : {2, 5, 6, 21, 22, 86, 700}) {
      for (uint64 span : {uint64(3), uint64(1) << 40}) {
        array h(n);
        for (int32 i = 0; i < n; i++) {
          h.ts.a[i] = newtimer(1 + int64(rnd() % span));
          h.ts.n = i + 1;
          siftupTimer(h.ts, i);
        }
        // Any timer due later than before sinks to its place.
        for (int k = 0; k < 2 * n; k++) {
          int32 i = k % 3 == 0 ? 0 : int32(rnd() % uint64(n));
          h.ts[i]->when += 1 + int64(rnd() % span);
          siftdownTimer(h.ts, i);
          EXPECT_HEAP(h.ts, "seed %lu n %d: timer %d later", seed, n, i);
        }
        // Any timer due earlier than before rises to its place.
        for (int k = 0; k < 2 * n; k++) {
          int32 i = int32(rnd() % uint64(n));
          h.ts[i]->when = 1 + int64(rnd() % uint64(h.ts[i]->when));
          siftupTimer(h.ts, i);
          EXPECT_HEAP(h.ts, "seed %lu n %d: timer %d earlier", seed, n, i);
        }
        std::vector<int64> out;
        while (h.ts.len() > 0) {
          out.push_back(h.ts[0]->when);
          int32 last = h.ts.len() - 1;
          h.ts[0] = h.ts[last];
          h.ts.n = last;
          if (last > 0) siftdownTimer(h.ts, 0);
          EXPECT_HEAP(h.ts, "seed %lu n %d: after taking the first out", seed, n);
        }
        cr_assert_eq(out.size(), size_t(n));
        cr_assert(std::is_sorted(out.begin(), out.end()), "seed %lu n %d: first timers out of order", seed, n);
      }
    }
  }
}

// dodeltimer takes a timer out at any index: the last timer takes its slot
// and may belong above it as well as below (Go issue 26619's lesson). The
// heap, the P's count and timer0When stay right; dodeltimer0 takes them out
// in order.
Test(timerheap, dodeltimer_at_any_index_keeps_the_heap) {
  for (uint64 seed = 1; seed <= 10; seed++) {
    std::mt19937_64 rnd(seed);
    p* pp = newp();
    std::vector<timer*> v = addtimers(pp, 600, rnd, int64(1) << 30);
    timerSlice& ts = pp->timers;
    EXPECT_HEAP(ts, "seed %lu after doaddtimer", seed);
    cr_assert_eq(pp->numTimers.load(), 600);
    cr_assert_eq(pp->timer0When.load(), ts[0]->when);
    std::set<timer*> left(v.begin(), v.end());
    lock(&pp->timersLock);
    while (ts.len() > 300) {
      int32 i = int32(rnd() % uint64(ts.len()));
      timer* t = ts[i];
      int32 changed = dodeltimer(pp, i);
      left.erase(t);
      cr_assert(changed >= 0 && changed <= i, "seed %lu: dodeltimer(%d) returned %d", seed, i, changed);
      cr_assert_null(t->pp);
      EXPECT_HEAP(ts, "seed %lu after dodeltimer(%d)", seed, i);
      cr_assert_eq(pp->numTimers.load(), ts.len());
      cr_assert_eq(pp->timer0When.load(), ts[0]->when);
      cr_assert(std::set<timer*>(ts.a, ts.a + ts.len()) == left, "seed %lu: heap lost or gained a timer", seed);
    }
    pp->timerModifiedEarliest.store(1);  // no timers left, none modified: dodeltimer0 clears it
    int64 last = 0;
    while (ts.len() > 0) {
      timer* t = ts[0];
      cr_assert_geq(t->when, last, "seed %lu: dodeltimer0 out of order", seed);
      last = t->when;
      dodeltimer0(pp);
      cr_assert_null(t->pp);
      EXPECT_HEAP(ts, "seed %lu after dodeltimer0", seed);
      cr_assert_eq(pp->numTimers.load(), ts.len());
      cr_assert_eq(pp->timer0When.load(), ts.len() > 0 ? ts[0]->when : 0);
    }
    unlock(&pp->timersLock);
    cr_assert_eq(pp->timerModifiedEarliest.load(), 0);
  }
}

// adjusttimers: once the earliest timerModifiedEarlier timer is due, every
// modified timer (earlier and later) moves to its new when, every deleted
// one goes, and the heap holds. Before that it leaves the heap alone.
Test(timerheap, adjusttimers_moves_modified_timers_and_drops_deleted) {
  int adjusted = 0;
  for (uint64 seed = 1; seed <= 20; seed++) {
    std::mt19937_64 rnd(seed);
    p* pp = newp();
    int n = seed % 2 == 0 ? 400 : int(1 + rnd() % 90);
    std::vector<timer*> v = addtimers(pp, n, rnd, 1000000);
    plan pl = modify(pp, v, rnd);
    if (pl.earliest == 0) continue;  // no timer modified earlier: nothing to adjust
    int32 n0 = pp->timers.len();
    cr_assert_eq(pp->timerModifiedEarliest.load(), pl.earliest);

    // Not yet due: nothing moves.
    std::vector<timer*> before(pp->timers.a, pp->timers.a + n0);
    lock(&pp->timersLock);
    adjusttimers(pp, pl.earliest - 1);
    unlock(&pp->timersLock);
    cr_assert(std::vector<timer*>(pp->timers.a, pp->timers.a + pp->timers.len()) == before,
              "seed %lu: adjusttimers changed the heap before the earliest modified timer was due", seed);
    cr_assert_eq(pp->timerModifiedEarliest.load(), pl.earliest);
    cr_assert_eq(pp->deletedTimers.load(), pl.ndeleted);

    lock(&pp->timersLock);
    adjusttimers(pp, pl.earliest);
    unlock(&pp->timersLock);
    char what[64];
    std::snprintf(what, sizeof what, "seed %lu, %d timers, adjusttimers", seed, n);
    expect_resorted(pp, pl, n0, what);
    adjusted++;
  }
  cr_assert_geq(adjusted, 15, "only %d of 20 heaps had a timer modified earlier", adjusted);
}

// With timers modified to fire later only, the heap is still in order for
// every timer due before them: adjusttimers leaves it to runtimer and
// cleantimers to move them when they reach the front.
Test(timerheap, adjusttimers_leaves_later_timers_alone) {
  std::mt19937_64 rnd(7);
  p* pp = newp();
  std::vector<timer*> v = addtimers(pp, 200, rnd, 1000000);
  plan pl = modify(pp, v, rnd, false);
  std::vector<timer*> before(pp->timers.a, pp->timers.a + pp->timers.len());
  lock(&pp->timersLock);
  adjusttimers(pp, maxWhen);
  unlock(&pp->timersLock);
  cr_assert(std::vector<timer*>(pp->timers.a, pp->timers.a + pp->timers.len()) == before);
  for (auto [t, f] : pl.fates)
    if (f == fate::later) cr_assert_eq(t->status.load(), uint32(timerModifiedLater));
  cr_assert_eq(pp->deletedTimers.load(), pl.ndeleted);
}

// clearDeletedTimers: every deleted timer out of the heap, at any index,
// every modified one at its new when, the heap valid, the counters right.
Test(timerheap, clearDeletedTimers_removes_deleted_and_keeps_the_heap) {
  for (uint64 seed = 1; seed <= 20; seed++) {
    std::mt19937_64 rnd(seed);
    p* pp = newp();
    int n = seed % 2 == 0 ? 400 : int(1 + rnd() % 90);
    std::vector<timer*> v = addtimers(pp, n, rnd, 1000000);
    plan pl = modify(pp, v, rnd);
    int32 n0 = pp->timers.len();
    lock(&pp->timersLock);
    clearDeletedTimers(pp);
    unlock(&pp->timersLock);
    char what[64];
    std::snprintf(what, sizeof what, "seed %lu, %d timers, clearDeletedTimers", seed, n);
    expect_resorted(pp, pl, n0, what);
  }
}

// A deleted timer whose owner has let go is freed when the P takes it out
// (its last reference was the heap's), exactly once; a heap of deleted
// timers only ends empty.
Test(timerheap, clearDeletedTimers_releases_the_heaps_reference) {
  std::mt19937_64 rnd(3);
  p* pp = newp();
  std::vector<timer*> v = addtimers(pp, 100, rnd, 1000000);
  for (timer* t : v) {
    t->status.store(timerDeleted);
    pp->deletedTimers.fetch_add(1);
  }
  for (size_t i = 0; i < v.size(); i += 2) timerRelease(v[i]);  // the owner lets go of every other one
  cr_assert(released.empty());
  lock(&pp->timersLock);
  clearDeletedTimers(pp);
  unlock(&pp->timersLock);
  cr_assert_eq(pp->timers.len(), 0);
  cr_assert_eq(pp->numTimers.load(), 0);
  cr_assert_eq(pp->deletedTimers.load(), 0);
  cr_assert_eq(pp->timer0When.load(), 0);
  for (size_t i = 0; i < v.size(); i++) {
    cr_assert_eq(released.count(v[i]) ? released[v[i]] : 0, i % 2 == 0 ? 1 : 0, "timer %zu released %d times", i,
                 released.count(v[i]) ? released[v[i]] : 0);
    cr_assert_eq(v[i]->refs.load(), i % 2 == 0 ? 0 : 1);
  }
}
