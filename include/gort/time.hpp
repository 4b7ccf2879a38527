// <gort/time.hpp>: sleeping and timers (Go: time.Sleep, time.After,
// time.AfterFunc, time.Timer, time.Ticker). Included by <gort/gort.hpp>.
//
//     gort::sleep(10ms);                         // time.Sleep(10 * time.Millisecond)
//     auto c = gort::after(1s);                  // <-time.After(time.Second)
//     gort::timer t(500ms);                      // t := time.NewTimer(500 * time.Millisecond)
//     gort::select(gort::case_recv(t.C, [](gort::time_point) { ... }),
//                  gort::case_recv(done));
//     gort::ticker tk(100ms);                    // tk := time.NewTicker(...)
//     for (;;) { auto now = tk.C.recv(); ... }
//     auto t2 = gort::after_func(2s, [] { ... }); // time.AfterFunc; keep t2 or detach it
//
// Durations are any std::chrono::duration, rounded up to whole nanoseconds;
// zero or negative means "now". Times are std::chrono::steady_clock time
// points (CLOCK_MONOTONIC, the runtime's own clock), so what a timer sends
// can be compared with steady_clock::now().
//
// Sleeping parks the goroutine, not its thread: the M runs other goroutines
// meanwhile, and when nothing at all is runnable an M sleeps in the kernel
// exactly until the next timer is due. Timers live in per-P heaps, as in
// Go; a timer fires no earlier than its time, and as soon after as a P gets
// to it (gort(7), "TIMERS").
//
// Lifetime (C++ has no garbage collector; gort(7) says more). A timer or
// ticker object is a move-only handle that owns its runtime timer: its
// destructor stops the timer, as stop() would. detach() gives the timer
// up instead, so that it fires without an owner (a ticker cannot be
// detached: nothing could ever stop it). gort::after is a detached timer's
// channel. The runtime frees a timer once it is in no P's heap and no
// handle owns it; the channel C lives on while any chan handle to it does.
// A detached timer is owned by its channel: when C's last handle goes,
// nothing could receive from it, so the timer is stopped and freed at once
// (as Go 1.23's collector does).
// Do not close C (Go's type system forbids it; here the runtime drops the
// ticks that find it closed).
//
// This header is C++17.
#pragma once

#include <chrono>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "chan.hpp"

namespace gort {

// The time of timers and of the values they send: steady_clock's.
using time_point = std::chrono::steady_clock::time_point;

namespace detail {
struct rtimer;  // a runtime timer with its channel or function (runtime/api.cpp)

// The function of an after_func timer, type-erased (move-only callables
// are fine, unlike std::function).
struct afterfunc_base {
  virtual void run() = 0;
  virtual ~afterfunc_base() = default;
};
template <class F>
struct afterfunc final : afterfunc_base {
  F f;
  template <class G>
  explicit afterfunc(G&& g) : f(std::forward<G>(g)) {}
  void run() override { f(); }
};

// Entry points in runtime/api.cpp.
void sleep_ns(std::int64_t ns) noexcept;
// A timer sending the time on c (cap 1) at now+ns, then every period ns
// if period > 0 (Go: NewTimer, NewTicker).
rtimer* timer_start_chan(std::int64_t ns, std::int64_t period, hchan* c) noexcept;
// A timer starting a goroutine that calls f->run() at now+ns (Go:
// AfterFunc); it takes f over and deletes it when the timer is freed.
rtimer* timer_start_func(std::int64_t ns, afterfunc_base* f);
bool timer_stop(rtimer* t) noexcept;                                         // Go: stopTimer
bool timer_reset(rtimer* t, std::int64_t ns) noexcept;                       // Go: resetTimer
void ticker_reset(rtimer* t, std::int64_t ns, std::int64_t period) noexcept;  // Go: modTimer
// timer_drop gives up the handle's ownership, stopping the timer first if
// stop is set; without stop, a channel timer's channel takes it over.
void timer_drop(rtimer* t, bool stop) noexcept;
[[noreturn]] void time_panic(const char* msg) noexcept;

// to_ns converts d to nanoseconds for the runtime: rounded up, so that no
// timer fires early; saturated at the largest int64; <= 0 stays <= 0.
template <class Rep, class Period>
constexpr std::int64_t to_ns(std::chrono::duration<Rep, Period> d) noexcept {
  using namespace std::chrono;
  if (d <= d.zero()) return d < d.zero() ? -1 : 0;
  if (duration<long double, std::nano>(d).count() >= 9.2e18L) return INT64_MAX;
  return ceil<nanoseconds>(d).count();
}
}  // namespace detail

// sleep parks the calling goroutine for at least d (Go: time.Sleep). d <= 0
// returns at once, without yielding.
template <class Rep, class Period>
void sleep(std::chrono::duration<Rep, Period> d) noexcept {
  detail::sleep_ns(detail::to_ns(d));
}

// sleep_until parks the calling goroutine until tp, measured on tp's clock
// at the call (for steady_clock, exactly the timers' clock).
template <class Clock, class Duration>
void sleep_until(std::chrono::time_point<Clock, Duration> tp) noexcept {
  sleep(tp - Clock::now());
}

// timer: one event, on a channel or as a function call (Go: time.Timer).
class timer {
 public:
  // C receives the time when the timer fires (Go: Timer.C); capacity 1, so
  // a fire that finds a value still there is dropped. Nil for timers made
  // by after_func.
  chan<time_point> C;

