// runtime/traceback.cpp: goroutine tracebacks (Go: traceback.go).
//
// Go walks its own frames with its own tables (pclntab). A C++ program's
// frames are described by DWARF call-frame information, named by the ELF
// symbol tables and placed by the DWARF line tables and inline scopes; the
// flavour reads those (runtime/symtab.hpp: libunwind and libdw in the
// hosted flavour, gort's own reader in the nolibc one). This file decides
// what to print and prints it, the same for both, following Go's
// traceback.go: goroutineheader, traceback, tracebackothers, showframe,
// printcreatedby, with Go's output format:
//
//     goroutine 7 [semacquire, 2 minutes, locked to thread]:
//     gort::mutex::lock()
//             /path/include/gort/sync.hpp:131 +0x2f
//     worker(int)
//             /path/prog.cpp:20 +0x1c
//     created by main
//             /path/prog.cpp:40 +0x93
//
// Difference from Go: a C++ frame is printed with its demangled signature,
// "worker(int)", where Go prints the argument words, "main.worker(0x2)";
// a name without a parameter list (main, an extern "C" or asm symbol) gets
// Go's "(...)". Frames without line information show their module's path.
//
// Safety: tracebacks are printed while other threads keep running (freeze-
// theworld only stops them at their next scheduling point) and possibly
// from a signal handler on the M's signal stack. The flavour's reader may
// allocate (libdw caches what it reads with malloc, and so does the
// demangler). Like Go, which accepts some risk in its crash path, we accept
// that: a fault inside the report is caught by the signal handler as
// "panic during panic" and the process still exits with status 2.
#include "runtime.hpp"
#include "symtab.hpp"

