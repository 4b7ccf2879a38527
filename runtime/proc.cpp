// runtime/proc.cpp: the scheduler (Go: proc.go).
//
// The scheduler spreads the goroutines that are ready to run across a set
// of OS threads. It speaks of three kinds of object, named as in Go:
//   G - a goroutine.
//   M - an OS thread that runs goroutines (the "machine").
//   P - a processor: the token, with its per-P state, that a thread must
//       hold to run goroutine code. An M without a P runs no goroutine, but
//       can still exist, blocked or inside a system call.
// (Go's design document: https://golang.org/s/go11sched.)
//
// Start-up takes four steps, in this order:
//
//   osinit
//   schedinit
//   create a G for runtime.main and put it on a run queue
//   mstart (m0 enters the scheduler)
//
// runtime.main thus runs as goroutine 1: it runs the program's
// constructors, then the user's main(argc, argv, envp).
//
// This file follows proc.go: the same functions, under the same names, in
// the same order (callers first; a block of declarations near the top is
// all C++ adds). What Go keeps elsewhere is elsewhere here too: minit and
// newosproc in os_linux.cpp, GOMAXPROCS in debug.cpp, fastrand in
// stubs.cpp, gostartcall and getg in arch/$(ARCH)/. Go's proc.go also holds
// the run queues and free lists; here they have files of their own
// (runq.cpp, gfree.cpp), as do stacks (stack.cpp).
//
// Worker thread parking/unparking.
//
// Two goals pull against each other: run enough worker threads to use all
// the parallelism the hardware offers, yet park the surplus ones so that
// they burn neither CPU time nor power. Two facts make this hard. First,
// the scheduler's state is spread out on purpose (each P has its own run
// queue), so a fast path has no cheap way to learn anything about the whole
// system. Second, the best choice depends on what comes next: a thread
// ought not to park just before a goroutine becomes ready for it.
//
// The policy is Go's, followed step for step (proc.go's opening comment):
// wake one more thread only when some P is idle and no worker thread is
// "spinning". A thread spins when it has run out of work of its own and has
// found none in the global run queue or the netpoller either; the state is
// kept in m->spinning and counted in sched.nmspinning. A thread woken under
// this policy starts out spinning: goroutines are not handed over to it, so
// it has nothing to run at first. While spinning, a thread searches the
// other Ps' run queues (and, later, timers) before it parks. Whatever the
// outcome, it leaves the spinning state first; then it either runs the work
// it found or parks.
//
// While sched.nmspinning > 0, making a goroutine ready wakes no new thread.
// In return, a thread that finds work while it is the only one spinning
// has to wake a fresh spinning thread as it stops (resetspinning). Bursts of
// needless wake-ups are damped this way, and still the program ends up
// using every CPU it can.
//
// The main subtlety is the spinning to non-spinning transition. It races
// with the submission of new work: either the spinning thread or the
// submitter must see the other's write, so both sides do a store then a
// load with a StoreLoad barrier (sequentially consistent atomics) between:
//   - a thread that readies a goroutine: puts it on a run queue, then
//     (StoreLoad) checks sched.nmspinning / sched.npidle in wakep;
//   - a thread that stops spinning: decrements sched.nmspinning, then
//     (StoreLoad) re-checks every P's run queue (checkRunqsNoP) before stopm.
// The same pattern protects the global run queue (it is checked under
// sched.lock before the P is released).
#include <linux/prctl.h>

#include <new>

#include "malloc.hpp"
#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {
// Every global of the runtime is constinit: it must be ready before any
// constructor runs, and must not be re-initialised when runtime.main runs the
// program's .init_array (the Makefile also checks that the runtime has none).
__thread g* tlsg __attribute__((tls_model("initial-exec")));
constinit g g0;
constinit m m0;
constinit schedt sched;
constinit p** allp = nullptr;
constinit int32 gomaxprocs = 0;
constinit m* allm = nullptr;
constinit mutex allglock;
constinit g* allgs = nullptr;
constinit std::atomic<uintptr> allglen{0};
constinit std::atomic<bool> mainStarted{false};
// idlepMask has a bit for each P that is on the idle list (pidleput /
// pidleget keep it), read without a lock by thieves, which skip idle Ps, and
// by checkRunqsNoP (Go: idlepMask).
constinit std::atomic<uint32>* idlepMask = nullptr;
// timerpMask has a bit for each P that may have timers: set by pidleget
// (a running P may start one at any moment), cleared by pidleput when the
// P goes idle with an empty heap. Thieves skip the Ps without the bit when
// they look for timers to run (Go: timerpMask).
constinit std::atomic<uint32>* timerpMask = nullptr;
// newmHandoff hands the Ms that a thread in an unknown state (one locked
// to a goroutine) wants started to the template thread, which starts them
// from its own, known-good state (Go: newmHandoff).
constinit static struct {
  mutex lock;
  // The Ms to start, linked through schedlink.
  m* newm = nullptr;
  // The template thread is asleep on wake, waiting for work.
  bool waiting = false;
  note wake;
  // Set once the template thread is being started (it is never stopped).
  std::atomic<uint32> haveTemplateThread{0};
} newmHandoff;
// Target of the next start of the world, set by gomaxprocs (Go: newprocs).
int32 newprocs;
static int64 starttime;  // schedtrace's zero (Go: starttime)
static m* mcachefree;    // Ms whose thread is gone, for reuse (sched.lock)
static bool m0exited;    // m0's goroutine exited locked: m0 parks for good (sched.lock)

static uint32 allpcap;                  // capacity of allp (sched.lock)
static constexpr int32 kMaxGomaxprocs = 1024;
static constexpr uintptr kStackGuard = 928;  // Go's _StackGuard on linux/amd64
static constexpr uint64 kGoidCacheBatch = 16;

// Defined by the crt only: a program linked with libgort.a but without the
// crt fails to link, with this name in the linker's message.
extern "C" const uintptr gort_crt_missing__link_with_gort_cxx_or_pkg_config;

// The user's main: called with argc, argv, envp (glibc passes the same three).
extern "C" int user_main(int, char**, char**) asm("main");

// randomOrder enumerates Ps in a random order with a random coprime stride,
// so that every P is visited once (Go: randomOrder / randomEnum).
// coprimes holds the numbers below count that are coprime to count; it is
// rebuilt by procresize.
constinit static struct {
  uint32 count;
  uint32* coprimes;
  uint32 ncoprimes;
} stealOrder;

struct randomEnum {
  uint32 i, count, pos, inc;
  bool done() const { return i == count; }
  void next() {
    i++;
    pos = (pos + inc) % count;
  }
  uint32 position() const { return pos; }
};

// acquirem for the functions that a thread gort does not manage may reach
// (readyforeign -> wakep -> startm -> newm): such a thread has no M to pin.
static inline m* acquiremIfAny() { return getg() != nullptr ? acquirem() : nullptr; }
static inline void releasemIfAny(m* mp) {
  if (mp != nullptr) releasem(mp);
}

// Declarations of what this file defines further down: C++ wants a name
// declared before its use, Go does not, and the definitions below keep
// proc.go's order (callers first).
static int64 mReserveID();
static void mcommoninit(m* mp, int64 id);
static void ready(g* gp, bool next);
static void stopTheWorldWithSema();
static void startTheWorldWithSema();
static void mstart1();
static void mexit(bool osStack);
static m* allocm(void (*fn)(), int64 id);
static void mspinning();
static void startTemplateThread();
static void templateThread();
static void stoplockedm();
static void startlockedm(g* gp);
static void gostartstack(p* pp, g* gp);
static g* stealWork(int64 now, bool* inheritTime, int64* rnow, int64* pollUntil, bool* newWork);
static p* checkRunqsNoP(p** allpSnapshot, int32 n, std::atomic<uint32>* idlepMaskSnapshot);
static int64 checkTimersNoP(p** allpSnapshot, int32 n, std::atomic<uint32>* timerpMaskSnapshot, int64 pollUntil);
static void resetspinning();
static void injectglist(gList* glist);
static bool parkunlock_c(g*, void* lock);
static void park_m(g* gp);
static void gosched_m(g* gp);
static void goyield_m(g* gp);
static void goexit0(g* gp);
static void entersyscall_sysmon();
static void entersyscall_gcwait();
static void entersyscallblock_handoff();
static bool exitsyscallfast(p* oldp);
static void exitsyscallfast_reacquired();
static bool exitsyscallfast_pidle();
static void exitsyscall0(g* gp);
static void newslice(p* pp);
static void dolockOSThread();
static void dounlockOSThread();
static void pinit(p* pp, int32 id);
static void pdestroy(p* pp);
static void sysmon();
static bool throwsInFlight();
static bool runqsbusy();
static void markwaitsince(int64 now);
static uint32 retake(int64 now);
static bool retakeblocked(p* pp, int64 now);
static void preemptall();
static void mput(m* mp);
static m* mget();
static bool pMaskRead(std::atomic<uint32>* mask, uint32 id);
static void pMaskSet(std::atomic<uint32>* mask, int32 id);
static void pMaskClear(std::atomic<uint32>* mask, int32 id);
static void updateTimerPMask(p* pp);
static void stealOrderReset(uint32 count);
static randomEnum stealOrderStart(uint32 r);
static uint32 gcd(uint32 a, uint32 b);