  // An empty handle: stop and reset panic on it.
  timer() noexcept = default;

  // A timer that sends the current time on C after at least d (Go:
  // time.NewTimer).
  template <class Rep, class Period>
  explicit timer(std::chrono::duration<Rep, Period> d)
      : C(1), t_(detail::timer_start_chan(detail::to_ns(d), 0, C.handle())) {}

  timer(timer&& o) noexcept : C(std::move(o.C)), t_(std::exchange(o.t_, nullptr)) {}
  timer& operator=(timer&& o) noexcept {
    if (this != &o) {
      if (t_ != nullptr) detail::timer_drop(t_, true);
      C = std::move(o.C);
      t_ = std::exchange(o.t_, nullptr);
    }
    return *this;
  }
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;

  // Stops the timer, unless detached.
  ~timer() {
    if (t_ != nullptr) detail::timer_drop(t_, true);
  }

  // stop keeps the timer from firing (Go: Timer.Stop). It returns true if
  // this call stopped it, false if it had already fired or been stopped.
  // It does not drain C: after a false return a value may be waiting
  // there. For an after_func timer, false means the function has been (or
  // is being) started in its own goroutine; stop does not wait for it.
  // Safe to call from several goroutines at once, and with reset.
  bool stop() noexcept {
    if (t_ == nullptr) detail::time_panic("time: Stop called on uninitialized Timer");
    return detail::timer_stop(t_);
  }

  // reset makes the timer fire after d from now (Go: Timer.Reset). It
  // returns true if the timer was still pending, false if it had fired or
  // been stopped. As in Go, use it on a stopped or fired timer whose C has
  // been drained: otherwise a value from the old setting may still come.
  template <class Rep, class Period>
  bool reset(std::chrono::duration<Rep, Period> d) noexcept {
    if (t_ == nullptr) detail::time_panic("time: Reset called on uninitialized Timer");
    return detail::timer_reset(t_, detail::to_ns(d));
  }

  // detach lets the timer go on without this handle, which becomes empty
  // (C stays readable). The timer fires as set, with nothing left that can
  // stop it, and the runtime frees it afterwards; or, for a timer with a
  // channel, as soon as the last handle of C goes (nobody could see it fire).
  void detach() noexcept {
    if (t_ != nullptr) detail::timer_drop(std::exchange(t_, nullptr), false);
  }

