// runtime/signal_unix.cpp: fatal signals, stack overflow and SIGQUIT (Go:
// signal_unix.go, signal_amd64.go, os_linux.go's signal parts, and
// stack.go's overflow report).
//
// gort installs handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP
// (faults), SIGABRT (abort(3), an assert that failed) and SIGQUIT (a
// goroutine dump), with raw rt_sigaction: SA_SIGINFO, SA_ONSTACK
// (every M has its own signal stack, so that a goroutine that overflowed its
// stack can still be reported), SA_RESTORER with our own restorer
// (runtime.sigreturn__sigaction in asm_amd64.S), and SA_NODEFER for the
// faults, so that a fault while printing a report re-enters the handler and
// is told apart ("panic during panic") instead of killing the process.
//
// Difference from Go: Go's handler makes the faulting goroutine call
// sigpanic, which raises a real (recoverable) panic. A C++ frame cannot be
// made to throw from an arbitrary instruction (that would need
// -fnon-call-exceptions in all code), so gort prints Go's report of that
// panic from the handler, on the signal stack, and exits with status 2: a
// fault is never recoverable.
//
// The handler is a plain C++ function: the kernel calls it with the C ABI
// (rdi = signal, rsi = siginfo, rdx = ucontext), so no assembly trampoline
// is needed on the way in (Go's sigtramp adapts Go's ABI).
#include <signal.h>
#include <sys/ucontext.h>

#include "runtime.hpp"
#include "signal_linux_amd64.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

extern "C" void sigreturn__sigaction() RUNTIME_SYM("sigreturn__sigaction");

// The kernel's struct sigaction on x86-64 (Go: sigactiont); glibc's differs.
// (glibc's <signal.h> defines sa_handler and friends as macros, hence
// the field names.)
struct sigactiont {
  uintptr handler;  // SIG_DFL (0), SIG_IGN (1), or the handler
  unsigned long flags;
  uintptr restorer;
  uint64 mask;
};

static constexpr unsigned long kSA_RESTORER = 0x04000000;
static constexpr uintptr kSigStackSize = 256 << 10;  // libdw and the demangler need room

static long rt_sigaction(int sig, const sigactiont* act, sigactiont* old) {
  return syscall4(SYS_rt_sigaction, sig, reinterpret_cast<long>(act), reinterpret_cast<long>(old), 8);
}

static constexpr uint64 sigbit(int sig) { return uint64(1) << (sig - 1); }

// The signals that the runtime handles, with Go's names (Go: sigtable).
// panics: in user code the signal is reported as a panic (Go's _SigPanic).
struct sigTabT {
  int sig;
  bool panics;
  const char* name;
};
static const sigTabT sigtable[] = {
    {SIGQUIT, false, "SIGQUIT: quit"},
    {SIGILL, false, "SIGILL: illegal instruction"},
    {SIGTRAP, false, "SIGTRAP: trace trap"},
    {SIGABRT, false, "SIGABRT: abort"},
    {SIGBUS, true, "SIGBUS: bus error"},
    {SIGFPE, true, "SIGFPE: floating-point exception"},
    {SIGSEGV, true, "SIGSEGV: segmentation violation"},
};

static const sigTabT* sigtab(int sig) {
  for (const sigTabT& t : sigtable)
    if (t.sig == sig) return &t;
  return nullptr;
}

static const uint64 syncsigs = sigbit(SIGSEGV) | sigbit(SIGBUS) | sigbit(SIGFPE) | sigbit(SIGILL) | sigbit(SIGTRAP);

static void setsig(int sig, void (*fn)(int, siginfo_t*, void*), bool dfl) {
  sigactiont sa{};
  sa.flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART | kSA_RESTORER;
  if ((syncsigs & sigbit(sig)) != 0) sa.flags |= SA_NODEFER;
  // Block the other asynchronous signals while handling one; never the
  // synchronous ones (a fault with its signal blocked kills the process).
  sa.mask = ~syncsigs;
  sa.restorer = reinterpret_cast<uintptr>(sigreturn__sigaction);
  if (dfl) {
    sa.handler = 0;  // SIG_DFL
    sa.flags = kSA_RESTORER;
  } else {
    sa.handler = reinterpret_cast<uintptr>(fn);
  }
  rt_sigaction(sig, &sa, nullptr);
}

// ---- the signal mask of each M (Go: minitSignalMask) ----

// The mask the last M made by a thread running the program's code took;
// initSigmask until then.
constinit static std::atomic<uint64> lastSigmask{0};
constinit static std::atomic<bool> haveLastSigmask{false};

