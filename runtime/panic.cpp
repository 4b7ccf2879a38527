// runtime/panic.cpp: fatal errors (Go: panic.go's throw and fatal).
// "fatal error: <msg>" then the goroutine that hit it, exit status 2.
#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

// Non-zero once a fatal report has started (Go: panicking); checkdead
// stays quiet then.
constinit std::atomic<uint32> panicking{0};

// fatalthrow prints the report and exits; it never returns. A second fatal
// error while printing the first goes straight to exit.
[[noreturn]] static void fatalthrow(const char* kind, const char* s) {
  g* gp = getg();
  if (panicking.fetch_add(1) != 0) exit_group(2);
  if (gp != nullptr && gp->m != nullptr) gp->m->throwing = 1;
  print(kind, s, "\n");
  if (gp != nullptr && gp->m != nullptr) {
    g* cur = gp->m->curg != nullptr ? gp->m->curg : gp;
    if (cur->goid != 0) print("\ngoroutine ", cur->goid, " [running]:\n");
    else print("\nruntime stack (g0 of m", gp->m->id, "):\n");
    print("\t(frames are not printed yet: tracebacks come with the diagnostics work)\n");
  }
  exit_group(2);
}

void throw_(const char* s) { fatalthrow("fatal error: ", s); }
void fatal(const char* s) { fatalthrow("fatal error: ", s); }
void panicstring(const char* s) { fatalthrow("panic: ", s); }

void runtime_abort() {
  // Go's abort faults deliberately; we report and exit with Go's status.
  fatalthrow("fatal error: ", "runtime.abort: an impossible return");
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