  // False for an empty (default-constructed, moved-from or detached) handle.
  explicit operator bool() const noexcept { return t_ != nullptr; }

 private:
  template <class Rep, class Period, class F>
  friend timer after_func(std::chrono::duration<Rep, Period> d, F&& f);
  explicit timer(detail::rtimer* t) noexcept : t_(t) {}

  detail::rtimer* t_ = nullptr;
};

// after returns a channel that receives the time once, after at least d
// (Go: time.After). The timer behind it cannot be stopped; it is freed
// after it fires, or as soon as the channel's last handle goes. In a loop,
// a gort::timer reset each round is still cheaper (no timer made each time).
template <class Rep, class Period>
chan<time_point> after(std::chrono::duration<Rep, Period> d) {
  timer t(d);
  t.detach();
  return std::move(t.C);
}

// after_func calls f() in a goroutine of its own after at least d (Go:
// time.AfterFunc). f is decay-copied (moved where possible) into the timer;
// it may be move-only. The returned timer can stop or reset it; its C is nil.
// Keep the handle, or detach() it: a discarded handle stops the timer at
// once. Reset after firing runs f again, in a new goroutine; f may then run
// in two goroutines at once. f is destroyed when the timer is freed, by
// whichever goroutine or scheduler thread lets it go: its destructor must
// not block.
template <class Rep, class Period, class F>
[[nodiscard]] timer after_func(std::chrono::duration<Rep, Period> d, F&& f) {
  static_assert(std::is_invocable_v<std::decay_t<F>&>, "gort::after_func: f must be callable as f()");
  auto* fn = new detail::afterfunc<std::decay_t<F>>(std::forward<F>(f));
  return timer(detail::timer_start_func(detail::to_ns(d), fn));
}

// ticker: a channel that receives the time every period (Go: time.Ticker).
// Ticks that find the previous one still in C (capacity 1) are dropped, so
// a slow receiver sees fewer ticks rather than a backlog; the period is
// kept (ticks stay on the grid start + k*period, skipping missed ones).
class ticker {
 public:
  chan<time_point> C;

  // A ticker with period d; d <= 0 panics (Go: time.NewTicker).
  template <class Rep, class Period>
  explicit ticker(std::chrono::duration<Rep, Period> d) : C(1) {
    std::int64_t ns = detail::to_ns(d);
    if (ns <= 0) detail::time_panic("non-positive interval for NewTicker");
    t_ = detail::timer_start_chan(ns, ns, C.handle());
  }

  ticker(ticker&& o) noexcept : C(std::move(o.C)), t_(std::exchange(o.t_, nullptr)) {}
  ticker& operator=(ticker&& o) noexcept {
    if (this != &o) {
      if (t_ != nullptr) detail::timer_drop(t_, true);
      C = std::move(o.C);
      t_ = std::exchange(o.t_, nullptr);
    }
    return *this;
  }
  ticker(const ticker&) = delete;
  ticker& operator=(const ticker&) = delete;
  ~ticker() {
    if (t_ != nullptr) detail::timer_drop(t_, true);
  }

  // stop turns the ticker off; no more ticks are sent (one may be waiting
  // in C). C is not closed (Go: Ticker.Stop).
  void stop() noexcept {
    if (t_ != nullptr) detail::timer_stop(t_);
  }

  // reset stops the ticker and restarts it with period d, the next tick
  // after d from now; d <= 0 panics (Go: Ticker.Reset).
  template <class Rep, class Period>
  void reset(std::chrono::duration<Rep, Period> d) noexcept {
    std::int64_t ns = detail::to_ns(d);
    if (ns <= 0) detail::time_panic("non-positive interval for Ticker.Reset");
    if (t_ == nullptr) detail::time_panic("time: Reset called on uninitialized Ticker");
    detail::ticker_reset(t_, ns, ns);
  }

 private:
  detail::rtimer* t_ = nullptr;
};

}  // namespace gort
