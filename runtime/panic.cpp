// runtime/panic.cpp: fatal errors and unrecovered panics (Go: panic.go's
// throw, fatal, fatalthrow, fatalpanic, startpanic_m, dopanic_m).
// "fatal error: <msg>" or "panic: <value>", then the goroutines as
// GOTRACEBACK says (traceback.cpp), exit status 2.
#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

// The number of Ms printing a fatal report (Go: panicking); checkdead stays
// quiet while it is non-zero.
constinit std::atomic<uint32> panicking{0};
// The number of unrecovered panics whose report has not begun yet (Go:
// runningPanicDefers): C++ has no deferred calls to run there, but the
// panic's value is rendered then (api.cpp's onterminate calls what()),
// and what() may block. runtime.main waits for them before it exits.
constinit std::atomic<uint32> runningPanicDefers{0};
// paniclk serialises the reports of Ms that fail at the same time;
// deadlock is where an M that has printed its report waits for the one
// still printing to end the process.
constinit static mutex paniclk;
constinit static mutex deadlock;
constinit static bool didothers;

// crash ends the process with a core dump, after the report, under
// GOTRACEBACK=crash (Go: crash): a panic or a fatal error by SIGABRT, as
// std::terminate's abort() would. It is set by the signal code
// (signal_unix.cpp) once the handlers are installed; until then the exit is
// plain.
using crashfn = void (*)(int);
constinit crashfn crashhook = nullptr;
static constexpr int kSIGABRT = 6;

// ---- the report stack ----
//
// Go prints every fatal report on the system stack, whatever stack the
// failure came from. A goroutine that fails may have little of its stack
// left (or have 16 KiB in all, GORT_STACKSIZE=16k), and a report needs a
// few KiB for its own frames and the pages it sends to the traceback
// helper; the M's g0 may be the stack that failed. So every report, of
// every kind, is printed on a stack of its own, reserved at start-up
// (reportinit) and committed by the kernel only when used. One is enough:
// only the M holding paniclk prints.
static constexpr uintptr kReportStackSize = 1 << 20;
constinit static struct stack reportstack;

// reportinit reserves what a fatal report needs, at start-up (schedinit):
// its stack. (The traceback helper is a process of its own, and the rest
// needs no memory: traceback.cpp.)
void reportinit() {
  uintptr size = kReportStackSize + kM0GuardSize;
  void* v = sysAlloc(size);
  if (v == nullptr) throw_("runtime: cannot reserve the fatal report's stack");
  sysGuard(v, kM0GuardSize);
  reportstack.lo = reinterpret_cast<uintptr>(v) + kM0GuardSize;
  reportstack.hi = reinterpret_cast<uintptr>(v) + size;
  vgstackregister(reportstack.lo, reportstack.hi);
}

namespace {
// The report stack's trampoline, for ASan (sanitizer.hpp): it arrives on
// the report stack, runs the report, and leaves for the stack it came from.
struct reportcall {
  void (*fn)(void*);
  void* arg;
};
void reporttramp(void* a) {
  auto* c = static_cast<reportcall*>(a);
  uintptr lo, hi;
  asanfinish(nullptr, &lo, &hi);
  c->fn(c->arg);
  asanstart(nullptr, lo, hi);
}
}  // namespace

// onreportstack runs fn(arg) on the report stack. The caller holds
// paniclk (startpanic_m said yes). Before reportinit, or on the report
// stack already, it runs fn where it is.
void onreportstack(void (*fn)(void*), void* arg) {
  uintptr sp = reinterpret_cast<uintptr>(__builtin_frame_address(0));
  if (reportstack.hi == 0 || (sp >= reportstack.lo && sp < reportstack.hi)) {
    fn(arg);
    return;
  }
  reportcall c{fn, arg};
  void* fake = nullptr;
  asanstart(&fake, reportstack.lo, reportstack.hi);
  callonstack(reporttramp, &c, reportstack.hi);
  uintptr lo, hi;
  asanfinish(fake, &lo, &hi);
}

// startpanic_m prepares this M to print a fatal report and stops the
// others; it reports whether the report may be printed (Go:
// startpanic_m). A failure during the report is reported on a second
// call, and a third gives up. What a failing report had buffered is
// written out before its "panic during panic".
bool startpanic_m() {
  sandying();
  g* gp = getg();
  m* mp = gp != nullptr ? gp->m : nullptr;
  if (mp == nullptr) {  // before m0 is bound, or a thread that gort does not manage
    if (panicking.fetch_add(1) != 0) exit_group(2);
    lock(&paniclk);
    return true;
  }
  mp->mallocing++;
  if (mp->locks < 0) mp->locks.store(1, std::memory_order_relaxed);
  switch (mp->dying) {
    case 0:
      mp->dying = 1;
      panicking.fetch_add(1);
      lock(&paniclk);
      if (debug.schedtrace > 0 || debug.scheddetail > 0) schedtrace(true);
      freezetheworld();
      return true;
    case 1:
      mp->dying = 2;
      printflush();
      print("panic during panic\n");
      printflush();
      return false;
    case 2:
      mp->dying = 3;
      printflush();
      print("stack trace unavailable\n");
      printflush();
      exit_group(4);
    default:
      exit_group(5);
  }
}

