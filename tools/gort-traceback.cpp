// tools/gort-traceback.cpp: the frames of gort's crash reports (Go:
// traceback.go's printing half).
//
// Run by the runtime only (runtime/traceback.cpp, runtime/tbhelper.hpp), as
//
//     gort-traceback REQFD REPFD PID
//
// at the moment a fatal report needs frames: the runtime of process PID
// sends requests on REQFD, one per goroutine, each with the registers to
// start from and the bytes of the stack they point into; this program
// unwinds there by the DWARF call-frame information of PID's files (libdw's
// unwinder, with the memory it was sent: it reads nothing of PID's but
// /proc/PID/maps and the files named there), names each frame from the ELF
// symbol tables and the DWARF line tables and inline scopes, demangles C++
// names, prints Go's format to its standard error, which is PID's, and
// replies on REPFD. Being a process of its own, it has its own malloc and
// its own address space: the report works while PID's malloc is broken or
// its memory is exhausted. It is linked statically, so that it starts in
// any environment PID had (LD_PRELOAD, a memory limit) without loading
// anything. It never uses the network: the debuginfod client of libdw is
// left out (see the end of this file).
//
// The format is Go's:
//
//     worker(int)
//             /path/prog.cpp:20 +0x1c
//     created by main
//             /path/prog.cpp:40 +0x93
//
// Difference from Go: a C++ frame is printed with its demangled signature,
// "worker(int)", where Go prints the argument words, "main.worker(0x2)";
// a name without a parameter list (main, an extern "C" or asm symbol) gets
// Go's "(...)". Frames without line information show their module's path.
#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "../runtime/tbhelper.hpp"

namespace {

using namespace gort::tbhelper;
using u64 = std::uint64_t;

// Go: _TracebackMaxFrames.
constexpr int kTracebackMaxFrames = 100;

// ---- the current request ----

request req;
std::string text;
struct memregion {
  u64 addr, len;
  std::size_t off;  // into mem
};
std::vector<memregion> regions;
std::vector<unsigned char> mem;
std::string out;  // what this request prints, written at once

void put(const char* s) { out += s; }
void put(const std::string& s) { out += s; }
void putint(long v) { out += std::to_string(v); }
void puthex(u64 v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  out += b;
}

// ---- symbols, lines, inline scopes (libdwfl) ----

Dwfl* dwfl;
pid_t target;

// funcinfo is what a traceback knows about one pc (Go: funcInfo plus
// funcline): the symbol (raw, as in the ELF file) and its start, the module
// file, and the source position.
struct funcinfo {
  Dwfl_Module* mod = nullptr;
  const char* name = nullptr;  // raw symbol name, or null
  u64 entry = 0;
  const char* module = nullptr;
  const char* file = nullptr;
  const char* compdir = nullptr;  // where relative file names start
  int line = 0;
};

// findfunc describes the function containing pc (pc is the address looked
// up: a return address minus one, or an exact pc).
funcinfo findfunc(u64 pc) {
  funcinfo f;
  f.mod = dwfl_addrmodule(dwfl, pc);
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

bool hasprefix(const char* s, const char* prefix) { return std::strncmp(s, prefix, std::strlen(prefix)) == 0; }

// showname gives a symbol's name as it is printed: demangled where it is
// a C++ symbol, and without the suffix of a GCC clone ("main.cold",
// "f(int) [clone .cold]", "runtime.checkdead.part.0"), so that the frame
// carries its function's name as Go's would.
std::string showname(const char* raw) {
  if (raw == nullptr) return {};
  std::string s = raw;
  if (raw[0] == '_' && raw[1] == 'Z') {
    int status = 0;
    char* d = abi::__cxa_demangle(raw, nullptr, nullptr, &status);
    if (d != nullptr && status == 0) s = d;
    std::free(d);
  }
  static const char* const clones[] = {" [clone ", ".cold", ".part.", ".isra.", ".constprop.", ".lto_priv."};
  for (std::size_t i = 0; i < s.size(); i++)
    for (const char* c : clones)
      if (hasprefix(s.c_str() + i, c)) return s.substr(0, i);
  return s;
}

// funcname skips the return type that a demangled function template's
// name begins with ("void std::__invoke_impl<...>(...)"): the name starts
// after the last space outside brackets before the parameter list.
const char* funcname(const char* s) {
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
bool isRuntimeFrame(const std::string& shown) {
  const char* name = funcname(shown.c_str());
  if (hasprefix(name, "runtime.")) {
    char c = name[8];
    return !(c >= 'A' && c <= 'Z');  // Go: isExportedRuntime
  }
  return hasprefix(name, "gort::runtime::") || hasprefix(name, "gort::detail::entry_") ||
         hasprefix(name, "gort::detail::closure<") || hasprefix(name, "std::__invoke") ||
         hasprefix(name, "std::invoke<") || hasprefix(name, "std::__apply_impl") || hasprefix(name, "std::apply<");
}

// showframe reports whether a frame is printed (Go: showframe): all of
// them for the goroutine that hit a runtime throw, or the one that took
// the signal (the runtime says so with kForceAll), and otherwise as
// GOTRACEBACK says.
bool showframe(const std::string& shown, bool all) {
  if ((req.flags & kForceAll) != 0 || all || req.level > 1) return true;
  if (shown.empty()) return false;
  return !isRuntimeFrame(shown);
}

// ---- printing one physical frame with its inlined calls ----

void printpos(const char* file, const char* compdir, int line, const char* module) {
  if (file != nullptr) {
    if (file[0] != '/' && compdir != nullptr) {
      put(compdir);
      put("/");
    }
    put(file);
    put(":");
    putint(line);
  } else {
    put(module != nullptr ? module : "?");
  }
}

// printframe1 prints "name(...)" and "\tfile:line[ +0xoff]" for one
// function, physical or inlined (Go prints inlined calls as frames of their
// own, without the offset).
void printframe1(const std::string& shown, const char* file, const char* compdir, int line, const char* module,
                 u64 off, bool withoff) {
  const char* name = shown.empty() ? "??" : funcname(shown.c_str());
  put(name);
  if (std::strchr(name, '(') == nullptr) put("(...)");
  put("\n\t");
  printpos(file, compdir, line, module);
  if (withoff) {
    put(" +");
    puthex(off);
  }
  put("\n");
}

// scopename is the name to print for an inlined subroutine's DWARF entry:
// its linkage name, demangled, or its plain name.
const char* scopename(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) != nullptr ||
      dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr) != nullptr)
    if (const char* s = dwarf_formstring(&attr); s != nullptr) return s;
  if (dwarf_attr_integrate(die, DW_AT_name, &attr) != nullptr) return dwarf_formstring(&attr);
  return nullptr;
}

