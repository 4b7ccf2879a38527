// tests/progs/gdb_target.cpp: the program that tests/gdb/gdb_test.cpp
// debugs with scripts/gort-gdb.py, live and from a core file. Run with
// GOMAXPROCS=2. It puts goroutines into known states and then calls
// gdb_target_stop, where the debugger stops it:
//   spinner        running on the other P (a loop that never yields)
//   mutex_waiter   waiting [semacquire] in gort::mutex::lock (main holds it)
//   wg_waiter      waiting [semacquire] in gort::wait_group::wait
//   cond_waiter    waiting [sync.Cond.Wait] in gort::cond::wait
//   locked_waiter  waiting [semacquire], locked to its own M (lock_os_thread)
//   yielder x2     runnable: loops calling gort::gosched
//   chan_receiver  waiting [chan receive] on recv_chan (unbuffered, empty)
//   chan_sender    waiting [chan send] on full_chan (cap 2, holding 11 22),
//                  sending 33
//   selector       waiting [select] on recv_chan and closed_chan's peer
//   nil_receiver   waiting [chan receive (nil chan)]
//   sleeper        waiting [sleep] in gort::sleep(1h), a timer on a P
//   closed_chan    cap 3, holding 7, closed (no goroutine)
//   one goroutine that has exited (dead: not listed)
//   one goroutine created last, runnable but not started yet
// Each prints "role=<goid>" first and stores its goid in goid_<role>, which
// the debugger's commands name (goroutine goid_mutex_waiter bt).
// Without a debugger it prints the lines, "gdb_target: done" and exits 0.
// With the argument "crash" it dereferences a null pointer in
// gdb_target_crash instead of going on after the stop: a fatal signal, which
// with GOTRACEBACK=crash ends in a core written by the kernel.
#include <gort/chan.hpp>
#include <gort/gort.hpp>
#include <gort/time.hpp>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string_view>

// The goroutines' ids, for the debugger.
extern "C" {
long long goid_main, goid_spinner, goid_mutex_waiter, goid_wg_waiter, goid_cond_waiter, goid_locked_waiter,
    goid_yielder0, goid_yielder1, goid_chan_receiver, goid_chan_sender, goid_selector, goid_nil_receiver,
    goid_sleeper;
}

// Channels, global so that the debugger can print them by name. Never
// destroyed: goroutines still wait on them when main returns, and the last
// handle of a channel with waiters must not go (chanrelease's check).
gort::chan<int>& recv_chan = *new gort::chan<int>(0);
gort::chan<int>& full_chan = *new gort::chan<int>(2);
gort::chan<int>& closed_chan = *new gort::chan<int>(3);
gort::chan<int>& select_chan = *new gort::chan<int>(0);
gort::chan<int>& nil_chan = *new gort::chan<int>();

