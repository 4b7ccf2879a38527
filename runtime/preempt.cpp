// runtime/preempt.cpp: asynchronous preemption (Go: preempt.go, with the
// preemption half of signal_unix.go: doSigPreempt, and of proc.go's
// gopreempt_m).
//
// A goroutine that computes without reaching a scheduling point is stopped
// from outside, as Go 1.14 does:
//
//   sysmon (retake, proc.cpp)   the P's goroutine has run for forcePreemptNS
//     preemptone                asks it to stop: g->preempt, p->preempt
//     preemptM (signal_unix)    tgkill(SIGURG) to its thread, if the thread
//                               runs (/proc: state R); a sleeping thread is
//                               retake's business and never gets a signal
//   the thread's handler
//     doSigPreempt              the goroutine is at a safe point
//                               (isAsyncSafePoint): inject a call
//   runtime.asyncPreempt        (preempt_amd64.S) saves every register and
//                               the whole XSAVE state, then
//     asyncPreempt2             parks the goroutine: mcall(gopreempt_m)
//   ... other goroutines run on the P ...
//   the scheduler runs it again: asyncPreempt2 returns, asyncPreempt
//   restores everything and returns to the interrupted instruction.
//
// A request that finds no safe point leaves g->preempt set, which the next
// cooperative point honours (preemptcheck: a gort system call returning, the
// end of a gort::no_preempt region), and sysmon tries again soon after, with
// a backoff from 100 us to 1 ms (retake), not a whole slice later: a
// goroutine in a malloc-heavy loop is in libc for 94-97 % of its time.
//
// Difference from Go, safe points: Go's compiler marks them in its own code
// (PCDATA). A C++ program has no such marks, so a safe point is a pc in the
// program's own text (the executable's executable segments, where the
// program and, statically linked, libgort live) outside the runtime's own
// code, which the build puts in a section of its own, gort_rt (the
// Makefile), with no runtime lock held. Never inside libc, libstdc++, ld.so
// or another shared object: a goroutine stopped inside malloc, holding its
// arena lock or halfway through a tcache update, deadlocks or corrupts the
// heap when another goroutine on the same thread calls malloc (measured:
// every run, research/preemption.md A1).
//
// Difference from Go, resumption ("sticky"): Go puts a preempted goroutine
// on the global run queue, from which any M may take it. Here it waits on
// its P's pinned queue and resumes on the same M (pinpreempted, pinnedget),
// after the goroutines that were queued ahead of it, as in Go's order; so a
// goroutine changes thread only at a call, as it did before there was
// preemption (gort(7), "THREADS AND TLS"). C++ code may keep the address of
// a thread-local, of errno or of the exception globals in a register
// across call-free code: with Go's free migration it would then write to
// another thread's copy (measured: tests/progs/preempt_sched.cpp, policy). An M that
// blocks gives up its pins: when its P is handed to another M (handoffp, a
// stop of the world, procresize), the pinned goroutines join the P's run
// queue and may run anywhere (pinnedflush). GODEBUG=asyncpreemptpin=0
// gives Go's behaviour.
#include <signal.h>
#include <sys/ucontext.h>

#include <elf.h>

#include "runtime.hpp"
#include "signal_linux_amd64.hpp"

// The runtime's code: every .text section of libgort.a and of the crt is
// renamed gort_rt when built (the Makefile), and the linker marks the
// output section's bounds with these two symbols.
extern "C" const char __start_gort_rt[] __attribute__((visibility("hidden")));
extern "C" const char __stop_gort_rt[] __attribute__((visibility("hidden")));

