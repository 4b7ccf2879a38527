// runtime/runtime.hpp: declarations shared by the runtime's files.
//
// Functions that Go has keep Go's name here, and the ones a reader meets in a
// traceback or in gdb also keep Go's *symbol*: `runtime.schedule`,
// `runtime.mstart`, ... (an asm label), so a backtrace of a gort program reads
// like one of a Go program.
//
// Stack rules (Go's HACKING.md): "g0" below means the M's scheduling stack.
// Functions reached through mcall run on g0 and never return.
#pragma once

#include "runtime2.hpp"
#include "syscall_linux_amd64.hpp"

#define RUNTIME_SYM(name) asm("runtime." name)

struct sigaction;  // <signal.h>, for the libc hooks' sigpreemptaction

namespace gort::runtime {

// The current goroutine, one slot per thread (an initial-exec TLS variable of
// the executable; the hosted flavour shares %fs with glibc).
extern __thread g* tlsg RUNTIME_SYM("tlsg") __attribute__((tls_model("initial-exec")));

}  // namespace gort::runtime

// getg, gostartcall, savefpcontrol (arch/$(ARCH)/).
#include "sys_x86.hpp"

namespace gort::runtime {

// ---- assembly (arch/amd64/asm_amd64.S) ----
[[noreturn]] void gogo(gobuf* buf) RUNTIME_SYM("gogo");
// gosave returns a second time when gogo resumes buf, like setjmp.
__attribute__((returns_twice)) uintptr gosave(gobuf* buf) RUNTIME_SYM("gosave");
void mcall_asm(void (*fn)(g*)) RUNTIME_SYM("mcall");
void systemstack_asm(void (*fn)(void*), void* arg) RUNTIME_SYM("systemstack");

}  // namespace gort::runtime

#include "sanitizer.hpp"