// main is the main goroutine (Go: runtime.main). It runs the program's
// constructors ("package init"), then the user's main, then exits with its
// status: when main returns, the process ends, whatever other goroutines are
// doing.
void main(void*) {
  g* gp = getg();
  mainStarted.store(true);
  boottrace(bootstep::runtime_main);
  // sysmon runs on its own M without a P, from the first goroutine or
  // timer on (startsysmon), or from now on if it is to trace.
  if (debug.schedtrace > 0) startsysmon();

  // While the constructors run, the main goroutine stays locked to the
  // process's main thread. Few programs care, but some must make certain
  // calls from that thread; such a program calls LockOSThread in a
  // constructor, and the lock (with the main thread) then carries over to
  // its main.
  lockOSThread();
  if (gp->m != &m0) throw_("runtime.main not on m0");
  if (gort_crt_missing__link_with_gort_cxx_or_pkg_config != 0) throw_("runtime.main: bad crt");

  flavour_init(argc_, argv_, envp_);
  unlockOSThread();

  // Go's runtime.main has parked by now (gcenable waits for the background
  // sweeper), so p.schedtick is past 0 when the user's main starts. We have
  // no such step: count this as a scheduling round, or the schedtick%61
  // fairness check would fire on main's first Gosched and hand the P back to
  // main ahead of the goroutines it just started.
  m* mp = acquirem();
  mp->p->schedtick.store(mp->p->schedtick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  releasem(mp);

  boottrace(bootstep::main);
  int status = user_main(argc_, argv_, envp_);

  // Make racy client program work: if panicking on another goroutine at
  // the same time as main returns, let the other goroutine finish printing
  // the panic trace. Once it does, it will exit. (Go's words, and issues
  // 3934 and 20018.)
  //
  // Differences from Go. A C++ panic starts with a throw, whose search for
  // a handler (which finds none) comes before onterminate counts it in
  // runningPanicDefers: so main first waits, 100 ms at most, while a
  // goroutine on another M has a throw in flight. And Go gives up on a
  // panic after 1000 yields; here what() runs then, which may block, and a
  // report lost with exit status 0 is worse than a wait, so main waits.
  for (int64 until = nanotime() + 100 * 1000 * 1000, c = 0;
       runningPanicDefers.load() == 0 && throwsInFlight() && nanotime() < until; c++) {
    if (c < 1000)
      Gosched();
    else
      timeSleep(50 * 1000);
  }
  for (int c = 0; c < 1000 && runningPanicDefers.load() != 0; c++) Gosched();
  if (panicking.load() != 0 || runningPanicDefers.load() != 0) gopark(nullptr, nullptr, waitReason::panicwait);

  boottrace(bootstep::exit, nullptr, status);
  flavour_exit(status);
}

// throwsInFlight reports whether a goroutine running on another M is
// throwing a C++ exception that no handler has taken yet: the M's
// exception state (g::ehstate) counts it from the start of the throw
// (__cxa_eh_globals::uncaughtExceptions, after the caught-exception
// stack). Under sched.lock, so that no M's thread, whose TLS holds that
// state, can be reaped meanwhile (allocm).
static bool throwsInFlight() {
  m* self = getg()->m;
  bool inflight = false;
  lock(&sched.lock);
  for (m* mp = allm; mp != nullptr && !inflight; mp = mp->alllink) {
    void* eh = __atomic_load_n(&mp->ehglobals, __ATOMIC_ACQUIRE);  // (set by minit on mp's thread)
    if (mp == self || eh == nullptr || __atomic_load_n(&mp->curg, __ATOMIC_RELAXED) == nullptr) continue;
    auto* uncaught = reinterpret_cast<uint32*>(static_cast<void**>(eh) + 1);
    inflight = __atomic_load_n(uncaught, __ATOMIC_RELAXED) != 0;
  }
  unlock(&sched.lock);
  return inflight;
}

// startsysmon starts sysmon on an M of its own, once.
//
// Difference from Go: Go starts sysmon first thing in runtime.main. Here
// it starts with the first goroutine after main (newproc_start) or the
// first timer (addtimer, modtimer), whichever comes first, or in
// runtime.main under schedtrace. Everything sysmon does is about
// goroutines sharing Ps: waking a P for queued work or overdue timers,
// taking a P back from a goroutine blocked or running too long, returning
// the memory of pooled stacks. A program whose only goroutine is main and
// which starts no timer (an ordinary C++ program built with gort) has none
// of that, and saves the creation of a thread at start-up: a quarter of
// the runtime's start-up cost (bench/README.md, "boot").
constinit static std::atomic<bool> sysmonStarted{false};
void startsysmon() {
  if (sysmonStarted.load(std::memory_order_relaxed) || sysmonStarted.exchange(true)) return;
  systemstack([] { newm(sysmon, nullptr, -1); });
}

// Gosched gives up the P so that other goroutines get a turn. The caller is
// not suspended: it waits in the global run queue and carries on by itself
// when it is picked again.
void Gosched() {
  releasem(acquirem());  // checksysblock: the P is ours to give up
  mcall(gosched_m);
}

// gopark puts the current goroutine into a waiting state and calls
// unlockf(gp, lock) on the system stack. If unlockf returns false, the
// goroutine is resumed at once. unlockf must not access this G's stack, as
// it may be moved between the call to gopark and the call to unlockf. Note
// that because unlockf is called after putting the G into a waiting state,
// the G may have already been readied by the time unlockf is called unless
// there is external synchronization preventing the G from being readied.
// If unlockf returns false, it must guarantee that the G cannot be
// externally readied. reason explains why the goroutine has been parked; it
// is shown in goroutine dumps. Do not re-use waitReasons, add new ones.
void gopark(bool (*unlockf)(g*, void*), void* lock, waitReason reason) {
  if (__builtin_expect(getg() == nullptr, 0)) foreignblock();  // a thread that gort does not manage
  m* mp = acquirem();
  g* gp = mp->curg;
  uint32 status = readgstatus(gp);
  if (status != _Grunning) throw_("gopark: bad g status");
  mp->waitlock = lock;
  mp->waitunlockf = unlockf;
  gp->waitreason = reason;
  releasem(mp);
  // From here to mcall, nothing may let this G move to another M.
  mcall(park_m);
}

// goparkunlock puts the current goroutine into a waiting state and unlocks
// the lock. The goroutine can be made runnable again by calling goready(gp).
void goparkunlock(mutex* lock, waitReason reason) { gopark(parkunlock_c, lock, reason); }

// goready makes gp, which must be _Gwaiting, runnable again: it goes into
// runnext of the current P, so it runs next, inheriting the time slice, and
// an idle P is woken if there is one (Go: goready -> ready).
void goready(g* gp) { ready(gp, true); }

// The slow paths of the per-P sudog cache, out of line so that the fast
// paths of acquireSudog and releaseSudog (on every blocking channel
// operation) need no register saves.
//
// sudogcacheRefill fills pp's empty cache from the central one, up to half
// a local cache, or with a fresh sudog when that one is empty too.
[[gnu::noinline]] static void sudogcacheRefill(p* pp) {
  lock(&sched.sudoglock);
  while (pp->sudogn < 64 && sched.sudogcache != nullptr) {
    sudog* s = sched.sudogcache;
    sched.sudogcache = s->next;
    s->next = nullptr;
    pp->sudogcache[pp->sudogn++] = s;
  }
  unlock(&sched.sudoglock);
  if (pp->sudogn == 0) pp->sudogcache[pp->sudogn++] = new (persistentalloc(sizeof(sudog), 64)) sudog();
}

// sudogcacheSpill moves half of pp's full cache to the central one.
[[gnu::noinline]] static void sudogcacheSpill(p* pp) {
  sudog *first = nullptr, *last = nullptr;
  while (pp->sudogn > 64) {
    sudog* p2 = pp->sudogcache[--pp->sudogn];
    pp->sudogcache[pp->sudogn] = nullptr;
    if (first == nullptr)
      first = p2;
    else
      last->next = p2;
    last = p2;
  }
  lock(&sched.sudoglock);
  last->next = sched.sudogcache;
  sched.sudogcache = first;
  unlock(&sched.sudoglock);
}

// acquireSudog takes a sudog from the current P's cache, refilling it from
// the central one when empty (Go: acquireSudog). Every sudog goes back
// through releaseSudog with its fields cleared.
sudog* acquireSudog() {
  // Hold on to this M, and so to its P and the P's cache, for the whole
  // function: callers are semaphore code, and the refill below may block
  // the M on sched.sudoglock. A thread that gort does not manage, about to
  // wait, ends here.
  if (__builtin_expect(getg() == nullptr, 0)) foreignblock();
  m* mp = acquirem();
  p* pp = mp->p;
  if (pp->sudogn == 0) sudogcacheRefill(pp);
  sudog* s = pp->sudogcache[--pp->sudogn];
  pp->sudogcache[pp->sudogn] = nullptr;
  if (s->elem != nullptr) throw_("acquireSudog: found s.elem != nil in cache");
  releasem(mp);
  return s;
}

// releaseSudog returns s, whose fields must be cleared, to the current P's
// cache, spilling half of a full cache to the central one.
void releaseSudog(sudog* s) {
  if (s->elem != nullptr) throw_("runtime: sudog with non-nil elem");
  if (s->isSelect) throw_("runtime: sudog with non-false isSelect");
  if (s->next != nullptr) throw_("runtime: sudog with non-nil next");
  if (s->prev != nullptr) throw_("runtime: sudog with non-nil prev");
  if (s->waitlink != nullptr) throw_("runtime: sudog with non-nil waitlink");
  if (s->c != nullptr) throw_("runtime: sudog with non-nil c");
  g* gp = getg();
  if (gp->param == s) throw_("runtime: releaseSudog with non-nil gp.param");
  m* mp = acquirem();  // keep this M's P, and its cache, until done
  p* pp = mp->p;
  if (pp->sudogn == 128) sudogcacheSpill(pp);
  pp->sudogcache[pp->sudogn++] = s;
  releasem(mp);
}

// allgadd puts gp on allgs, where tracebacks, checkdead and schedtrace find
// it, under allglock (Go: allgadd).
void allgadd(g* gp) {
  if (readgstatus(gp) == _Gidle) throw_("allgadd: bad status Gidle");
  lock(&allglock);
  gp->alllink = allgs;
  // Published with a release store: sysmon (markwaitsince) and tracebacks
  // walk the list without allglock.
  __atomic_store_n(&allgs, gp, __ATOMIC_RELEASE);
  allglen.fetch_add(1, std::memory_order_release);
  unlock(&allglock);
}

// schedinit (Go: schedinit). Runs on g0 of m0, from rt0_go.
void schedinit() {
  g* gp = getg();
  sched.maxmcount = 10000;
  stackinit();
  mcommoninit(gp->m, -1);
  sigsave(&initSigmask);
  gp->m->sigmask.store(initSigmask, std::memory_order_relaxed);

  // goargs and goenvs: args() kept argv and envp as the kernel gave them.
  parsedebugvars();
  preemptinit();
  reportinit();  // after GODEBUG: its stack's guard follows guardmprotect

  // Stack sizes (our addition: Go's stacks grow, ours are fixed).
  startingStackSize = envsize("GORT_STACKSIZE", startingStackSize, 16 << 10, 1 << 30);
  startingStackSize = (startingStackSize + physPageSize - 1) & ~(physPageSize - 1);
  mainstackinit();  // the main goroutine gets what a C++ main thread would

  lock(&sched.lock);
  sched.lastpoll.store(nanotime());
  int32 procs = ncpu;
  // Difference from Go: Go ignores a GOMAXPROCS it cannot parse; we refuse
  // it with a message, as a bad setting is better caught than ignored.
  if (const char* s = gogetenv("GOMAXPROCS"); s != nullptr && *s != 0) {
    int64 n;
    if (!atoi64(s, &n) || n < 1 || n > kMaxGomaxprocs) badenv("GOMAXPROCS", s, "a whole number from 1 to 1024");
    procs = int32(n);
  }
  if (procresize(procs) != nullptr) throw_("unknown runnable goroutine during bootstrap");
  unlock(&sched.lock);
  boottrace(bootstep::schedinit);
}

static void checkmcount() {
  assertLockHeld(&sched.lock);
  if (mcount() > sched.maxmcount) {
    print("runtime: program exceeds ", sched.maxmcount, "-thread limit\n");
    throw_("thread exhaustion");
  }
}

// mReserveID returns the next M id (sched.lock must be held).
static int64 mReserveID() {
  assertLockHeld(&sched.lock);
  int64 id = sched.mnext;
  sched.mnext++;
  checkmcount();
  return id;
}

// mcommoninit initialises the fields every M has (Go: mcommoninit).
static void mcommoninit(m* mp, int64 id) {
  lock(&sched.lock);
  mp->id = id >= 0 ? id : mReserveID();
  mp->fastrand = startupRandom ^ (uint64(mp->id) * 0x9e3779b97f4a7c15) ^ arch::cputicks();
  if (mp->fastrand == 0) mp->fastrand = 1;
  mp->alllink = allm;
  __atomic_store_n(&allm, mp, __ATOMIC_RELEASE);  // readers walk allm without the lock
  unlock(&sched.lock);
}

// ready marks gp ready to run (Go: ready). Go runs it on the system stack;
// our stacks are fixed, so it runs where it is called.
static void ready(g* gp, bool next) {
  if (__builtin_expect(getg() == nullptr, 0)) {  // a thread that gort does not manage
    readyforeign(gp);
    return;
  }
  uint32 status = readgstatus(gp);
  // Make gp runnable.
  m* mp = acquirem();  // not preemptible: our P is used below
  if (status != _Gwaiting) {
    print("runtime: ready: bad g status ", status, " goid=", gp->goid, "\n");
    throw_("bad g->status in ready");
  }
  // gp is waiting (Go also accepts the scan bit here): make it runnable and
  // queue it on our P
  casgstatus(gp, _Gwaiting, _Grunnable);
  runqput(mp->p, gp, next);
  wakep();
  releasem(mp);
}

// freezetheworld makes the other Ms stop at their next scheduling point,
// while a fatal report is printed: like a stop of the world, but without
// waiting, since the caller may hold any lock or be on any stack (Go:
// freezetheworld). stopwait is set so large that no stopping M ever
// thinks it is the last one.
void freezetheworld() {
  for (int i = 0; i < 5; i++) {
    __atomic_store_n(&sched.stopwait, kFreezeStopWait, __ATOMIC_RELAXED);
    sched.gcwaiting.store(1);
    preemptall();
    if (gomaxprocs <= 1) break;
    usleep(1000);
  }
}

uint32 readgstatus(g* gp) { return gp->atomicstatus.load(std::memory_order_acquire); }

static const char* gstatusName(uint32 s) {
  switch (s) {
    case _Gidle: return "idle";
    case _Grunnable: return "runnable";
    case _Grunning: return "running";
    case _Gsyscall: return "syscall";
    case _Gwaiting: return "waiting";
    case _Gdead: return "dead";
    case _Gpreempted: return "preempted";
  }
  return "???";
}

// casgstatus (inline, runtime.hpp) moves gp from oldval to newval; anything
// else is a bug, reported here.
//
// Difference from Go: Go needs a compare-and-swap here because its garbage
// collector sets _Gscan bits in other goroutines' status words. gort has no
// collector, and every transition is made by the one party that owns the G
// at that moment (its creator, the M that dequeued it, the G itself, or whoever
// took it off a wait queue). So a checked load and a release store do the
// job, without a locked instruction on every switch.
void casgstatusFail(g* gp, uint32 oldval, uint32 newval, uint32 cur) {
  if (oldval == newval) throw_("casgstatus: bad incoming values");
  print("runtime: casgstatus: oldval=", gstatusName(oldval), " newval=", gstatusName(newval),
        " but status=", gstatusName(cur), " goid=", gp->goid, "\n");
  throw_("casgstatus: bad status");
}

// stopTheWorld stops every P from running goroutines: on return the
// caller is the only goroutine running, and holds worldsema until
// startTheWorld (Go: stopTheWorld / startTheWorld; Go's stopTheWorldGC
// adds the collector's gcsema, which gort has no use for).
void stopTheWorld() {
  semacquire(&sched.worldsema);
  systemstack([] { stopTheWorldWithSema(); });
}

void startTheWorld() {
  systemstack([] { startTheWorldWithSema(); });
  semrelease(&sched.worldsema);
}

// stopTheWorldWithSema stops every P: the idle ones at once, the running
// ones when their M next enters the scheduler (gcstopm). The caller holds
// worldsema and is not preemptible (Go: stopTheWorldWithSema).
static void stopTheWorldWithSema() {
  g* gp = getg();
  // An M that holds a lock could never stop another M that is blocked
  // waiting for that same lock.
  if (gp->m->locks > 0) throw_("stopTheWorld: holding locks");

  lock(&sched.lock);
  sched.stopwait = gomaxprocs;
  sched.gcwaiting.store(1);
  // The other half of reentersyscall's store-load pair: from here on every
  // P going into a system call sees gcwaiting, or is seen below in
  // _Psyscall.
  procfence();
  preemptall();
  // stop current P
  gp->m->p->status.store(_Pgcstop, std::memory_order_relaxed);  // _Pgcstop here only aids diagnosis
  sched.stopwait--;
  // try to retake all P's in Psyscall status
  for (int32 i = 0; i < gomaxprocs; i++) {
    p* pp = allp[i];
    uint32 s = pp->status.load(std::memory_order_relaxed);
    if (s == _Psyscall && pp->status.compare_exchange_strong(s, _Pgcstop)) {
      pp->syscalltick.store(pp->syscalltick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      sched.stopwait--;
    }
  }
  // stop idle P's
  for (;;) {
    p* pp = pidleget();
    if (pp == nullptr) break;
    pp->status.store(_Pgcstop, std::memory_order_relaxed);
    sched.stopwait--;
  }
  bool wait = sched.stopwait > 0;
  unlock(&sched.lock);

  // The Ps still running stop on their own: wait for them.
  if (wait) {
    for (;;) {
      // Every 100 us, ask again: a race may have lost a preemption request.
      if (notetsleep(&sched.stopnote, 100 * 1000)) {
        noteclear(&sched.stopnote);
        break;
      }
      preemptall();
    }
  }

  // sanity checks
  const char* bad = nullptr;
  if (sched.stopwait != 0) {
    bad = "stopTheWorld: not stopped (stopwait != 0)";
  } else {
    for (int32 i = 0; i < gomaxprocs; i++)
      if (allp[i]->status.load(std::memory_order_relaxed) != _Pgcstop) bad = "stopTheWorld: not stopped (status != _Pgcstop)";
  }
  if (bad != nullptr) throw_(bad);
}

// startTheWorldWithSema restarts the Ps after a stop, applying a pending
// GOMAXPROCS change, and gives each P with work an M (Go:
// startTheWorldWithSema).
static void startTheWorldWithSema() {
  m* mp = acquirem();  // not preemptible: the Ps below pass through locals
  if (netpollinited()) {
    gList list = netpoll(0);  // non-blocking
    injectglist(&list);
  }
  lock(&sched.lock);
  int32 procs = gomaxprocs;
  if (newprocs != 0) {
    procs = newprocs;
    newprocs = 0;
  }
  p* p1 = procresize(procs);
  sched.gcwaiting.store(0);
  if (sched.sysmonwait.load()) {
    sched.sysmonwait.store(false);
    notewakeup(&sched.sysmonnote);
  }
  unlock(&sched.lock);

  while (p1 != nullptr) {
    p* pp = p1;
    p1 = p1->link;
    if (pp->m != nullptr) {
      m* nmp = pp->m;
      sanstore(&pp->m, nullptr, __ATOMIC_RELAXED);  // p::m: sysmon reads it
      if (nmp->nextp != nullptr) throw_("startTheWorld: inconsistent mp->nextp");
      nmp->nextp = pp;
      notewakeup(&nmp->park);
    } else {
      // No M is waiting for this P: create one for it right here.
      newm(nullptr, pp, -1);
    }
  }

  // Wake one P more, in case the local or global queues hold more runnable
  // goroutines than the Ps just started can take. If they do not, that P's
  // M finds nothing and parks again; if there is much more, resetspinning
  // goes on waking further Ps as needed.
  wakep();
  releasem(mp);
}

// mstart is the last step of rt0_go: m0 enters the scheduler. It never
// returns (m0 parks forever in mexit if its locked goroutine exits).
void mstart() {
  boottrace(bootstep::mstart, "m0");
  mstart0();
  throw_("mstart: m0 returned");
}

// mstart0 sets the g0 stack guard and runs the M; it returns only when the M
// exits (Go: mstart0).
void mstart0() {
  g* gp = getg();
  if (gp->stack.lo == 0) throw_("mstart: g0 has no stack");
  gp->stackguard0 = gp->stack.lo + kStackGuard;
  mstart1();
  mexit(gp->m != &m0);
}

// mstart1 runs on the M's g0 stack. It returns only through
// gogo(&g0->sched), when the M is to exit (a goroutine exited while locked
// to it).
GORT_NOTSAN static void mstart1() {
  g* gp = getg();
  if (gp != gp->m->g0) throw_("bad runtime.mstart");

  // Record the current position of the g0 stack: mcall and systemstack
  // start from here, and a second return from gosave is how the M leaves
  // the scheduler to exit. After this, mstart1 must not return except
  // through gogo(&g0->sched).
  if (gosave(&gp->sched) != 0) {
    sanarriveg0(gp);  // back from goexit0's gogo (sanitizer.hpp)
    return;
  }
  gp->sched.g_ = gp;

  minit();
  if (gp->m == &m0) initsig();  // Go: mstartm0
  if (void (*fn)() = gp->m->mstartfn; fn != nullptr) fn();
  if (gp->m != &m0) {
    acquirep(gp->m->nextp);
    gp->m->nextp = nullptr;
  }
  schedule();
}

// mPark puts the calling thread to sleep on its M's park note; it returns
// after another thread wakes it.
void mPark() {
  g* gp = getg();
  notesleep(&gp->m->park);
  noteclear(&gp->m->park);
}

// mexit dismantles the current M and ends its thread, because the goroutine
// locked to it has exited (Go: mexit). m0's thread is not ended: m0 is the
// process's main thread, and it parks forever instead.
static void mexit(bool osStack) {
  m* mp = getg()->m;
  if (!osStack) {
    // This is m0: its goroutine exited locked. Hand off our P and park
    // forever; exiting the main thread would turn the process into a zombie.
    handoffp(releasep());
    lock(&sched.lock);
    sched.nmfreed++;
    m0exited = true;
    checkdead();
    unlock(&sched.lock);
    mPark();
    throw_("locked m0 woke up");
  }

  // Block signals before unminit: the thread is about to lose its M.
  // (exiting from here: the handoffp below may start an M, which must not
  // take this blocked mask; see newmSigmask.)
  sanstore(&mp->exiting, true, __ATOMIC_RELAXED);  // joinexitedms reads it
  uint64 all = ~uint64(0);
  sigprocmask_set(all, nullptr);
  unminitSignals();

  lock(&sched.lock);
  m** pprev = &allm;
  for (; *pprev != nullptr; pprev = &(*pprev)->alllink)
    if (*pprev == mp) break;
  if (*pprev == nullptr) throw_("m not found in allm");
  __atomic_store_n(pprev, mp->alllink, __ATOMIC_RELEASE);
  // The thread still runs on g0mem until the thread library has finished
  // with it: allocm frees the mapping once flavour_threadgone says so.
  mp->freeWait.store(0);
  mp->freelink = sched.freem;
  sched.freem = mp;
  unlock(&sched.lock);

  handoffp(releasep());

  lock(&sched.lock);
  sched.nmfreed++;
  checkdead();
  unlock(&sched.lock);
  sanstore(&tlsg, nullptr, __ATOMIC_RELAXED);  // retakeblocked reads it (m.tls)
  // Return to the flavour's thread entry, which ends the thread.
}

// joinexitedms: the Ms that exited (sched.freem) have threads that allocm
// joins when it next reaps them; at exit some may not have been. TSan
// would report them as leaked threads: the hosted flavour calls this from
// an exit handler under TSan. They are taken off the list first (the
// process is ending), so that no allocm joins one twice.
// An M in mexit is in allm (exiting) until it moves to sched.freem under
// sched.lock: those are waited for too, a while.
void joinexitedms() {
  for (int tries = 0; tries < 10000; tries++) {
    lock(&sched.lock);
    m* list = sched.freem;
    sched.freem = nullptr;
    bool more = false;
    for (m* mp = allm; mp != nullptr && !more; mp = mp->alllink) more = __atomic_load_n(&mp->exiting, __ATOMIC_RELAXED);
    unlock(&sched.lock);
    for (m* mp = list; mp != nullptr; mp = mp->freelink)
      for (int i = 0; i < 100000 && !flavour_threadgone(mp); i++) osyield();
    if (!more) return;
    osyield();
  }
}

// allocm makes an M that no thread runs yet, together with its g0 and the
// mapping for the g0 stack (Go: allocm). fn becomes the M's mstartfn; id is
// an M id that the caller reserved, or -1.
static m* allocm(void (*fn)(), int64 id) {
  m* curm = acquiremIfAny();
  // First reap the Ms that have exited (sched.freem). That job has to be
  // done at some point, and doing it now may give back an M to reuse here.
  if (sched.freem != nullptr) {
    lock(&sched.lock);
    m* newList = nullptr;
    for (m* freem = sched.freem; freem != nullptr;) {
      m* next = freem->freelink;
      if (freem->freeWait.load() != 0 || !flavour_threadgone(freem)) {
        freem->freelink = newList;
        newList = freem;
      } else {
        if (freem->statfd >= 0) sys_close(freem->statfd);  // sysmon's (threadstate)
        unguard(reinterpret_cast<void*>(freem->g0mem));
        sysFree(reinterpret_cast<void*>(freem->g0mem), freem->g0memsize);
        freem->freelink = mcachefree;
        mcachefree = freem;
      }
      freem = next;
    }
    sched.freem = newList;
    unlock(&sched.lock);
  }

  lock(&sched.lock);
  m* mp = mcachefree;
  if (mp != nullptr) mcachefree = mp->freelink;
  unlock(&sched.lock);
  g* g0p;
  g* gsignal = nullptr;
  if (mp != nullptr) {
    // A reused M keeps its g0 and its signal g (minitSignalStack gives the
    // latter a fresh stack): a new one each time leaked a g per M reused.
    g0p = mp->g0;
    gsignal = mp->gsignal;
    mp->~m();
  } else {
    mp = static_cast<m*>(persistentalloc(sizeof(m), 64));
    g0p = malg();
  }
  new (mp) m();
  mp->gsignal = gsignal;
  g0p->~g();
  new (g0p) g();
  mp->mstartfn = fn;
  mcommoninit(mp, id);

  // The g0 stack: mapped here, so its bounds are ours to check, with a
  // guard region at the bottom. The thread library is told to use it, and
  // keeps its own per-thread data (the program's static TLS) at the top.
  uintptr size = kM0StackSize + kM0GuardSize + flavour_threadreserve();
  void* v = sysAlloc(size);
  if (v == nullptr) {
    print("runtime: cannot allocate ", size, "-byte g0 stack for a new M\n");
    throw_("out of memory");
  }
  sysGuard(v, kM0GuardSize);
  mp->g0mem = reinterpret_cast<uintptr>(v);
  mp->g0memsize = size;
  mp->g0 = g0p;
  g0p->m = mp;
  g0p->atomicstatus.store(_Gidle);
  releasemIfAny(curm);
  return mp;
}

// newm makes a new M and starts its thread (Go: newm). The thread first
// calls fn when fn is non-null, and otherwise goes straight to the
// scheduler; fn is a plain function, never a closure. The caller need not
// hold a P (m->p may be null). id is an M id that the caller reserved
// beforehand, or -1 to reserve one here.
void newm(void (*fn)(), p* pp, int64 id) {
  m* curm = acquiremIfAny();
  m* mp = allocm(fn, id);
  mp->nextp = pp;
  // Difference from Go, which gives every new M initSigmask: sysmon and
  // the template thread run no program code and block every signal they
  // may, so that they never take a signal the program blocked (sigwait in
  // a thread); other Ms take the mask the program has set (newmSigmask).
  mp->sigmask = newmSigmask(fn == sysmon || fn == templateThread);
  if (g* gp = getg(); gp != nullptr && gp->m != nullptr && gp->m->lockedExt != 0) {
    // We're on a locked M or a thread that may have been started by C.
    // The kernel state of this thread may be strange (the user may have
    // locked it for that purpose). We don't want to clone that into
    // another thread. Instead, ask a known-good thread to create the
    // thread for us. (Go's words. A thread inherits its creator's
    // unshared filesystem context, namespaces, scheduling policy...;
    // the M whose goroutine exited locked (goexit0 keeps its lockedExt)
    // creates its successor here too.)
    lock(&newmHandoff.lock);
    if (newmHandoff.haveTemplateThread.load() == 0) throw_("on a locked thread with no template thread");
    mp->schedlink = newmHandoff.newm;
    newmHandoff.newm = mp;
    if (newmHandoff.waiting) {
      newmHandoff.waiting = false;
      notewakeup(&newmHandoff.wake);
    }
    unlock(&newmHandoff.lock);
    releasemIfAny(curm);
    return;
  }
  newm1(mp);
  releasemIfAny(curm);
}

void newm1(m* mp) {
  mp->createdAt = nanotime();
  newosproc(mp);
}

// startTemplateThread starts the template thread if it is not already
// running. The calling thread must itself be in a known-good state (Go:
// startTemplateThread).
static void startTemplateThread() {
  // Not preemptible: the template thread is created before this goroutine
  // can park once haveTemplateThread is set.
  m* mp = acquirem();
  uint32 zero = 0;
  if (!newmHandoff.haveTemplateThread.compare_exchange_strong(zero, 1)) {
    releasem(mp);
    return;
  }
  newm(templateThread, nullptr, -1);
  releasem(mp);
}

// templateThread is a thread in a known-good state that exists solely to
// start new threads in known-good states when the calling thread may not
// be in a good state (Go: templateThread). It is started lazily, by the
// first LockOSThread. It runs on an M without a P.
static void templateThread() {
  lock(&sched.lock);
  sched.nmsys++;
  checkdead();
  unlock(&sched.lock);

  for (;;) {
    lock(&newmHandoff.lock);
    while (newmHandoff.newm != nullptr) {
      m* newm = newmHandoff.newm;
      newmHandoff.newm = nullptr;
      unlock(&newmHandoff.lock);
      while (newm != nullptr) {
        m* next = newm->schedlink;
        newm->schedlink = nullptr;
        newm1(newm);
        newm = next;
      }
      lock(&newmHandoff.lock);
    }
    newmHandoff.waiting = true;
    noteclear(&newmHandoff.wake);
    unlock(&newmHandoff.lock);
    notesleep(&newmHandoff.wake);
  }
}

// stopm parks the current M on the idle list until someone gives it work,
// and returns holding the P it was handed.
void stopm() {
  g* gp = getg();
  if (gp->m->locks != 0) throw_("stopm holding locks");
  if (gp->m->p != nullptr) throw_("stopm holding p");
  if (gp->m->spinning) throw_("stopm spinning");

  lock(&sched.lock);
  mput(gp->m);
  unlock(&sched.lock);
  mPark();
  acquirep(gp->m->nextp);
  gp->m->nextp = nullptr;
}

// mspinning is the mstartfn of an M started spinning by startm.
static void mspinning() {
  // nmspinning already counts this M (startm's caller added it); mark the
  // M itself as spinning to agree with it.
  getg()->m->spinning = true;
}

// startm finds an M, creating one when none is idle, to run pp. With pp
// null it takes an idle P instead, and returns without doing anything when
// no P is idle. With spinning true the caller has already counted the new M
// in nmspinning: startm then either marks the M it starts as spinning or,
// when it starts none, takes the count back.
//
// A caller that passes in its own P (pp non-null) must not be preemptible.
void startm(p* pp, bool spinning) {
  // Stay non-preemptible throughout: a P that is owned must always have an
  // owner able to stop it later, and from the moment this M takes pp until
  // a started M holds it, that owner is us.
  m* mp = acquiremIfAny();
  lock(&sched.lock);
  if (pp == nullptr) {
    pp = pidleget();
    if (pp == nullptr) {
      unlock(&sched.lock);
      if (spinning) {
        // No P is idle, so no M will start: simply take back the caller's
        // increment of nmspinning and stop here.
        if (int32(sched.nmspinning.fetch_sub(1)) - 1 < 0) throw_("startm: negative nmspinning");
      }
      releasemIfAny(mp);
      return;
    }
  }
  m* nmp = mget();
  if (nmp == nullptr) {
    // There is no idle M, so a new one is needed, and newm cannot run under
    // sched.lock. Reserving its id while the lock is still held counts the
    // new M as running at once: checkdead cannot then see fewer running Ms
    // than there really are (and report a deadlock that is not one).
    int64 id = mReserveID();
    unlock(&sched.lock);
    newm(spinning ? mspinning : nullptr, pp, id);
    // newm has started the M with pp as its nextp: pp is that M's now.
    releasemIfAny(mp);
    return;
  }
  unlock(&sched.lock);
  if (nmp->spinning) throw_("startm: m is spinning");
  if (nmp->nextp != nullptr) throw_("startm: m has p");
  if (spinning && !runqempty(pp)) throw_("startm: p has runnable gs");
  // The caller already counted this M in nmspinning; record it on the M.
  nmp->spinning = spinning;
  nmp->nextp = pp;
  notewakeup(&nmp->park);
  releasemIfAny(mp);
}

// handoffp passes pp on from an M that cannot use it, one in a system call
// or one locked to a goroutine; the caller no longer holds pp (Go:
// handoffp).
void handoffp(p* pp) {
  // The goroutines preempted on pp's last M need not wait for it any more.
  pinnedflush(pp, false);
  // Work is queued (on pp or globally): give pp to an M right now.
  if (!runqempty(pp) || sched.runqsize.load(std::memory_order_relaxed) != 0) {
    startm(pp, false);
    return;
  }
  // Nothing queued. Start a spinning M on pp only if no M spins and no P is
  // idle: otherwise an M is already searching, or an idle P is there for
  // wakep to use, and one more M started here would add nothing.
  uint32 zero = 0;
  if (sched.nmspinning.load() + sched.npidle.load() == 0 && sched.nmspinning.compare_exchange_strong(zero, 1)) {
    startm(pp, true);
    return;
  }
  lock(&sched.lock);
  if (sched.gcwaiting.load() != 0) {
    pp->status.store(_Pgcstop, std::memory_order_relaxed);
    sched.stopwait--;
    if (sched.stopwait == 0) notewakeup(&sched.stopnote);
    unlock(&sched.lock);
    return;
  }
  if (sched.runqsize.load(std::memory_order_relaxed) != 0) {
    unlock(&sched.lock);
    startm(pp, false);
    return;
  }
  // If this is the last running P and nobody is polling network,
  // need to wakeup another M to poll network.
  if (sched.npidle.load() == uint32(gomaxprocs - 1) && sched.lastpoll.load() != 0) {
    unlock(&sched.lock);
    startm(pp, false);
    return;
  }
  // pp's timers still need an M when they are due. wakeNetPoller may start
  // an M (wakep), which must not happen under sched.lock.
  int64 when = nobarrierWakeTime(pp);
  pidleput(pp);
  unlock(&sched.lock);

  if (when != 0) wakeNetPoller(when);
}

// wakep tries to bring one more P into use to run goroutines. Its callers
// are the places that make a goroutine runnable (newproc, ready, Gosched).
void wakep() {
  if (sched.npidle.load() == 0) return;
  // An M that is spinning already will find the work: start none then.
  uint32 zero = 0;
  if (sched.nmspinning.load() != 0 || !sched.nmspinning.compare_exchange_strong(zero, 1)) return;
  startm(nullptr, true);
}

// stoplockedm parks the current M, which is locked to a goroutine, until
// that goroutine becomes runnable again; it returns holding a P.
static void stoplockedm() {
  g* gp = getg();
  if (gp->m->lockedg == nullptr || gp->m->lockedg->lockedm != gp->m) throw_("stoplockedm: inconsistent locking");
  if (gp->m->p != nullptr) {
    // Let some other M run this P meanwhile.
    handoffp(releasep());
  }
  incidlelocked(1);
  // Sleep until a thread makes lockedg runnable and hands us a P.
  mPark();
  uint32 status = readgstatus(gp->m->lockedg);
  if (status != _Grunnable) {
    print("runtime:stoplockedm: lockedg (atomicstatus=", status, ") is not Grunnable\n");
    throw_("stoplockedm: not runnable");
  }
  acquirep(gp->m->nextp);
  gp->m->nextp = nullptr;
}

// startlockedm hands the current P to the M that gp is locked to, wakes
// that M to run gp, and parks the current M.
static void startlockedm(g* gp) {
  g* cur = getg();
  m* mp = gp->lockedm;
  if (mp == cur->m) throw_("startlockedm: locked to me");
  if (mp->nextp != nullptr) throw_("startlockedm: m has p");
  // Our P goes straight to gp's M.
  incidlelocked(-1);
  p* pp = releasep();
  mp->nextp = pp;
  notewakeup(&mp->park);
  stopm();
}

// gcstopm parks the current M, giving up its P, for a stop of the world;
// it returns once the world has been started again (Go: gcstopm).
void gcstopm() {
  m* mp = getg()->m;
  if (sched.gcwaiting.load() == 0) throw_("gcstopm: not waiting for gc");
  if (mp->spinning) {
    mp->spinning = false;
    // A plain decrement of nmspinning is enough: when the world restarts,
    // startTheWorld wakes whatever threads are needed.
    if (int32(sched.nmspinning.fetch_sub(1)) - 1 < 0) throw_("gcstopm: negative nmspinning");
  }
  pinnedflush(mp->p, false);  // this M stops: its preempted goroutines may run anywhere
  p* pp = releasep();
  lock(&sched.lock);
  pp->status.store(_Pgcstop, std::memory_order_relaxed);
  sched.stopwait--;
  if (sched.stopwait == 0) notewakeup(&sched.stopnote);
  unlock(&sched.lock);
  stopm();
}

// execute switches the current M, from g0, to running gp, and never
// returns. With inheritTime, gp runs on what is left of the current time
// slice; without it, a fresh slice begins (schedtick advances).
GORT_NOTSAN void execute(g* gp, bool inheritTime) {
  m* mp = getg()->m;
  // Link gp and the M before gp's status says _Grunning: a G that is
  // running always has an M.
  sanstore(&mp->curg, gp, __ATOMIC_RELEASE);  // read by sysmon (dropg)
  sanstore(&gp->m, mp, __ATOMIC_RELAXED);
  if (gp->stack.lo == 0) gostartstack(mp->p, gp);
  casgstatus(gp, _Grunnable, _Grunning);
  sanstore(&gp->waitsince, int64(0), __ATOMIC_RELAXED);  // sysmon stamps it (markwaitsince)
  gp->preempt.store(false, std::memory_order_relaxed);
  gp->stackguard0 = gp->stack.lo + kStackGuard;
  if (!inheritTime) {
    mp->p->schedtick.store(mp->p->schedtick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    mp->p->inherited = 0;  // runqget's bound on inherited slices (runq.cpp)
  }
  if (void** eh = static_cast<void**>(mp->ehglobals); eh != nullptr) {
    eh[0] = gp->ehstate[0];
    // eh[1] holds uncaughtExceptions, which throwsInFlight reads from
    // another M: an atomic store, here and in dropg.
    sanstore(&eh[1], gp->ehstate[1], __ATOMIC_RELAXED);
  }
  *mp->errnoloc = gp->goerrno;
  sanleave(mp->g0, false, gp, gp->stack.lo, gp->stack.hi);  // sanitizer.hpp
  gogo(&gp->sched);
}

// gostartstack gives gp its stack, the first time it runs, and builds the
// context that starts it: gogo then enters startfn(startarg) with
// runtime.goexit+1 as its return address (gostartcall). Difference from
// Go: newproc1 does this in Go; gort attaches stacks lazily (g::stacksize).
static void gostartstack(p* pp, g* gp) {
  gp->stack = gp->startfn == &main && mainstack.lo != 0 ? mainstack : stackalloc(pp, gp->stacksize);
  // Cache colouring: every stack's top has the same alignment, so without
  // this the hot top frames of all goroutines fall into the same few cache
  // sets, and switching between many goroutines (a ring of 1000) misses
  // in L1 and L2 on every switch. Each new stack starts 64 bytes * (0..47)
  // lower, which spreads the tops over the sets of a 4 KiB page yet leaves
  // at least 1 KiB of the top page for the first frames, so a small parked
  // goroutine still touches one page.
  uintptr color = (pp->stackcolor++ % 48) * 64;
  uintptr sp = (gp->stack.hi - color - 4 * sizeof(uintptr)) & ~uintptr(15);
  sangostart(gp);
  if constexpr (sanfibers)
    gostartcall(&gp->sched, sp, gostartsan, gp);  // it tells the sanitizer it has arrived
  else
    gostartcall(&gp->sched, sp, gp->startfn, gp->startarg);
}

// findRunnable returns a goroutine for this M to run (Go 1.19:
// findRunnable). It runs the P's due timers, then tries, in order: the
// global queue now and then for fairness, the local queue, the global
// queue, the network without blocking, stealing from other Ps (goroutines,
// and timers due on them); then gives up its P, drops spinning, re-checks
// everything and sleeps: in netpoll, until I/O is ready or the next timer
// is due, when no other M does so, else in stopm. *tryWakeP asks the caller to
// wake a P, because the goroutine returned is a special one (none exists
// yet: it stays false until netpoll).
g* findRunnable(bool* inheritTime, bool* tryWakeP) {
  m* mp = getg()->m;
  *tryWakeP = false;

top:
  p* pp = mp->p;
  if (sched.gcwaiting.load() != 0) {
    gcstopm();
    goto top;
  }

  // now and pollUntil are kept for stealWork below, which may run other
  // Ps' timers; nothing blocks in between, so they stay about right.
  // (Most of the time there is no timer at all: skip the call then.)
  checkTimersResult ct = {0, 0, false};
  if (pp->timer0When.load(std::memory_order_relaxed) != 0 ||
      pp->timerModifiedEarliest.load(std::memory_order_relaxed) != 0)
    ct = checkTimers(pp, 0);
  int64 now = ct.rnow;
  int64 pollUntil = ct.pollUntil;
  *inheritTime = false;

  // Every so often, serve the global queue before the local one, for
  // fairness: two goroutines that keep re-creating each other could
  // otherwise hold the local queue for ever, and the global one would starve.
  // (Our addition: with the goroutines preempted on this M, whose place in
  // Go's order is the global queue's tail: pinnedget, pinnedpass.)
  if (pp->schedtick.load(std::memory_order_relaxed) % 61 == 0 &&
      (sched.runqsize.load(std::memory_order_relaxed) > 0 || pp->npinned.load(std::memory_order_relaxed) != 0)) {
    if (pp->npinned.load(std::memory_order_relaxed) != 0)
      if (g* gp = pinnedget(pp, false); gp != nullptr) return gp;
    lock(&sched.lock);
    g* gp = globrunqget(pp, 1);
    if (gp != nullptr && pp->npinned.load(std::memory_order_relaxed) != 0) pinnedpass(pp, 1);
    unlock(&sched.lock);
    if (gp != nullptr) return gp;
  }

  // local runq
  if (g* gp = runqget(pp, inheritTime); gp != nullptr) return gp;

  // global runq (and after it, our addition, the goroutines preempted on
  // this M: pinnedget)
  if (pp->npinned.load(std::memory_order_relaxed) != 0)
    if (g* gp = pinnedget(pp, false); gp != nullptr) return gp;
  if (sched.runqsize.load(std::memory_order_relaxed) != 0) {
    lock(&sched.lock);
    int32 before = sched.runqsize.load(std::memory_order_relaxed);
    g* gp = globrunqget(pp, 0);
    if (pp->npinned.load(std::memory_order_relaxed) != 0) pinnedpass(pp, before - sched.runqsize.load(std::memory_order_relaxed));
    unlock(&sched.lock);
    if (gp != nullptr) return gp;
  }
  if (pp->npinned.load(std::memory_order_relaxed) != 0)
    if (g* gp = pinnedget(pp, true); gp != nullptr) return gp;

  // Poll network.
  // This netpoll is only an optimization before we resort to stealing.
  // We can safely skip it if there are no waiters or a thread is blocked
  // in netpoll already. If there is any kind of logical race with that
  // blocked thread (e.g. it has already returned from netpoll, but does
  // not set lastpoll yet), this thread will do blocking netpoll below
  // anyway.
  if (netpollinited() && netpollWaiters.load() > 0 && sched.lastpoll.load() != 0) {
    if (gList list = netpoll(0); !list.empty()) {  // non-blocking
      g* gp = list.pop();
      injectglist(&list);
      casgstatus(gp, _Gwaiting, _Grunnable);
      return gp;
    }
  }

  // Look for work on the other Ps, as a spinning M.
  //
  // At most half as many Ms may spin as there are busy Ps. Without that cap,
  // a program with little parallelism and a large GOMAXPROCS would waste a
  // lot of CPU time on Ms hunting for work that is not there.
  uint32 procs = uint32(gomaxprocs);
  if (mp->spinning || 2 * sched.nmspinning.load() < procs - sched.npidle.load()) {
    if (!mp->spinning) {
      mp->spinning = true;
      sched.nmspinning.fetch_add(1);
    }
    bool newWork;
    int64 w;
    g* gp = stealWork(now, inheritTime, &now, &w, &newWork);
    if (gp != nullptr) return gp;
    if (newWork) {
      // There may be new work to do (the world is stopping, or a timer
      // readied goroutines); restart.
      goto top;
    }
    if (w != 0 && (pollUntil == 0 || w < pollUntil)) {
      // An earlier timer to wait for.
      pollUntil = w;
    }
  }

  // Nothing to run.
  //
  // Copy the allp pointer before the P is given up: from then on this M no
  // longer holds off a stop of the world, and procresize may swap in a new
  // array at any time. The entries need no copy, as an entry of an allp
  // array never changes once it has been set.
  // Go's slices carry their length; here the count is read first:
  // procresize publishes a grown allp (and the masks) before the larger
  // gomaxprocs, so the arrays read after it are at least that long.
  int32 nSnapshot = __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE);
  p** allpSnapshot = __atomic_load_n(&allp, __ATOMIC_ACQUIRE);
  std::atomic<uint32>* idlepMaskSnapshot = __atomic_load_n(&idlepMask, __ATOMIC_ACQUIRE);
  std::atomic<uint32>* timerpMaskSnapshot = __atomic_load_n(&timerpMask, __ATOMIC_ACQUIRE);

  // Give the P back, then block.
  lock(&sched.lock);
  if (sched.gcwaiting.load() != 0) {
    unlock(&sched.lock);
    goto top;
  }
  if (sched.runqsize.load(std::memory_order_relaxed) != 0) {
    g* gp = globrunqget(pp, 0);
    unlock(&sched.lock);
    return gp;
  }
  if (releasep() != pp) throw_("findRunnable: wrong p");
  pidleput(pp);
  unlock(&sched.lock);

  // The tricky step: this M leaves the spinning state while other threads
  // may be queueing work at the same moment. The order is fixed: first
  // decrement nmspinning, then look at every source of work once more, with
  // a StoreLoad barrier between the two. In the reverse order, a submitter
  // could queue work after our last look but before our decrement, see an
  // M still spinning, and wake nobody: the work would sit with no thread
  // coming for it. The sources are the Ps' run queues and the Ps' timer
  // heaps (a timer started, or moved earlier).
  //
  // If the second look finds work, m->spinning is set again, which tells
  // resetspinning to wake one more worker (several goroutines may be
  // waiting to run). When work is found but no P is idle, that extra wake-up
  // can be skipped: every P is busy, so a spinning thread would have nothing
  // to do.
  bool wasSpinning = mp->spinning;
  if (mp->spinning) {
    mp->spinning = false;
    if (int32(sched.nmspinning.fetch_sub(1)) - 1 < 0) throw_("findRunnable: negative nmspinning");

    // Strictly, no work is missed as long as the last M to stop spinning
    // does these re-checks. Go has every M that stops spinning do them, a
    // cautious choice kept while the effect on latency is observed, and
    // so do we.

    // Look at every run queue again.
    pp = checkRunqsNoP(allpSnapshot, nSnapshot, idlepMaskSnapshot);
    if (pp != nullptr) {
      acquirep(pp);
      mp->spinning = true;
      sched.nmspinning.fetch_add(1);
      goto top;
    }

    // And at the timers, started or moved earlier meanwhile. Without a P,
    // only their atomics can be read (checkTimers would lock and adjust).
    pollUntil = checkTimersNoP(allpSnapshot, nSnapshot, timerpMaskSnapshot, pollUntil);
  }

  // Sleep in netpoll until the next timer, unless another M already does.
  if (netpollinited() && (netpollWaiters.load() > 0 || pollUntil != 0) && sched.lastpoll.exchange(0) != 0) {
    sched.pollUntil.store(pollUntil);
    if (mp->p != nullptr) throw_("findRunnable: netpoll with p");
    if (mp->spinning) throw_("findRunnable: netpoll with spinning");
    now = nanotime();
    int64 delay = -1;
    if (pollUntil != 0) {
      delay = pollUntil - now;
      if (delay < 0) delay = 0;
    }
    gList list = netpoll(delay);  // block until new work is available
    // Refresh now again, after potentially blocking.
    now = nanotime();
    sched.pollUntil.store(0);
    sched.lastpoll.store(now);
    lock(&sched.lock);
    pp = pidleget();
    unlock(&sched.lock);
    if (pp == nullptr) {
      injectglist(&list);
    } else {
      acquirep(pp);
      if (!list.empty()) {
        g* gp = list.pop();
        injectglist(&list);
        casgstatus(gp, _Gwaiting, _Grunnable);
        return gp;
      }
      if (wasSpinning) {
        mp->spinning = true;
        sched.nmspinning.fetch_add(1);
      }
      goto top;
    }
  } else if (pollUntil != 0 && netpollinited()) {
    // Another M sleeps in netpoll: make sure it wakes in time for our
    // timer.
    int64 pollerPollUntil = sched.pollUntil.load();
    if (pollerPollUntil == 0 || pollerPollUntil > pollUntil) netpollBreak();
  }
  stopm();
  goto top;
}

// stealWork tries to take a runnable goroutine from another P, or to run
// another P's due timers: four passes over the Ps in random order, with
// the timers and runnext only on the last pass, skipping idle Ps for
// goroutines and Ps without timers for timers (Go: stealWork). now is the
// current time or 0; *rnow gets the time used. *pollUntil gets when the
// earliest timer seen is due (0: none). *newWork is set when the world is
// being stopped, or a timer ran and may have readied goroutines: the caller
// should start over.
static g* stealWork(int64 now, bool* inheritTime, int64* rnow, int64* pollUntil, bool* newWork) {
  p* pp = getg()->m->p;
  *inheritTime = false;
  *pollUntil = 0;
  *newWork = false;
  bool ranTimer = false;
  constexpr int stealTries = 4;
  for (int i = 0; i < stealTries; i++) {
    bool stealTimersOrRunNextG = i == stealTries - 1;
    for (randomEnum e = stealOrderStart(fastrand()); !e.done(); e.next()) {
      if (sched.gcwaiting.load() != 0) {
        // The world is stopping: the caller must deal with that first.
        *rnow = now;
        *newWork = true;
        return nullptr;
      }
      p* p2 = allp[e.position()];
      if (pp == p2) continue;

      // Run p2's due timers: the one place where an M takes another P's
      // timersLock. Only on the last pass, before p2's runnext, which is
      // the last resort; and only once, as now stays the same across
      // passes. Ps whose timerpMask bit is clear have none.
      if (stealTimersOrRunNextG && pMaskRead(timerpMask, e.position())) {
        checkTimersResult r = checkTimers(p2, now);
        now = r.rnow;
        if (r.pollUntil != 0 && (*pollUntil == 0 || r.pollUntil < *pollUntil)) *pollUntil = r.pollUntil;
        if (r.ran) {
          // The timers may have readied any number of goroutines onto our
          // own queue, and runqsteal assumes that queue has room: take
          // from it first.
          if (g* gp = runqget(pp, inheritTime); gp != nullptr) {
            *rnow = now;
            *newWork = ranTimer;
            return gp;
          }
          ranTimer = true;
        }
      }

      // An idle P has nothing worth stealing: skip it.
      if (!pMaskRead(idlepMask, e.position())) {
        if (g* gp = runqsteal(pp, p2, stealTimersOrRunNextG); gp != nullptr) {
          *rnow = now;
          *newWork = ranTimer;
          return gp;
        }
      }
    }
  }
  // Nothing to steal; but a timer that ran may have readied a goroutine we
  // missed, and the caller needs the next timer's time.
  *rnow = now;
  *newWork = ranTimer;
  return nullptr;
}

// checkRunqsNoP checks every non-idle P of the snapshot for work; if there
// is some, returns an idle P to run it (Go: checkRunqsNoP). Called by an M
// that has just stopped spinning without a P: the StoreLoad half of the
// spinning protocol.
static p* checkRunqsNoP(p** allpSnapshot, int32 n, std::atomic<uint32>* idlepMaskSnapshot) {
  for (int32 id = 0; id < n; id++) {
    p* p2 = allpSnapshot[id];
    if (!pMaskRead(idlepMaskSnapshot, uint32(id)) && !runqempty(p2)) {
      lock(&sched.lock);
      p* pp = pidleget();
      unlock(&sched.lock);
      if (pp != nullptr) return pp;
      // No idle P to run it on, so looking at more queues is pointless.
      break;
    }
  }
  return nullptr;
}

// checkTimersNoP lowers pollUntil to the earliest timer of the Ps in the
// snapshot that may have timers, and returns it (Go: checkTimersNoP). It
// runs without a P, so it only reads the P's atomics.
static int64 checkTimersNoP(p** allpSnapshot, int32 n, std::atomic<uint32>* timerpMaskSnapshot, int64 pollUntil) {
  for (int32 id = 0; id < n; id++) {
    if (pMaskRead(timerpMaskSnapshot, uint32(id))) {
      int64 w = nobarrierWakeTime(allpSnapshot[id]);
      if (w != 0 && (pollUntil == 0 || w < pollUntil)) pollUntil = w;
    }
  }
  return pollUntil;
}

// wakeNetPoller makes sure some M will run timers at when: it breaks the
// netpoll sleep of the M that would sleep past when, or, when no M sleeps
// there, wakes an idle P to take up the timers (Go: wakeNetPoller).
void wakeNetPoller(int64 when) {
  if (sched.lastpoll.load() == 0) {
    // An M is in netpoll (or about to be); findRunnable has set pollUntil
    // to the time it will wake, or 0. A wake-up too many is possible, one
    // too few is not.
    int64 pollerPollUntil = sched.pollUntil.load();
    if (pollerPollUntil == 0 || pollerPollUntil > when) netpollBreak();
  } else {
    // No M in netpoll: get one there, for the new timer.
    wakep();
  }
}

// resetspinning: the M found work while spinning. If it was the last
// spinning M, start another one: there may be more work (Go: resetspinning).
static void resetspinning() {
  m* mp = getg()->m;
  if (!mp->spinning) throw_("resetspinning: not a spinning m");
  mp->spinning = false;
  int32 nmspinning = int32(sched.nmspinning.fetch_sub(1)) - 1;
  if (nmspinning < 0) throw_("findRunnable: negative nmspinning");
  // Ms are woken sparingly on purpose (see "Worker thread parking/unparking"
  // at the top of this file), so an M that stops spinning is where the
  // question of waking one more P must be asked.
  wakep();
}

// injectglist adds each runnable G on the list to some run queue, and
// clears glist. If there is no current P, they are added to the global
// queue, and up to npidle M's are started to run them. Otherwise, for each
// idle P, this adds a G to the global queue and starts an M. Any remaining
// G's are added to the current P's local run queue. This may temporarily
// acquire sched.lock. Can run concurrently with GC. (Go: injectglist)
static void injectglist(gList* glist) {
  if (glist->empty()) return;
  // Mark all the goroutines as runnable before we put them on the run
  // queues.
  g* head = glist->head;
  g* tail = nullptr;
  int32 qsize = 0;
  for (g* gp = head; gp != nullptr; gp = gp->schedlink) {
    tail = gp;
    qsize++;
    casgstatus(gp, _Gwaiting, _Grunnable);
  }
  // Turn the gList into a gQueue.
  gQueue q;
  q.head = head;
  q.tail = tail;
  *glist = gList{};

  auto startIdle = [](int32 n) {
    for (; n != 0 && sched.npidle.load() != 0; n--) startm(nullptr, false);
  };

  p* pp = getg()->m->p;
  if (pp == nullptr) {
    lock(&sched.lock);
    globrunqputbatch(&q, qsize);
    unlock(&sched.lock);
    startIdle(qsize);
    return;
  }

  int32 npidle = int32(sched.npidle.load());
  gQueue globq;
  int32 n;
  for (n = 0; n < npidle && !q.empty(); n++) globq.pushBack(q.pop());
  if (n > 0) {
    lock(&sched.lock);
    globrunqputbatch(&globq, n);
    unlock(&sched.lock);
    startIdle(n);
    qsize -= n;
  }
  if (!q.empty()) runqputbatch(pp, &q, qsize);
}

// schedule does one scheduling round: it picks a goroutine that is ready
// and runs it. Runs on g0 and never returns.
GORT_NOTSAN void schedule() {
  m* mp = getg()->m;
  if (mp->locks != 0) throw_("schedule: holding locks");
  if (__builtin_expect(forkedchild, 0)) forkedchildfatal();  // fork.cpp

  if (mp->lockedg != nullptr) {
    stoplockedm();
    execute(mp->lockedg, false);  // Never returns.
  }

top:
  p* pp = mp->p;
  pp->preempt.store(false, std::memory_order_relaxed);

  // Sanity check: a spinning M has found its own P's queue empty, so it
  // must still be empty. The check comes before timers run (checkTimers),
  // since a timer may goready a goroutine onto the local queue.
  if (mp->spinning && (pp->runnext.load() != nullptr || pp->runqhead.load() != pp->runqtail.load()))
    throw_("schedule: spinning with local work");

  bool inheritTime, tryWakeP;
  g* gp = findRunnable(&inheritTime, &tryWakeP);  // may block until there is work

  // The M is about to run a goroutine, so its search is over: if it was
  // spinning, it leaves that state here, which may call for starting
  // another spinning M.
  if (mp->spinning) resetspinning();

  // The goroutine found is a special one (in Go a GC worker or the trace
  // reader; here, later, timer and netpoll work): wake an idle P, if there
  // is one, for the ordinary goroutines.
  if (tryWakeP) wakep();
  if (gp->lockedm != nullptr) {
    // gp belongs to another M: give that M our P, then park until a P is
    // handed back to us.
    startlockedm(gp);
    goto top;
  }

  execute(gp, inheritTime);
}

// dropg detaches the current goroutine, m->curg, from its M. The usual
// caller has just moved curg out of _Grunning, and calls dropg to complete
// that step.
//
// Our addition: the goroutine takes the thread's C++ exception state and
// errno with it (see g::ehstate, g::goerrno), and execute gives them back
// on whichever M runs it next.
void dropg() {
  m* mp = getg()->m;
  g* gp = mp->curg;
  gp->goerrno = *mp->errnoloc;
  if (void** eh = static_cast<void**>(mp->ehglobals); eh != nullptr) {
    gp->ehstate[0] = eh[0];
    gp->ehstate[1] = eh[1];
    eh[0] = nullptr;
    sanstore(&eh[1], nullptr, __ATOMIC_RELAXED);  // (throwsInFlight)
  }
  // g::m, m::curg: sysmon, preemptone and schedtrace read them without a
  // lock (as Go does plainly): atomic stores.
  sanstore(&gp->m, nullptr, __ATOMIC_RELAXED);
  sanstore(&mp->curg, nullptr, __ATOMIC_RELEASE);
}

// checkTimers runs pp's due timers (Go: checkTimers). now is the current
// time or 0. Returns the time used, when pp's next timer is due (0: none;
// else always later than the time returned), and whether a timer ran.
// Called by the M holding pp, or by a thief (stealWork) on another M.
checkTimersResult checkTimers(p* pp, int64 now) {
  // Nothing to do before the first timer, or the first modified one, is
  // due.
  int64 next = pp->timer0When.load(std::memory_order_relaxed);
  int64 nextAdj = pp->timerModifiedEarliest.load(std::memory_order_relaxed);
  if (next == 0 || (nextAdj != 0 && nextAdj < next)) next = nextAdj;

  if (next == 0) {
    // No timers to run or adjust.
    return {now, 0, false};
  }

  if (now == 0) now = nanotime();
  if (now < next) {
    // Not yet time; go on only to clear deleted timers, on the same
    // condition as below.
    if (pp != getg()->m->p || pp->deletedTimers.load() <= pp->numTimers.load() / 4) return {now, next, false};
  }

  int64 pollUntil = 0;
  bool ran = false;
  lock(&pp->timersLock);

  if (pp->timers.len() > 0) {
    adjusttimers(pp, now);
    while (pp->timers.len() > 0) {
      // runtimer may unlock pp->timersLock for a while.
      if (int64 tw = runtimer(pp, now); tw != 0) {
        if (tw > 0) pollUntil = tw;
        break;
      }
      ran = true;
    }
  }

  // Our own P with many deleted timers: sweep them out. Only for our own,
  // to keep other Ps' timersLocks free.
  if (pp == getg()->m->p && pp->deletedTimers.load() > pp->timers.len() / 4) clearDeletedTimers(pp);

  unlock(&pp->timersLock);

  return {now, pollUntil, ran};
}

static bool parkunlock_c(g*, void* lock) {
  unlock(static_cast<mutex*>(lock));
  return true;
}

// park_m is gopark's continuation on g0.
GORT_NOTSAN static void park_m(g* gp) {
  m* mp = getg()->m;
  casgstatus(gp, _Grunning, _Gwaiting);
  dropg();
  if (auto fn = mp->waitunlockf; fn != nullptr) {
    bool ok = fn(gp, mp->waitlock);
    mp->waitunlockf = nullptr;
    mp->waitlock = nullptr;
    if (!ok) {
      casgstatus(gp, _Gwaiting, _Grunnable);
      execute(gp, true);  // run it again at once; does not return
    }
  }
  schedule();
}

GORT_NOTSAN static void goschedImpl(g* gp) {
  if (__builtin_expect(forkedchild, 0)) forkedchildfatal();  // fork.cpp
  uint32 status = readgstatus(gp);
  if (status != _Grunning) {
    print("runtime: gosched: bad g status ", status, "\n");
    throw_("bad g status");
  }
  casgstatus(gp, _Grunning, _Grunnable);
  dropg();
  m* mp = getg()->m;
  p* pp = mp->p;
  // schedule() runs the P's due timers before it picks a G (findRunnable);
  // the shortcut below bypasses it, so run them here first. Without this, a
  // P whose goroutines only yield never fires a timer (Go's
  // TestYieldProgress). A timer that readies a G fills the local queue,
  // which turns the shortcut off.
  if (pp->timer0When.load(std::memory_order_relaxed) != 0 ||
      pp->timerModifiedEarliest.load(std::memory_order_relaxed) != 0)
    checkTimers(pp, 0);
  lock(&sched.lock);
  globrunqput(gp);
  // Our shortcut: when this P's local queue is empty, schedule() would go
  // straight to the global queue (the fairness check and the ordinary path
  // both take its head), locking sched.lock again. Take the next G now,
  // under the lock already held: the same choice, one lock round trip less.
  // Only that one G: findRunnable takes a batch to spare later lock round
  // trips, but a goroutine that yields takes sched.lock at its next yield
  // anyway, and a batch would be taken off the local queue with a CAS.
  // (Not while goroutines preempted on this M wait for their turn, which
  // schedule() gives them.)
  g* next = nullptr;
  if (mp->lockedg == nullptr && !mp->spinning && sched.gcwaiting.load() == 0 && runqempty(pp) &&
      pp->npinned.load(std::memory_order_relaxed) == 0) {
    next = globrunqget(pp, 1);
    if (next != nullptr && next->lockedm != nullptr) {
      globrunqputhead(next);
      next = nullptr;
    }
  }
  unlock(&sched.lock);
  if (next != nullptr) {
    pp->preempt.store(false, std::memory_order_relaxed);
    execute(next, false);
  }
  schedule();
}

// gosched_m is where Gosched's mcall lands, on g0.
GORT_NOTSAN static void gosched_m(g* gp) { goschedImpl(gp); }

// gopreempt_m is where an asynchronous preemption lands, on g0
// (asyncPreempt2's mcall; Go: gopreempt_m). Difference from Go: the
// goroutine waits to resume on this same M (pinpreempted, preempt.cpp);
// Go's way, the global run queue, is for a goroutine locked to its thread,
// and for all with GODEBUG=asyncpreemptpin=0.
void gopreempt_m(g* gp) {
  pinpreempted(gp);  // returns only to leave gp to Go's path
  goschedImpl(gp);
}

// goyield is like Gosched, but it puts the G on the local run queue (tail)
// instead of the global one; used by semrelease's handoff (Go: goyield).
void goyield() {
  releasem(acquirem());  // checksysblock
  mcall(goyield_m);
}

// goyield_m is goyield's continuation on g0: like Gosched, but the
// goroutine goes to the tail of the local run queue (Go: goyield_m).
GORT_NOTSAN static void goyield_m(g* gp) {
  p* pp = gp->m->p;
  casgstatus(gp, _Grunning, _Grunnable);
  dropg();
  runqput(pp, gp, false);
  schedule();
}

// goexit1 is called by runtime.goexit when a goroutine's entry returns.
void goexit1() {
  releasem(acquirem());  // checksysblock: goexit0 uses the P
  mcall(goexit0);
  __builtin_unreachable();  // the dead goroutine is never resumed
}

// goexit0 finishes gp on g0: gp is dead, its stack goes back to the cache and
// the g to the free list; then schedule.
GORT_NOTSAN static void goexit0(g* gp) {
  m* mp = getg()->m;
  p* pp = mp->p;
  casgstatus(gp, _Grunning, _Gdead);
  bool locked = gp->lockedm != nullptr;
  gp->lockedm = nullptr;
  mp->lockedg = nullptr;
  gp->preempt.store(false, std::memory_order_relaxed);
  gp->param = nullptr;
  gp->waitreason = waitReason::zero;
  gp->startfn = nullptr;
  gp->startarg = nullptr;
  dropg();
  gp->ehstate[0] = gp->ehstate[1] = nullptr;
  sangoexit(gp);
  if (mp->lockedInt != 0) {
    print("invalid m->lockedInt = ", mp->lockedInt, "\n");
    throw_("internal lockOSThread error");
  }
  // A goroutine that exits locked leaves lockedExt set, as Go does: the
  // M is about to end, and its successor (handoffp -> newm) must come
  // from the template thread, not from this possibly tainted thread.
  if (!locked) mp->lockedExt = 0;
  gfput(pp, gp);
  if (locked) {
    // The goroutine ended while locked to this thread, possibly after
    // changing the thread's kernel state in some odd way, so the thread
    // must not be reused for other goroutines. End it instead: jump back
    // to mstart1's gosave, after which mstart0 calls mexit.
    mp->g0->sched.ret = 1;
    sanleave(mp->g0, false, mp->g0, mp->g0->stack.lo, mp->g0->stack.hi, false);
    gogo(&mp->g0->sched);
  }
  schedule();
}

// ---- system calls ----
//
// A goroutine that makes a system call which may block tells the scheduler
// first (entersyscall) and again when it is back (exitsyscall), Go's
// protocol. While it is in the call, its G is _Gsyscall and its P is
// _Psyscall, detached from the M (m->oldp keeps it): sysmon's retake may
// then give the P to another M, so the rest of the program runs on. If the
// call returns soon, exitsyscallfast takes the same P back with one CAS.
// entersyscallblock is for calls known to block long: it gives the P away
// at once. The libc hooks (runtime/syscall_linux.cpp) and gort::syscall /
// gort::blocking (<gort/gort.hpp>) are the callers.
//
// Difference from Go: the context saved for tracebacks of a goroutine in
// a system call includes the frame pointer (Go's save takes pc and sp):
// C++ frames are unwound with their CFI, which may need it.

// save records the caller's context in the goroutine's gobuf, for
// tracebacks while the goroutine is in a system call (Go: save). The
// goroutine keeps running on its stack meanwhile: nothing resumes this
// context.
static inline void save(uintptr pc, uintptr sp, uintptr bp) {
  g* gp = getg();
  if (gp == gp->m->g0 || gp == gp->m->gsignal) throw_("save on system g not allowed");
  gp->sched.pc = pc;
  gp->sched.sp = sp;
  gp->sched.bp = bp;
  gp->sched.ret = 0;
}

// reentersyscall is entersyscall with the caller's context given (Go:
// reentersyscall). The G goes to _Gsyscall, its P to _Psyscall without an
// M (m->oldp remembers it), and m->syscalltick records the P's syscalltick
// so that exitsyscall can tell whether the P was taken meanwhile.
//
// Nothing here may block or switch goroutines: m->locks holds the G on
// this M while its status and its P's disagree.
//
// Our addition: raising m->locks is an entry into the runtime like lock's
// and acquirem's, so it checks m->sysblock. The caller ran with m->locks
// 0 since its own check (a hook's hookable), and its thread may have slept
// in the kernel meanwhile (a page fault; a signal handler): sysmon may have
// taken the P and put gp in _Gsyscall (retakeblocked). Unchecked, the
// casgstatus below failed, and the report itself died on the nested check
// ("sysblockReturn: P taken inside the runtime"). checksysblock leaves gp
// _Grunning with a P, possibly on another M: mp is read after it.
void reentersyscall(uintptr pc, uintptr sp, uintptr bp) {
  g* gp = getg();
  mlocksadd(gp->m, 1);
  checksysblock(gp->m);
  m* mp = gp->m;
  save(pc, sp, bp);
  casgstatus(gp, _Grunning, _Gsyscall);
  if (sched.sysmonwait.load(std::memory_order_relaxed)) systemstack([] { entersyscall_sysmon(); });

  p* pp = mp->p;
  mp->syscalltick = pp->syscalltick.load(std::memory_order_relaxed);
  sanstore(&pp->m, nullptr, __ATOMIC_RELAXED);
  mp->oldp = pp;
  mp->p = nullptr;
  // Publishing _Psyscall and then reading gcwaiting is one side of a
  // store-load pair with stopTheWorldWithSema (which stores gcwaiting and
  // then looks for _Psyscall Ps): one of the two must see the other. Go
  // pays a locked exchange here on every system call; gort puts the whole
  // fence on the rare side, the stopper's procfence (lock_futex.cpp).
  pp->status.store(_Psyscall, std::memory_order_release);
  lightfence();
  if (sched.gcwaiting.load(std::memory_order_relaxed) != 0) systemstack([] { entersyscall_gcwait(); });
  mlocksadd(mp, -1);
}

// entersyscall is called by a goroutine about to make a system call that
// may block (Go: entersyscall). The matching exitsyscall must follow on
// the same goroutine, with nothing in between that uses the runtime.
void entersyscall() {
  auto* fp = static_cast<uintptr*>(__builtin_frame_address(0));
  reentersyscall(fp[1], uintptr(fp + 2), fp[0]);
}

// entersyscall_sysmon wakes sysmon from its deep sleep: a P is now in a
// system call, which sysmon must watch (Go: entersyscall_sysmon).
static void entersyscall_sysmon() {
  lock(&sched.lock);
  if (sched.sysmonwait.load()) {
    sched.sysmonwait.store(false);
    notewakeup(&sched.sysmonnote);
  }
  unlock(&sched.lock);
}

// entersyscall_gcwait: the world is being stopped; a P that has just gone
// into a system call is stopped on the spot (Go: entersyscall_gcwait).
static void entersyscall_gcwait() {
  m* mp = getg()->m;
  p* pp = mp->oldp;
  lock(&sched.lock);
  uint32 s = _Psyscall;
  if (sched.stopwait > 0 && pp->status.compare_exchange_strong(s, _Pgcstop)) {
    pp->syscalltick.store(pp->syscalltick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    if (--sched.stopwait == 0) notewakeup(&sched.stopnote);
  }
  unlock(&sched.lock);
}

// entersyscallblock is entersyscall for a call known to block for a while
// (Go: entersyscallblock): the P is handed off at once instead of waiting
// for sysmon to notice. exitsyscall then takes any idle P, or queues the G.
void entersyscallblock() {
  auto* fp = static_cast<uintptr*>(__builtin_frame_address(0));
  reentersyscallblock(fp[1], uintptr(fp + 2), fp[0]);
}

// reentersyscallblock is entersyscallblock with the caller's context
// given, as reentersyscall is to entersyscall (our addition, for callers
// whose own frame is gone by the time the call blocks: gort::blocking).
void reentersyscallblock(uintptr pc, uintptr sp, uintptr bp) {
  g* gp = getg();
  mlocksadd(gp->m, 1);
  checksysblock(gp->m);  // as in reentersyscall
  m* mp = gp->m;
  p* pp = mp->p;
  mp->syscalltick = pp->syscalltick.load(std::memory_order_relaxed);
  pp->syscalltick.store(mp->syscalltick + 1, std::memory_order_relaxed);
  save(pc, sp, bp);
  casgstatus(gp, _Grunning, _Gsyscall);
  systemstack([] { entersyscallblock_handoff(); });
  save(pc, sp, bp);
  mlocksadd(mp, -1);
}

static void entersyscallblock_handoff() { handoffp(releasep()); }

// exitsyscall is called by a goroutine whose system call has returned (Go:
// exitsyscall). It needs a P to go on: its old one if nobody took it,
// else an idle one (exitsyscallfast); failing both, the G is queued and
// this M parks (exitsyscall0), and the G carries on when some M runs it.
void exitsyscall() {
  g* gp = getg();
  m* mp = gp->m;
  mlocksadd(mp, 1);
  sanstore(&gp->waitsince, int64(0), __ATOMIC_RELAXED);  // sysmon stamps it (markwaitsince)
  p* oldp = mp->oldp;
  mp->oldp = nullptr;
  if (exitsyscallfast(oldp)) {
    p* pp = mp->p;
    pp->syscalltick.store(pp->syscalltick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    casgstatus(gp, _Gsyscall, _Grunning);
    mlocksadd(mp, -1);
    return;
  }
  mlocksadd(mp, -1);
  // Call the scheduler.
  mcall(exitsyscall0);
  // Scheduler returned, so we're allowed to run now. (On some M, with a P.)
  p* pp = getg()->m->p;
  pp->syscalltick.store(pp->syscalltick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

// exitsyscallfast tries to give the M a P again without scheduling: oldp
// if it still waits in _Psyscall, else an idle P (Go: exitsyscallfast).
static bool exitsyscallfast(p* oldp) {
  // Freezetheworld sets stopwait but does not retake P's.
  if (__atomic_load_n(&sched.stopwait, __ATOMIC_RELAXED) == kFreezeStopWait) return false;

  // Try to re-acquire the last P.
  uint32 s = _Psyscall;
  if (oldp != nullptr && oldp->status.load(std::memory_order_relaxed) == _Psyscall &&
      oldp->status.compare_exchange_strong(s, _Pidle, std::memory_order_acquire)) {
    // There's a cpu for us, so we can run.
    wirep(oldp);
    exitsyscallfast_reacquired();
    return true;
  }

  // Try to get any other idle P.
  if (__atomic_load_n(&sched.pidle, __ATOMIC_RELAXED) != nullptr) {
    bool ok = false;
    systemstack([&ok] { ok = exitsyscallfast_pidle(); });
    if (ok) return true;
  }
  return false;
}

// exitsyscallfast_reacquired is exitsyscall's path when the M got its old P
// back: if the P was taken and handed back meanwhile (its syscalltick moved
// on), count one more system call on it (Go: exitsyscallfast_reacquired).
static void exitsyscallfast_reacquired() {
  m* mp = getg()->m;
  p* pp = mp->p;
  if (mp->syscalltick != pp->syscalltick.load(std::memory_order_relaxed)) {
    pp->syscalltick.store(pp->syscalltick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    newslice(pp);
  }
}

// newslice starts a new time slice on pp for a goroutine that comes back
// from a system call during which its P was taken. Difference from Go:
// retake takes a P in a system call whose goroutine has used up its slice
// (sysretake); Go then relies on the goroutine being rescheduled, which a
// goroutine that gets a P straight back in exitsyscallfast is not, so each
// later sysmon tick would take its P again (measured: a loop of one-byte
// writes lost its P every 20-60 us, 15,000 thread switches a second). The
// P taken is the goroutine's preemption; its slice begins again here, so
// a preemption request still pending for it is void, and sysmon is told
// when the slice began (p::slicetick), which it cannot see itself.
static void newslice(p* pp) {
  uint32 t = pp->schedtick.load(std::memory_order_relaxed) + 1;
  pp->schedtick.store(t, std::memory_order_relaxed);
  pp->slicewhen.store(nanotime(), std::memory_order_relaxed);
  pp->slicetick.store(t, std::memory_order_release);
  getg()->m->curg->preempt.store(false, std::memory_order_relaxed);
}

static bool exitsyscallfast_pidle() {
  lock(&sched.lock);
  p* pp = pidleget();
  if (pp != nullptr && sched.sysmonwait.load()) {
    sched.sysmonwait.store(false);
    notewakeup(&sched.sysmonnote);
  }
  unlock(&sched.lock);
  if (pp != nullptr) {
    acquirep(pp);
    newslice(pp);
    return true;
  }
  return false;
}

// exitsyscall0 is exitsyscall's slow path on g0: no P was free, so gp
// goes to the global run queue and this M stops; or a P became free after
// all, and gp runs on it (Go: exitsyscall0).
static void exitsyscall0(g* gp) {
  casgstatus(gp, _Gsyscall, _Grunnable);
  dropg();
  lock(&sched.lock);
  p* pp = pidleget();
  bool locked = false;
  if (pp == nullptr) {
    globrunqput(gp);
    // Below, we stoplockedm if gp is locked. globrunqput releases
    // ownership of gp, so we must check if gp is locked prior to
    // committing the release by unlocking sched.lock, otherwise we could
    // race with another M transitioning gp from unlocked to locked.
    locked = gp->lockedm != nullptr;
  } else if (sched.sysmonwait.load()) {
    sched.sysmonwait.store(false);
    notewakeup(&sched.sysmonnote);
  }
  unlock(&sched.lock);
  if (pp != nullptr) {
    acquirep(pp);
    execute(gp, false);  // Never returns.
  }
  if (locked) {
    // Wait until another thread schedules gp and so m again.
    stoplockedm();
    execute(gp, false);  // Never returns.
  }
  stopm();
  schedule();  // Never returns.
}

// sysblockReturn is where an M lands, at its next entry into the runtime,
// when sysmon found it blocked in the kernel without a system call it had
// told us about and may have given its P away (retakeblocked, below). Our
// addition: Go's goroutines make every system call through entersyscall.
//
// m->sysblock is 1 while sysmon proposes to take the P (it then checks,
// after a procfence, that this M is in no runtime code); this M vetoes by
// setting it back to 0. 2 means sysmon has begun to take it, 3 that it is
// done: the G is then in _Gsyscall with m->oldp set, exactly as after
// entersyscall, and the M leaves that state with exitsyscall. mp->locks
// holds the one count of the entry that called us (lock or acquirem).
void sysblockReturn(m* mp) {
  uint32 one = 1;
  if (mp->sysblock.compare_exchange_strong(one, 0)) return;  // vetoed
  while (mp->sysblock.load(std::memory_order_acquire) == 2) osyield();
  if (mp->sysblock.load(std::memory_order_relaxed) != 3) return;
  if (mp->locks != 1) throw_("sysblockReturn: P taken inside the runtime");
  mp->sysblock.store(0, std::memory_order_relaxed);
  mlocksadd(mp, -1);
  exitsyscall();
  mlocksadd(getg()->m, 1);
}

// malg allocates a new g (Go: malg). Difference from Go: no stack yet; it is
// attached when the goroutine first runs (see g::stacksize).
g* malg() {
  void* v = persistentalloc(sizeof(g), alignof(g));
  return new (v) g();
}

// newproc makes a goroutine that will run fn(arg) and queues it to be run
// (Go: newproc). Go runs newproc1 on the system stack because
// goroutine stacks start small; ours are fixed and large, so it runs here.
g* newproc(void (*fn)(void*), void* arg) {
  g* gp = getg();
  uintptr pc = reinterpret_cast<uintptr>(__builtin_return_address(0));
  return newproc1(fn, arg, gp->m->curg, pc, true);
}

// newproc1 prepares a new g in state _Gdead that will run fn(arg) (Go:
// newproc1). The caller then fills in the closure if any and calls
// newproc_start, which makes it runnable; gort::go puts the user's callable
// into the g between the two.
g* newproc1(void (*fn)(void*), void* arg, g* callergp, uintptr callerpc, bool start) {
  if (fn == nullptr) fatal("go of nil func value");
  m* mp = acquirem();  // not preemptible while pp, our P, is in a local
  p* pp = mp->p;
  g* newg = gfget(pp);
  if (newg == nullptr) {
    newg = malg();
    casgstatus(newg, _Gidle, _Gdead);
    allgadd(newg);  // visible in allgs from here, as _Gdead
  }
  if (readgstatus(newg) != _Gdead) throw_("newproc1: new g is not Gdead");

  newg->sched = gobuf{};
  newg->sched.g_ = newg;
  // A new goroutine inherits the floating-point environment of its creator,
  // as a new thread does.
  savefpcontrol(&newg->sched);
  newg->stacksize = fn == &main ? mainStackSize : startingStackSize;
  newg->startfn = fn;
  newg->startarg = arg;
  newg->gopc = callerpc;
  newg->parentgoid = callergp != nullptr ? callergp->goid : 0;
  newg->startpc = reinterpret_cast<uintptr>(fn);
  newg->waitreason = waitReason::zero;
  newg->param = nullptr;
  releasem(mp);
  if (start) newproc_start(newg);
  return newg;
}

// newproc_start makes a g prepared by newproc1 runnable: it gets its goid and
// goes into runnext of the current P, so it runs next (Go: the end of
// newproc1 and newproc).
void newproc_start(g* newg) {
  m* mp = acquirem();
  p* pp = mp->p;
  if (pp->goidcache == pp->goidcacheend) {
    // goidgen holds the last id handed out, so this P's new batch is
    // [goidgen+1, goidgen+kGoidCacheBatch]. goidgen starts at 0, which
    // gives the main goroutine goid 1.
    pp->goidcache = sched.goidgen.fetch_add(kGoidCacheBatch) + kGoidCacheBatch;
    pp->goidcache -= kGoidCacheBatch - 1;
    pp->goidcacheend = pp->goidcache + kGoidCacheBatch;
  }
  newg->goid = int64(pp->goidcache);
  pp->goidcache++;
  // Once queued, newg may run, exit and be reused by another M before we
  // are done here: nothing of it is read after runqput (TSan saw the goid).
  bool ismain = newg->goid == 1;
  casgstatus(newg, _Gdead, _Grunnable);
  runqput(pp, newg, true);
  if (mainStarted.load(std::memory_order_relaxed)) {
    startsysmon();
    wakep();
  }
  releasem(mp);
  if (ismain) boottrace(bootstep::newproc, "runtime.main as goroutine", 1);
}

// dolockOSThread links the current goroutine and its M to each other;
// LockOSThread and lockOSThread below call it once they have raised their
// count.
static void dolockOSThread() {
  g* gp = getg();
  gp->m->lockedg = gp;
  gp->lockedm = gp->m;
}

// LockOSThread binds the calling goroutine to the OS thread it is running
// on (Go: LockOSThread). The external count is the user's; the runtime's
// own uses (lockOSThread) are counted apart.
void LockOSThread() {
  if (newmHandoff.haveTemplateThread.load() == 0) {
    // If we need to start a new thread from the locked thread, we need
    // the template thread. Start it now while we're in a known-good state.
    startTemplateThread();
  }
  g* gp = getg();
  gp->m->lockedExt++;
  if (gp->m->lockedExt == 0) {
    gp->m->lockedExt--;
    panicstring("LockOSThread nesting overflow");
  }
  dolockOSThread();
}

void lockOSThread() {
  getg()->m->lockedInt++;
  dolockOSThread();
}

// dounlockOSThread undoes the wiring once both counts are zero.
static void dounlockOSThread() {
  g* gp = getg();
  if (gp->m->lockedInt != 0 || gp->m->lockedExt != 0) return;
  gp->m->lockedg = nullptr;
  gp->lockedm = nullptr;
}

void UnlockOSThread() {
  g* gp = getg();
  if (gp->m->lockedExt == 0) return;
  gp->m->lockedExt--;
  dounlockOSThread();
}

void unlockOSThread() {
  g* gp = getg();
  if (gp->m->lockedInt == 0) throw_("runtime: internal error: misuse of lockOSThread/unlockOSThread");
  gp->m->lockedInt--;
  dounlockOSThread();
}

// gcount is the number of live goroutines (Go: gcount).
int32 gcount() {
  int64 n = int64(allglen.load()) - sched.gFree.n.load(std::memory_order_relaxed) - int64(sched.ngsys.load());
  for (int32 i = 0; i < gomaxprocs; i++) n -= allp[i]->gFree.n.load(std::memory_order_relaxed);
  // The counts above change under our feet, so the total may be off; it is
  // at least 1 all the same, for the goroutine that is running this.
  return n < 1 ? 1 : int32(n);
}

int32 mcount() { return int32(sched.mnext - sched.nmfreed); }

// pinit sets up pp, either a new P or one destroyed by an earlier shrink,
// and leaves it in _Pgcstop (Go: p.init).
static void pinit(p* pp, int32 id) {
  pp->id = id;
  pp->status.store(_Pgcstop, std::memory_order_relaxed);
  if (pp->mcache == nullptr) pp->mcache = allocmcache();
  // A new P may get timers at once (Go: p.init sets its timerpMask bit).
  pMaskSet(timerpMask, id);
}

// pdestroy gives up everything pp holds (queued goroutines to the global
// queue, free Gs, cached stacks and sudogs to their shared pools) and leaves
// it in _Pdead (Go: p.destroy). It runs under sched.lock, with the world
// stopped.
static void pdestroy(p* pp) {
  // Its runnable goroutines go to the global queue.
  pinnedflush(pp, true);
  while (pp->runqhead.load() != pp->runqtail.load()) {
    // Newest first, from the tail: each goes to the global head, which
    // keeps their order.
    uint32 t = pp->runqtail.load() - 1;
    pp->runqtail.store(t);
    globrunqputhead(pp->runq[t % kRunqSize].load());
  }
  if (g* gp = pp->runnext.exchange(nullptr); gp != nullptr) globrunqputhead(gp);
  if (pp->timers.len() > 0) {
    p* plocal = getg()->m->p;
    // The world is stopped, but sysmon may read the timers (timeSleepUntil)
    // and a thief may hold pp's timersLock: lock both. Nowhere else does
    // an M hold two timersLocks, so the order cannot deadlock.
    lock(&plocal->timersLock);
    lock(&pp->timersLock);
    moveTimers(plocal, &pp->timers);
    pp->timers.n = 0;  // the array stays, for a later pinit of this P
    pp->numTimers.store(0);
    pp->deletedTimers.store(0);
    pp->timer0When.store(0);
    unlock(&pp->timersLock);
    unlock(&plocal->timersLock);
  }
  gfpurge(pp);
  stackcache_clear(pp);
  freemcache(pp->mcache);
  pp->mcache = nullptr;
  // Give the sudog cache to the central one.
  lock(&sched.sudoglock);
  while (pp->sudogn > 0) {
    sudog* sg = pp->sudogcache[--pp->sudogn];
    pp->sudogcache[pp->sudogn] = nullptr;
    sg->next = sched.sudogcache;
    sched.sudogcache = sg;
  }
  unlock(&sched.sudoglock);
  pp->status.store(_Pdead, std::memory_order_relaxed);
}

// procresize sets the number of Ps to nprocs (Go: procresize). The caller
// holds sched.lock and has stopped the world. The result lists the Ps that
// have goroutines queued; the caller must find Ms to run them.
p* procresize(int32 nprocs) {
  assertLockHeld(&sched.lock);
  int32 old = gomaxprocs;
  if (old < 0 || nprocs <= 0) throw_("procresize: invalid arg");

  if (old != 0) {
    int64 now = nanotime();
    if (sched.procresizetime != 0) sched.totaltime += int64(old) * (now - sched.procresizetime);
    sched.procresizetime = now;
  }

  // Grow allp if necessary. The old arrays stay valid (persistentalloc
  // never frees): Ms that dropped their P may still read a snapshot.
  if (uint32(nprocs) > allpcap) {
    auto** nallp = static_cast<p**>(persistentalloc(sizeof(p*) * uint32(nprocs), 8));
    for (int32 i = 0; i < old; i++) nallp[i] = allp[i];
    uint32 words = (uint32(nprocs) + 31) / 32;
    auto* nmask = static_cast<std::atomic<uint32>*>(persistentalloc(sizeof(uint32) * words, 8));
    for (uint32 i = 0; idlepMask != nullptr && i < (allpcap + 31) / 32; i++) nmask[i].store(idlepMask[i].load());
    auto* ntmask = static_cast<std::atomic<uint32>*>(persistentalloc(sizeof(uint32) * words, 8));
    for (uint32 i = 0; timerpMask != nullptr && i < (allpcap + 31) / 32; i++) ntmask[i].store(timerpMask[i].load());
    __atomic_store_n(&allp, nallp, __ATOMIC_RELEASE);
    __atomic_store_n(&idlepMask, nmask, __ATOMIC_RELEASE);
    __atomic_store_n(&timerpMask, ntmask, __ATOMIC_RELEASE);
    allpcap = uint32(nprocs);
  }

  // Set up the Ps that are new.
  for (int32 i = old; i < nprocs; i++) {
    p* pp = allp[i];
    if (pp == nullptr) pp = new (persistentalloc(sizeof(p), 64)) p();
    pinit(pp, i);
    __atomic_store_n(&allp[i], pp, __ATOMIC_RELEASE);
  }

  m* mp = getg()->m;
  if (mp->p != nullptr && mp->p->id < nprocs) {
    // This M keeps the P it holds.
    mp->p->status.store(_Prunning, std::memory_order_relaxed);
  } else {
    // Our P is going away, or we have none: switch to allp[0].
    if (mp->p != nullptr) sanstore(&mp->p->m, nullptr, __ATOMIC_RELAXED);
    mp->p = nullptr;
    p* pp = allp[0];
    sanstore(&pp->m, nullptr, __ATOMIC_RELAXED);
    pp->status.store(_Pidle, std::memory_order_relaxed);
    acquirep(pp);
  }

  // Empty the Ps beyond nprocs (pdestroy).
  for (int32 i = nprocs; i < old; i++) pdestroy(allp[i]);

  p* runnablePs = nullptr;
  for (int32 i = nprocs - 1; i >= 0; i--) {
    p* pp = allp[i];
    if (mp->p == pp) continue;
    pp->status.store(_Pidle, std::memory_order_relaxed);
    pinnedflush(pp, true);  // its M lost it in a system call: nothing holds them
    if (runqempty(pp)) {
      pidleput(pp);
    } else {
      sanstore(&pp->m, mget(), __ATOMIC_RELAXED);
      pp->link = runnablePs;
      runnablePs = pp;
    }
  }
  // A shrunk P is not idle any more.
  for (int32 i = nprocs; i < old; i++) pMaskClear(idlepMask, i);
  for (int32 i = nprocs; i < old; i++) pMaskClear(timerpMask, i);
  if (stealOrder.count != uint32(nprocs)) stealOrderReset(uint32(nprocs));
  __atomic_store_n(&gomaxprocs, nprocs, __ATOMIC_RELEASE);
  return runnablePs;
}

// acquirep gives the P pp to the current M (Go: acquirep).
void acquirep(p* pp) { wirep(pp); }

// wirep does the linking part of acquirep: pp and the current M point to
// each other, and pp becomes _Prunning.
void wirep(p* pp) {
  m* mp = getg()->m;
  if (mp->p != nullptr) throw_("wirep: already in go");
  if (pp->m != nullptr || pp->status.load(std::memory_order_relaxed) != _Pidle) {
    print("wirep: p->m=", pp->m != nullptr ? pp->m->id : 0, " p->status=", pp->status.load(std::memory_order_relaxed), "\n");
    throw_("wirep: invalid p state");
  }
  mp->p = pp;
  // p::m is read by sysmon and preemptone without a lock (plainly in Go):
  // atomic stores, here and wherever it changes.
  sanstore(&pp->m, mp, __ATOMIC_RELEASE);
  pp->status.store(_Prunning, std::memory_order_relaxed);
}

// releasep unlinks the current M from its P and returns that P, now idle.
p* releasep() {
  m* mp = getg()->m;
  if (mp->p == nullptr) throw_("releasep: invalid arg");
  p* pp = mp->p;
  if (pp->m != mp || pp->status.load(std::memory_order_relaxed) != _Prunning) {
    print("releasep: m=", mp->id, " p->status=", pp->status.load(std::memory_order_relaxed), "\n");
    throw_("releasep: invalid p state");
  }
  mp->p = nullptr;
  sanstore(&pp->m, nullptr, __ATOMIC_RELAXED);
  pp->status.store(_Pidle, std::memory_order_relaxed);
  return pp;
}

// incidlelocked counts Ms parked while locked to a goroutine, which
// checkdead must not count as running.
void incidlelocked(int32 v) {
  lock(&sched.lock);
  sched.nmidlelocked += v;
  if (v > 0) checkdead();
  unlock(&sched.lock);
}

// checkdead checks for a deadlock: no M is running user code and none can
// start. It is called when an M goes idle. sched.lock must be held.
//
// While a timer is pending there is no deadlock: the M sleeping in netpoll
// counts as running, and in any case a P with timers will wake someone.
void checkdead() {
  assertLockHeld(&sched.lock);
  if (panicking.load() > 0) return;
  int32 run = mcount() - sched.nmidle - sched.nmidlelocked - sched.nmsys;
  if (run > 0) return;
  if (run < 0) {
    print("runtime: checkdead: nmidle=", sched.nmidle, " nmidlelocked=", sched.nmidlelocked, " mcount=", mcount(),
          " nmsys=", sched.nmsys, "\n");
    throw_("checkdead: inconsistent counts");
  }
  int32 grunning = 0;
  lock(&allglock);
  for (g* gp = allgs; gp != nullptr; gp = gp->alllink) {
    uint32 s = readgstatus(gp);
    switch (s) {
      case _Gwaiting:
      case _Gpreempted:
        grunning++;
        break;
      case _Grunnable:
      case _Grunning:
      case _Gsyscall:
        print("runtime: checkdead: find g ", gp->goid, " in status ", s, "\n");
        throw_("checkdead: runnable g");
    }
  }
  unlock(&allglock);
  // Threads that gort does not manage may still make a goroutine runnable
  // (foreign.cpp): no deadlock while there are any. The Ms that ended and
  // the parked m0 may still have threads; they are not foreign.
  int32 nexited = m0exited ? 1 : 0;
  for (m* mp = sched.freem; mp != nullptr; mp = mp->freelink) nexited++;
  if (foreignthreads(nexited)) return;

  if (grunning == 0) {
    unlock(&sched.lock);  // Go's crash dump (GODEBUG=scheddetail=1) locks it
    fatal("no goroutines (main called runtime.Goexit) - deadlock!");
  }

  // Nothing runs, so the Ps' heaps hold still: a timer in any of them will
  // make some goroutine runnable in time.
  for (int32 i = 0; i < gomaxprocs; i++) {
    if (__atomic_load_n(&allp[i]->timers.n, __ATOMIC_ACQUIRE) > 0) return;
  }

  unlock(&sched.lock);  // Go's crash dump (GODEBUG=scheddetail=1) locks it
  fatal("all goroutines are asleep - deadlock!");
}

static constexpr int64 kScavengePeriod = 500 * 1000 * 1000;  // ns
// How often sysmon stamps the goroutines that block (markwaitsince): a pass
// reads every g, some 100 ms of a CPU with a million of them, so not at
// every scavenger pass. The minutes of a dump are then late by at most
// this much; Go's, stamped by its collector, by up to its forced GC period.
static constexpr int64 kWaitsincePeriod = int64(10) * 1000 * 1000 * 1000;
// Go's forcegcperiod, 2 minutes: the bound on sysmon's deep sleep is half
// of it, even with no GC to sample for.
static constexpr int64 kForcegcperiod = int64(2) * 60 * 1000 * 1000 * 1000;
static constexpr uintptr kPoolKeepHotStacks = 64;

// Our addition: when a preemption request finds no safe point (the
// goroutine is in libc, in the runtime, in a no_preempt region), retake
// tries again after kPreemptRetryNS, doubling up to kPreemptRetryMaxNS;
// Go waits for its next sysmon tick, up to 10 ms, which a goroutine that
// spends 95 % of its time in malloc (research/preemption.md A2) would make
// 200 ms. And sysmon sleeps no longer than until the earliest such time,
// or the end of the earliest slice (sysmonwake, set by retake): a slice
// then ends 10 ms after it began, where Go's sysmon notices the end up to
// a tick later (measured in Go here: 20 ms median).
static constexpr int64 kPreemptRetryNS = 100 * 1000;
static constexpr int64 kPreemptRetryMaxNS = 1000 * 1000;
static int64 sysmonwake;  // sysmon only; 0: nothing to wake for

// sysmon has an M of its own and never holds a P, so it runs no goroutine
// (Go: sysmon; Go adds that this rules out write barriers there). It
// wakes up every 20us at first, doubling its sleep after 1 ms of finding
// nothing to do, up to 10 ms; while every P is idle it sleeps on
// sched.sysmonnote until the scheduler wakes it (deep sleep). It polls the
// network, retakes the Ps of Ms blocked in system calls and preempts
// goroutines that have run a whole slice (retake), prints schedtrace, runs
// the stack scavenger, and stamps blocked goroutines' waitsince.
static void sysmon() {
  lock(&sched.lock);
  sched.nmsys++;
  checkdead();
  unlock(&sched.lock);
  getg()->m->isSysmon = true;
  // Timer slack: the kernel may let a sleep run over by up to the thread's
  // slack (50 us by default), which would stretch sysmon's 20 us ticks to
  // ~100 us (measured here: usleep(20) sleeps 100 us by default, 56 us with
  // a slack of 1 ns). The slack is per thread: only sysmon's changes.
  sys_prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);

  int64 lasttrace = 0;
  int64 lastscavenge = nanotime();
  int64 lastwaitsince = lastscavenge;
  int32 idle = 0;  // consecutive rounds in which sysmon woke nobody
  uint32 delay = 0;
  for (;;) {
    if (idle == 0) {  // 20 us to begin with
      delay = 20;
    } else if (idle > 50) {  // after about 1 ms idle, double each round
      delay *= 2;
    }
    if (delay > 10 * 1000) delay = 10 * 1000;  // capped at 10 ms
    // Our addition: not past the end of a slice, or the next try at
    // preempting a goroutine (retake sets sysmonwake).
    uint32 sleep = delay;
    if (int64 w = sysmonwake; w != 0) {
      int64 us = (w - nanotime() + 999) / 1000;
      if (us < 20) us = 20;
      if (us < int64(sleep)) sleep = uint32(us);
    }
    usleep(sleep);

    // With schedtrace on, sysmon stays out of deep sleep: the trace lines
    // would not come out on time otherwise.
    int64 now = nanotime();
    // (gomaxprocs read atomically here: sysmon has no P, and procresize
    // may change it meanwhile; the Ms that read it plainly hold a P.)
    if (debug.schedtrace <= 0 &&
        (sched.gcwaiting.load() != 0 || sched.npidle.load() == uint32(__atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED)))) {
      lock(&sched.lock);
      if (sched.gcwaiting.load() != 0 || sched.npidle.load() == uint32(gomaxprocs)) {
        bool syscallWake = false;
        int64 next = timeSleepUntil();
        if (next > now) {
          sched.sysmonwait.store(true);
          unlock(&sched.lock);
          // Sleep until the next timer, at most forcegcperiod/2 (60 s,
          // Go's bound, which keeps its GC sampling fresh).
          int64 sleep = kForcegcperiod / 2;
          if (next - now < sleep) sleep = next - now;
          // Nothing runs for a while: give back the memory of every pooled
          // stack but the hot ones before sleeping. Not for a short sleep
          // (a timer due soon): the stacks would be faulted in again at
          // once, and the periodic pass below covers a program that naps
          // often.
          if (sleep >= kScavengePeriod) {
            stackscavenge(kPoolKeepHotStacks);
            heapscavenge(now);
          }
          syscallWake = notetsleep(&sched.sysmonnote, sleep);
          lock(&sched.lock);
          sched.sysmonwait.store(false);
          noteclear(&sched.sysmonnote);
        }
        // A wake-up for a timer leaves idle and delay as they are: a
        // program that mostly sleeps should not get a busy sysmon.
        if (syscallWake) {
          idle = 0;
          delay = 20;
        }
      }
      unlock(&sched.lock);
    }

    lock(&sched.sysmonlock);
    now = nanotime();
    // poll network if not polled for more than 10ms
    int64 lastpoll = sched.lastpoll.load();
    if (netpollinited() && lastpoll != 0 && lastpoll + 10 * 1000 * 1000 < now) {
      sched.lastpoll.compare_exchange_strong(lastpoll, now);
      gList list = netpoll(0);  // non-blocking - returns list of goroutines
      if (!list.empty()) {
        // Need to decrement number of idle locked M's (pretending that one
        // more is running) before injectglist. Otherwise it can lead to the
        // following situation: injectglist grabs all P's but before it
        // starts M's to run the P's, another M returns from syscall,
        // finishes running its G, observes that there is no work to do and
        // no other running M's and reports deadlock.
        incidlelocked(-1);
        injectglist(&list);
        incidlelocked(1);
      }
    }
    // Timers overdue while every P is idle: the M that should have woken
    // for them (netpoll's sleeper) has not. Go does this only on NetBSD,
    // whose kernel can lose netpollBreak's wake-ups; here it is a cheap
    // safety net, and it only acts when a P is idle.
    if (sched.npidle.load() == uint32(__atomic_load_n(&gomaxprocs, __ATOMIC_RELAXED))) {
      if (int64 next = timeSleepUntil(); next < now) startm(nullptr, false);
    }
    // retake P's blocked in syscalls
    // and preempt long running G's
    if (retake(now) != 0) {
      idle = 0;
    } else {
      idle++;
    }
    // Our addition: the spinning protocol tolerates a window in which an M
    // gives up its P without re-checking (it was not spinning) just after a
    // goroutine was queued on a busy P, whose submitter saw no idle P to
    // wake. Go closes it by preempting the busy P's goroutine within 10 ms,
    // as gort now does too; but a goroutine in a long library call or a
    // no_preempt region cannot be preempted, so sysmon also notices queued
    // work with an idle P and no spinning M, and wakes a P for it.
    if (sched.npidle.load() > 0 && sched.nmspinning.load() == 0 && sched.gcwaiting.load() == 0 && runqsbusy()) {
      wakep();
      idle = 0;
    }
    // The stack scavenger (Go's bgscavenge, woken by sysmon): return the
    // memory of stacks that stayed pooled for a whole period.
    if (now - lastscavenge >= kScavengePeriod) {
      lastscavenge = now;
      stackscavengeidle();
      heapscavengeidle(now);
    }
    if (now - lastwaitsince >= kWaitsincePeriod) {
      lastwaitsince = now;
      markwaitsince(now);
    }
    if (debug.schedtrace > 0 && lasttrace + int64(debug.schedtrace) * 1000000 <= now) {
      lasttrace = now;
      schedtrace(debug.scheddetail > 0);
    }
    unlock(&sched.sysmonlock);
  }
}

// runqsbusy reports whether a running P has goroutines queued.
static bool runqsbusy() {
  int32 n = __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE);
  p** ps = __atomic_load_n(&allp, __ATOMIC_ACQUIRE);
  std::atomic<uint32>* mask = __atomic_load_n(&idlepMask, __ATOMIC_ACQUIRE);
  for (int32 i = 0; i < n; i++)
    if (!pMaskRead(mask, uint32(i)) && !runqempty(ps[i])) return true;
  return false;
}

// markwaitsince stamps the goroutines that are blocked and not yet stamped
// with the time, for the "N minutes" of goroutine dumps (Go stamps g.waitsince
// the same way when its collector scans a blocked goroutine; gort has no
// collector, and sysmon does it every scavenger period). A goroutine that
// runs again meanwhile has its stamp cleared by execute; if it started
// running while we stamped, the stamp is taken back.
static void markwaitsince(int64 now) {
  for (g* gp = __atomic_load_n(&allgs, __ATOMIC_ACQUIRE); gp != nullptr; gp = gp->alllink) {
    uint32 s = readgstatus(gp);
    if ((s != _Gwaiting && s != _Gsyscall) || __atomic_load_n(&gp->waitsince, __ATOMIC_RELAXED) != 0) continue;
    __atomic_store_n(&gp->waitsince, now, __ATOMIC_SEQ_CST);
    s = readgstatus(gp);
    if (s != _Gwaiting && s != _Gsyscall) {
      int64 expect = now;
      __atomic_compare_exchange_n(&gp->waitsince, &expect, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);
    }
  }
}

// forcePreemptNS is the time slice given to a G before it is preempted
// (Go: forcePreemptNS).
static constexpr int64 kForcePreemptNS = 10 * 1000 * 1000;


// slicestart returns when pp's slice t began: the time the M stamped for it
// where it did (p::slicetick: a goroutine resuming after a preemption or
// a retaken system call), else now, the first time sysmon sees it (Go's
// estimate).
static int64 slicestart(p* pp, uint32 t, int64 now) {
  uint32 st = pp->slicetick.load(std::memory_order_acquire);
  int64 w = pp->slicewhen.load(std::memory_order_relaxed);
  if (st != t || pp->slicetick.load(std::memory_order_acquire) != st || w <= 0 || w > now) return now;
  return w;
}

// retake takes back the Ps of Ms that are blocked in system calls, and
// asks goroutines that have run for longer than a time slice to yield; it
// returns how many Ps it took back (Go: retake). sysmon only. Go holds
// allpLock here; gort's allp arrays are never freed and are published
// before gomaxprocs grows, so a snapshot read without a lock suffices.
static uint32 retake(int64 now) {
  uint32 n = 0;
  sysmonwake = 0;
  int32 np = __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE);
  p** ps = __atomic_load_n(&allp, __ATOMIC_ACQUIRE);
  for (int32 i = 0; i < np; i++) {
    p* pp = __atomic_load_n(&ps[i], __ATOMIC_ACQUIRE);
    if (pp == nullptr) {
      // This can happen if procresize has grown allp but not yet created
      // new Ps.
      continue;
    }
    auto& pd = pp->sysmontick;
    uint32 s = pp->status.load(std::memory_order_relaxed);
    bool sysretake = false;
    bool stuck = false;  // no scheduling point since sysmon's last look
    if (s == _Prunning || s == _Psyscall) {
      // Preempt G if it's running for too long.
      uint32 t = pp->schedtick.load(std::memory_order_relaxed);
      if (pd.schedtick != t) {
        pd.schedtick = t;
        pd.schedwhen = slicestart(pp, t, now);
        pd.preemptnext = 0;
      } else {
        stuck = true;
        if (pd.schedwhen + kForcePreemptNS <= now) {
          if (now >= pd.preemptnext) {
            preemptone(pp);
            pd.preemptbackoff = pd.preemptnext == 0 ? kPreemptRetryNS : 2 * pd.preemptbackoff;
            if (pd.preemptbackoff > kPreemptRetryMaxNS) pd.preemptbackoff = kPreemptRetryMaxNS;
            pd.preemptnext = now + pd.preemptbackoff;
          }
          // In case of syscall, preemptone() doesn't
          // work, because there is no M wired to P.
          sysretake = true;
        }
      }
      if (s == _Prunning) {
        int64 w = pd.preemptnext != 0 ? pd.preemptnext : pd.schedwhen + kForcePreemptNS;
        if (sysmonwake == 0 || w < sysmonwake) sysmonwake = w;
      }
    }
    // On the one hand we don't want to retake Ps if there is no other work to do,
    // but on the other hand we want to retake them eventually
    // because they can prevent the sysmon thread from deep sleep.
    auto idleWork = [&](int64 since) {
      return runqempty(pp) && pp->npinned.load(std::memory_order_relaxed) == 0 && sched.nmspinning.load() + sched.npidle.load() > 0 && since + 10 * 1000 * 1000 > now;
    };
    if (s == _Prunning && stuck && !idleWork(pd.schedwhen)) {
      // Our addition: an M blocked in the kernel without having told us.
      if (retakeblocked(pp, now)) n++;
      continue;
    }
    if (s == _Psyscall) {
      // Retake P from syscall if it's there for more than 1 sysmon tick (at least 20us).
      uint32 t = pp->syscalltick.load(std::memory_order_relaxed);
      if (!sysretake && pd.syscalltick != t) {
        pd.syscalltick = t;
        pd.syscallwhen = now;
        continue;
      }
      if (idleWork(pd.syscallwhen)) continue;
      // Need to decrement number of idle locked M's
      // (pretending that one more is running) before the CAS.
      // Otherwise the M from which we retake can exit the syscall,
      // increment nmidle and report deadlock.
      incidlelocked(-1);
      uint32 expect = _Psyscall;
      if (pp->status.compare_exchange_strong(expect, _Pidle)) {
        n++;
        pp->syscalltick.store(pp->syscalltick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        handoffp(pp);
      }
      incidlelocked(1);
    }
  }
  return n;
}

// retakeblocked takes pp from its M when that M's thread sleeps in the
// kernel in a call that did not go through entersyscall (a raw syscall(2),
// a library's own futex, stdio writing to a full pipe), as retake does for
// a P in a system call; our addition, since in Go every system call tells
// the scheduler. pp has run no scheduling point since sysmon's last look,
// and other work waits for it. Returns whether pp was taken.
//
// The M is not stopped: it may come back from the kernel at any moment,
// and then it must not use pp. So the P changes hands through a handshake
// on m::sysblock with the M's next entry into the runtime (checksysblock,
// in lock, acquirem and the mcall wrappers, right after they raise
// m::locks): sysmon proposes (1), procfence()s so that from now on that
// M's entries see the proposal or sysmon sees their m::locks, and checks
// again that the M runs no runtime code and still sleeps in the kernel. An
// entering M vetoes (1 -> 0); otherwise sysmon commits (1 -> 2), turns the
// G and the P into what entersyscall would have made them, and publishes 3;
// the M then leaves that state with exitsyscall (sysblockReturn). Runtime
// code that uses the P either holds m::locks or runs on g0, and never
// sleeps in the kernel without one of them; which is why the thread state
// (S or D: asleep in the kernel) is read again after the fence.
//
// Never a signal: it would cut short sleeps (nanosleep, poll, sleep)
// that the program made.
static bool retakeblocked(p* pp, int64 now) {
  if (!lockStoreRelease || debug.retakeblocked == 0) return false;  // the handshake needs membarrier
  m* mp = __atomic_load_n(&pp->m, __ATOMIC_ACQUIRE);
  // mp may exit and be rebuilt by allocm for reuse while we look: what we
  // read is only trusted once checked again after the CAS below.
  sanracyscope racy;
  if (mp == nullptr || mp->tls == 0) return false;
  g* gp = __atomic_load_n(&mp->curg, __ATOMIC_ACQUIRE);
  if (gp == nullptr) return false;
  auto inuser = [&] {
    return mp->locks.load(std::memory_order_acquire) == 0 &&
           __atomic_load_n(reinterpret_cast<g**>(mp->tls), __ATOMIC_RELAXED) == gp;
  };
  auto asleep = [&] {
    int32 st = threadstate(mp);
    return st == 'S' || st == 'D';
  };
  if (!inuser() || !asleep()) return false;
  if constexpr (GORT_TSAN) {
    // A thread asleep inside TSan's own runtime (its locks, a new fiber's
    // pages) is not in a system call of the program's, and would run the
    // goroutine's code again beside the P's next one: not retaken.
    uintptr sp, pc;
    if (!threadsyscallsp(mp, &sp, &pc) || sancaller(reinterpret_cast<void*>(pc))) return false;
  }
  uint32 expect = 0;
  if (!mp->sysblock.compare_exchange_strong(expect, 1)) return false;
  procfence();
  bool ok = inuser() && __atomic_load_n(&mp->curg, __ATOMIC_ACQUIRE) == gp &&
            __atomic_load_n(&pp->m, __ATOMIC_ACQUIRE) == mp &&
            pp->status.load(std::memory_order_relaxed) == _Prunning &&
            pp->schedtick.load(std::memory_order_relaxed) == pp->sysmontick.schedtick &&
            readgstatus(gp) == _Grunning && asleep();
  expect = 1;
  if (!ok || !mp->sysblock.compare_exchange_strong(expect, 2)) {
    expect = 1;
    mp->sysblock.compare_exchange_strong(expect, 0);
    return false;
  }
  racy.end();  // mp is asleep in the kernel and ours (sysblock 2)
  // The M is asleep outside the runtime and will not touch pp before it
  // has seen 3: do what entersyscall would have done, on its behalf.
  casgstatus(gp, _Grunning, _Gsyscall);
  uintptr sp, pc;
  if (threadsyscallsp(mp, &sp, &pc) && sp >= gp->stack.lo && sp < gp->stack.hi) {
    gp->sched.sp = sp;  // for tracebacks; no frame pointer is known
    gp->sched.pc = pc;
    gp->sched.bp = 0;
  }
  sanstore(&gp->waitsince, now, __ATOMIC_RELAXED);
  mp->syscalltick = pp->syscalltick.load(std::memory_order_relaxed);
  mp->oldp = pp;
  mp->p = nullptr;
  sanstore(&pp->m, nullptr, __ATOMIC_RELAXED);
  pp->status.store(_Psyscall, std::memory_order_release);
  mp->sysblock.store(3, std::memory_order_release);

  // From here on, as retake does with a P in a system call.
  incidlelocked(-1);
  bool taken = false;
  expect = _Psyscall;
  if (pp->status.compare_exchange_strong(expect, _Pidle)) {
    taken = true;
    pp->syscalltick.store(pp->syscalltick.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    handoffp(pp);
  }
  incidlelocked(1);
  return taken;
}

// preemptall asks every running goroutine to stop (Go: preemptall): for a
// stop of the world, and for freezetheworld before a fatal report or a
// SIGQUIT dump. Best effort: a goroutine that just started running on a P
// may be missed, hence the callers' retries.
static void preemptall() {
  for (int32 i = 0; i < gomaxprocs; i++) {
    p* pp = allp[i];
    if (pp->status.load(std::memory_order_relaxed) != _Prunning) continue;
    preemptone(pp);
  }
}

// preemptone asks the goroutine running on pp to stop (Go: preemptone):
// g->preempt for its next cooperative point, and, unless
// GODEBUG=asyncpreemptoff=1, a signal to its thread (preemptM), whose
// handler stops it at once if it is at a safe point (preempt.cpp). Returns
// whether a request was made.
bool preemptone(p* pp) {
  // As Go's, a best effort on an M that may exit meanwhile, and be rebuilt
  // by allocm: its reads are racy by design (sanitizer.hpp).
  sanracyscope racy;
  m* mp = __atomic_load_n(&pp->m, __ATOMIC_ACQUIRE);
  g* me = getg();  // null on a thread gort does not run (a test's driver)
  if (mp == nullptr || (me != nullptr && mp == me->m)) return false;
  g* gp = __atomic_load_n(&mp->curg, __ATOMIC_ACQUIRE);
  if (gp == nullptr || gp == mp->g0) return false;
  gp->preempt.store(true, std::memory_order_relaxed);
  // Request an async preemption of this P.
  if (sigPreempt != 0) {
    pp->preempt.store(true, std::memory_order_relaxed);
    preemptM(mp);
  }
  return true;
}

// schedtrace prints one line of scheduler state, and with detailed the
// state of every P, M and G, in Go's format (GODEBUG=schedtrace=N,
// scheddetail=1).
void schedtrace(bool detailed) {
  int64 now = nanotime();
  if (starttime == 0) starttime = now;

  lock(&sched.lock);
  sanracyreads(true);  // (sanitizer.hpp)
  // The header line is one write: an exit between its two parts left
  // half a line (seen in check-asan's scheddetail test).
  printlock();
  print("SCHED ", (now - starttime) / 1000000, "ms: gomaxprocs=", gomaxprocs, " idleprocs=", sched.npidle.load(),
        " threads=", mcount(), " spinningthreads=", sched.nmspinning.load(), " idlethreads=", sched.nmidle,
        " runqueue=", sched.runqsize.load(std::memory_order_relaxed));
  if (detailed) {
    print(" gcwaiting=", sched.gcwaiting.load(), " nmidlelocked=", sched.nmidlelocked, " stopwait=", sched.stopwait,
          " sysmonwait=", uint32(sched.sysmonwait.load()), "\n");
  }
  printunlock();
  // Read P, M and G fields with care: sched.lock does not freeze most of
  // them. p->m, say, may become null between a test and a use, so that
  // (p->m ? p->m->id : -1) could crash; each pointer is loaded only once.
  for (int32 i = 0; i < gomaxprocs; i++) {
    p* pp = allp[i];
    m* mp = __atomic_load_n(&pp->m, __ATOMIC_RELAXED);
    uint32 h = pp->runqhead.load();
    uint32 t = pp->runqtail.load();
    if (detailed) {
      int64 id = mp != nullptr ? mp->id : -1;
      print("  P", i, ": status=", pp->status.load(std::memory_order_relaxed), " schedtick=", pp->schedtick.load(std::memory_order_relaxed),
            " syscalltick=", pp->syscalltick.load(std::memory_order_relaxed), " m=", id,
            " runqsize=", t - h, " gfreecnt=", pp->gFree.n.load(std::memory_order_relaxed),
            " timerslen=", __atomic_load_n(&pp->timers.n, __ATOMIC_RELAXED), "\n");
    } else {
      // The short form gives each P's run queue length, all in one
      // bracketed list: [len1 len2 len3 len4]
      print(" ");
      if (i == 0) print("[");
      print(t - h);
      if (i == gomaxprocs - 1) print("]\n");
    }
  }

  if (!detailed) {
    sanracyreads(false);
    unlock(&sched.lock);
    return;
  }

  for (m* mp = __atomic_load_n(&allm, __ATOMIC_ACQUIRE); mp != nullptr; mp = mp->alllink) {
    p* pp = __atomic_load_n(&mp->p, __ATOMIC_RELAXED);
    g* gp = __atomic_load_n(&mp->curg, __ATOMIC_RELAXED);
    g* lockedg = __atomic_load_n(&mp->lockedg, __ATOMIC_RELAXED);
    int32 id1 = pp != nullptr ? pp->id : -1;
    int64 id2 = gp != nullptr ? gp->goid : -1;
    int64 id3 = lockedg != nullptr ? lockedg->goid : -1;
    print("  M", mp->id, ": p=", id1, " curg=", id2, " mallocing=", mp->mallocing, " throwing=", mp->throwing,
          " preemptoff=", "", " locks=", mp->locks.load(), " dying=", mp->dying, " spinning=", mp->spinning,
          " blocked=", mp->blocked, " lockedg=", id3, "\n");
  }

  lock(&allglock);
  for (g* gp = allgs; gp != nullptr; gp = gp->alllink) {
    m* mp = __atomic_load_n(&gp->m, __ATOMIC_RELAXED);
    m* lockedm = __atomic_load_n(&gp->lockedm, __ATOMIC_RELAXED);
    int64 id1 = mp != nullptr ? mp->id : -1;
    int64 id2 = lockedm != nullptr ? lockedm->id : -1;
    // Our addition: "preempted" for a goroutine stopped by asynchronous
    // preemption and waiting for its M (p::pinned).
    const char* why = __atomic_load_n(&gp->pinnedm, __ATOMIC_RELAXED) != nullptr ? "preempted" : waitReasonString(gp->waitreason);
    print("  G", gp->goid, ": status=", readgstatus(gp), "(", why, ") m=", id1,
          " lockedm=", id2, "\n");
  }
  unlock(&allglock);
  sanracyreads(false);
  unlock(&sched.lock);
}

// mput adds mp to the list of idle Ms, sched.midle; the caller holds
// sched.lock (Go: mput). Go points out that it can be called during a stop
// of the world, hence without write barriers; gort has none anyway.
static void mput(m* mp) {
  assertLockHeld(&sched.lock);
  mp->schedlink = sched.midle;
  sched.midle = mp;
  sched.nmidle++;
  checkdead();
}

// mget takes an M off the idle list, or returns null when the list is
// empty. The caller holds sched.lock.
static m* mget() {
  assertLockHeld(&sched.lock);
  m* mp = sched.midle;
  if (mp != nullptr) {
    sched.midle = mp->schedlink;
    sched.nmidle--;
  }
  return mp;
}

static bool pMaskRead(std::atomic<uint32>* mask, uint32 id) {
  return (mask[id / 32].load(std::memory_order_relaxed) & (1u << (id % 32))) != 0;
}
static void pMaskSet(std::atomic<uint32>* mask, int32 id) { mask[id / 32].fetch_or(1u << (id % 32)); }
static void pMaskClear(std::atomic<uint32>* mask, int32 id) { mask[id / 32].fetch_and(~(1u << (id % 32))); }

// updateTimerPMask clears pp's timerpMask bit if its heap is empty (Go:
// updateTimerPMask). The mask is kept up to date only here and in pidleget,
// not on every timer operation, which would put a shared word on the
// timers' hot path: a running P may start a timer at any moment, so its
// bit stays set; an idle P cannot start one, so if it goes idle without
// timers its bit may be cleared. An idle P whose timers were run by
// thieves keeps its bit until it runs again.
static void updateTimerPMask(p* pp) {
  if (pp->numTimers.load() > 0) return;
  // Another P may be moving one of pp's timers (checkTimers on a
  // timerModified one takes it out and puts it back, so numTimers dips
  // to 0 for a moment): decide under timersLock.
  lock(&pp->timersLock);
  if (pp->numTimers.load() == 0) pMaskClear(timerpMask, pp->id);
  unlock(&pp->timersLock);
}

// pidleput adds pp, whose run queue must be empty, to the idle P list and
// sets its idlepMask bit (and clears its timerpMask bit if it has no
// timers). The caller holds sched.lock.
void pidleput(p* pp) {
  assertLockHeld(&sched.lock);
  if (!runqempty(pp)) throw_("pidleput: P has non-empty run queue");
  updateTimerPMask(pp);
  pMaskSet(idlepMask, pp->id);
  pp->link = sched.pidle;
  // exitsyscallfast peeks at sched.pidle without the lock (Go reads it
  // plainly): atomic stores, here and in pidleget.
  __atomic_store_n(&sched.pidle, pp, __ATOMIC_RELAXED);
  sched.npidle.fetch_add(1);
}

// pidleget takes a P off the idle list, clearing its idlepMask bit, or
// returns null when no P is idle. The caller holds sched.lock.
p* pidleget() {
  assertLockHeld(&sched.lock);
  p* pp = sched.pidle;
  if (pp != nullptr) {
    // Its M may start timers from now on.
    pMaskSet(timerpMask, pp->id);
    pMaskClear(idlepMask, pp->id);
    __atomic_store_n(&sched.pidle, pp->link, __ATOMIC_RELAXED);
    sched.npidle.fetch_sub(1);
  }
  return pp;
}

// setMaxThreads sets sched.maxmcount and returns the previous value (Go:
// runtime/debug.setMaxThreads).
int32 setMaxThreads(int32 in) {
  lock(&sched.lock);
  int32 out = sched.maxmcount;
  sched.maxmcount = in;
  checkmcount();
  unlock(&sched.lock);
  return out;
}

// sync_runtime_canSpin says whether a contended gort::mutex may spin
// actively (Go: sync_runtime_canSpin). That mutex ends up yielding to the
// scheduler, so spinning is granted sparingly: for the first few rounds
// only, with more than one CPU and GOMAXPROCS above 1, while some other P
// is running, and while this P's local queue is empty. Unlike the runtime's
// own lock it never spins passively (yielding the thread): the global queue
// or other Ps may hold work this M should run instead.
bool sync_runtime_canSpin(int i) {
  if (i >= 4 || ncpu <= 1 || gomaxprocs <= int32(sched.npidle.load() + sched.nmspinning.load()) + 1) return false;
  m* mp = acquirem();
  bool empty = runqempty(mp->p);
  releasem(mp);
  return empty;
}

void sync_runtime_doSpin() { arch::procyield(30); }

static void stealOrderReset(uint32 count) {
  stealOrder.count = count;
  uint32* c = static_cast<uint32*>(persistentalloc(sizeof(uint32) * count, 4));
  uint32 n = 0;
  for (uint32 i = 1; i <= count; i++)
    if (gcd(i, count) == 1) c[n++] = i;
  // Publish the array before its length: thieves read them without a lock.
  __atomic_store_n(&stealOrder.coprimes, c, __ATOMIC_RELEASE);
  __atomic_store_n(&stealOrder.ncoprimes, n, __ATOMIC_RELEASE);
}

static randomEnum stealOrderStart(uint32 r) {
  uint32 count = __atomic_load_n(&stealOrder.count, __ATOMIC_ACQUIRE);
  uint32* c = __atomic_load_n(&stealOrder.coprimes, __ATOMIC_ACQUIRE);
  uint32 n = __atomic_load_n(&stealOrder.ncoprimes, __ATOMIC_ACQUIRE);
  return randomEnum{0, count, r % count, c[(r / count) % n]};
}

static uint32 gcd(uint32 a, uint32 b) {
  while (b != 0) {
    uint32 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

}  // namespace gort::runtime
