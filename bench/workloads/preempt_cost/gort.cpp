// preempt_cost (gort): the CPU time of one forced preemption: the signal,
// the handler's safe-point check and injection, runtime.asyncPreempt's
// XSAVE, the switch to the scheduler and back, XRSTOR and the return to
// the interrupted instruction. At GOMAXPROCS=1 a goroutine asks for its own
// preemption (g.preempt, p.preempt, m.signalPending, as preemptone and
// preemptM set them) and sends the signal to its own thread with a syscall
// instruction in its own code, N times; the signal arrives as the syscall
// returns, at a safe point. Self-signals keep the interrupt and IPI cost of
// a cross-CPU tgkill out of the figure (in a VM it is ~20 us and not
// gort's). Reports the thread CPU time per preemption, and per signal the
// runtime hands on to the program (the same path without the preemption:
// the signal alone). Usage: gort N
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <gort/gort.hpp>

#include "bench.hpp"
#include "runtime/runtime.hpp"

namespace rt = gort::runtime;

static double threadcpu_ns() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e9 + double(t.tv_nsec);
}

// selfsignal sends sig to this thread from the program's own text.
static inline void selfsignal(long pid, long tid, int sig) {
  long r;
  asm volatile("syscall" : "=a"(r) : "a"(long(SYS_tgkill)), "D"(pid), "S"(tid), "d"(long(sig)) : "rcx", "r11", "memory");
}

static double run(long n, bool preempt) {
  long pid = getpid();
  double t0 = threadcpu_ns();
  for (long i = 0; i < n; i++) {
    rt::g* gp = rt::getg();  // re-read after every preemption (HACKING.md)
    long tid = long(gp->m->procid);
    if (preempt) {
      gp->preempt.store(true, std::memory_order_relaxed);
      gp->m->p->preempt.store(true, std::memory_order_relaxed);
      gp->m->signalPending.store(1, std::memory_order_release);
    }
    selfsignal(pid, tid, SIGURG);
  }
  return (threadcpu_ns() - t0) / double(n);
}

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 100000);
  double pre = 0, sig = 0;
  std::uint64_t inj = 0;
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] {
    sig = run(n, false);  // foreign SIGURG, default action: ignored
    std::uint64_t i0 = rt::preemptStats.get(rt::statInjected);
    pre = run(n, true);
    inj = rt::preemptStats.get(rt::statInjected) - i0;
    wg.done();
  });
  wg.wait();
  bench::check(inj >= std::uint64_t(n) * 9 / 10, "the preemptions did not land");
  std::printf("result ns_per_op=%.0f signal_ns=%.0f n=%ld injected=%lu\n", pre, sig, n, (unsigned long)inj);
}