namespace gort::runtime {

// mcall switches to g0 and calls fn(g) there (asm); systemstack runs
// fn(arg) on g0 and returns. With a sanitizer they tell it about the
// switches (sanitizer.cpp); otherwise they are the bare assembly.
void mcallsan(void (*fn)(g*));
void systemstacksan(void (*fn)(void*), void* arg);
inline void mcall(void (*fn)(g*)) {
  if constexpr (sanfibers)
    mcallsan(fn);
  else
    mcall_asm(fn);
}
inline void systemstack(void (*fn)(void*), void* arg) {
  if constexpr (sanfibers)
    systemstacksan(fn, arg);
  else
    systemstack_asm(fn, arg);
}

// systemstack for any callable (runs it on g0 and returns).
template <class F>
inline void systemstack(F&& f) {
  systemstack([](void* a) { (*static_cast<F*>(a))(); }, &f);
}

// ---- globals ----
extern g g0 RUNTIME_SYM("g0");
extern m m0 RUNTIME_SYM("m0");
extern schedt sched RUNTIME_SYM("sched");
extern p** allp RUNTIME_SYM("allp");
extern int32 gomaxprocs RUNTIME_SYM("gomaxprocs");
extern int32 ncpu RUNTIME_SYM("ncpu");
extern uintptr physPageSize;
extern std::atomic<bool> mainStarted;
extern m* allm;
extern mutex allglock;
extern g* allgs;  // linked through g::alllink (allglock)
extern std::atomic<uintptr> allglen;

// Runtime knobs from GODEBUG (runtime1.cpp).
struct dbgvar_set {
  int32 schedtrace = 0;
  int32 scheddetail = 0;
  int32 asyncpreemptoff = 0;
  int32 boottrace = 0;
  int32 guardmprotect = 0;  // stack guards with mprotect even where MADV_GUARD_INSTALL works
  int32 syscallhook = 1;    // 0: the libc hooks make plain calls (syscall_linux.cpp)
  int32 retakeblocked = 1;  // 0: sysmon leaves Ms blocked in unhooked calls alone
  int32 asyncpreemptpin = 1;  // 0: a preempted goroutine may resume on any M, as in Go (preempt.cpp)
};
extern dbgvar_set debug;

// ---- os_linux.cpp ----
// A new M's g0 stack (the runtime's scheduling stack for that thread), and
// the guard below it. Committed lazily by the kernel.
inline constexpr uintptr kM0StackSize = 256 << 10;
inline constexpr uintptr kM0GuardSize = 64 << 10;
// newosproc starts the thread of mp, which begins in the flavour's thread
// entry and calls mstart_newthread (Go: newosproc); minit initialises the
// new M on its own thread (Go: minit).
void newosproc(m* mp) RUNTIME_SYM("newosproc");
// sysmon's reads of another M's thread (os_linux.cpp).
int32 threadstate(m* mp);
bool threadsyscallsp(m* mp, uintptr* sp, uintptr* pc);
void mstart_newthread(m* mp, uintptr sp) RUNTIME_SYM("mstart_newthread");
void minit() RUNTIME_SYM("minit");
extern "C" void args(int argc, char** argv, void (*rtld_fini)()) RUNTIME_SYM("args");
extern "C" void osinit() RUNTIME_SYM("osinit");
int64 nanotime();
long clockgettime(int clk, void* ts);  // 0 or -errno; ts: a struct timespec
int32 getproccount();
int64 gettid();
void futexsleep(std::atomic<uint32>* addr, uint32 val, int64 ns);
void futexwakeup(std::atomic<uint32>* addr, uint32 cnt);
void osyield();
void usleep(uint32 usec);
extern uint64 initSigmask;
void sigsave(uint64* mask);
void sigprocmask_set(uint64 mask, uint64* old);
[[noreturn]] void exit_group(int code);
uintptr stack_rlimit();
// The top of the process's initial stack mapping (from AT_EXECFN), or 0.
extern uintptr initStackTop;
extern int argc_;
extern char** argv_;
extern char** envp_;
extern void (*rtld_fini_)();
extern uint64 startupRandom;
extern uint64 hwcap;
extern uintptr vdsoBase;
// The executable's program headers (AT_PHDR, AT_PHNUM), for preemptinit.
extern uintptr execPhdr, execPhnum;

// ---- runtime1.cpp ----
const char* gogetenv(const char* name);
// badenv reports a variable the runtime cannot use ("gort: NAME=... is not
// valid: want ...") and exits 2; envsize reads a byte count with an
// optional k/m/g suffix, in [min, max], def when unset.
[[noreturn]] void badenv(const char* name, const char* value, const char* want);
uintptr envsize(const char* name, uintptr def, uintptr min, uintptr max);
bool atoi64(const char* s, int64* out);
void parsedebugvars();
// GOTRACEBACK: setTraceback parses none/single/all/system/crash or a number;
// gotraceback gives the current level (0 none, 1 user frames, 2 runtime
// frames too), whether to print all goroutines, and whether to crash
// (core dump) afterwards. A throw on this M raises the level to 2.
void setTraceback(const char* level);
void gotraceback(int32* level, bool* all, bool* crash);
// m::throwing values (Go: throwType).
enum : int32 { throwTypeNone = 0, throwTypeUser = 1, throwTypeRuntime = 2 };
enum class bootstep : int {
  rt0_go, args, osinit, schedinit, newproc, mstart, runtime_main, init, main, exit, count_
};
void boottrace(bootstep step, const char* detail = nullptr, int64 n = -1);

// ---- print.cpp: unbuffered-by-line output to fd 2, no libc ----
void printlock();
void printunlock();
void printstring(const char* s);
void printbytes(const char* s, uintptr n);
void printint(int64 v);
void printuint(uint64 v);
void printhex(uint64 v);
void printpointer(const void* v);
void printnl();
// printflush writes out what print has buffered, whoever holds printlock
// (a report that failed halfway, before it exits).
void printflush();
struct hex {
  uint64 v;
};
inline void print1(const char* s) { printstring(s); }
inline void print1(char* s) { printstring(s); }
inline void print1(bool b) { printstring(b ? "true" : "false"); }
inline void print1(hex h) { printhex(h.v); }
inline void print1(const void* v) { printpointer(v); }
template <class T>
inline void print1(T v) {
  if constexpr (static_cast<T>(-1) < static_cast<T>(0))
    printint(static_cast<int64>(v));
  else
    printuint(static_cast<uint64>(v));
}
// print(a, b, ...) writes its arguments to stderr as one unit (Go's print).
template <class... A>
void print(A... a) {
  printlock();
  (print1(a), ...);
  printunlock();
}

// ---- panic.cpp ----
// throw_ reports a runtime invariant violation: "fatal error: <s>", the
// goroutines, exit 2. (Go's throw; `throw` is a C++ keyword.)
[[noreturn]] void throw_(const char* s) RUNTIME_SYM("throw");
// fatal reports an unrecoverable user error the same way (Go 1.21's fatal).
[[noreturn]] void fatal(const char* s) RUNTIME_SYM("fatal");
// panicstring is a panic with a string value that nothing recovers: "panic:
// <s>", the goroutine, exit 2 (Go: gopanic of an unrecovered error; the full
// report: fatalpanic).
[[noreturn]] void panicstring(const char* s) RUNTIME_SYM("gopanic");
// panicplain is Go's panic(plainError(s)) for the runtime errors a program
// may recover from (channel misuse): it throws gort::panic_error(s) from
// the goroutine's stack, so a catch recovers it and, uncaught, it is
// reported like any panic. The caller must hold no runtime lock and must
// be on a goroutine's stack (never g0). (api.cpp)
[[noreturn]] void panicplain(const char* s);
extern std::atomic<uint32> panicking;
extern std::atomic<uint32> runningPanicDefers;
// crashhook(sig) ends the process by sig after a report under
// GOTRACEBACK=crash (set by initsig).
extern void (*crashhook)(int sig);
// reportinit reserves, at start-up, what a fatal report needs: its stack.
void reportinit();
// startpanic_m, then dopanic: the two halves of a fatal report (Go's
// startpanic_m and dopanic_m), for the signal handler too. dopanic prints,
// on the report stack, printpanics(arg) when given, then gp's frames from
// the context `here` saved by gosave (those at or below skipsp left out)
// or from the signal's ucontext sigctx, then the other goroutines as
// GOTRACEBACK says; then this M's part in the report ends (dopanic_end).
// It reports whether to crash.
bool startpanic_m();
bool dopanic(g* gp, const gobuf* here, uintptr skipsp, bool skipthrow, void* sigctx,
             void (*printpanics)(void*) = nullptr, void* arg = nullptr);
void dopanic_end();
// onreportstack runs fn(arg) on the fatal reports' stack (the caller
// holds the report: startpanic_m said yes).
void onreportstack(void (*fn)(void*), void* arg);
// callonstack (asm) runs fn(arg) with the stack pointer at sp.
void callonstack(void (*fn)(void*), void* arg, uintptr sp) RUNTIME_SYM("callonstack");

// ---- signal_unix.cpp ----
void initsig();             // install the handlers (m0, at start)
void minitSignalMask();     // give this M's thread the mask m->sigmask (minit)
uint64 newmSigmask(bool forSysmon);  // the mask for an M that the caller creates (newm)
void minitSignalStack();    // give this M its signal stack (minit)
void unminitSignals();      // take it away (an M whose thread ends)
// The asynchronous preemption signal (SIGURG unless GORT_PREEMPTSIG says
// otherwise; 0 when preemption is off), chosen by sigpreemptinit.
extern int32 sigPreempt;
void sigpreemptinit();
// preemptM sends the preemption signal to mp's thread if that thread runs
// and no signal is pending yet (Go: preemptM).
void preemptM(m* mp);
// For the libc hooks (boot/hooks_hosted.cpp): a program's sigaction or
// signal for the preemption signal is kept for the foreign signals
// (sigpreemptaction returns true when it took the call), and a program that
// changes its signal mask tells the runtime (sigmaskchanged).
bool sigpreemptaction(int sig, const struct ::sigaction* act, struct ::sigaction* old);
void sigmaskchanged();
extern "C" [[noreturn]] void runtime_abort() RUNTIME_SYM("abort");

// fatalpanic ends the program after a panic that nothing recovered:
// printpanics(arg) prints the "panic: ..." line, then come the goroutine's
// frames from the caller of the function whose frame is sp (skipping the
// C++ throw machinery when skipthrow), the others as GOTRACEBACK says, exit
// 2 (Go: fatalpanic).
[[noreturn]] void fatalpanic(uintptr sp, bool skipthrow, void (*printpanics)(void*), void* arg)
    RUNTIME_SYM("fatalpanic");

// ---- traceback.cpp (Go: traceback.go); hosted-only, uses libunwind/libdw ----
void goroutineheader(g* gp);
// traceback prints the frames of gp, which is not running, from gp->sched.
void traceback(g* gp);
// tracebackfrom prints the frames of the running code, gp's, from a
// context saved by gosave, leaving out those at or below skipsp; bounded:
// stop at the end of gp's stack.
void tracebackfrom(const gobuf* here, uintptr skipsp, g* gp, bool skipthrow, bool bounded);
// tracebacktrap prints gp's frames from a signal's ucontext.
void tracebacktrap(void* uc, g* gp);
void tracebackothers(g* me);
bool isSystemGoroutine(g* gp);
extern g* tracebackCaughtsig;
// freezetheworld (proc.cpp) stops the other Ms at their next scheduling
// point while a fatal report is printed.
void freezetheworld();

// ---- string.cpp: no libc in the runtime core ----
uintptr rt_strlen(const char* s);
int rt_memcmp(const void* a, const void* b, uintptr n);
void rt_memmove(void* dst, const void* src, uintptr n);
void rt_memclr(void* p, uintptr n);
int rt_popcount64(uint64 x);

// ---- lock_futex.cpp ----
// Runtime locks (Go: lock_futex.go), with the fast paths inline: taking a
// free lock is one exchange, releasing one nobody sleeps on is a store and
// a load (see lock_futex.cpp for why that is enough, and when it is not).
extern bool lockStoreRelease RUNTIME_SYM("lockStoreRelease");
void lockinit();
// An asymmetric store-load fence, the pattern unlock and lockSlow use:
// the rare side calls procfence, a full barrier on every CPU that runs one
// of our threads (membarrier); the frequent side then needs only
// lightfence, a compiler barrier. Where membarrier is missing,
// lightfence is a full fence and procfence one too.
void procfence();
inline void lightfence() {
  if (__builtin_expect(lockStoreRelease, 1))
    asm volatile("" ::: "memory");
  else
    std::atomic_thread_fence(std::memory_order_seq_cst);
}
void lockSlow(mutex* l);
void unlockWake(mutex* l);
[[noreturn]] void lockCountBad(const char* what);

// Debug builds (make DEBUG=1) record which locks each M holds, and
// assertLockHeld checks a function's "the caller holds l" (Go:
// assertLockHeld). In other builds both cost nothing.
#ifndef GORT_DEBUG
#define GORT_DEBUG 0
#endif
void lockHeldPush(m* mp, mutex* l);
void lockHeldPop(m* mp, mutex* l);
void assertLockHeldSlow(mutex* l);
inline void assertLockHeld([[maybe_unused]] mutex* l) {
  if constexpr (GORT_DEBUG) assertLockHeldSlow(l);
}

// (Every g that runs has an M: only a thread gort does not manage, or the
// boot before rt0 binds g0 and m0, has no g.)
// sysblockReturn (proc.cpp): the M is back from a block in the kernel
// during which sysmon may have taken its P (retakeblocked). Every entry
// into the runtime from a goroutine that may use the P checks for it, right
// after raising m->locks: lock, acquirem, and the mcall wrappers.
void sysblockReturn(m* mp);
inline void checksysblock(m* mp) {
  if (__builtin_expect(mp->sysblock.load(std::memory_order_relaxed) != 0, 0)) sysblockReturn(mp);
}

inline void lock(mutex* l) {
  g* gp = getg();
  if (gp != nullptr) {
    if (__builtin_expect(gp->m->locks < 0, 0)) lockCountBad("runtime.lock: lock count");
    mlocksadd(gp->m, 1);
    checksysblock(gp->m);
  }
  if (__builtin_expect(l->key.exchange(1, std::memory_order_acquire) != 0, 0)) lockSlow(l);
  if constexpr (GORT_DEBUG)
    if (gp != nullptr) lockHeldPush(gp->m, l);
}

inline void unlock(mutex* l) {
  if (__builtin_expect(l->key.load(std::memory_order_relaxed) == 0, 0)) lockCountBad("unlock of unlocked lock");
  if (__builtin_expect(lockStoreRelease, 1)) {
    l->key.store(0, std::memory_order_release);
    // Keep the compiler from reading nsleep before the store; the CPU may
    // still do so, and lockSlow's membarrier covers exactly that.
    asm volatile("" ::: "memory");
  } else {
    l->key.exchange(0, std::memory_order_seq_cst);
  }
  if (__builtin_expect(l->nsleep.load(std::memory_order_relaxed) != 0, 0)) unlockWake(l);
  if (g* gp = getg(); gp != nullptr) {
    if constexpr (GORT_DEBUG) lockHeldPop(gp->m, l);
    mlocksadd(gp->m, -1);
    if (__builtin_expect(gp->m->locks < 0, 0)) lockCountBad("runtime.unlock: lock count");
  }
}
void noteclear(note* n);
void notewakeup(note* n);
void notesleep(note* n);
bool notetsleep(note* n, int64 ns);

// ---- malloc.cpp ----
void* persistentalloc(uintptr size, uintptr align);
void* sysAlloc(uintptr n);  // mmap'd, zeroed; null on failure
void sysFree(void* v, uintptr n);

// ---- stack.cpp ----
extern uintptr startingStackSize;  // default goroutine stack size
extern uintptr mainStackSize;      // the main goroutine's stack size
// The main goroutine's stack when it is on the process's initial stack,
// below g0's (mainstackinit says when); {0, 0} when it is mapped.
extern struct stack mainstack;
void mainstackinit();
extern uintptr stackGuardSize;     // guard region below each stack
void stackinit();
struct stack stackalloc(p* pp, uintptr n);
void stackfree(p* pp, struct stack stk);
void stackcache_clear(p* pp);
void sysGuard(void* v, uintptr n);
void unguard(void* v);  // before unmapping a mapping that sysGuard guarded
uintptr stackscavenge(uintptr keep);
uintptr stackscavengeidle();

// ---- proc.cpp ----
extern "C" void schedinit() RUNTIME_SYM("schedinit");
extern "C" [[noreturn]] void mstart() RUNTIME_SYM("mstart");
void mstart0() RUNTIME_SYM("mstart0");
int32 mcount();
// Set by GOMAXPROCS, applied by the next startTheWorld (Go: newprocs).
extern int32 newprocs;
void stopTheWorld() RUNTIME_SYM("stopTheWorld");
void startTheWorld() RUNTIME_SYM("startTheWorld");
void main(void*) RUNTIME_SYM("main");
g* newproc(void (*fn)(void*), void* arg) RUNTIME_SYM("newproc");
g* newproc1(void (*fn)(void*), void* arg, g* callergp, uintptr callerpc, bool start);
void newproc_start(g* newg);
g* malg();
void allgadd(g* gp);
uint32 readgstatus(g* gp);
// casgstatus moves gp from oldval to newval; anything else is a bug
// (casgstatusFail reports it). Inline: it is on every switch.
[[noreturn]] void casgstatusFail(g* gp, uint32 oldval, uint32 newval, uint32 cur);
inline void casgstatus(g* gp, uint32 oldval, uint32 newval) {
  uint32 cur = gp->atomicstatus.load(std::memory_order_acquire);
  if (__builtin_expect(cur != oldval || oldval == newval, 0)) casgstatusFail(gp, oldval, newval, cur);
  gp->atomicstatus.store(newval, std::memory_order_release);
}
[[noreturn]] void schedule() RUNTIME_SYM("schedule");
[[noreturn]] void execute(g* gp, bool inheritTime) RUNTIME_SYM("execute");
g* findRunnable(bool* inheritTime, bool* tryWakeP) RUNTIME_SYM("findRunnable");
void newm(void (*fn)(), p* pp, int64 id) RUNTIME_SYM("newm");
void newm1(m* mp) RUNTIME_SYM("newm1");
void startm(p* pp, bool spinning) RUNTIME_SYM("startm");
void handoffp(p* pp) RUNTIME_SYM("handoffp");
void wakep() RUNTIME_SYM("wakep");
void stopm() RUNTIME_SYM("stopm");
void mPark() RUNTIME_SYM("mPark");
void gcstopm() RUNTIME_SYM("gcstopm");
void incidlelocked(int32 v);
void checkdead() RUNTIME_SYM("checkdead");
void startsysmon();
void schedtrace(bool detailed) RUNTIME_SYM("schedtrace");
// Locking a goroutine to its thread: the user's (LockOSThread) and the
// runtime's own (lockOSThread) counts.
void LockOSThread() RUNTIME_SYM("LockOSThread");
void UnlockOSThread() RUNTIME_SYM("UnlockOSThread");
void lockOSThread() RUNTIME_SYM("lockOSThread");
void unlockOSThread() RUNTIME_SYM("unlockOSThread");
int32 GOMAXPROCS(int32 n) RUNTIME_SYM("GOMAXPROCS");
int32 setMaxThreads(int32 in) RUNTIME_SYM("setMaxThreads");
extern "C" [[noreturn]] void goexit1() RUNTIME_SYM("goexit1");
// The system-call protocol (proc.cpp says how it works).
void reentersyscall(uintptr pc, uintptr sp, uintptr bp) RUNTIME_SYM("reentersyscall");
[[gnu::noinline]] void entersyscall() RUNTIME_SYM("entersyscall");
[[gnu::noinline]] void entersyscallblock() RUNTIME_SYM("entersyscallblock");
void reentersyscallblock(uintptr pc, uintptr sp, uintptr bp) RUNTIME_SYM("reentersyscallblock");
void exitsyscall() RUNTIME_SYM("exitsyscall");
// sched.stopwait while freezetheworld runs (Go: freezeStopWait).
inline constexpr int32 kFreezeStopWait = 0x7fffffff;
void Gosched() RUNTIME_SYM("Gosched");
void dropg();
p* procresize(int32 nprocs) RUNTIME_SYM("procresize");
void acquirep(p* pp);
void wirep(p* pp);
p* releasep();
void pidleput(p* pp);
p* pidleget();
int32 gcount();
// acquirem pins the running goroutine to its M (no preemption, no
// switch of M) until releasem (Go: acquirem / releasem). Inline: they
// bracket every run-queue and sudog-cache operation.
inline m* acquirem() {
  g* gp = getg();
  mlocksadd(gp->m, 1);
  checksysblock(gp->m);
  return gp->m;
}
inline void releasem(m* mp) {
  mlocksadd(mp, -1);
  // Difference from Go: Go re-arms a pending preemption request here
  // (m->locks == 0 and curg->preempt: stackguard0 = stackPreempt, checked
  // at the next call). C++ calls check nothing; the request stays in
  // g->preempt, for the next cooperative point (preemptcheck) and sysmon's
  // next try.
}
// cansyscall reports whether the caller is a goroutine that holds its P
// and runs user code: only then may it enter a system call through the
// scheduler. Not on g0, not on a thread gort does not manage, not inside
// a system call already, not while the runtime holds a lock on this M (a
// traceback reading debug information through the hooked libc calls),
// not in a forked child (fork.cpp: its one thread blocks, as in C).
extern bool forkedchild;
inline bool cansyscall() {
  g* gp = getg();
  if (gp == nullptr || gp != gp->m->curg || gp->m->locks != 0 || forkedchild) return false;
  releasem(acquirem());  // checksysblock: come back from a block sysmon saw
  return readgstatus(gp) == _Grunning;
}
// hookable: cansyscall for the libc hooks, which GODEBUG=syscallhook=0
// turns into plain calls (syscall_linux.cpp, boot/hooks_hosted.cpp).
inline bool hookable() { return debug.syscallhook != 0 && cansyscall(); }
uint32 fastrand();

// ---- preempt.cpp: asynchronous preemption ----
extern uintptr asyncPreemptStack;
void preemptinit();
// doSigPreempt: the preemption signal's handler, on gp's thread.
void doSigPreempt(g* gp, void* ctx);
// gopreempt_m (proc.cpp) is where an asynchronous preemption parks the
// goroutine, on g0; pinpreempted (preempt.cpp) is its sticky path, which
// returns only to leave gp to Go's (goschedImpl).
void gopreempt_m(g* gp) RUNTIME_SYM("gopreempt_m");
void pinpreempted(g* gp);
// The pinned queue of a P (runtime2.hpp, p::pinned): pinnedget takes the
// next goroutine whose turn has come (any: whichever is first), pinnedpass
// counts n goroutines taken from the global queue ahead of them,
// pinnedflush unpins them all.
g* pinnedget(p* pp, bool any);
void pinnedpass(p* pp, int32 n);
void pinnedflush(p* pp, bool toglobal);
// preemptone asks the goroutine running on pp to stop (proc.cpp; Go:
// preemptone).
bool preemptone(p* pp);
// preemptcheck is a cooperative point: a goroutine asked to stop (by a
// preemption request that found no safe point) yields here. Called where a
// goroutine comes back from the runtime to its own code: a gort system call
// returning, the end of a gort::no_preempt region.
void preemptPark();
inline void preemptcheck() {
  g* gp = getg();
  if (__builtin_expect(gp != nullptr && gp->preempt.load(std::memory_order_relaxed), 0) && gp == gp->m->curg &&
      gp->m->locks == 0 && gp->nopreempt == 0 && readgstatus(gp) == _Grunning)
    preemptPark();
}
// gort::no_preempt's two halves (api.cpp calls them).
void nopreemptenter();
void nopreemptexit();
// Counters of what preemption did, for tests and benchmarks (relaxed
// atomics: read them when the program is quiet).
enum : int {
  statRequests,          // preemptM calls
  statSignals,           // signals sent
  statNotRunningThread,  // not sent: the thread sleeps in the kernel (retake's business)
  statStale,             // not sent: the goroutine stopped while its thread's state was read
  statHandled,           // our signal, handled (doSigPreempt)
  statInjected,          // ... at a safe point: asyncPreempt injected
  statPreempted,         // goroutines parked by asyncPreempt2
  statPinned,            // ... put on their P's pinned queue
  statResumedAtOnce,     // ... resumed at once: nothing else to run
  statUnpinned,          // pinned goroutines let go because their M left the P
  statCooperative,       // requests honoured at a cooperative point
  statForeign,           // signals that were not ours, forwarded
  statRefusedNotuser,    // refused: g0, the signal stack, no goroutine
  statRefusedRuntimePC,  // refused: pc in the runtime
  statRefusedForeignPC,  // refused: pc in a shared object, the vDSO, ...
  statRefusedLocks,      // refused: runtime locks, no_preempt, sysmon's handshake
  statRefusedStatus,     // refused: no P, or not _Grunning
  statRefusedStack,      // refused: too little stack
  statRefusedSigmask,    // refused: inside a signal handler (another mask)
  statRefusedSyscallInsn,  // refused: at a syscall instruction
  preemptStatCount
};
struct preemptcounters {
  std::atomic<uint64> n[preemptStatCount] = {};
  void add(int i) { n[i].fetch_add(1, std::memory_order_relaxed); }
  uint64 get(int i) const { return n[i].load(std::memory_order_relaxed); }
};
extern preemptcounters preemptStats;
extern const char* const preemptStatNames[preemptStatCount];
// For tests and benchmarks (Go: export_test.go): ask the goroutines
// running on the other Ms to stop now, as sysmon does when their slices
// end; returns how many were asked.
int32 PreemptOthers() RUNTIME_SYM("PreemptOthers");

// ---- parking (proc.cpp) ----
// gopark, goparkunlock, goready, goyield: their contracts are at their
// definitions in proc.cpp.
void gopark(bool (*unlockf)(g*, void*), void* lock, waitReason reason) RUNTIME_SYM("gopark");
void goparkunlock(mutex* lock, waitReason reason) RUNTIME_SYM("goparkunlock");
void goready(g* gp) RUNTIME_SYM("goready");
void goyield() RUNTIME_SYM("goyield");
sudog* acquireSudog() RUNTIME_SYM("acquireSudog");
void releaseSudog(sudog* s) RUNTIME_SYM("releaseSudog");
// Active spinning for sync.Mutex (Go: sync_runtime_canSpin / doSpin).
bool sync_runtime_canSpin(int i);
void sync_runtime_doSpin();

// ---- sema.cpp (Go: sema.go) ----
// semacquire1 waits until *addr > 0 and then decrements it. lifo queues the
// waiter at the head of the address's queue (sync.Mutex's waiters that have
// waited before). reason is the wait reason shown in goroutine dumps.
void semacquire1(uint32* addr, bool lifo, waitReason reason) RUNTIME_SYM("semacquire1");
inline void semacquire(uint32* addr) { semacquire1(addr, false, waitReason::semacquire); }
// semrelease1 increments *addr and wakes a waiter if there is one. handoff:
// give the count straight to the first waiter and yield to it (starving
// sync.Mutex).
void semrelease1(uint32* addr, bool handoff) RUNTIME_SYM("semrelease1");
inline void semrelease(uint32* addr) { semrelease1(addr, false); }
// semaRoot: one bucket of sema.cpp's hash table, the waiters on every
// address that hashes there (sema.cpp explains the treap). Declared here
// for the bare-structure tests, tests/sync/sema_test.cpp.
struct semaRoot {
  mutex lock;
  sudog* treap = nullptr;        // root of the tree of distinct addresses (lock)
  std::atomic<uint32> nwait{0};  // waiters on this root; read without the lock