namespace gort::runtime {

extern "C" void asyncPreempt() RUNTIME_SYM("asyncPreempt");
extern "C" void asyncPreempt2() RUNTIME_SYM("asyncPreempt2");

// ---- the frame of runtime.asyncPreempt (asm.h) ----

// The saved registers, from the lowest address (AP_R15 below the frame
// pointer) up to the end of the red zone (AP_CFA above it).
struct asyncPreemptFrame {
  uint64 r15, r14, r13, r12, r11, r10, r9, r8, rdi, rsi, rbx, rdx, rcx, rax;
  uint64 rflags;
  uint64 rbp;  // the frame pointer points here
  uint64 pc;
  unsigned char redzone[AP_REDZONE_SIZE];
};
#define AP_AT(f) (int(offsetof(asyncPreemptFrame, f)) - int(offsetof(asyncPreemptFrame, rbp)))
static_assert(AP_AT(rbp) == AP_RBP && AP_AT(pc) == AP_PC && AP_AT(redzone) == AP_REDZONE);
static_assert(AP_AT(rflags) == AP_RFLAGS && AP_AT(rax) == AP_RAX && AP_AT(rcx) == AP_RCX);
static_assert(AP_AT(rdx) == AP_RDX && AP_AT(rbx) == AP_RBX && AP_AT(rsi) == AP_RSI && AP_AT(rdi) == AP_RDI);
static_assert(AP_AT(r8) == AP_R8 && AP_AT(r9) == AP_R9 && AP_AT(r10) == AP_R10 && AP_AT(r11) == AP_R11);
static_assert(AP_AT(r12) == AP_R12 && AP_AT(r13) == AP_R13 && AP_AT(r14) == AP_R14 && AP_AT(r15) == AP_R15);
static_assert(int(sizeof(asyncPreemptFrame)) - int(offsetof(asyncPreemptFrame, rbp)) == AP_CFA);
static_assert(AP_PUSH == AP_CFA - AP_PC);
#undef AP_AT

// ---- what the trampoline saves (preemptinit) ----

// The XSAVE instruction to use, its requested-feature bitmap (XCR0: every
// user state component the kernel enabled) and the bytes to reserve (the
// area's size, rounded up for the 64-byte alignment), read by
// preempt_amd64.S. Difference from Go: Go saves X0-X15 only, enough for
// Go's code; C++ code and glibc's string functions use the upper halves of
// the vector registers, zmm16-31 and the opmask registers (measured here:
// FXSAVE alone corrupted ymm, zmm and k in every run).
enum : uint32 { xsaveModeFX = 0, xsaveModeXSAVE = 1, xsaveModeXSAVEC = 2 };
constinit uint32 xsaveMode RUNTIME_SYM("xsaveMode") = xsaveModeFX;
constinit uint64 xsaveMask RUNTIME_SYM("xsaveMask") = 3;  // x87 | SSE
constinit uint64 xsaveSize RUNTIME_SYM("xsaveSize") = 512 + 64;
extern "C" constinit const uint32 defaultMxcsr RUNTIME_SYM("defaultMxcsr") = DEFAULT_MXCSR;
// The stack the injected call needs below the interrupted sp (Go:
// asyncPreemptStack): the pc and red zone, the saved registers, the XSAVE
// area, and asyncPreempt2's frame up to its mcall, with room to spare.
constinit uintptr asyncPreemptStack = 0;

static void cpuid(uint32 leaf, uint32 sub, uint32 r[4]) {
  asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static void xsaveinit() {
  uint32 r[4];
  cpuid(0, 0, r);
  uint32 maxleaf = r[0];
  cpuid(1, 0, r);
  bool osxsave = (r[2] >> 27) & 1;  // the kernel enabled XSAVE (CR4.OSXSAVE)
  if (!osxsave || maxleaf < 0xd) return;  // FXSAVE: no XSAVE, so no AVX state either
  uint32 lo, hi;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  uint64 xcr0 = uint64(hi) << 32 | lo;
  cpuid(0xd, 0, r);
  uint64 standard = r[1];  // the standard format's size for what XCR0 enables
  cpuid(0xd, 1, r);
  bool xsavec = (r[0] >> 1) & 1;
  // The compacted format's size: the legacy area and header, then each
  // enabled component, some of them 64-byte aligned (CPUID 0xD, i).
  uint64 compacted = 576;
  for (uint32 i = 2; i < 63; i++) {
    if (((xcr0 >> i) & 1) == 0) continue;
    cpuid(0xd, i, r);
    if ((r[2] >> 1) & 1) compacted = (compacted + 63) & ~uint64(63);
    compacted += r[0];
  }
  uint64 size = standard > compacted ? standard : compacted;
  xsaveMask = xcr0;
  xsaveSize = ((size + 63) & ~uint64(63)) + 64;
  xsaveMode = xsavec ? xsaveModeXSAVEC : xsaveModeXSAVE;
}

// ---- the program's text ----

// The executable's executable segments (PF_X PT_LOAD), from its program
// headers (AT_PHDR), and the runtime's section inside them.
static constexpr int kMaxExecText = 4;
constinit static struct {
  uintptr lo, hi;
} exectext[kMaxExecText];
constinit static int32 nexectext = 0;

static void textinit() {
  auto* ph = reinterpret_cast<const Elf64_Phdr*>(execPhdr);
  if (ph == nullptr) return;
  // The load bias: where PT_PHDR says the headers are, against where they
  // are. A dynamically linked executable always has PT_PHDR. A static one
  // (the nolibc flavour's) has none: there the headers follow the ELF
  // header, at the start of the PT_LOAD that maps file offset 0, as GNU ld
  // lays them out; checked (ELF magic, e_phoff), and read only within the
  // headers' own page. Without either, nothing is ever preempted.
  uintptr bias = 0;
  bool found = false;
  for (uintptr i = 0; i < execPhnum; i++)
    if (ph[i].p_type == PT_PHDR) {
      bias = execPhdr - ph[i].p_vaddr;
      found = true;
    }
  if (!found && (execPhdr & 4095) >= sizeof(Elf64_Ehdr)) {
    auto* eh = reinterpret_cast<const Elf64_Ehdr*>(execPhdr - sizeof(Elf64_Ehdr));
    if (rt_memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_phoff == sizeof(Elf64_Ehdr))
      for (uintptr i = 0; i < execPhnum && !found; i++)
        if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) {
          bias = reinterpret_cast<uintptr>(eh) - ph[i].p_vaddr;
          found = true;
        }
  }
  if (!found) return;
  for (uintptr i = 0; i < execPhnum && nexectext < kMaxExecText; i++)
    if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) != 0) {
      exectext[nexectext].lo = bias + ph[i].p_vaddr;
      exectext[nexectext].hi = bias + ph[i].p_vaddr + ph[i].p_memsz;
      nexectext++;
    }
}