// callsite gives the file and line from which an inlined subroutine was
// called.
void callsite(Dwarf_Die* cudie, Dwarf_Die* die, const char** file, int* line) {
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

// inlinescopes calls fn(scope) for each inlined call at lookup, innermost
// first, with the CU's DIE; the caller frees nothing.
template <class F>
void inlinescopes(const funcinfo& f, u64 lookup, F fn) {
  Dwarf_Addr bias = 0;
  Dwarf_Die* cudie = f.mod != nullptr ? dwfl_module_addrdie(f.mod, lookup, &bias) : nullptr;
  Dwarf_Die* scopes = nullptr;
  int nscopes = cudie != nullptr ? dwarf_getscopes(cudie, lookup - bias, &scopes) : 0;
  for (int i = 0; i < nscopes; i++) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag == DW_TAG_subprogram) break;
    if (tag == DW_TAG_inlined_subroutine && !fn(cudie, &scopes[i])) break;
  }
  std::free(scopes);
}

// One function in a frame's description: an inlined call, or the
// physical function (the last).
struct callentry {
  std::string shown;  // demangled, or empty when unknown
  std::string pos;    // "file:line", or the module's path
};

// A physical frame's description: what printframe prints, from the
// innermost inlined call to the function itself. Dumps of many goroutines
// repeat the same pcs, and reading the inline scopes is most of the work,
// so descriptions are kept by address.
struct described {
  std::vector<callentry> entries;
  const char* raw = nullptr;  // the physical function's symbol
  u64 entry = 0;              // its start
};
std::unordered_map<u64, described> descriptions;

std::string posstring(const char* file, const char* compdir, int line, const char* module) {
  std::string saved;
  saved.swap(out);
  printpos(file, compdir, line, module);
  saved.swap(out);
  return saved;
}