  void queue(uint32* addr, sudog* s, bool lifo);
  sudog* dequeue(uint32* addr);
  void rotateLeft(sudog* x);
  void rotateRight(sudog* y);
};
// notifyList: ticket-based wait list under sync.Cond (Go: notifyList).
struct notifyList {
  std::atomic<uint32> wait{0};  // ticket of the next waiter (atomically incremented outside the lock)
  uint32 notify = 0;            // ticket of the next waiter to be notified (lock)
  mutex lock;
  sudog* head = nullptr;
  sudog* tail = nullptr;
};
uint32 notifyListAdd(notifyList* l);
void notifyListWait(notifyList* l, uint32 t);
void notifyListNotifyAll(notifyList* l);
void notifyListNotifyOne(notifyList* l);

// ---- runq.cpp: run queues (Go: proc.go) ----
void runqput(p* pp, g* gp, bool next);
void runqputbatch(p* pp, gQueue* q, int32 qsize);
bool runqputslow(p* pp, g* gp, uint32 h, uint32 t);
g* runqget(p* pp, bool* inheritTime);
bool runqempty(p* pp);
uint32 runqgrab(p* pp, g** batch, uint32 batchHead, bool stealRunNextG);
g* runqsteal(p* pp, p* p2, bool stealRunNextG);
void globrunqput(g* gp);
void globrunqputhead(g* gp);
void globrunqputbatch(gQueue* batch, int32 n);
g* globrunqget(p* pp, int32 max);

// ---- gfree.cpp ----
void gfput(p* pp, g* gp);
g* gfget(p* pp);
void gfpurge(p* pp);

// ---- foreign.cpp: threads that gort does not manage (getg() null) ----
// foreignblock ends the program: such a thread would have to wait.
[[noreturn]] void foreignblock();
void readyforeign(g* gp);
uint32 fastrandforeign();
// foreignthreads: does the process have threads besides its Ms (less the
// nexited Ms that ended but whose threads may not be gone yet)?
bool foreignthreads(int32 nexited);
// threadcount: the process's threads, less TSan's own (-1: unreadable).
int64 threadcount();

// ---- fork.cpp: fork() without exec ----
// The pthread_atfork handlers (hosted flavour); forkedchild (declared at
// cansyscall) is set in the child, where schedule and gosched end the
// program (forkedchildfatal) and system calls are plain ones.
void beforefork();
void afterfork();
void afterforkinchild();
[[noreturn]] void forkedchildfatal();

// ---- net.cpp ----
// The addresses /etc/hosts gives a host name, for a flavour's
// flavour_lookuphost (Go: lookupStaticHost).
int lookupStaticHost(const char* host, bool want4, bool want6, std::uint8_t (*out)[16], int max);

// ---- api.cpp ----
// installterminate makes an uncaught exception a panic report (hosted).
void installterminate();

}  // namespace gort::runtime

#include "flavour.hpp"
#include "time.hpp"
#include "netpoll.hpp"
