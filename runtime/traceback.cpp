// runtime/traceback.cpp: goroutine tracebacks (Go: traceback.go).
//
// Go walks its own frames with its own tables (pclntab). A C++ program's
// frames are described by DWARF call-frame information, so gort walks them
// with libunwind, and names them from the ELF symbol tables and the DWARF
// line tables and inline scopes through elfutils' libdwfl/libdw; C++ names
// are demangled with __cxa_demangle.
//
// Hosted-only file: it is the one place in the runtime core that calls
// libraries (libunwind, libdw, libc, libstdc++'s demangler); the Makefile's
// libc check exempts it by name. Everything else here follows Go's
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
// from a signal handler on the M's signal stack. libunwind's local unwinder
// does not allocate after its first use, but libdw does (it reads and caches
// the ELF and DWARF data with malloc) and so does __cxa_demangle. Like Go,
// which accepts some risk in its crash path, we accept that: a fault inside
// the report is caught by the signal handler as "panic during panic" and
// the process still exits with status 2.
#define UNW_LOCAL_ONLY
#include <cxxabi.h>
#include <dlfcn.h>
#include <dwarf.h>
#include <error.h>
#include <elfutils/libdwfl.h>
#include <libunwind.h>
#include <unistd.h>

#include <cstdlib>

#include "runtime.hpp"
#include "signal_linux_amd64.hpp"

namespace gort::runtime {

// Go: _TracebackMaxFrames.
static constexpr int kTracebackMaxFrames = 100;

// One goroutine is printed at a time; the libdw session and the scratch
// buffers below belong to whoever holds this lock.
constinit static mutex tracebacklock;

// The goroutine that took the signal being reported (Go: m.caughtsig);
// all its frames are shown when the fault is in the runtime.
constinit g* tracebackCaughtsig = nullptr;

// What a report sets aside at start-up (reportreserve, called by
// reportinit): tracebackothers' list of goroutines for when none can be
// mapped, the kReservedGs oldest of them. Committed only when used.
static constexpr uintptr kReservedGs = 4096;
constinit static g** reservedgs = nullptr;

void reportreserve() { reservedgs = static_cast<g**>(sysAlloc(kReservedGs * sizeof(g*))); }

// ---- symbols, lines, inline scopes (libdwfl) ----

static Dwfl* dwfl;

// getdwfl opens a libdwfl session on this process at first use: the
// modules are read from /proc/self/maps, their ELF and DWARF data from the
// files (or separate debug files, found the standard way).
static Dwfl* getdwfl() {
  if (dwfl != nullptr) return dwfl;
  static constinit char* debuginfo_path = nullptr;
  // Separate debug files are looked up by build id only, on this machine:
  // dwfl_standard_find_debuginfo would also try debuginfod, which dlopens
  // libdebuginfod and libcurl in the middle of a crash report.
  static const Dwfl_Callbacks callbacks = {
      dwfl_linux_proc_find_elf, dwfl_build_id_find_debuginfo, nullptr, &debuginfo_path,
  };
  Dwfl* d = dwfl_begin(&callbacks);
  if (d == nullptr) return nullptr;
  if (dwfl_linux_proc_report(d, getpid()) != 0 || dwfl_report_end(d, nullptr, nullptr) != 0) {
    dwfl_end(d);
    return nullptr;
  }
  dwfl = d;
  return d;
}

// ---- when libdw runs out of memory ----
//
// libdw reports a failed allocation by calling error(EXIT_FAILURE, ...):
// the process would exit with status 1, running the program's static
// destructors, in the middle of a report. So while a report calls libdw
// (withsyms), glibc's error_print_progname hook, which error() calls
// before it prints anything, brings control back here with a longjmp;
// libdw is not used again by this process (it may hold half-made state),
// and the report goes on with addresses where names and lines would be
// (printframeaddr). The hook only jumps on the thread that set it: another
// thread's error() gets glibc's own output.
static void* symjmp[5];
static std::atomic<long> symtid{0};
static void (*symprogname)();  // the hook that was there before
static bool symfailed;

static void symoom() {
  if (gettid() == symtid.load()) __builtin_longjmp(symjmp, 1);
  if (symprogname != nullptr) {
    symprogname();
  } else {
    printstring(program_invocation_name);
    printstring(": ");
  }
}

// withsyms runs f, which uses libdw, and reports whether it finished;
// false: libdw failed (it cannot even start when there is no memory left),
// now and from now on. Not nested.
template <class F>
[[gnu::noinline]] static bool withsyms(F&& f) {
  if (symfailed) return false;
  symprogname = error_print_progname;
  symtid.store(gettid());
  error_print_progname = symoom;
  if (__builtin_setjmp(symjmp) == 0) {
    bool ok = getdwfl() != nullptr;
    if (ok) f();
    error_print_progname = symprogname;
    symtid.store(0);
    symfailed = !ok;
    return ok;
  }
  error_print_progname = symprogname;
  symtid.store(0);
  symfailed = true;
  print("[libdw ran out of memory: the frames below are addresses]\n");
  return false;
}

// dlname is the dynamic symbol at pc, or null (no libdw: the fallback).
static const char* dlname(uintptr pc) {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(pc), &info) == 0) return nullptr;
  return info.dli_sname;
}

