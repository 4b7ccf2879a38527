// runtime/signal_unix.cpp: fatal signals, stack overflow and SIGQUIT (Go:
// signal_unix.go, signal_amd64.go, os_linux.go's signal parts, and
// stack.go's overflow report).
//
// gort installs handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL (faults) and
// SIGQUIT (a goroutine dump), with raw rt_sigaction: SA_SIGINFO, SA_ONSTACK
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
[[noreturn]] static void dieFromSignal(int sig) {
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
[[noreturn]] static void crash() { dieFromSignal(SIGABRT); }

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
void sigtrampgo(int sig, siginfo_t* info, void* ctx) {
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
      if (startpanic_m() && dopanic(over, nullptr, 0, false, uc)) crash();
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
    if (startpanic_m() && dopanic(gp, nullptr, 0, false, uc)) crash();
    exit_group(2);
  }

  // SIGQUIT, SIGILL, or a fault signal sent by a user: Go's "throw" path of
  // sighandler: the signal, the goroutine it hit, all the others, the
  // registers.
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
  if (docrash) crash();
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
  crashhook = crash;
}

}  // namespace gort::runtime