const described& describe(u64 lookup) {
  auto it = descriptions.find(lookup);
  if (it != descriptions.end()) return it->second;
  described d;
  funcinfo f = findfunc(lookup);
  const char* file = f.file;
  int line = f.line;
  inlinescopes(f, lookup, [&](Dwarf_Die* cudie, Dwarf_Die* scope) {
    d.entries.push_back({showname(scopename(scope)), posstring(file, f.compdir, line, f.module)});
    callsite(cudie, scope, &file, &line);
    return d.entries.size() < kTracebackMaxFrames;
  });
  d.entries.push_back({showname(f.name), posstring(file, f.compdir, line, f.module)});
  d.raw = f.name;
  d.entry = f.entry;
  return descriptions.emplace(lookup, std::move(d)).first->second;
}

// printframe prints the frame at pc (lookup: the address to look up, pc
// or pc-1) and the calls inlined into it, innermost first (Go prints
// inlined calls as frames of their own, without the offset). Returns the
// number of entries printed.
int printframe(u64 pc, u64 lookup, bool all, int budget) {
  const described& d = describe(lookup);
  // A call inlined into a function of the runtime proper is the runtime's
  // too, whatever its DWARF name says: a static helper (chanpark, inlined
  // into chanrecv) is named without its namespace. (Nothing of the program
  // is inlined into those, which are compiled apart; unlike gort::detail's
  // entries, instantiated in the program with its callables inlined.)
  const std::string& phys = d.entries.back().shown;
  const char* physname = funcname(phys.c_str());
  bool inruntime = hasprefix(physname, "runtime.") || hasprefix(physname, "gort::runtime::");
  int n = 0;
  for (std::size_t i = 0; i < d.entries.size() && n < budget; i++) {
    const callentry& e = d.entries[i];
    bool inlined = i + 1 < d.entries.size();
    if (!showframe(inlined && inruntime ? phys : e.shown, all)) continue;
    const char* name = e.shown.empty() ? "??" : funcname(e.shown.c_str());
    put(name);
    if (std::strchr(name, '(') == nullptr) put("(...)");
    put("\n\t");
    put(e.pos);
    if (i + 1 == d.entries.size() && d.raw != nullptr) {
      put(" +");
      puthex(pc - d.entry);
    }
    put("\n");
    n++;
  }
  return n;
}

// isthrowframe: the C++ runtime's frames between a throw and the
// terminate handler (Go hides gopanic when it is the first frame).
bool isthrowframe(const char* raw) {
  if (raw == nullptr) return false;
  static const char* const names[] = {
      "__cxa_throw", "__cxa_rethrow", "_Unwind_Resume", "_Unwind_RaiseException", "_Unwind_Resume_or_Rethrow",
      "__cxa_call_terminate", "_ZSt9terminatev", "_ZN10__cxxabiv111__terminateEPFvvE",
      "_ZSt17rethrow_exceptionNSt15__exception_ptr13exception_ptrE", "__gxx_personality_v0",
      "__cxa_call_unexpected",
  };
  for (const char* n : names)
    if (std::strcmp(raw, n) == 0) return true;
  return hasprefix(raw, "_ZN4gort5panicE");  // gort::panic, Go's panic builtin
}

// ---- unwinding (libdw's, in the memory the runtime sent) ----

struct frame {
  u64 pc, sp;
  bool exact;  // pc is where the frame stopped (the first of a fault, a signal frame), not a return address
};
std::vector<frame> frames;

bool readmem(u64 addr, u64* v) {
  for (const memregion& r : regions)
    if (addr >= r.addr && addr - r.addr + 8 <= r.len) {
      std::memcpy(v, mem.data() + r.off + (addr - r.addr), 8);
      return true;
    }
  return false;
}

pid_t next_thread(Dwfl*, void*, void** thread_argp) {
  // One thread, the goroutine of the current request, each time round.
  if (*thread_argp != nullptr) return 0;
  *thread_argp = &req;
  return 1;
}

bool get_thread(Dwfl*, pid_t tid, void*, void** thread_argp) {
  *thread_argp = &req;
  return tid == 1;
}

bool memory_read(Dwfl*, Dwarf_Addr addr, Dwarf_Word* result, void*) { return readmem(addr, result); }

bool set_initial_registers(Dwfl_Thread* thread, void*) {
  for (int r = 0; r < kRIP; r++) {
    if ((req.regmask & (1u << r)) == 0) continue;
    Dwarf_Word v = req.regs[r];
    if (!dwfl_thread_state_registers(thread, r, 1, &v)) return false;
  }
  dwfl_thread_state_register_pc(thread, req.regs[kRIP]);
  return true;
}