// printframeaddr prints a frame without libdw: its dynamic symbol if it
// has one, its module and its offset there.
static void printframeaddr(uintptr pc, uintptr lookup) {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(lookup), &info) != 0 && info.dli_fname != nullptr) {
    print(info.dli_sname != nullptr ? info.dli_sname : "?", "(...)\n\t", info.dli_fname, "+",
          hex{pc - reinterpret_cast<uintptr>(info.dli_fbase)}, " pc=", hex{pc}, "\n");
  } else {
    print("?(...)\n\tpc=", hex{pc}, "\n");
  }
}

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
static const char* showname(const char* raw) {
  if (raw == nullptr) return nullptr;
  const char* src = raw;
  char* d = nullptr;
  if (raw[0] == '_' && raw[1] == 'Z') {
    int status = 0;
    d = abi::__cxa_demangle(raw, nullptr, nullptr, &status);
    if (d != nullptr && status == 0) src = d;
  }
  uintptr n = 0;
  while (src[n] != 0 && n < sizeof namebuf - 1) {
    namebuf[n] = src[n];
    n++;
  }
  namebuf[n] = 0;
  std::free(d);
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

// funcinfo is what a traceback knows about one pc (Go: funcInfo plus
// funcline): the symbol (raw, as in the ELF file) and its start, the module
// file, and the source position.
struct funcinfo {
  Dwfl_Module* mod = nullptr;
  const char* name = nullptr;  // raw symbol name, or null
  uintptr entry = 0;
  const char* module = nullptr;
  const char* file = nullptr;
  const char* compdir = nullptr;  // where relative file names start
  int line = 0;
};

// findfunc describes the function containing pc (pc is the address looked
// up: a return address minus one, or an exact pc).
static funcinfo findfunc(uintptr pc) {
  funcinfo f;
  Dwfl* d = getdwfl();
  if (d == nullptr) return f;
  f.mod = dwfl_addrmodule(d, pc);
  if (f.mod == nullptr) return f;
  GElf_Off off = 0;
  GElf_Sym sym;
  f.name = dwfl_module_addrinfo(f.mod, pc, &off, &sym, nullptr, nullptr, nullptr);
  if (f.name != nullptr) f.entry = pc - off;
  f.module = dwfl_module_info(f.mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  if (Dwfl_Line* l = dwfl_module_getsrc(f.mod, pc); l != nullptr) {
    int line = 0;
    f.file = dwfl_lineinfo(l, nullptr, &line, nullptr, nullptr, nullptr);
    f.line = line;
    f.compdir = dwfl_line_comp_dir(l);
  }
  return f;
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

// scopename is the name to print for an inlined subroutine's DWARF entry:
// its linkage name, demangled, or its plain name.
static const char* scopename(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) != nullptr ||
      dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr) != nullptr)
    if (const char* s = dwarf_formstring(&attr); s != nullptr) return s;
  if (dwarf_attr_integrate(die, DW_AT_name, &attr) != nullptr) return dwarf_formstring(&attr);
  return nullptr;
}

// callsite gives the file and line from which an inlined subroutine was
// called.
static void callsite(Dwarf_Die* cudie, Dwarf_Die* die, const char** file, int* line) {
  Dwarf_Attribute attr;
  Dwarf_Word v;
  *file = nullptr;
  *line = 0;
  if (dwarf_attr(die, DW_AT_call_line, &attr) != nullptr && dwarf_formudata(&attr, &v) == 0) *line = int(v);
  Dwarf_Files* files;
  size_t nfiles;
  if (dwarf_attr(die, DW_AT_call_file, &attr) != nullptr && dwarf_formudata(&attr, &v) == 0 &&
      dwarf_getsrcfiles(cudie, &files, &nfiles) == 0 && v < nfiles)
    *file = dwarf_filesrc(files, v, nullptr, nullptr);
}