// inprogramtext reports whether pc is the program's own code: in the
// executable, outside the runtime.
static inline bool inprogramtext(uintptr pc) {
  if (pc >= reinterpret_cast<uintptr>(__start_gort_rt) && pc < reinterpret_cast<uintptr>(__stop_gort_rt)) return false;
  for (int32 i = 0; i < nexectext; i++)
    if (pc >= exectext[i].lo && pc < exectext[i].hi) return true;
  return false;
}

static inline bool inruntimetext(uintptr pc) {
  return pc >= reinterpret_cast<uintptr>(__start_gort_rt) && pc < reinterpret_cast<uintptr>(__stop_gort_rt);
}

// preemptinit finds what the trampoline must save and where the program's
// code is; the signal is chosen by sigpreemptinit (signal_unix.cpp). From
// schedinit, after GODEBUG is read.
void preemptinit() {
  xsaveinit();
  textinit();
  asyncPreemptStack = AP_PUSH + 16 * 8 + xsaveSize + 1024;
  sigpreemptinit();
}

// ---- counters ----

constinit preemptcounters preemptStats;

const char* const preemptStatNames[preemptStatCount] = {
    "requests",  "signals",   "notrunning_thread", "stale", "handled",      "injected",     "preempted",
    "pinned",    "resumed_at_once", "unpinned", "cooperative", "foreign",    "refused_notuser", "refused_runtime_pc",
    "refused_foreign_pc", "refused_locks", "refused_status", "refused_stack", "refused_sigmask",
    "refused_syscall_insn",
};

// ---- the handler's side (Go: wantAsyncPreempt, isAsyncSafePoint, doSigPreempt) ----

// wantAsyncPreempt reports whether a preemption is asked of gp.
static inline bool wantAsyncPreempt(g* gp) {
  p* pp = gp->m->p;
  return (gp->preempt.load(std::memory_order_relaxed) ||
          (pp != nullptr && pp->preempt.load(std::memory_order_relaxed))) &&
         readgstatus(gp) == _Grunning;
}

// isAsyncSafePoint reports whether gp, interrupted at pc with stack pointer
// sp and signal mask mask, may be stopped there: statInjected if so, else
// the counter of the reason it may not.
static int isAsyncSafePoint(g* gp, uintptr pc, uintptr sp, uint64 mask) {
  m* mp = gp->m;
  // Only user goroutines have safe points, and only on their own stacks
  // (not g0, not the signal stack).
  if (mp->curg != gp) return statRefusedNotuser;
  // The program's own code, not the runtime's, not a shared object's.
  if (!inprogramtext(pc)) return inruntimetext(pc) ? statRefusedRuntimePC : statRefusedForeignPC;
  // Go: canPreemptM, plus our no_preempt depth, and sysmon's handshake
  // with a thread it found asleep (retakeblocked).
  if (mp->locks != 0 || mp->mallocing != 0 || mp->throwing != 0 || mp->dying != 0 || gp->nopreempt != 0 ||
      mp->sysblock.load(std::memory_order_relaxed) != 0)
    return statRefusedLocks;
  p* pp = mp->p;
  if (pp == nullptr || pp->status.load(std::memory_order_relaxed) != _Prunning || readgstatus(gp) != _Grunning)
    return statRefusedStatus;
  // Room for the injected frame above stackguard0 (which is kept for
  // exactly this: no C++ prologue reads it).
  if (sp > gp->stack.hi || sp < gp->stackguard0 || sp - gp->stackguard0 < asyncPreemptStack)
    return statRefusedStack;
  // A mask other than the one the program runs with: the code is a signal
  // handler (the kernel blocks its signal while it runs), which may have
  // interrupted libc.
  if (mask != mp->sigmask.load(std::memory_order_relaxed)) return statRefusedSigmask;
  // At a syscall instruction: the kernel may have rewound an interrupted
  // system call to restart it, with state kept in the thread
  // (restart_syscall), which must run on this thread, now.
  if (*reinterpret_cast<const unsigned char*>(pc) == 0x0f && *reinterpret_cast<const unsigned char*>(pc + 1) == 0x05)
    return statRefusedSyscallInsn;
  return statInjected;
}

