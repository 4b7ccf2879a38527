// runtime/traceback.cpp: goroutine tracebacks (Go: traceback.go).
//
// Go walks its own frames with its own tables (pclntab). A C++ program's
// frames are described by DWARF call-frame information, and named by the
// ELF symbol tables and the DWARF line tables: reading those takes an
// unwinder, a DWARF reader and a demangler, which allocate memory and would
// cost every program their loading at start-up. So this file walks no
// frames. It decides what a report shows, in Go's order (goroutineheader,
// traceback, tracebackothers, printcreatedby), and hands each goroutine's
// registers and stack bytes to the traceback helper, a program of its own
// (tools/gort-traceback.cpp; the protocol is runtime/tbhelper.hpp), which
// unwinds, names and prints the frames in Go's format:
//
//     goroutine 7 [semacquire, 2 minutes, locked to thread]:
//     gort::mutex::lock()
//             /path/include/gort/sync.hpp:131 +0x2f
//     worker(int)
//             /path/prog.cpp:20 +0x1c
//     created by main
//             /path/prog.cpp:40 +0x93
//
// Difference from Go: the frames come from another process. It is started
// (clone with CLONE_VFORK, and execve) at the first report that needs frames, and talked
// to through two pipes; nothing here calls libc or malloc, so a report
// works when the fault is inside malloc, or when memory is exhausted (the
// helper is a fresh, static process). When the helper cannot run (not
// installed where the crt says, GORT_TRACEBACK_HELPER names no program, no
// process can be started), each frame found by following frame pointers is
// printed as "?(...)" with its module and offset, which addr2line reads.
#include "runtime.hpp"
#include "signal_linux_amd64.hpp"
#include "sys_linux.hpp"
#include "tbhelper.hpp"

#include <fcntl.h>
#include <linux/errno.h>
#include <poll.h>