// newmSigmask returns the signal mask for an M that the caller is about to
// create (sysmon's when forSysmon). Difference from Go, whose new Ms all
// take initSigmask, the mask the process started with: a C++ program
// blocks signals with pthread_sigmask and expects every thread it starts
// afterwards to inherit the mask (POSIX's sigwait pattern: block SIGTERM in
// main, sigwait in one thread). Its goroutines run on the runtime's Ms, so
// an M takes the mask of the thread that makes it, which is the mask the
// program set there, as a thread made by pthread_create would. sysmon and
// an exiting M run no program code; an M they make takes the mask the last
// M made by program code took. sysmon itself, started by program code
// (startsysmon), records that mask first, so the Ms it makes later take
// it, and then blocks every signal but the synchronous ones
// (minitSignalMask) and SIGRTMAX, which gort::exec sends to every thread to
// end it (loader/exec_api.cpp, kExitSignal) and refuses to start while a
// thread blocks.
uint64 newmSigmask(bool forSysmon) {
  m* mp = getg()->m;
  uint64 mask;
  if (mp->isSysmon || mp->exiting) {
    mask = haveLastSigmask.load(std::memory_order_acquire) ? lastSigmask.load(std::memory_order_relaxed)
                                                           : initSigmask;
  } else {
    sigsave(&mask);
    lastSigmask.store(mask, std::memory_order_relaxed);
    haveLastSigmask.store(true, std::memory_order_release);
  }
  return forSysmon ? ~sigbit(64) : mask;
}

// ---- the preemption signal (Go: sigPreempt, preemptM, and the forwarding
// of a signal the program handles itself, sigfwdgo) ----
//
// SIGURG by default, as in Go, for Go's reasons: no program or library is
// likely to use it for anything else, debuggers pass it through silently
// (gdb: "nostop noprint pass"), and libc does not use it. A program that
// also embeds the Go runtime, or uses SIGURG itself for out-of-band data,
// names another with GORT_PREEMPTSIG. The signal is the runtime's: a
// program's sigaction or signal for it is kept (the libc hooks call
// sigpreemptaction) and receives the signals the runtime did not send,
// which si_code and si_pid tell (tgkill from this process) together with
// m::signalPending (a program's own tgkill to itself is the program's).

[[noreturn]] GORT_NOASAN static void dieFromSignal(int sig);

constinit int32 sigPreempt = 0;
constinit static bool sigPreemptInstalled = false;

// The program's action for the preemption signal: what was installed
// before the runtime's handler, then whatever the program sets.
constinit static struct {
  std::atomic<uintptr> handler{0};  // SIG_DFL (0), SIG_IGN (1) or a function
  std::atomic<unsigned long> flags{0};
  std::atomic<uint64> mask{0};
} preemptfwd;

// The signals whose default action is to do nothing.
static bool sigDefaultIgnores(int sig) { return sig == SIGURG || sig == SIGWINCH || sig == SIGCHLD || sig == SIGCONT; }

// sigpreemptinit picks the preemption signal: none with
// GODEBUG=asyncpreemptoff=1, GORT_PREEMPTSIG if set, else SIGURG. From
// preemptinit (schedinit), before any M has a signal mask to set.
//
// Off under valgrind too (its preload library is in LD_PRELOAD): valgrind
// runs signal handlers on its own model of the thread's stack, and the
// injected call's writes below the interrupted sp read to it as invalid
// writes, on every preemption.
//
// Off under ThreadSanitizer: the handler is instrumented, and the signal
// may land inside TSan's own code (in the middle of a fiber switch, which
// then faulted in SyncClock::Resize: chan_classic sieve); TSan makes the
// handlers it installs wait for a safe point, which ours cannot do.
static bool undervalgrind() {
  const char* s = gogetenv("LD_PRELOAD");
  if (s == nullptr) return false;
  for (; *s != 0; s++)
    if (rt_memcmp(s, "vgpreload", 9) == 0) return true;
  return false;
}