const Dwfl_Thread_Callbacks threadcallbacks = {
    next_thread, get_thread, memory_read, set_initial_registers, nullptr, nullptr,
};

int onframe(Dwfl_Frame* state, void*) {
  Dwarf_Addr pc;
  bool activation;
  if (!dwfl_frame_pc(state, &pc, &activation)) return DWARF_CB_ABORT;
  Dwarf_Word sp = 0;
  if (frames.empty())
    sp = req.regs[kRSP];
  else if (dwfl_frame_reg(state, kRSP, &sp) != 0)
    return DWARF_CB_ABORT;
  // The first frame's pc is exact only for a fault; a parked goroutine's
  // or a running one's is a return address (the runtime says which).
  bool exact = frames.empty() ? (req.flags & kTrap) != 0 : activation;
  frames.push_back({pc, sp, exact});
  return frames.size() < 4096 ? DWARF_CB_OK : DWARF_CB_ABORT;
}

void unwind() {
  frames.clear();
  if ((req.regmask & (1u << kRIP)) == 0 || req.regs[kRIP] == 0) return;
  // Frames end where the unwind information says the caller is undefined
  // (runtime.goexit, gostart, the g0 stack's root), or where the memory
  // sent ends; either way what was found is printed.
  dwfl_getthread_frames(dwfl, 1, onframe, nullptr);
  if (frames.empty()) frames.push_back({req.regs[kRIP], req.regs[kRSP], (req.flags & kTrap) != 0});
}

bool onstack(u64 sp) { return sp >= req.stacklo && sp <= req.stackhi; }

// gentraceback prints the frames (Go: gentraceback in printing mode). all:
// print runtime frames too. Returns the number of entries printed, at most
// kTracebackMaxFrames, and sets *more when frames were left out because of
// the bound.
int gentraceback(bool all, bool* more) {
  // First pass: where the frames to print begin.
  std::size_t start = 0;
  if ((req.flags & kSkipThrow) != 0)
    for (std::size_t i = 0; i < frames.size() && i < 64; i++)
      if (frames[i].sp > req.skipsp && isthrowframe(describe(frames[i].pc - 1).raw)) start = i + 1;
  int n = 0;
  *more = false;
  for (std::size_t i = 0; i < frames.size(); i++) {
    const frame& fr = frames[i];
    if (fr.pc == 0) break;
    if ((req.flags & kBounded) != 0 && !onstack(fr.sp)) break;
    if (i >= start && fr.sp > req.skipsp) {
      if (n == kTracebackMaxFrames) {
        *more = true;
        break;
      }
      n += printframe(fr.pc, fr.exact ? fr.pc : fr.pc - 1, all, kTracebackMaxFrames - n);
    }
  }
  return n;
}

// printcreatedby prints the function that started the goroutine, and where
// (Go: printcreatedby). The go statement's position is the outermost call
// site when gort::go was inlined into its caller. (Kept by address, as
// frames are.)
void printcreatedby() {
  u64 pc = req.gopc;
  if (pc == 0) return;
  struct creator {
    std::string shown, pos;
    bool named;
    u64 off;
  };
  static std::unordered_map<u64, creator> creators;
  auto it = creators.find(pc);
  if (it == creators.end()) {
    funcinfo f = findfunc(pc - 1);
    const char* file = f.file;
    int line = f.line;
    inlinescopes(f, pc - 1, [&](Dwarf_Die* cudie, Dwarf_Die* scope) {
      callsite(cudie, scope, &file, &line);
      return true;
    });
    it = creators.emplace(pc, creator{showname(f.name), posstring(file, f.compdir, line, f.module), f.name != nullptr,
                                      pc - f.entry}).first;
  }
  const creator& c = it->second;
  if (!showframe(c.shown, false)) return;
  put("created by ");
  put(c.shown.empty() ? "??" : funcname(c.shown.c_str()));
  put("\n\t");
  put(c.pos);
  if (c.named) {
    put(" +");
    puthex(c.off);
  }
  put("\n");
}

// isSystemGoroutine: one whose entry is a runtime function (Go:
// isSystemGoroutine); the runtime has already ruled out runtime.main.
bool isSystemGoroutine() {
  std::string shown = showname(findfunc(req.startpc).name);
  return hasprefix(shown.c_str(), "runtime.") || hasprefix(shown.c_str(), "gort::runtime::");
}