// doSigPreempt handles our preemption signal on gp's thread (Go:
// doSigPreempt): if gp is to be preempted and is at a safe point, it makes
// gp call asyncPreempt from the interrupted instruction (Go: pushCall, with
// the red zone skipped: C++ leaf code keeps data below its rsp, which
// Go's does not). Async-signal-safe: it reads the context and plain fields,
// writes one word to gp's stack and two registers of the context.
void doSigPreempt(g* gp, void* ctx) {
  m* mp = gp->m;
  sigctxt c(ctx);
  if (wantAsyncPreempt(gp)) {
    auto* uc = static_cast<ucontext_t*>(ctx);
    uint64 mask;
    rt_memmove(&mask, &uc->uc_sigmask, sizeof mask);
    int why = isAsyncSafePoint(gp, c.pc(), c.sp(), mask);
    if (why == statInjected) {
      uintptr sp = c.sp() - AP_PUSH;
      *reinterpret_cast<uintptr*>(sp) = c.pc();
      c.regs()[REG_RSP] = greg_t(sp);
      c.regs()[REG_RIP] = greg_t(reinterpret_cast<uintptr>(asyncPreempt));
    }
    preemptStats.add(why);
  }
  // Acknowledge the request.
  mp->preemptGen.fetch_add(1, std::memory_order_relaxed);
  mp->signalPending.store(0, std::memory_order_release);
}

// asyncPreempt2 is called by asyncPreempt on the goroutine's stack, with
// everything of the interrupted code saved; it returns when the goroutine
// is run again (Go: asyncPreempt2).
void asyncPreempt2() {
  releasem(acquirem());  // checksysblock, as every entry into the runtime does
  preemptStats.add(statPreempted);
  mcall(gopreempt_m);
}

// ---- where a preempted goroutine resumes (the pinned queue) ----

// runqueued reports whether pp has goroutines queued locally. Owner.
static bool runqueued(p* pp) {
  return pp->runqtail.load(std::memory_order_relaxed) != pp->runqhead.load(std::memory_order_relaxed) ||
         pp->runnext.load(std::memory_order_relaxed) != nullptr;
}

