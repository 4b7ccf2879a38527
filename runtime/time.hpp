// runtime/time.hpp: the runtime's timers (Go: the timer struct and the
// functions of time.go). Included by runtime.hpp.
//
// Every P keeps a 4-ary min-heap of the timers started on it, ordered by
// `when` (nanotime). The scheduler runs the due ones (checkTimers) whenever
// it looks for work, other Ps steal them when they run out of work, and an
// M with nothing to do sleeps in netpoll (netpoll_stub.cpp) until the
// earliest one. The state machine and the rules for touching a timer are
// Go 1.19's; time.cpp explains them.
#pragma once

#include "runtime2.hpp"

namespace gort::runtime {

// Values of timer::status (Go's, in Go's order).
enum : uint32 {
  timerNoStatus = 0,     // not started, or already run; in no heap
  timerWaiting,          // in some P's heap, waiting for its time
  timerRunning,          // its f is being called (briefly)
  timerDeleted,          // stopped but still in a heap; must not run
  timerRemoving,         // being taken out of a heap (briefly)
  timerRemoved,          // stopped and out of every heap
  timerModifying,        // being changed by modtimer/deltimer (briefly)
  timerModifiedEarlier,  // in a heap, new time (earlier) in nextwhen
  timerModifiedLater,    // in a heap, new time (same or later) in nextwhen
  timerMoving,           // being moved within or between heaps (briefly)
};

// The largest value of timer::when.
inline constexpr int64 maxWhen = INT64_MAX;

struct timer {
  p* pp = nullptr;  // the P whose heap holds it (null when in none)

  // The timer fires at when, then at when+period, when+2*period, ... if
  // period > 0. Each time, f(arg, seq) is called by the scheduler, on g0,
  // with no locks held: f must be quick and must not block.
  // when is > 0 while the timer is active.
  int64 when = 0;
  int64 period = 0;
  void (*f)(void* arg, uintptr seq) = nullptr;
  void* arg = nullptr;
  uintptr seq = 0;

  int64 nextwhen = 0;  // the new when, in the timerModifiedXX states

  std::atomic<uint32> status{timerNoStatus};

  // Our addition, because C++ has no collector (Go lets the GC free a timer
  // once nothing, heap included, refers to it). refs counts the owner
  // (1 from creation) plus 1 while the timer is in a P's heap or its f is
  // being called; when it drops to 0, release(t) frees it. Timers the
  // runtime keeps for ever (g::timer) have release == null and are not
  // counted at all. See timerRelease in time.cpp.
  std::atomic<int32> refs{1};
  void (*release)(timer* t) = nullptr;
};

// ---- time.cpp ----
void timeSleep(int64 ns) RUNTIME_SYM("timeSleep");
void goroutineReady(void* arg, uintptr seq) RUNTIME_SYM("goroutineReady");
void addtimer(timer* t) RUNTIME_SYM("addtimer");
void doaddtimer(p* pp, timer* t);
bool deltimer(timer* t) RUNTIME_SYM("deltimer");
int32 dodeltimer(p* pp, int32 i);
void dodeltimer0(p* pp);
bool modtimer(timer* t, int64 when, int64 period, void (*f)(void*, uintptr), void* arg, uintptr seq)
    RUNTIME_SYM("modtimer");
bool resettimer(timer* t, int64 when) RUNTIME_SYM("resettimer");
void cleantimers(p* pp);
void moveTimers(p* pp, timerSlice* timers);
void adjusttimers(p* pp, int64 now);
int64 nobarrierWakeTime(p* pp);
int64 runtimer(p* pp, int64 now) RUNTIME_SYM("runtimer");
void clearDeletedTimers(p* pp);
void updateTimer0When(p* pp);
void updateTimerModifiedEarliest(p* pp, int64 nextwhen);
int64 timeSleepUntil();
// The 4-ary heap's sifts: siftupTimer moves t[i] up to its place and
// returns its new index; siftdownTimer moves t[i] down. (Declared for the
// bare-structure tests, tests/time/timerheap_test.cpp.)
int32 siftupTimer(timerSlice& t, int32 i);
void siftdownTimer(timerSlice& t, int32 i);
// timerAcquire takes one more reference to t, for a holder that already
// has one; timerRelease drops one, freeing t with the last (see
// timer::refs).
inline void timerAcquire(timer* t) {
  if (t->release != nullptr) t->refs.fetch_add(1, std::memory_order_relaxed);
}
void timerRelease(timer* t);

// ---- netpoll (netpoll.hpp) ----
void netpollGenericInit();
bool netpollinited();
void netpollBreak();

// ---- proc.cpp: the scheduler's side of timers ----
struct checkTimersResult {
  int64 rnow;       // the time used (now, or nanotime() if now was 0)
  int64 pollUntil;  // when the next timer is due, 0 if none
  bool ran;         // some timer was run
};
checkTimersResult checkTimers(p* pp, int64 now) RUNTIME_SYM("checkTimers");
void wakeNetPoller(int64 when) RUNTIME_SYM("wakeNetPoller");

}  // namespace gort::runtime