namespace {

gort::mutex mu;           // held by main: mutex_waiter blocks on it
gort::wait_group never;   // its counter never reaches 0 before the stop
gort::mutex cond_mu;
gort::cond cv;
std::atomic<int> parked{0};  // goroutines about to block
std::atomic<bool> spinning{false};
std::atomic<bool> stop{false};
bool stop_spinner = false;  // read with __atomic_load_n: no call even at -O0
std::atomic<long> work{0};

void role(const char* name, long long* id) {
  *id = static_cast<long long>(gort::goid());
  std::printf("%s=%lld\n", name, *id);
  std::fflush(stdout);
}

// Each blocking function does some work after the blocking call, so that at
// -O2 the call is not a tail call and the function keeps its frame.
__attribute__((noinline)) void spinning_loop() {
  role("spinner", &goid_spinner);
  spinning.store(true);
  // Running, not preempted (the crash's stop of the world would preempt it):
  // the test wants a goroutine caught running on another thread.
  gort::no_preempt np;
  while (!__atomic_load_n(&stop_spinner, __ATOMIC_RELAXED)) asm volatile("pause");
  work++;
}

__attribute__((noinline)) void blocked_on_mutex() {
  role("mutex_waiter", &goid_mutex_waiter);
  parked++;
  mu.lock();
  work++;
  mu.unlock();
}

__attribute__((noinline)) void blocked_on_wait_group() {
  role("wg_waiter", &goid_wg_waiter);
  parked++;
  never.wait();
  work++;
}

__attribute__((noinline)) void blocked_on_cond() {
  role("cond_waiter", &goid_cond_waiter);
  std::unique_lock<gort::mutex> lk(cond_mu);
  parked++;
  cv.wait(lk, [] { return stop.load(); });
  work++;
}

__attribute__((noinline)) void blocked_locked_to_thread() {
  gort::lock_os_thread();
  role("locked_waiter", &goid_locked_waiter);
  parked++;
  never.wait();
  work++;
  gort::unlock_os_thread();
}

__attribute__((noinline)) void yielding_loop(int n) {
  role(n == 0 ? "yielder0" : "yielder1", n == 0 ? &goid_yielder0 : &goid_yielder1);
  parked++;
  while (!stop.load()) gort::gosched();
  work++;
}

__attribute__((noinline)) void blocked_on_chan_receive() {
  role("chan_receiver", &goid_chan_receiver);
  parked++;
  work += recv_chan.recv();
}

__attribute__((noinline)) void blocked_on_chan_send() {
  role("chan_sender", &goid_chan_sender);
  parked++;
  full_chan.send(33);
  work++;
}

__attribute__((noinline)) void blocked_in_select() {
  role("selector", &goid_selector);
  parked++;
  gort::select(gort::case_recv(recv_chan, [](int v) { work += v; }),
               gort::case_recv(select_chan, [](int v) { work += v; }));
  work++;
}

__attribute__((noinline)) void blocked_on_nil_chan() {
  role("nil_receiver", &goid_nil_receiver);
  parked++;
  work += nil_chan.recv();
}

__attribute__((noinline)) void sleeping() {
  role("sleeper", &goid_sleeper);
  parked++;
  gort::sleep(std::chrono::hours(1));
  work++;
}

__attribute__((noinline)) void not_started() { work++; }

}  // namespace

// The debugger's breakpoint. extern "C" and noinline so that its name is
// plain and the call stays.
extern "C" __attribute__((noinline)) void gdb_target_stop(int goroutines) {
  std::printf("gdb_target: stop goroutines=%d\n", goroutines);
  std::fflush(stdout);
  asm volatile("" ::: "memory");
}

// The fault for "crash", in a function of its own so that the core shows it.
extern "C" __attribute__((noinline)) void gdb_target_crash(volatile int* p) {
  *p = 1;
  asm volatile("" ::: "memory");
}

int main(int argc, char** argv) {
  role("main", &goid_main);
  never.add(1);
  mu.lock();
  full_chan.send(11);
  full_chan.send(22);
  closed_chan.send(7);
  closed_chan.close();

  // One that finishes: its g is dead (reused by a later go).
  gort::go([] { work++; });
  gort::gosched();

  gort::go(spinning_loop);
  while (!spinning.load()) gort::gosched();

  gort::go(blocked_on_mutex);
  gort::go(blocked_on_wait_group);
  gort::go(blocked_on_cond);
  gort::go(blocked_locked_to_thread);
  gort::go(yielding_loop, 0);
  gort::go(yielding_loop, 1);
  gort::go(blocked_on_chan_receive);
  gort::go(blocked_on_chan_send);
  gort::go(blocked_in_select);
  gort::go(blocked_on_nil_chan);
  gort::go(sleeping);
  // The spinner holds the other P, so they all run on this one while main
  // yields; each increments parked just before it blocks or starts yielding.
  while (parked.load() < 11) gort::gosched();
  for (int i = 0; i < 10; i++) gort::gosched();  // let the last ones park

  gort::go(not_started);
  gdb_target_stop(gort::num_goroutine());
  if (argc > 1 && std::string_view(argv[1]) == "crash") gdb_target_crash(nullptr);

  stop.store(true);
  __atomic_store_n(&stop_spinner, true, __ATOMIC_RELAXED);
  std::printf("gdb_target: done\n");
  return 0;
}