// printframe prints the frame at pc (lookup: the address to look up, pc
// or pc-1) and the calls inlined into it, innermost first. Returns the
// number of entries printed.
static int printframe(uintptr pc, uintptr lookup, g* gp, bool all, int budget) {
  funcinfo f = findfunc(lookup);
  // A call inlined into a function of the runtime proper is the runtime's
  // too, whatever its DWARF name says: a static helper (chanpark) is named
  // without its namespace. (Nothing of the program is inlined into those,
  // which are compiled apart; unlike gort::detail's entries, instantiated
  // in the program with its callables inlined.)
  const char* shownf = showname(f.name);
  if (shownf != nullptr) shownf = funcname(shownf);
  bool inruntime = shownf != nullptr && (hasprefix(shownf, "runtime.") || hasprefix(shownf, "gort::runtime::"));
  int n = 0;
  const char* file = f.file;
  int line = f.line;
  Dwarf_Addr bias = 0;
  Dwarf_Die* cudie = f.mod != nullptr ? dwfl_module_addrdie(f.mod, lookup, &bias) : nullptr;
  Dwarf_Die* scopes = nullptr;
  int nscopes = cudie != nullptr ? dwarf_getscopes(cudie, lookup - bias, &scopes) : 0;
  for (int i = 0; i < nscopes && n < budget; i++) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag == DW_TAG_subprogram) break;
    if (tag != DW_TAG_inlined_subroutine) continue;
    const char* shown = showname(scopename(&scopes[i]));
    if (showframe(inruntime ? "runtime.inlined" : shown, gp, all)) {
      printframe1(shown, file, f.compdir, line, f.module, 0, false);
      n++;
    }
    callsite(cudie, &scopes[i], &file, &line);
  }
  std::free(scopes);
  if (n < budget) {
    const char* shown = showname(f.name);
    if (showframe(shown, gp, all)) {
      printframe1(shown, file, f.compdir, line, f.module, pc - f.entry, f.name != nullptr);
      n++;
    }
  }
  return n;
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
    if (__builtin_strcmp(raw, n) == 0) return true;
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
static int gentraceback(unw_cursor_t c, g* gp, const tbopts& o, bool all, bool* more) {
  // First pass: where the frames to print begin.
  int start = 0;
  if (o.skipthrow) {
    unw_cursor_t c1 = c;
    for (int i = 0; i < 64; i++) {
      unw_word_t ip = 0, sp = 0;
      unw_get_reg(&c1, UNW_REG_IP, &ip);
      unw_get_reg(&c1, UNW_REG_SP, &sp);
      if (sp > o.skipsp) {
        const char* name = nullptr;
        if (!withsyms([&] { name = findfunc(ip - 1).name; })) name = dlname(ip - 1);
        if (isthrowframe(name)) start = i + 1;
      }
      if (unw_step(&c1) <= 0) break;
    }
  }
  int n = 0;
  bool trap = o.trap;
  *more = false;
  for (int i = 0; i < 4096; i++) {
    unw_word_t ip = 0, sp = 0;
    unw_get_reg(&c, UNW_REG_IP, &ip);
    unw_get_reg(&c, UNW_REG_SP, &sp);
    if (ip == 0) break;
    if (o.bounded && !onstack(gp, sp)) break;
    if (i >= start && sp > o.skipsp) {
      if (n == kTracebackMaxFrames) {
        *more = true;
        break;
      }
      uintptr lookup = trap ? ip : ip - 1;
      if (!withsyms([&] { n += printframe(ip, lookup, gp, all, kTracebackMaxFrames - n); })) {
        printframeaddr(ip, lookup);
        n++;
      }
    }
    trap = unw_is_signal_frame(&c) > 0;  // the next frame was interrupted
    if (unw_step(&c) <= 0) break;
  }
  return n;
}

// traceback1 prints gp's frames from cursor c, then where gp was created
// (Go: traceback1). If GOTRACEBACK hides every frame, they are printed
// all, as Go does.
static void printcreatedby(g* gp);
static void traceback1(unw_cursor_t* c, g* gp, const tbopts& o) {
  bool more = false;
  int n = gentraceback(*c, gp, o, false, &more);
  if (n == 0) n = gentraceback(*c, gp, o, true, &more);
  if (more) print("...additional frames elided...\n");
  if (gp != nullptr) printcreatedby(gp);
}

// printcreatedby prints the function that started gp, and where (Go:
// printcreatedby). Not for the main goroutine.
static void printcreatedby1(g* gp, uintptr pc);
static void printcreatedby(g* gp) {
  uintptr pc = gp->gopc;
  if (pc == 0 || gp->goid == 1) return;
  if (!withsyms([&] { printcreatedby1(gp, pc); })) {
    print("created by ");
    printframeaddr(pc, pc - 1);
  }
}