void sigpreemptinit() {
  if (debug.asyncpreemptoff != 0 || undervalgrind() || GORT_TSAN) return;
  sigPreempt = SIGURG;
  const char* s = gogetenv("GORT_PREEMPTSIG");
  if (s == nullptr || *s == 0) return;
  const char* want =
      "a signal name (URG, USR1, USR2, WINCH, IO, PWR, RTMIN+n, RTMAX-n, with or without SIG) or number, "
      "not one that the runtime or glibc uses";
  auto is = [](const char* a, const char* b) {
    while (*a != 0 && *a == *b) a++, b++;
    return *a == *b;
  };
  const char* n = s;
  if (n[0] == 'S' && n[1] == 'I' && n[2] == 'G') n += 3;
  static const struct {
    const char* name;
    int sig;
  } names[] = {{"URG", SIGURG}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"WINCH", SIGWINCH}, {"IO", SIGIO}, {"PWR", SIGPWR}};
  int sig = 0;
  for (auto& e : names)
    if (is(n, e.name)) sig = e.sig;
  int64 x;
  if (sig == 0 && atoi64(s, &x) && x >= 1 && x <= 64) sig = int(x);
  if (sig == 0 && rt_memcmp(n, "RTMIN+", 6) == 0 && atoi64(n + 6, &x) && x >= 0 && x <= 30) sig = int(34 + x);
  if (sig == 0 && rt_memcmp(n, "RTMAX-", 6) == 0 && atoi64(n + 6, &x) && x >= 0 && x <= 30) sig = int(64 - x);
  if (is(n, "RTMIN")) sig = 34;
  if (is(n, "RTMAX")) sig = 64;
  // The runtime's own (sigtable, SIGTRAP for debuggers), the ones nobody
  // may catch, and glibc's two (SIGCANCEL 32, SIGSETXID 33).
  if (sig == 0 || sig == SIGKILL || sig == SIGSTOP || sig == SIGTRAP || sig == 32 || sig == 33 || sigtab(sig) != nullptr)
    badenv("GORT_PREEMPTSIG", s, want);
  sigPreempt = sig;
}

// signalM sends sig to mp's thread (Go: signalM).
static void signalM(m* mp, int sig) {
  syscall3(SYS_tgkill, arch::syscall0(SYS_getpid), long(mp->procid), sig);
}

// preemptM asks mp's thread to preempt its goroutine (Go: preemptM): one
// signal, unless one is already on its way (m::signalPending, cleared by the
// handler). Difference from Go: only to a thread that runs. A thread asleep
// in the kernel (state S or D in /proc) is in a system call that no hook
// saw, or a futex; a signal would cut short the program's nanosleep, poll,
// epoll_wait or sleep (EINTR even with SA_RESTART, measured: research/
// preemption.md A9), and retake hands its P to another M instead
// (retakeblocked).
//
// The thread's state is read from /proc, which takes microseconds; in that
// time the goroutine may have stopped (preempted, parked, yielded) and its
// M gone on to another that now sleeps in the kernel. So the request is
// checked again after the read: the same goroutine, still running, still
// asked to stop. What remains is the window between that check and the
// tgkill, a few instructions on sysmon's side, in which the thread would
// have to switch goroutines and enter the kernel: gort(7), "PREEMPTION",
// tells programs to expect EINTR, as Go 1.14 did.
void preemptM(m* mp) {
  if (sigPreempt == 0 || mp->procid == 0) return;
  preemptStats.add(statRequests);
  g* gp = __atomic_load_n(&mp->curg, __ATOMIC_ACQUIRE);
  if (gp == nullptr || threadstate(mp) != 'R') {
    preemptStats.add(statNotRunningThread);
    return;
  }
  // A goroutine in a no_preempt region would refuse the signal: g.preempt,
  // set by preemptone, is honoured when the region ends.
  if (__atomic_load_n(&mp->curg, __ATOMIC_ACQUIRE) != gp || !gp->preempt.load(std::memory_order_relaxed) ||
      readgstatus(gp) != _Grunning || __atomic_load_n(&gp->nopreempt, __ATOMIC_RELAXED) != 0) {
    preemptStats.add(statStale);
    return;
  }
  uint32 zero = 0;
  if (mp->signalPending.compare_exchange_strong(zero, 1)) {
    preemptStats.add(statSignals);
    signalM(mp, sigPreempt);
  }
}

// sigfwdpreempt passes a preemption signal that the runtime did not send
// to the program's action for it (Go: sigfwdgo).
static void sigfwdpreempt(int sig, siginfo_t* info, void* ctx) {
  preemptStats.add(statForeign);
  uintptr h = preemptfwd.handler.load(std::memory_order_acquire);
  unsigned long flags = preemptfwd.flags.load(std::memory_order_relaxed);
  if (h == 1) return;  // SIG_IGN
  if (h == 0) {        // SIG_DFL
    if (!sigDefaultIgnores(sig)) dieFromSignal(sig);
    return;
  }
  if ((flags & SA_RESETHAND) != 0) preemptfwd.handler.store(0);
  if ((flags & SA_SIGINFO) != 0)
    reinterpret_cast<void (*)(int, siginfo_t*, void*)>(h)(sig, info, ctx);
  else
    reinterpret_cast<void (*)(int)>(h)(sig);
}