namespace gort::runtime {

// Go: _TracebackMaxFrames.
static constexpr int kTracebackMaxFrames = 100;

// One goroutine is printed at a time; the libdw session and the scratch
// buffers below belong to whoever holds this lock.
constinit static mutex tracebacklock;

// The goroutine that took the signal being reported (Go: m.caughtsig);
// all its frames are shown when the fault is in the runtime.
constinit g* tracebackCaughtsig = nullptr;

static bool hasprefix(const char* s, const char* prefix) {
  while (*prefix != 0)
    if (*s++ != *prefix++) return false;
  return true;
}

// showname gives a symbol's name as it is printed: demangled where it is
// a C++ symbol, and without the suffix of a GCC clone ("main.cold",
// "f(int) [clone .cold]", "runtime.checkdead.part.0"), so that the frame
// carries its function's name as Go's would. The result lives in a buffer
// that the next call reuses (callers hold tracebacklock).
static char namebuf[4096];
static char demanglebuf[4096];
static const char* showname(const char* raw) {
  if (raw == nullptr) return nullptr;
  const char* src = raw;
  if (raw[0] == '_' && raw[1] == 'Z')
    if (const char* d = demangle(raw, demanglebuf, sizeof demanglebuf); d != nullptr) src = d;
  uintptr n = 0;
  while (src[n] != 0 && n < sizeof namebuf - 1) {
    namebuf[n] = src[n];
    n++;
  }
  namebuf[n] = 0;
  static const char* const clones[] = {" [clone ", ".cold", ".part.", ".isra.", ".constprop.", ".lto_priv."};
  for (uintptr i = 0; i < n; i++)
    for (const char* c : clones)
      if (hasprefix(namebuf + i, c)) {
        namebuf[i] = 0;
        return namebuf;
      }
  return namebuf;
}

// funcname skips the return type that a demangled function template's
// name begins with ("void std::__invoke_impl<...>(...)"): the name starts
// after the last space outside brackets before the parameter list.
static const char* funcname(const char* s) {
  const char* start = s;
  int depth = 0;
  for (const char* p = s; *p != 0; p++) {
    if (hasprefix(p, "(anonymous namespace)")) {
      p += sizeof "(anonymous namespace)" - 2;
      continue;
    }
    if (hasprefix(p, "decltype(")) {  // a return type: skip its brackets
      int d = 0;
      for (p += sizeof "decltype" - 1; *p != 0; p++) {
        if (*p == '(') d++;
        if (*p == ')' && --d == 0) break;
      }
      if (*p == 0) break;
      continue;
    }
    if (depth == 0 && hasprefix(p, "operator")) {
      p += sizeof "operator" - 1;
      if (hasprefix(p, "()")) p += 2;
      while (*p != 0 && *p != '(') p++;
      if (*p == 0) break;
    }
    char c = *p;
    if (c == '<' || c == '{' || c == '[') depth++;
    else if (c == '>' || c == '}' || c == ']') depth--;
    else if (c == '(' && depth == 0) break;
    else if (c == '(') depth++;
    else if (c == ')') depth--;
    else if (c == ' ' && depth == 0) start = p + 1;
  }
  return start;
}

// ---- which frames to show (Go: showframe, showfuncinfo) ----

// isRuntimeFrame: the frames that Go would hide at GOTRACEBACK below
// "system": the runtime's own functions (Go: unexported runtime.*), and
// the plumbing that a goroutine's entry goes through to reach the user's
// callable (gort::go's closure, std::apply, std::invoke), which plays the
// part of Go's elided wrapper functions.
static bool isRuntimeFrame(const char* name) {
  name = funcname(name);
  if (hasprefix(name, "runtime.")) {
    char c = name[8];
    return !(c >= 'A' && c <= 'Z');  // Go: isExportedRuntime
  }
  return hasprefix(name, "gort::runtime::") || hasprefix(name, "gort::detail::entry_") ||
         hasprefix(name, "gort::detail::closure<") || hasprefix(name, "std::__invoke") ||
         hasprefix(name, "std::invoke<") || hasprefix(name, "std::__apply_impl") || hasprefix(name, "std::apply<");
}

static bool showfuncinfo(const char* name, bool all) {
  if (all) return true;
  if (name == nullptr) return false;
  return !isRuntimeFrame(name);
}

// showframe reports whether a frame of gp is printed (Go: showframe): all
// of them for the goroutine that hit a runtime throw, or the one that took
// the signal, and otherwise as GOTRACEBACK says.
static bool showframe(const char* name, g* gp, bool all) {
  g* me = getg();
  if (me != nullptr && me->m != nullptr && me->m->throwing >= throwTypeRuntime && gp != nullptr &&
      (gp == me->m->curg || gp == tracebackCaughtsig))
    return true;
  int32 level;
  bool a, crash;
  gotraceback(&level, &a, &crash);
  return showfuncinfo(name, all || level > 1);
}

// ---- printing one physical frame with its inlined calls ----

// printframe1 prints "name(...)" and "\tfile:line[ +0xoff]" for one
// function, physical or inlined (Go prints inlined calls as frames of their
// own, without the offset).
static void printpos(const char* file, const char* compdir, int line, const char* module) {
  if (file != nullptr) {
    if (file[0] != '/' && compdir != nullptr) print(compdir, "/");
    print(file, ":", line);
  } else {
    print(module != nullptr ? module : "?");
  }
}

static void printframe1(const char* shown, const char* file, const char* compdir, int line, const char* module,
                        uintptr off, bool withoff) {
  if (shown == nullptr) shown = "??";
  shown = funcname(shown);
  bool parens = false;
  for (const char* s = shown; *s != 0; s++)
    if (*s == '(') parens = true;
  print(shown, parens ? "" : "(...)", "\n\t");
  printpos(file, compdir, line, module);
  if (withoff) print(" +", hex{off});
  print("\n");
}

// printframe prints the frame at pc (lookup: the address to look up, pc
// or pc-1) and the calls inlined into it, innermost first. Returns the
// number of entries printed.
static int printframe(uintptr pc, uintptr lookup, g* gp, bool all, int budget) {
  funcinfo f = findfunc(lookup);
  int n = 0;
  const char* file = f.file;
  int line = f.line;
  inlinecall calls[kTracebackMaxFrames];
  int ncalls = funcinlines(lookup, calls, kTracebackMaxFrames);
  for (int i = 0; i < ncalls && n < budget; i++) {
    const char* shown = showname(calls[i].name);
    if (showframe(shown, gp, all)) {
      printframe1(shown, file, f.compdir, line, f.module, 0, false);
      n++;
    }
    file = calls[i].callfile;
    line = calls[i].callline;
  }
  if (n < budget) {
    const char* shown = showname(f.name);
    if (showframe(shown, gp, all)) {
      printframe1(shown, file, f.compdir, line, f.module, pc - f.entry, f.name != nullptr);
      n++;
    }
  }
  return n;
}

static bool streq(const char* a, const char* b) {
  while (*a != 0 && *a == *b) a++, b++;
  return *a == *b;
}

// isthrowframe: the C++ runtime's frames between a throw and the
// terminate handler (Go hides gopanic when it is the first frame).
static bool isthrowframe(const char* raw) {
  if (raw == nullptr) return false;
  static const char* const names[] = {
      "__cxa_throw", "__cxa_rethrow", "_Unwind_Resume", "_Unwind_RaiseException", "_Unwind_Resume_or_Rethrow",
      "__cxa_call_terminate", "_ZSt9terminatev", "_ZN10__cxxabiv111__terminateEPFvvE",
      "_ZSt17rethrow_exceptionNSt15__exception_ptr13exception_ptrE", "__gxx_personality_v0",
      "__cxa_call_unexpected",
  };
  for (const char* n : names)
    if (streq(raw, n)) return true;
  return hasprefix(raw, "_ZN4gort5panicE");  // gort::panic, Go's panic builtin
}

// Options of gentraceback.
struct tbopts {
  uintptr skipsp = 0;     // drop the frames at or below this sp (the reporter's own)
  bool trap = false;      // the first pc is exact (a fault), not a return address
  bool bounded = false;   // stop at frames outside gp's stack (a parked goroutine)
  bool skipthrow = false; // start below the C++ throw machinery
};

static bool onstack(g* gp, uintptr sp) { return gp != nullptr && sp >= gp->stack.lo && sp <= gp->stack.hi; }

// gentraceback prints the frames from cursor c (Go: gentraceback in
// printing mode). all: print runtime frames too. Returns the number of
// entries printed, at most kTracebackMaxFrames, and sets *more when frames
// were left out because of the bound.
static int gentraceback(const tbcursor& start, g* gp, const tbopts& o, bool all, bool* more) {
  // First pass: where the frames to print begin.
  int first = 0;
  if (o.skipthrow) {
    tbcursor c1 = start;
    for (int i = 0; i < 64; i++) {
      uintptr ip = 0, sp = 0;
      tbframe(&c1, &ip, &sp);
      if (sp > o.skipsp) {
        funcinfo f = findfunc(ip - 1);
        if (isthrowframe(f.name)) first = i + 1;
      }
      if (!tbstep(&c1)) break;
    }
  }
  tbcursor c = start;
  int n = 0;
  bool trap = o.trap;
  *more = false;
  for (int i = 0; i < 4096; i++) {
    uintptr ip = 0, sp = 0;
    tbframe(&c, &ip, &sp);
    if (ip == 0) break;
    if (o.bounded && !onstack(gp, sp)) break;
    if (i >= first && sp > o.skipsp) {
      if (n == kTracebackMaxFrames) {
        *more = true;
        break;
      }
      n += printframe(ip, trap ? ip : ip - 1, gp, all, kTracebackMaxFrames - n);
    }
    trap = tbsignalframe(&c);  // the next frame was interrupted
    if (!tbstep(&c)) break;
  }
  return n;
}

// traceback1 prints gp's frames from cursor c, then where gp was created
// (Go: traceback1). If GOTRACEBACK hides every frame, they are printed
// all, as Go does.
static void printcreatedby(g* gp);
static void traceback1(const tbcursor& c, g* gp, const tbopts& o) {
  bool more = false;
  int n = gentraceback(c, gp, o, false, &more);
  if (n == 0) n = gentraceback(c, gp, o, true, &more);
  if (more) print("...additional frames elided...\n");
  if (gp != nullptr) printcreatedby(gp);
}

// printcreatedby prints the function that started gp, and where (Go:
// printcreatedby). Not for the main goroutine.
static void printcreatedby(g* gp) {
  uintptr pc = gp->gopc;
  if (pc == 0 || gp->goid == 1) return;
  funcinfo f = findfunc(pc - 1);
  // The go statement's position is the outermost call site when gort::go
  // was inlined into its caller.
  const char* file = f.file;
  int line = f.line;
  inlinecall calls[kTracebackMaxFrames];
  if (int n = funcinlines(pc - 1, calls, kTracebackMaxFrames); n > 0) {
    file = calls[n - 1].callfile;
    line = calls[n - 1].callline;
  }
  const char* shown = showname(f.name);
  if (showframe(shown, gp, false)) {
    print("created by ", shown != nullptr ? funcname(shown) : "??", "\n\t");
    printpos(file, f.compdir, line, f.module);
    if (f.name != nullptr) print(" +", hex{pc - f.entry});
    print("\n");
  }
}

// ---- entry points ----

// traceback prints the frames of gp, which is not running, from its saved
// registers (Go: traceback(^uintptr(0), ^uintptr(0), 0, gp)).
void traceback(g* gp) {
  lock(&tracebacklock);
  if (gp->stack.lo == 0 || gp->sched.pc == reinterpret_cast<uintptr>(runtime_gostart)) {
    // Never run: no frames yet, only the function it will start in (Go
    // prints the entry at its first line).
    funcinfo f = findfunc(gp->startpc);
    printframe1(showname(f.name), f.file, f.compdir, f.line, f.module, 0, false);
    printcreatedby(gp);
    unlock(&tracebacklock);
    return;
  }
  tbcursor c;
  if (tbinit(&c, gp->sched)) {
    tbopts o;
    o.bounded = true;
    traceback1(c, gp, o);
  }
  unlock(&tracebacklock);
}

// tracebackhere prints the frames of the running code, gp's, from the
// caller of the function whose frame pointer is skipsp (Go: traceback with
// getcallerpc/getcallersp). skipthrow: begin below the C++ throw that is
// being reported.
void tracebackhere(uintptr skipsp, g* gp, bool skipthrow, bool bounded) {
  lock(&tracebacklock);
  gobuf here;
  gosave(&here);  // this frame's registers: the walk starts here
  tbcursor c;
  if (tbinit(&c, here)) {
    tbopts o;
    o.skipsp = skipsp;
    o.skipthrow = skipthrow;
    o.bounded = bounded && gp != nullptr && gp->stack.lo != 0;
    traceback1(c, gp, o);
  }
  unlock(&tracebacklock);
}

// tracebacktrap prints gp's frames from a signal's context: the first pc
// is the faulting instruction (Go: tracebacktrap).
void tracebacktrap(void* uc, g* gp) {
  lock(&tracebacklock);
  tbcursor c;
  if (tbinitsig(&c, uc)) {
    tbopts o;
    o.trap = true;
    traceback1(c, gp, o);
  }
  unlock(&tracebacklock);
}

// ---- goroutine headers and the others ----

static const char* const gStatusStrings[] = {
    "idle", "runnable", "running", "syscall", "waiting", "", "dead", "", "copystack", "preempted",
};

// goroutineheader prints "goroutine N [status, N minutes, locked to
// thread]:" (Go: goroutineheader).
void goroutineheader(g* gp) {
  uint32 gpstatus = readgstatus(gp);
  const char* status = gpstatus < sizeof gStatusStrings / sizeof gStatusStrings[0] ? gStatusStrings[gpstatus] : "???";
  if (gpstatus == _Gwaiting && gp->waitreason != waitReason::zero) status = waitReasonString(gp->waitreason);
  // How long it has been blocked, in minutes.
  int64 waitfor = 0;
  if ((gpstatus == _Gwaiting || gpstatus == _Gsyscall) && gp->waitsince != 0)
    waitfor = (nanotime() - gp->waitsince) / 60000000000;
  print("goroutine ", gp->goid, " [", status);
  if (waitfor >= 1) print(", ", waitfor, " minutes");
  if (gp->lockedm != nullptr) print(", locked to thread");
  print("]:\n");
}

// isSystemGoroutine reports whether gp is one of the runtime's own
// goroutines, which dumps leave out below GOTRACEBACK=system (Go:
// isSystemGoroutine): one whose entry is a runtime function other than
// runtime.main.
bool isSystemGoroutine(g* gp) {
  if (gp->startpc == reinterpret_cast<uintptr>(&main)) return false;
  lock(&tracebacklock);
  funcinfo f = findfunc(gp->startpc);
  const char* shown = showname(f.name);
  bool sys = shown != nullptr && (hasprefix(shown, "runtime.") || hasprefix(shown, "gort::runtime::"));
  unlock(&tracebacklock);
  return sys;
}

// tracebackothers prints every goroutine but me: the current M's goroutine
// first, then the others from allgs (Go: tracebackothers). It takes no
// lock on allgs: the list is only ever prepended to, and a goroutine made
// during the walk may be missed.
void tracebackothers(g* me) {
  int32 level;
  bool all, crash;
  gotraceback(&level, &all, &crash);
  g* self = getg();
  m* selfm = self != nullptr ? self->m : nullptr;
  g* curgp = selfm != nullptr ? selfm->curg : nullptr;
  if (curgp != nullptr && curgp != me) {
    print("\n");
    goroutineheader(curgp);
    traceback(curgp);
  }
  // allgs is newest first; print in creation order, as Go does, through an
  // array of the list (mmap'd: no malloc here).
  uintptr n = 0;
  g* head = __atomic_load_n(&allgs, __ATOMIC_ACQUIRE);
  for (g* gp = head; gp != nullptr; gp = gp->alllink) n++;
  g** v = static_cast<g**>(sysAlloc(n * sizeof(g*) + 1));
  uintptr k = 0;
  if (v != nullptr)
    for (g* gp = head; gp != nullptr && k < n; gp = gp->alllink) v[k++] = gp;
  for (uintptr i = k; i > 0; i--) {
    g* gp = v[i - 1];
    if (gp == me || gp == curgp || readgstatus(gp) == _Gdead || (level < 2 && isSystemGoroutine(gp))) continue;
    print("\n");
    goroutineheader(gp);
    if (gp->m != selfm && readgstatus(gp) == _Grunning) {
      print("\tgoroutine running on other thread; stack unavailable\n");
      lock(&tracebacklock);
      printcreatedby(gp);
      unlock(&tracebacklock);
    } else {
      traceback(gp);
    }
  }
  if (v != nullptr) sysFree(v, n * sizeof(g*) + 1);
}

}  // namespace gort::runtime