namespace gort::runtime {

namespace tb = gort::tbhelper;

// One goroutine is printed at a time; the helper and the buffers below
// belong to whoever holds this lock.
constinit static mutex tracebacklock;

// The goroutine that took the signal being reported (Go: m.caughtsig);
// all its frames are shown when the fault is in the runtime.
constinit g* tracebackCaughtsig = nullptr;

extern "C" long vforkexec(const char* path, char* const* argv, char* const* envp, int keep1, int keep2)
    RUNTIME_SYM("vforkexec");

// ---- text: a goroutine's header, composed before it is sent ----

struct tbtext {
  char b[256];
  uintptr n = 0;
  tbtext& s(const char* x) {
    while (*x != 0 && n < sizeof b) b[n++] = *x++;
    return *this;
  }
  tbtext& i(int64 v) {
    char d[24];
    int k = sizeof d;
    uint64 u = v < 0 ? uint64(0) - uint64(v) : uint64(v);
    do d[--k] = char('0' + u % 10), u /= 10;
    while (u != 0);
    if (v < 0) d[--k] = '-';
    while (k < int(sizeof d) && n < sizeof b) b[n++] = d[k++];
    return *this;
  }
  tbtext& h(uint64 v) {
    static const char dig[] = "0123456789abcdef";
    char d[24];
    int k = sizeof d;
    do d[--k] = dig[v % 16], v /= 16;
    while (v != 0);
    s("0x");
    while (k < int(sizeof d) && n < sizeof b) b[n++] = d[k++];
    return *this;
  }
};

static const char* const gStatusStrings[] = {
    "idle", "runnable", "running", "syscall", "waiting", "", "dead", "", "copystack", "preempted",
};

// headertext composes "goroutine N [status, N minutes, locked to thread]:"
// (Go: goroutineheader).
static void headertext(tbtext& t, g* gp) {
  uint32 gpstatus = readgstatus(gp);
  const char* status = gpstatus < sizeof gStatusStrings / sizeof gStatusStrings[0] ? gStatusStrings[gpstatus] : "???";
  if (gpstatus == _Gwaiting && gp->waitreason != waitReason::zero) status = waitReasonString(gp->waitreason);
  // How long it has been blocked, in minutes.
  int64 waitfor = 0;
  if ((gpstatus == _Gwaiting || gpstatus == _Gsyscall) && gp->waitsince != 0)
    waitfor = (nanotime() - gp->waitsince) / 60000000000;
  t.s("goroutine ").i(gp->goid).s(" [").s(status);
  if (waitfor >= 1) t.s(", ").i(waitfor).s(" minutes");
  if (gp->lockedm != nullptr) t.s(", locked to thread");
  t.s("]:\n");
}

void goroutineheader(g* gp) {
  tbtext t;
  headertext(t, gp);
  printlock();
  printbytes(t.b, t.n);
  printunlock();
}

// ---- the helper ----

constinit static struct {
  int state = 0;  // 0 not started, 1 running, -1 unavailable
  long pid = 0;
  int req = -1;   // our end of the request pipe
  int rep = -1;   // our end of the reply pipe
  bool told = false;  // the fallback's notice was printed
} helper;

static const char* helperpath() {
  if (const char* s = gogetenv("GORT_TRACEBACK_HELPER"); s != nullptr) return s;
  return flavour_tracebackhelper();
}

static char* fmtint(char* buf, uintptr size, int64 v) {
  tbtext t;
  t.i(v);
  if (t.n >= size) t.n = size - 1;
  rt_memmove(buf, t.b, t.n);
  buf[t.n] = 0;
  return buf;
}

// helperstart runs the helper: two pipes, then vforkexec (clone with
// CLONE_VM|CLONE_VFORK and no exit signal, then execve) with every signal
// blocked; the helper's ends of the pipes lose FD_CLOEXEC in the
// child only. Whether it really runs shows at the first request.
static bool helperstart() {
  if (helper.state != 0) return helper.state > 0;
  helper.state = -1;
  const char* path = helperpath();
  if (path == nullptr || *path == 0) return false;
  // A write to a helper that has died must fail with EPIPE, not kill the
  // program by SIGPIPE before its report is out: this M is dying anyway,
  // so SIGPIPE stays blocked on it.
  uint64 pipemask = uint64(1) << (SIGPIPE - 1);
  sys_rt_sigprocmask(SIG_BLOCK, &pipemask, nullptr);
  int req[2], rep[2];
  if (sys_pipe2(req, O_CLOEXEC) != 0) return false;
  if (sys_pipe2(rep, O_CLOEXEC) != 0) {
    sys_close(req[0]);
    sys_close(req[1]);
    return false;
  }
  static char a1[16], a2[16], a3[24];
  static char* argv[5];
  static char* envp[1];
  argv[0] = const_cast<char*>(path);
  argv[1] = fmtint(a1, sizeof a1, req[0]);
  argv[2] = fmtint(a2, sizeof a2, rep[1]);
  argv[3] = fmtint(a3, sizeof a3, sys_getpid());
  argv[4] = nullptr;
  envp[0] = nullptr;  // nothing of the program's environment (LD_*, DEBUGINFOD_URLS)
  uint64 all = ~uint64(0), old = 0;
  sys_rt_sigprocmask(SIG_SETMASK, &all, &old);
  long pid = vforkexec(path, argv, envp, req[0], rep[1]);
  sys_rt_sigprocmask(SIG_SETMASK, &old, nullptr);
  sys_close(req[0]);
  sys_close(rep[1]);
  if (pid < 0) {
    sys_close(req[1]);
    sys_close(rep[0]);
    return false;
  }
  helper = {1, pid, req[1], rep[0], false};
  return true;
}

// helperfail ends the helper after a failure; the rest of the report
// prints addresses.
static void helperfail() {
  sys_kill(helper.pid, SIGKILL);
  sys_close(helper.req);
  sys_close(helper.rep);
  int status = 0;
  sys_wait4(helper.pid, &status, __WCLONE);  // no exit signal: a clone child
  helper.state = -1;
}

static bool writeall(int fd, const void* p, uintptr n) {
  auto* b = static_cast<const char*>(p);
  while (n > 0) {
    long r = sys_write(fd, b, n);
    if (r == -EINTR) continue;
    if (r <= 0) return false;
    b += r;
    n -= uintptr(r);
  }
  return true;
}

// writemem sends n bytes of memory at addr, which may be partly unmapped
// (the stack of a thread that gort does not run): the kernel reports
// EFAULT instead of faulting, and the unreadable pages go as zeros.
static bool writemem(int fd, uintptr addr, uintptr n) {
  static const char zeros[4096] = {};
  while (n > 0) {
    long r = sys_write(fd, reinterpret_cast<const void*>(addr), n);
    if (r == -EINTR) continue;
    if (r == -EFAULT) {
      uintptr k = physPageSize - (addr & (physPageSize - 1));
      if (k > n) k = n;
      if (k > sizeof zeros) k = sizeof zeros;
      if (!writeall(fd, zeros, k)) return false;
      r = long(k);
    }
    if (r <= 0) return false;
    addr += uintptr(r);
    n -= uintptr(r);
  }
  return true;
}

// One request's memory: up to two stretches of stack.
struct tbregions {
  tb::region r[2];
  int n = 0;
  void add(uintptr lo, uintptr hi) {
    if (lo < hi && n < 2) r[n++] = {lo, hi - lo};
  }
};

// helperask sends one request and waits for the helper to have printed
// it. Returns the reply, or -3 when the helper failed (it is then gone).
static int32 helperask(tb::request& rq, const tbtext& t, const tbregions& mem) {
  if (!helperstart()) return -3;
  rq.textlen = uint32(t.n);
  rq.nregions = uint32(mem.n);
  bool ok = writeall(helper.req, &rq, sizeof rq) && writeall(helper.req, t.b, t.n);
  for (int i = 0; ok && i < mem.n; i++)
    ok = writeall(helper.req, &mem.r[i], sizeof mem.r[i]) && writemem(helper.req, mem.r[i].addr, mem.r[i].len);
  int32 reply = -3;
  if (ok) {
    // Wait for the reply, at most 30 s: a helper that hangs must not
    // keep the program from dying.
    pollfd pfd = {helper.rep, POLLIN, 0};
    kernel_timespec ts = {30, 0};
    long r;
    do r = syscall4(SYS_ppoll, reinterpret_cast<long>(&pfd), 1, reinterpret_cast<long>(&ts), 0);
    while (r == -EINTR);
    uintptr got = 0;
    if (r == 1)
      while (got < sizeof reply) {
        long k = sys_read(helper.rep, reinterpret_cast<char*>(&reply) + got, sizeof reply - got);
        if (k == -EINTR) continue;
        if (k <= 0) break;
        got += uintptr(k);
      }
    if (got != sizeof reply || reply < -1) reply = -3;
  }
  if (reply == -3) helperfail();
  return reply;
}

// ---- without the helper: frame pointers and addresses ----

// The module and offset of a pc, from /proc/self/maps (read once).
static char mapsbuf[64 << 10];
static uintptr mapslen = 0;

static uint64 parsehex(const char*& p) {
  uint64 v = 0;
  for (;; p++) {
    char c = *p;
    if (c >= '0' && c <= '9') v = v * 16 + uint64(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + uint64(c - 'a' + 10);
    else return v;
  }
}

static void printmodule(uintptr pc) {
  if (mapslen == 0) {
    long fd = sys_openat(AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
    if (fd >= 0) {
      long r;
      while (mapslen < sizeof mapsbuf - 1 &&
             (r = sys_read(int(fd), mapsbuf + mapslen, sizeof mapsbuf - 1 - mapslen)) > 0)
        mapslen += uintptr(r);
      sys_close(int(fd));
    }
    mapsbuf[mapslen] = 0;
  }
  // "start-end perms offset dev inode path"
  for (const char* p = mapsbuf; *p != 0;) {
    const char* line = p;
    uint64 start = parsehex(p);
    p++;
    uint64 end = parsehex(p);
    while (*p != 0 && *p != '\n') p++;
    const char* eol = p;
    if (*p == '\n') p++;
    if (pc < start || pc >= end) continue;
    const char* q = line;
    for (int field = 0; field < 2 && q < eol; q++)  // to the offset field
      if (*q == ' ') field++;
    uint64 off = parsehex(q);
    for (int field = 2; field < 5 && q < eol; q++)  // to the path
      if (*q == ' ') field++;
    while (q < eol && *q == ' ') q++;
    if (q == eol) break;
    printbytes(q, uintptr(eol - q));
    print1("+");
    printhex(pc - start + off);
    return;
  }
  print1("?");
}

static bool inregions(const tbregions& mem, uintptr a) {
  for (int i = 0; i < mem.n; i++)
    if (a >= mem.r[i].addr && a + 8 <= mem.r[i].addr + mem.r[i].len) return true;
  return false;
}

// fallbackframes prints what the helper would have: the text, then the
// frames found from rbp, which the runtime's code and code built with
// frame pointers keep; elsewhere the chain ends early, or at a wrong
// frame that is then the last.
static void fallbackframes(const tb::request& rq, const tbtext& t, const tbregions& mem) {
  printlock();
  if (!helper.told) {
    helper.told = true;
    print1("runtime: frames without names (the traceback helper ");
    print1(helperpath());
    print1(" did not run); each is a module and an offset for addr2line\n");
  }
  printbytes(t.b, t.n);
  if ((rq.flags & (tb::kNoFrames | tb::kNeverRan)) == 0 && (rq.regmask & (1u << tb::kRIP)) != 0) {
    uintptr pc = rq.regs[tb::kRIP], bp = rq.regs[tb::kRBP], sp = rq.regs[tb::kRSP];
    for (int i = 0; i < 100 && pc != 0; i++) {
      print1("?(...)\n\t");
      printmodule(pc);
      print1("\n");
      if (!inregions(mem, bp) || bp < sp) break;
      sp = bp + 16;
      pc = *reinterpret_cast<uintptr*>(bp + 8);
      bp = *reinterpret_cast<uintptr*>(bp);
    }
  } else if ((rq.flags & tb::kNeverRan) != 0) {
    print1("?(...)\n\t");
    printmodule(uintptr(rq.startpc));
    print1("\n");
  }
  if ((rq.flags & tb::kCreatedBy) != 0) {
    print1("created by ?\n\t");
    printmodule(uintptr(rq.gopc));
    print1("\n");
  }
  printunlock();
}

// send prints one goroutine: through the helper, or without it.
static int32 send(tb::request& rq, const tbtext& t, const tbregions& mem) {
  int32 r = helperask(rq, t, mem);
  if (r == -3) {
    fallbackframes(rq, t, mem);
    r = 0;
  }
  return r;
}

// ---- what to send ----

// A request's common part for gp: GOTRACEBACK, and whether gp's runtime
// frames are all shown (Go's showframe: the goroutine that hit a runtime
// throw, or took the signal).
static tb::request newrequest(g* gp) {
  tb::request rq;
  int32 level;
  bool all, crash;
  gotraceback(&level, &all, &crash);
  rq.level = level;
  g* me = getg();
  if (me != nullptr && me->m != nullptr && me->m->throwing >= throwTypeRuntime && gp != nullptr &&
      (gp == me->m->curg || gp == tracebackCaughtsig))
    rq.flags |= tb::kForceAll;
  if (gp != nullptr) {
    rq.stacklo = gp->stack.lo;
    rq.stackhi = gp->stack.hi;
    rq.startpc = gp->startpc;
    rq.gopc = gp->gopc;
    // The main goroutine has no created-by line (Go: printcreatedby).
    if (gp->gopc != 0 && gp->goid != 1) rq.flags |= tb::kCreatedBy;
  }
  return rq;
}

static void setreg(tb::request& rq, int r, uint64 v) {
  rq.regs[r] = v;
  rq.regmask |= 1u << r;
}

// stackof gives the bounds of the known stack holding sp: a goroutine's,
// this M's g0 or signal stack; otherwise 256 KiB above sp, of which the
// unmapped part goes as zeros.
static struct stack stackof(uintptr sp, g* gp) {
  g* me = getg();
  m* mp = me != nullptr ? me->m : nullptr;
  g* cand[] = {gp, me, mp != nullptr ? mp->curg : nullptr, mp != nullptr ? mp->g0 : nullptr,
               mp != nullptr ? mp->gsignal : nullptr};
  for (g* c : cand)
    if (c != nullptr && c->stack.lo != 0 && sp >= c->stack.lo && sp <= c->stack.hi) return c->stack;
  return {sp, sp + (256 << 10)};
}

// traceback prints the frames of gp, which is not running, from its saved
// registers (Go: traceback(^uintptr(0), ^uintptr(0), 0, gp)).
static void traceback0(g* gp, const tbtext& t, uint32 extra) {
  tb::request rq = newrequest(gp);
  rq.flags |= extra;
  tbregions mem;
  if (gp->stack.lo == 0 || gp->sched.pc == reinterpret_cast<uintptr>(runtime_gostart)) {
    rq.flags |= tb::kNeverRan;  // no frames yet, only the function it will start in
  } else {
    rq.flags |= tb::kBounded;
    setreg(rq, tb::kRIP, gp->sched.pc);
    setreg(rq, tb::kRSP, gp->sched.sp);
    setreg(rq, tb::kRBP, gp->sched.bp);
    setreg(rq, tb::kRBX, gp->sched.rbx);
    setreg(rq, tb::kR12, gp->sched.r12);
    setreg(rq, tb::kR13, gp->sched.r13);
    setreg(rq, tb::kR14, gp->sched.r14);
    setreg(rq, tb::kR15, gp->sched.r15);
    if (gp->sched.sp >= gp->stack.lo && gp->sched.sp <= gp->stack.hi) mem.add(gp->sched.sp, gp->stack.hi);
  }
  send(rq, t, mem);
}

void traceback(g* gp) {
  lock(&tracebacklock);
  traceback0(gp, tbtext{}, 0);
  unlock(&tracebacklock);
}

// tracebackfrom prints the frames of the running code, gp's, from the
// context `here` saved by gosave in the reporting function, leaving out the
// frames at or below skipsp, the reporter's own (Go: traceback with
// getcallerpc/getcallersp). skipthrow: begin below the C++ throw that is
// being reported. The report runs on a stack of its own (panic.cpp): the
// context was saved before it moved there, and its frames are intact. The
// code may have run on g0 (through systemstack), whose frames lead back
// onto gp's stack: both are sent.
void tracebackfrom(const gobuf* here_, uintptr skipsp, g* gp, bool skipthrow, bool bounded) {
  lock(&tracebacklock);
  const gobuf& here = *here_;
  tb::request rq = newrequest(gp);
  if (skipthrow) rq.flags |= tb::kSkipThrow;
  if (bounded && gp != nullptr && gp->stack.lo != 0) rq.flags |= tb::kBounded;
  rq.skipsp = skipsp;
  setreg(rq, tb::kRIP, here.pc);
  setreg(rq, tb::kRSP, here.sp);
  setreg(rq, tb::kRBP, here.bp);
  setreg(rq, tb::kRBX, here.rbx);
  setreg(rq, tb::kR12, here.r12);
  setreg(rq, tb::kR13, here.r13);
  setreg(rq, tb::kR14, here.r14);
  setreg(rq, tb::kR15, here.r15);
  tbregions mem;
  struct stack cur = stackof(here.sp, gp);
  mem.add(here.sp, cur.hi);
  if (gp != nullptr && gp->stack.lo != 0 && (here.sp < gp->stack.lo || here.sp > gp->stack.hi)) {
    // On another stack: systemstack left gp's position in gp->sched.
    uintptr sp = gp->sched.sp >= gp->stack.lo + 64 && gp->sched.sp <= gp->stack.hi ? gp->sched.sp - 64 : gp->stack.lo;
    mem.add(sp, gp->stack.hi);
  }
  send(rq, tbtext{}, mem);
  unlock(&tracebacklock);
}

// tracebacktrap prints gp's frames from a signal's context: the first pc
// is the faulting instruction (Go: tracebacktrap).
void tracebacktrap(void* uc, g* gp) {
  lock(&tracebacklock);
  sigctxt c(uc);
  tb::request rq = newrequest(gp);
  rq.flags |= tb::kTrap;
  static const int gregs[tb::kNRegs] = {REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP, REG_RSP, REG_R8,
                                        REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP};
  for (int r = 0; r < tb::kNRegs; r++) setreg(rq, r, uint64(c.regs()[gregs[r]]));
  tbregions mem;
  mem.add(c.sp(), stackof(c.sp(), gp).hi);
  send(rq, tbtext{}, mem);
  unlock(&tracebacklock);
}

// isSystemGoroutine reports whether gp is one of the runtime's own
// goroutines, which dumps leave out below GOTRACEBACK=system (Go:
// isSystemGoroutine): one whose entry is a runtime function other than
// runtime.main. Only the helper knows names; without it, none is.
bool isSystemGoroutine(g* gp) {
  if (gp->startpc == reinterpret_cast<uintptr>(&main)) return false;
  lock(&tracebacklock);
  tb::request rq;
  rq.flags = tb::kSkipSystem | tb::kNoFrames;
  rq.startpc = gp->startpc;
  bool sys = helperask(rq, tbtext{}, tbregions{}) == -1;
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
  lock(&tracebacklock);
  if (curgp != nullptr && curgp != me) {
    tbtext t;
    t.s("\n");
    headertext(t, curgp);
    traceback0(curgp, t, 0);
  }
  auto one = [&](g* gp) {
    if (gp == me || gp == curgp || readgstatus(gp) == _Gdead) return;
    tbtext t;
    t.s("\n");
    headertext(t, gp);
    // Below GOTRACEBACK=system the runtime's own goroutines are left out:
    // the helper, which knows names, prints nothing for them.
    uint32 skip = level < 2 && gp->startpc != reinterpret_cast<uintptr>(&main) ? uint32(tb::kSkipSystem) : 0u;
    if (gp->m != selfm && readgstatus(gp) == _Grunning) {
      t.s("\tgoroutine running on other thread; stack unavailable\n");
      tb::request rq = newrequest(gp);
      rq.flags |= tb::kNoFrames | skip;
      send(rq, t, tbregions{});
    } else {
      traceback0(gp, t, skip);
    }
  };
  // allgs is newest first; print in creation order, as Go does, through an
  // array of the list (mmap'd: no malloc here), or newest first when even
  // that cannot be had.
  uintptr n = 0;
  g* head = __atomic_load_n(&allgs, __ATOMIC_ACQUIRE);
  for (g* gp = head; gp != nullptr; gp = gp->alllink) n++;
  g** v = static_cast<g**>(sysAlloc(n * sizeof(g*) + 1));
  if (v != nullptr) {
    uintptr k = 0;
    for (g* gp = head; gp != nullptr && k < n; gp = gp->alllink) v[k++] = gp;
    for (uintptr i = k; i > 0; i--) one(v[i - 1]);
    sysFree(v, n * sizeof(g*) + 1);
  } else {
    for (g* gp = head; gp != nullptr; gp = gp->alllink) one(gp);
  }
  unlock(&tracebacklock);
}

}  // namespace gort::runtime