static void printcreatedby1(g* gp, uintptr pc) {
  funcinfo f = findfunc(pc - 1);
  // The go statement's position is the outermost call site when gort::go
  // was inlined into its caller.
  const char* file = f.file;
  int line = f.line;
  Dwarf_Addr bias = 0;
  Dwarf_Die* cudie = f.mod != nullptr ? dwfl_module_addrdie(f.mod, pc - 1, &bias) : nullptr;
  Dwarf_Die* scopes = nullptr;
  int nscopes = cudie != nullptr ? dwarf_getscopes(cudie, pc - 1 - bias, &scopes) : 0;
  for (int i = 0; i < nscopes; i++) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag == DW_TAG_subprogram) break;
    if (tag == DW_TAG_inlined_subroutine) callsite(cudie, &scopes[i], &file, &line);
  }
  std::free(scopes);
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
    if (!withsyms([&] {
          funcinfo f = findfunc(gp->startpc);
          printframe1(showname(f.name), f.file, f.compdir, f.line, f.module, 0, false);
        }))
      printframeaddr(gp->startpc, gp->startpc);
    printcreatedby(gp);
    unlock(&tracebacklock);
    return;
  }
  unw_context_t ctx;
  __builtin_memset(&ctx, 0, sizeof ctx);
  gobufcontext(gp->sched, &ctx.uc_mcontext);
  unw_cursor_t c;
  if (unw_init_local(&c, &ctx) == 0) {
    tbopts o;
    o.bounded = true;
    traceback1(&c, gp, o);
  }
  unlock(&tracebacklock);
}

// tracebackfrom prints the frames of the running code, gp's, from the
// context `here` saved by gosave in the reporting function, leaving out the
// frames at or below skipsp, the reporter's own (Go: traceback with
// getcallerpc/getcallersp). skipthrow: begin below the C++ throw that is
// being reported. The report runs on a stack of its own (panic.cpp): the
// context is saved before it moves there, and its frames are still intact.
void tracebackfrom(const gobuf* here, uintptr skipsp, g* gp, bool skipthrow, bool bounded) {
  lock(&tracebacklock);
  unw_context_t ctx;
  __builtin_memset(&ctx, 0, sizeof ctx);
  gobufcontext(*here, &ctx.uc_mcontext);
  unw_cursor_t c;
  if (unw_init_local(&c, &ctx) == 0) {
    tbopts o;
    o.skipsp = skipsp;
    o.skipthrow = skipthrow;
    o.bounded = bounded && gp != nullptr && gp->stack.lo != 0;
    traceback1(&c, gp, o);
  }
  unlock(&tracebacklock);
}

// tracebacktrap prints gp's frames from a signal's context: the first pc
// is the faulting instruction (Go: tracebacktrap).
void tracebacktrap(void* uc, g* gp) {
  lock(&tracebacklock);
  unw_cursor_t c;
  if (unw_init_local2(&c, static_cast<unw_context_t*>(uc), UNW_INIT_SIGNAL_FRAME) == 0) {
    tbopts o;
    o.trap = true;
    traceback1(&c, gp, o);
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
  bool sys = false;
  withsyms([&] {
    const char* shown = showname(findfunc(gp->startpc).name);
    sys = shown != nullptr && (hasprefix(shown, "runtime.") || hasprefix(shown, "gort::runtime::"));
  });
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
  // array of the list, mapped for the report (no malloc here). If it
  // cannot be mapped, the one reportreserve set aside at start-up holds
  // the kReservedGs oldest goroutines, and the report says how many of the
  // others it leaves out.
  uintptr n = 0;
  g* head = __atomic_load_n(&allgs, __ATOMIC_ACQUIRE);
  for (g* gp = head; gp != nullptr; gp = gp->alllink) n++;
  auto shown = [&](g* gp) {
    return !(gp == me || gp == curgp || readgstatus(gp) == _Gdead || (level < 2 && isSystemGoroutine(gp)));
  };
  uintptr size = n * sizeof(g*) + 1;
  g** v = static_cast<g**>(sysAlloc(size));
  uintptr cap = n;
  if (v == nullptr) {
    v = reservedgs;
    cap = v != nullptr ? kReservedGs : 0;
  }
  uintptr k = 0, notshown = 0;
  for (g* gp = head; gp != nullptr && k < n; gp = gp->alllink, k++) {
    if (cap == 0) {
      if (shown(gp)) notshown++;
      continue;
    }
    if (k >= cap && shown(v[k % cap])) notshown++;  // a newer one drops out
    v[k % cap] = gp;
  }
  uintptr kept = k < cap ? k : cap;
  for (uintptr i = 0; i < kept; i++) {
    g* gp = v[(k - 1 - i) % cap];
    if (!shown(gp)) continue;
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
  if (notshown > 0) print("\n", notshown, " goroutines not shown: no memory for the report's list of them\n");
  if (v != reservedgs) sysFree(v, size);
}

}  // namespace gort::runtime