// sigPreemptHandler is the preemption signal's handler.
static void sigPreemptHandler(int sig, siginfo_t* info, void* ctx) {
  g* gp = getg();
  m* mp = gp != nullptr ? gp->m : nullptr;
  if (mp != nullptr && info->si_code == SI_TKILL && info->si_pid == arch::syscall0(SYS_getpid) &&
      mp->signalPending.load(std::memory_order_acquire) != 0) {
    preemptStats.add(statHandled);
    doSigPreempt(gp, ctx);
    return;
  }
  sigfwdpreempt(sig, info, ctx);
}

// sigpreemptaction is sigaction(2) for the preemption signal, once the
// runtime's handler is in place: the program's action is kept for the
// signals that are not the runtime's, and the runtime's stays installed.
// Returns false for any other signal (the hook then calls libc's).
bool sigpreemptaction(int sig, const struct ::sigaction* act, struct ::sigaction* old) {
  if (!sigPreemptInstalled || sig != sigPreempt) return false;
  if (old != nullptr) {
    *old = {};
    old->sa_sigaction = reinterpret_cast<void (*)(int, siginfo_t*, void*)>(preemptfwd.handler.load());
    old->sa_flags = int(preemptfwd.flags.load());
    uint64 mask = preemptfwd.mask.load();
    rt_memmove(&old->sa_mask, &mask, sizeof mask);
  }
  if (act != nullptr) {
    uint64 mask;
    rt_memmove(&mask, &act->sa_mask, sizeof mask);
    preemptfwd.mask.store(mask);
    preemptfwd.flags.store(unsigned(act->sa_flags));
    preemptfwd.handler.store(reinterpret_cast<uintptr>(act->sa_sigaction), std::memory_order_release);
  }
  return true;
}

// minitSignalMask gives the current thread the mask m->sigmask (chosen by
// newmSigmask when the M was made) less the synchronous signals, which are
// never blocked: a fault with its signal blocked kills the process without
// a report (Go: minitSignalMask, and blockableSig's _SigUnblock); and less
// the preemption signal on an M that runs goroutines. m->sigmask then holds
// the mask the thread runs the program with, which the preemption handler
// compares against.
void minitSignalMask() {
  m* mp = getg()->m;
  uint64 mask = mp->sigmask.load(std::memory_order_relaxed) & ~syncsigs;
  if (sigPreempt != 0 && !mp->isSysmon) mask &= ~sigbit(sigPreempt);
  sigprocmask_set(mask, nullptr);
  mp->sigmask.store(mask, std::memory_order_relaxed);
}

// sigmaskchanged: the program changed this thread's signal mask
// (pthread_sigmask, sigprocmask); the preemption handler compares against
// it (isAsyncSafePoint).
void sigmaskchanged() {
  g* gp = getg();
  if (gp == nullptr) return;
  uint64 cur;
  sigsave(&cur);
  gp->m->sigmask.store(cur, std::memory_order_relaxed);
}

// ---- the signal stack of each M (Go: minitSignalStack) ----

// minitSignalStack gives the current M its signal stack: a mapping
// committed lazily, described by m->gsignal's stack bounds.
void minitSignalStack() {
  m* mp = getg()->m;
  if (mp->gsignal == nullptr) {
    g* gs = malg();
    gs->m = mp;
    mp->gsignal = gs;
  }
  g* gs = mp->gsignal;
  if (gs->stack.lo == 0) {
    void* v = sysAlloc(kSigStackSize);
    if (v == nullptr) throw_("runtime: cannot allocate a signal stack");
    gs->stack.lo = reinterpret_cast<uintptr>(v);
    gs->stack.hi = gs->stack.lo + kSigStackSize;
  }
  stack_t st{};
  st.ss_sp = reinterpret_cast<void*>(gs->stack.lo);
  st.ss_size = kSigStackSize;
  st.ss_flags = 0;
  syscall2(SYS_sigaltstack, reinterpret_cast<long>(&st), 0);
}

