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

// startpanic_m prepares this M to print a fatal report and stops the
// others; it reports whether the report may be printed (Go:
// startpanic_m). A failure during the report is reported on a second
// call, and a third gives up.
bool startpanic_m() {
  g* gp = getg();
  m* mp = gp != nullptr ? gp->m : nullptr;
  if (mp == nullptr) {  // before m0 is bound, or a thread that gort does not manage
    if (panicking.fetch_add(1) != 0) exit_group(2);
    lock(&paniclk);
    return true;
  }
  mp->mallocing++;
  if (mp->locks < 0) mp->locks = 1;
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
      print("panic during panic\n");
      return false;
    case 2:
      mp->dying = 3;
      print("stack trace unavailable\n");
      exit_group(4);
    default:
      exit_group(5);
  }
}

// dopanic_m prints the goroutines of a fatal report: gp's frames from
// above sp (or from the signal context sigctx), then the others as
// GOTRACEBACK says; it reports whether to crash (Go: dopanic_m).
bool dopanic_m(g* gp, uintptr sp, bool skipthrow, void* sigctx) {
  auto trace = [&](g* tgp, bool skip) {
    if (sigctx != nullptr)
      tracebacktrap(sigctx, tgp);
    else
      tracebackhere(sp, tgp, skip, tgp != nullptr);
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
  unlock(&paniclk);
  if (panicking.fetch_sub(1) - 1 != 0) {
    // Another M is printing its own report; it ends the process.
    lock(&deadlock);
    lock(&deadlock);
  }
  return docrash;
}

// fatalthrow prints the report that follows "fatal error: ..." and exits
// with status 2 (Go: fatalthrow). Not inlined: its frame marks where the
// reported frames begin (its caller, throw or fatal).
[[gnu::noinline]] [[noreturn]] static void fatalthrow(int32 t) {
  uintptr sp = reinterpret_cast<uintptr>(__builtin_frame_address(0));
  g* gp = getg();
  if (gp != nullptr && gp->m != nullptr && gp->m->throwing == throwTypeNone) gp->m->throwing = t;
  if (startpanic_m()) {
    if (dopanic_m(gp, sp, false, nullptr) && crashhook != nullptr) crashhook(kSIGABRT);
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

[[gnu::noinline]] void fatalpanic(uintptr sp, bool skipthrow, void (*printpanics)(void*), void* arg) {
  g* gp = getg();
  if (startpanic_m()) {
    // The message is printed once this M owns the report (Go: printpanics
    // after startpanic_m), so two panics at once do not interleave.
    printpanics(arg);
    if (dopanic_m(gp, sp, skipthrow, nullptr) && crashhook != nullptr) crashhook(kSIGABRT);
  }
  exit_group(2);
}

// A panic raised by the runtime itself (misuse of a sync primitive): the
// runtime core has no exceptions, so it cannot be recovered; it is
// reported as an unrecovered panic is.
[[gnu::noinline]] void panicstring(const char* s) {
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