// handle prints what one request asks for (Go: traceback1); returns the
// reply.
int handle() {
  out.clear();
  if ((req.flags & kSkipSystem) != 0 && isSystemGoroutine()) return -1;
  put(text);
  int n = 0;
  if ((req.flags & kNeverRan) != 0) {
    // Never run: no frames yet, only the function it will start in (Go
    // prints the entry at its first line).
    funcinfo f = findfunc(req.startpc);
    printframe1(showname(f.name), f.file, f.compdir, f.line, f.module, 0, false);
    n = 1;
  } else if ((req.flags & kNoFrames) == 0) {
    unwind();
    bool more = false;
    n = gentraceback(false, &more);
    if (n == 0) n = gentraceback(true, &more);  // GOTRACEBACK hid them all: Go prints them all
    if (more) put("...additional frames elided...\n");
  }
  if ((req.flags & kCreatedBy) != 0) printcreatedby();
  return n;
}

// ---- the pipes ----

// full does read or write until n bytes are through, or fails.
template <class Buf, class Op>
bool full(int fd, Buf* p, std::size_t n, Op op) {
  while (n > 0) {
    ssize_t r = op(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p = reinterpret_cast<Buf*>(reinterpret_cast<std::uintptr_t>(p) + std::uintptr_t(r));
    n -= std::size_t(r);
  }
  return true;
}
bool readfull(int fd, void* p, std::size_t n) { return full(fd, p, n, read); }
bool writefull(int fd, const void* p, std::size_t n) { return full(fd, p, n, write); }

bool readrequest(int fd) {
  if (!readfull(fd, &req, sizeof req) || req.magic != kMagic) return false;
  text.resize(req.textlen);
  if (req.textlen > 0 && !readfull(fd, text.data(), req.textlen)) return false;
  regions.clear();
  mem.clear();
  u64 total = 0;
  for (std::uint32_t i = 0; i < req.nregions; i++) {
    region r;
    if (!readfull(fd, &r, sizeof r)) return false;
    total += r.len;
    if (total > kMaxStackBytes) return false;
    std::size_t off = mem.size();
    mem.resize(off + r.len);
    if (!readfull(fd, mem.data() + off, r.len)) return false;
    regions.push_back({r.addr, r.len, off});
  }
  return true;
}

bool setup() {
  static char* debuginfo_path = nullptr;
  static const Dwfl_Callbacks callbacks = {
      dwfl_linux_proc_find_elf, dwfl_standard_find_debuginfo, nullptr, &debuginfo_path,
  };
  dwfl = dwfl_begin(&callbacks);
  if (dwfl == nullptr) return false;
  if (dwfl_linux_proc_report(dwfl, target) != 0 || dwfl_report_end(dwfl, nullptr, nullptr) != 0) return false;
  return dwfl_attach_state(dwfl, nullptr, target, &threadcallbacks, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: gort-traceback REQFD REPFD PID (run by gort's runtime, see gort-debug(7))\n");
    return 2;
  }
  int reqfd = std::atoi(argv[1]), repfd = std::atoi(argv[2]);
  target = pid_t(std::atoi(argv[3]));
  // The runtime starts us with every signal blocked (it vforks from a
  // signal handler); a write to a closed pipe must fail, not kill.
  signal(SIGPIPE, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!setup()) {
    // Nothing can be named: say why once; the runtime prints addresses.
    std::fprintf(stderr, "runtime: gort-traceback: cannot read process %d: %s\n", int(target), dwfl_errmsg(-1));
    return 1;
  }
  while (readrequest(reqfd)) {
    std::int32_t reply = handle();
    if (!writefull(2, out.data(), out.size())) reply = -2;
    if (!writefull(repfd, &reply, sizeof reply)) break;
  }
  return 0;
}

// libdw asks a debuginfod server for debugging information that is not
// installed when DEBUGINFOD_URLS is set. A crash report must not wait on
// the network (the runtime also starts us with an empty environment), so
// the client is not even linked: these replace the functions of libdw's
// debuginfod-client.o, which is then not taken from the archive.
extern "C" {
int __libdwfl_debuginfod_find_executable(Dwfl*, const unsigned char*, size_t) { return -ENOSYS; }
int __libdwfl_debuginfod_find_debuginfo(Dwfl*, const unsigned char*, size_t) { return -ENOSYS; }
void __libdwfl_debuginfod_end(void*) {}
}