// unminitSignals takes the signal stack away from an M whose thread is
// ending, with signals blocked (Go: unminitSignals).
void unminitSignals() {
  m* mp = getg()->m;
  stack_t st{};
  st.ss_flags = SS_DISABLE;
  syscall2(SYS_sigaltstack, reinterpret_cast<long>(&st), 0);
  if (g* gs = mp->gsignal; gs != nullptr && gs->stack.lo != 0) {
    sysFree(reinterpret_cast<void*>(gs->stack.lo), kSigStackSize);
    gs->stack = {};
  }
}

// ---- dying ----

// raise sends sig to the current thread (Go: raise).
static void raise(int sig) { syscall3(SYS_tgkill, arch::syscall0(SYS_getpid), sys_gettid(), sig); }

// dieFromSignal ends the process by sig with its default action (a core
// dump for SIGABRT, SIGSEGV...) (Go: dieFromSignal).
[[noreturn]] GORT_NOASAN static void dieFromSignal(int sig) {
  setsig(sig, nullptr, true);
  uint64 m = sigbit(sig);
  sys_rt_sigprocmask(SIG_UNBLOCK, &m, nullptr);
  raise(sig);
  osyield();
  osyield();
  osyield();
  exit_group(2);
}

// crash dumps core after a report under GOTRACEBACK=crash (Go: crash).
// Difference from Go: Go always dies by SIGABRT here; gort dies by the
// signal that started the report (SIGSEGV for a fault, SIGQUIT for a
// dump) and by SIGABRT only for a panic or a fatal error, which is what a
// C++ program's supervisor, its core handler and WIFSIGNALED expect of a
// C++ program (std::terminate ends in abort()).
[[noreturn]] GORT_NOASAN static void crash(int sig) { dieFromSignal(sig); }

static void dumpregs(const sigctxt& c) {
  for (const sigreg& r : sigregs) print(r.name, hex{uint64(c.regs()[r.reg])}, "\n");
  print("cs     ", hex{c.cs()}, "\n");
  print("fs     ", hex{c.fs()}, "\n");
  print("gs     ", hex{c.gs()}, "\n");
}

// sigFromUser: sent by kill/tgkill/sigqueue rather than raised by a fault.
static bool sigFromUser(const siginfo_t* info) { return info->si_code <= 0; }

// ---- the handler (Go: sigtrampgo, sighandler, sigpanic) ----