// newslicestamp records, for sysmon, that the next goroutine executed on
// pp begins its slice now (p::slicetick). Owner of pp, before execute(gp,
// false), which advances schedtick.
static void newslicestamp(p* pp) {
  pp->slicewhen.store(nanotime(), std::memory_order_relaxed);
  pp->slicetick.store(pp->schedtick.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

// pinpreempted is gopreempt_m's sticky path, on g0: gp, just stopped by
// asynchronous preemption, waits on its P's pinned queue to resume on this
// M; or, when nothing else waits, goes on at once with a new slice. Never
// returns, unless it leaves gp to Go's path: a goroutine locked to its
// thread (already pinned, by lock_os_thread's rules), or
// GODEBUG=asyncpreemptpin=0.
//
// The pinned queue keeps Go's order. Go puts a preempted goroutine at the
// global queue's tail, which findRunnable serves after the local queue (and
// before it every 61st round): so does findRunnable with the pinned queue,
// after the global queue's goroutines that were there before (pinahead,
// counted down by pinnedpass as this M takes them). Running it sooner
// would cut short the slice of a pair of goroutines that hand the P to
// each other through runnext (Go's TestPingPongHog).
void pinpreempted(g* gp) {
  m* mp = getg()->m;
  if (debug.asyncpreemptpin == 0 || gp->lockedm != nullptr || mp->lockedg != nullptr) return;
  p* pp = mp->p;
  casgstatus(gp, _Grunning, _Grunnable);
  dropg();
  // Timers due on pp may ready goroutines that were waiting for this very
  // preemption (a sleeper at GOMAXPROCS=1): they count as queued ahead.
  if (pp->timer0When.load(std::memory_order_relaxed) != 0 ||
      pp->timerModifiedEarliest.load(std::memory_order_relaxed) != 0)
    checkTimers(pp, 0);
  int32 ahead = sched.runqsize.load(std::memory_order_relaxed);
  if (ahead == 0 && !runqueued(pp) && pp->npinned.load(std::memory_order_relaxed) == 0 &&
      sched.gcwaiting.load() == 0) {
    // Nothing to give the P to: Go would take gp straight back from the
    // global queue.
    preemptStats.add(statResumedAtOnce);
    pp->preempt.store(false, std::memory_order_relaxed);
    newslicestamp(pp);
    execute(gp, false);  // Never returns.
  }
  preemptStats.add(statPinned);
  __atomic_store_n(&gp->pinnedm, mp, __ATOMIC_RELAXED);  // schedtrace reads it
  gp->pinahead = ahead;
  pp->pinned.pushBack(gp);
  pp->npinned.store(pp->npinned.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  schedule();
}

// pinnedget takes the first pinned goroutine of pp when its turn has come,
// the global queue's goroutines ahead of it taken (or, with any, whenever
// it is there: findRunnable found nothing else), for the current M to
// execute; null otherwise. Owner of pp, on g0. A goroutine pinned to
// another M (pp changed hands without pinnedflush, which should not
// happen) is simply run here.
g* pinnedget(p* pp, bool any) {
  g* gp = pp->pinned.head;
  if (gp == nullptr) return nullptr;
  if (!any && (gp->pinahead > 0 && gp->pinnedm == getg()->m)) return nullptr;
  if (sched.gcwaiting.load() != 0) return nullptr;  // findRunnable stops the M first
  pp->pinned.pop();
  pp->npinned.store(pp->npinned.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  __atomic_store_n(&gp->pinnedm, nullptr, __ATOMIC_RELAXED);
  gp->schedlink = nullptr;
  newslicestamp(pp);
  return gp;
}

// pinnedpass counts, for the goroutines pinned on pp, n more taken from the
// global queue ahead of them. Owner of pp.
void pinnedpass(p* pp, int32 n) {
  for (g* gp = pp->pinned.head; gp != nullptr; gp = gp->schedlink) gp->pinahead -= n;
}

// pinnedflush unpins pp's goroutines: pp is leaving the M they were pinned
// to (that M blocks, or stops, or pp goes away), so they join pp's run
// queue, or, with toglobal (the caller holds sched.lock), the global one,
// and may run on any M from now on. The caller owns pp, or holds it with no
// M attached.
void pinnedflush(p* pp, bool toglobal) {
  while (g* gp = pp->pinned.pop()) {
    preemptStats.add(statUnpinned);
    pp->npinned.store(pp->npinned.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    __atomic_store_n(&gp->pinnedm, nullptr, __ATOMIC_RELAXED);
    if (toglobal)
      globrunqput(gp);
    else
      runqput(pp, gp, false);
  }
}

// ---- cooperative points ----

// preemptPark is preemptcheck's slow path: the goroutine was asked to stop
// and is at a cooperative point; it yields, as Go's goroutines do at a
// function's stack check (Go: newstack's gopreempt_m).
void preemptPark() {
  preemptStats.add(statCooperative);
  Gosched();
}

// ---- gort::no_preempt ----

void nopreemptenter() {
  g* gp = getg();
  if (gp == nullptr || gp != gp->m->curg) return;
  __atomic_store_n(&gp->nopreempt, gp->nopreempt + 1, __ATOMIC_RELAXED);  // preemptM reads it
}

void nopreemptexit() {
  g* gp = getg();
  if (gp == nullptr || gp != gp->m->curg) return;
  int32 n = gp->nopreempt - 1;
  __atomic_store_n(&gp->nopreempt, n, __ATOMIC_RELAXED);
  if (n < 0) throw_("gort::no_preempt: unbalanced");
  if (n == 0) preemptcheck();
}

// ---- for tests and benchmarks (Go: export_test.go) ----

// PreemptOthers asks every goroutine running on another M to stop now, as
// sysmon does when a slice is over; it returns how many it asked.
int32 PreemptOthers() {
  int32 n = 0;
  int32 np = __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE);
  p** ps = __atomic_load_n(&allp, __ATOMIC_ACQUIRE);
  for (int32 i = 0; i < np; i++) {
    p* pp = __atomic_load_n(&ps[i], __ATOMIC_ACQUIRE);
    if (pp != nullptr && pp->status.load(std::memory_order_relaxed) == _Prunning && preemptone(pp)) n++;
  }
  return n;
}

}  // namespace gort::runtime