// dopanic_m prints the goroutines of a fatal report: gp's frames from the
// context `here` (those at or below skipsp left out) or from the signal
// context sigctx, then the others as GOTRACEBACK says; it reports whether
// to crash (Go: dopanic_m). Runs on the report stack. Difference from Go:
// giving back paniclk, which Go does here, waits for dopanic_end, once the
// report stack is left, since the next M to print uses the same stack.
static bool dopanic_m(g* gp, const gobuf* here, uintptr skipsp, bool skipthrow, void* sigctx) {
  auto trace = [&](g* tgp, bool skip) {
    if (sigctx != nullptr)
      tracebacktrap(sigctx, tgp);
    else
      tracebackfrom(here, skipsp, tgp, skip, tgp != nullptr);
  };
  int32 level;
  bool all, docrash;
  gotraceback(&level, &all, &docrash);
  m* mp = gp != nullptr ? gp->m : nullptr;
  if (level > 0) {
    if (mp == nullptr) {
      print("\nruntime stack:\n");
      trace(nullptr, skipthrow);
    } else {
      if (gp != mp->curg) all = true;
      if (gp != mp->g0) {
        print("\n");
        goroutineheader(gp);
        trace(gp, skipthrow);
      } else if (level >= 2 || mp->throwing >= throwTypeRuntime) {
        print("\nruntime stack:\n");
        trace(gp, false);
      }
      if (!didothers && all) {
        didothers = true;
        tracebackothers(gp);
      }
    }
  }
  return docrash;
}

// dopanic_end ends this M's part in a report, off the report stack: it
// gives back paniclk, and if another M is printing its own report, waits
// for that M to end the process (Go: the end of dopanic_m).
void dopanic_end() {
  unlock(&paniclk);
  if (panicking.fetch_sub(1) - 1 != 0) {
    // Another M is printing its own report; it ends the process.
    lock(&deadlock);
    lock(&deadlock);
  }
}

namespace {
struct reportargs {
  g* gp;
  const gobuf* here;
  uintptr skipsp;
  bool skipthrow;
  void* sigctx;
  void (*printpanics)(void*);
  void* arg;
  bool docrash;
};
void dopanic1(void* a) {
  auto* r = static_cast<reportargs*>(a);
  if (r->printpanics != nullptr) r->printpanics(r->arg);
  r->docrash = dopanic_m(r->gp, r->here, r->skipsp, r->skipthrow, r->sigctx);
}
}  // namespace

bool dopanic(g* gp, const gobuf* here, uintptr skipsp, bool skipthrow, void* sigctx, void (*printpanics)(void*),
             void* arg) {
  reportargs r{gp, here, skipsp, skipthrow, sigctx, printpanics, arg, false};
  onreportstack(dopanic1, &r);
  dopanic_end();
  return r.docrash;
}

// fatalthrow prints the report that follows "fatal error: ..." and exits
// with status 2 (Go: fatalthrow). Not inlined: its frame marks where the
// reported frames begin (its caller, throw or fatal), and the context
// saved here is where they are walked from.
[[gnu::noinline]] [[noreturn]] static void fatalthrow(int32 t) {
  uintptr sp = reinterpret_cast<uintptr>(__builtin_frame_address(0));
  gobuf here;
  gosave(&here);
  g* gp = getg();
  if (gp != nullptr && gp->m != nullptr && gp->m->throwing == throwTypeNone) gp->m->throwing = t;
  if (startpanic_m()) {
    if (dopanic(gp, &here, sp, false, nullptr) && crashhook != nullptr) crashhook(kSIGABRT);
  }
  exit_group(2);
}

void throw_(const char* s) {
  print("fatal error: ", s, "\n");
  fatalthrow(throwTypeRuntime);
}

void fatal(const char* s) {
  print("fatal error: ", s, "\n");
  fatalthrow(throwTypeUser);
}

// fatalpanic: the caller has counted itself in runningPanicDefers.
[[gnu::noinline]] void fatalpanic(uintptr sp, bool skipthrow, void (*printpanics)(void*), void* arg) {
  gobuf here;
  gosave(&here);
  g* gp = getg();
  if (startpanic_m()) {
    // startpanic_m set panicking, which keeps runtime.main from exiting:
    // this panic need not be counted any longer (Go's fatalpanic).
    runningPanicDefers.fetch_sub(1);
    // The message is printed once this M owns the report (Go: printpanics
    // after startpanic_m), so two panics at once do not interleave.
    if (dopanic(gp, &here, sp, skipthrow, nullptr, printpanics, arg) && crashhook != nullptr) crashhook(kSIGABRT);
  }
  exit_group(2);
}

// A panic raised by the runtime itself (misuse of a sync primitive): the
// runtime core has no exceptions, so it cannot be recovered; it is
// reported as an unrecovered panic is.
[[gnu::noinline]] void panicstring(const char* s) {
  runningPanicDefers.fetch_add(1);
  fatalpanic(
      reinterpret_cast<uintptr>(__builtin_frame_address(0)), false,
      [](void* msg) { print("panic: ", static_cast<const char*>(msg), "\n"); }, const_cast<char*>(s));
}

void runtime_abort() {
  // Go's abort faults deliberately; we report and exit with Go's status.
  throw_("runtime.abort: an impossible return");
}

extern "C" [[noreturn]] void badmcall() RUNTIME_SYM("badmcall");
extern "C" [[noreturn]] void badmcall2() RUNTIME_SYM("badmcall2");
void badmcall() { throw_("runtime: mcall called on m->g0 stack"); }
void badmcall2() { throw_("runtime: mcall function returned"); }

const char* waitReasonString(waitReason r) {
  static const char* const s[] = {
      "",
      "chan receive (nil chan)",
      "chan send (nil chan)",
      "panicwait",
      "select",
      "select (no cases)",
      "chan receive",
      "chan send",
      "semacquire",
      "sleep",
      "sync.Cond.Wait",
      "preempted",
      "IO wait",
  };
  static_assert(sizeof s / sizeof s[0] == std::size_t(waitReason::count_));
  auto i = std::size_t(r);
  return i < std::size_t(waitReason::count_) ? s[i] : "unknown wait reason";
}

}  // namespace gort::runtime