extern "C" void sigtrampgo(int sig, siginfo_t* info, void* ctx) RUNTIME_SYM("sigtrampgo");
GORT_NOASAN void sigtrampgo(int sig, siginfo_t* info, void* ctx) {
  auto* uc = static_cast<ucontext_t*>(ctx);
  g* gp = getg();
  m* mp = gp != nullptr ? gp->m : nullptr;
  const sigTabT* t = sigtab(sig);
  if (t == nullptr) return;
  sigctxt c(ctx);
  uintptr pc = c.pc();
  uintptr sp = c.sp();
  uintptr addr = reinterpret_cast<uintptr>(info->si_addr);
  if (mp == nullptr) {
    // A thread that gort does not run (a library's thread): the signal's
    // default action, as if gort had not been there (Go: badsignal).
    if (!sigFromUser(info) || sig != SIGQUIT) dieFromSignal(sig);
  }
  if (mp != nullptr && mp->dying > 0) {
    // A fault while printing a fatal report.
    startpanic_m();
    exit_group(2);
  }

  // Stack overflow: the fault is in the guard below the stack of the
  // goroutine (or of the M's g0) that runs here (Go: newstack's report).
  if (mp != nullptr && (sig == SIGSEGV || sig == SIGBUS) && !sigFromUser(info)) {
    uintptr guard = stackGuardSize > (64u << 10) ? stackGuardSize : (64u << 10);
    g* over = nullptr;
    if (g* cg = mp->curg; cg != nullptr && cg->stack.lo != 0 && addr < cg->stack.lo && addr >= cg->stack.lo - guard)
      over = cg;
    else if (g* g0 = mp->g0; g0->stack.lo != 0 && addr < g0->stack.lo && addr >= g0->stack.lo - guard)
      over = g0;
    if (over != nullptr) {
      mp->throwing = throwTypeRuntime;
      tracebackCaughtsig = over;
      print("runtime: goroutine stack exceeds ", over->stack.hi - over->stack.lo, "-byte limit\n");
      print("runtime: sp=", hex{sp}, " stack=[", hex{over->stack.lo}, ", ", hex{over->stack.hi}, "]\n");
      print("fatal error: stack overflow\n");
      if (startpanic_m() && dopanic(over, nullptr, 0, false, uc)) crash(sig);
      exit_group(2);
    }
  }

  // A fault in user code: Go's sigpanic, reported from here.
  g* cur = mp != nullptr ? mp->curg : nullptr;
  if (t->panics && !sigFromUser(info)) {
    long code = info->si_code;
    // Go: canpanic. On g0, or holding runtime locks, it is the runtime's fault.
    bool canpanic = cur != nullptr && gp == cur && mp->locks == 0 && mp->mallocing == 0 && mp->throwing == 0;
    const char* msg = nullptr;
    if (!canpanic) {
      mp->throwing = throwTypeRuntime;
      print("fatal error: unexpected signal during runtime execution\n");
    } else if (sig == SIGFPE) {
      msg = code == FPE_INTDIV   ? "runtime error: integer divide by zero"
            : code == FPE_INTOVF ? "runtime error: integer overflow"
                                 : "runtime error: floating point error";
    } else if (addr < 0x1000) {
      msg = "runtime error: invalid memory address or nil pointer dereference";
    } else {
      mp->throwing = throwTypeRuntime;
      print("unexpected fault address ", hex{addr}, "\n");
      print("fatal error: fault\n");
    }
    if (msg != nullptr) print("panic: ", msg, "\n");
    print("[signal ", t->name, " code=", hex{uint64(code)}, " addr=", hex{addr}, " pc=", hex{pc}, "]\n");
    tracebackCaughtsig = gp;
    if (startpanic_m() && dopanic(gp, nullptr, 0, false, uc)) crash(sig);
    exit_group(2);
  }

  // A fault signal that was sent (raise, kill, tgkill, sigqueue: si_code
  // says so) rather than raised by an instruction. Difference from Go,
  // which reports it like SIGQUIT below: nothing faulted, so there is
  // nothing to report, and the process ends by the signal's default
  // action, as a C++ program without gort would (test frameworks check
  // that a child "was killed by SIGSEGV").
  if (sig != SIGQUIT && sigFromUser(info)) dieFromSignal(sig);

  // SIGQUIT or SIGILL: Go's "throw" path of sighandler: the signal, the
  // goroutine it hit, all the others, the registers.
  if (mp != nullptr) {
    mp->throwing = throwTypeRuntime;
    tracebackCaughtsig = gp;
  }
  if (!startpanic_m()) exit_group(2);
  print(t->name, "\n");
  print("PC=", hex{pc}, " m=", mp != nullptr ? mp->id : -1, " sigcode=", int64(info->si_code), "\n\n");
  int32 level;
  bool all, docrash;
  gotraceback(&level, &all, &docrash);
  if (level > 0) {
    // On the report stack, as every report (panic.cpp).
    struct args {
      g* gp;
      ucontext_t* uc;
      sigctxt* c;
    } a{gp, uc, &c};
    onreportstack(
        [](void* v) {
          auto* a = static_cast<args*>(v);
          if (a->gp != nullptr) {
            goroutineheader(a->gp);
            tracebacktrap(a->uc, a->gp);
          }
          tracebackothers(a->gp);
          print("\n");
          dumpregs(*a->c);
        },
        &a);
  }
  // Difference from Go (exit 2): a breakpoint instruction is the program
  // asking for a debugger (googletest's --gtest_break_on_failure runs
  // int3); with none attached, C++ tooling expects death by SIGTRAP
  // (WIFSIGNALED), and gets it after Go's report.
  if (docrash || sig == SIGTRAP) crash(sig);
  exit_group(2);
}

// initsig installs the handlers, on m0 before the scheduler starts (Go:
// initsig). A SIGQUIT that the parent set to be ignored stays ignored.
void initsig() {
  for (const sigTabT& t : sigtable) {
    if (t.sig == SIGQUIT) {
      sigactiont old{};
      if (rt_sigaction(SIGQUIT, nullptr, &old) == 0 &&
          old.handler == 1)  // SIG_IGN
        continue;
    }
    setsig(t.sig, sigtrampgo, false);
  }
  if (sigPreempt != 0) {
    // What the program (a shared library's constructor, say) installed
    // before us, or inherited as ignored, is where foreign signals go.
    sigactiont old{};
    if (rt_sigaction(sigPreempt, nullptr, &old) == 0) {
      preemptfwd.handler.store(old.handler);
      preemptfwd.flags.store(old.flags & ~kSA_RESTORER);
      preemptfwd.mask.store(old.mask);
    }
    setsig(sigPreempt, sigPreemptHandler, false);
    sigPreemptInstalled = true;
  }
  crashhook = crash;
}

}  // namespace gort::runtime
