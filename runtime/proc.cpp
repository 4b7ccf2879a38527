// runtime/proc.cpp: the scheduler (Go: proc.go).
//
// Goroutine scheduler. The scheduler's job is to distribute ready-to-run
// goroutines over worker threads. The main concepts are:
//   G - goroutine.
//   M - worker thread, or machine.
//   P - processor, a resource that is required to execute Go code.
//       M must have an associated P to execute Go code, however it can be
//       blocked or in a syscall w/o an associated P.
// (Go's design document: https://golang.org/s/go11sched.)
//
// The bootstrap sequence is:
//
//   call osinit
//   call schedinit
//   make & queue new G (runtime.main)
//   call runtime.mstart
//
// The new G calls runtime.main, which runs the program's constructors and
// then the user's main(argc, argv, envp) on goroutine 1.
//
// This file holds boot, the scheduling loop (schedule, findrunnable,
// execute), goroutine creation and exit, Gosched and the P bookkeeping. Run
// queues are in runq.cpp, free lists in gfree.cpp, stacks in stack.cpp.
//
// State of this implementation: one M (m0) runs every goroutine on one P;
// GOMAXPROCS Ps exist and are idle. Starting more Ms (newm, startm, wakep),
// spinning, stealing and stopm plug into findrunnable where marked.
#include <new>

#include "runtime.hpp"

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

static uint32 allpcap;                  // capacity of allp (sched.lock)
static constexpr int32 kMaxGomaxprocs = 1024;
static constexpr uintptr kStackGuard = 928;  // Go's _StackGuard on linux/amd64
static constexpr uint64 kGoidCacheBatch = 16;

// Defined by the crt only: a program linked with libgort.a but without the
// crt fails to link, with this name in the linker's message.
extern "C" const uintptr gort_crt_missing__link_with_gort_cxx_or_pkg_config;

// The user's main: called with argc, argv, envp (glibc passes the same three).
extern "C" int user_main(int, char**, char**) asm("main");

// ---- M bookkeeping ----

m* acquirem() {
  m* mp = getg()->m;
  mp->locks++;
  return mp;
}

void releasem(m* mp) {
  mp->locks--;
  // (next issue) if mp->locks == 0 && curg->preempt: restore the preemption request
}

// fastrand: per-M wyrand (Go 1.19's fastrand on 64-bit).
uint32 fastrand() {
  m* mp = getg()->m;
  mp->fastrand += 0xa0761d6478bd642f;
  unsigned __int128 r = (unsigned __int128)mp->fastrand * (mp->fastrand ^ 0xe7037ed1a0b428db);
  return uint32(uint64(r >> 64) ^ uint64(r));
}

static int32 mcount() { return int32(sched.mnext - sched.nmfreed); }

static void checkmcount() {
  // sched.lock must be held.
  if (mcount() > sched.maxmcount) {
    print("runtime: program exceeds ", sched.maxmcount, "-thread limit\n");
    throw_("thread exhaustion");
  }
}

// mreserve returns the next M id (sched.lock must be held).
static int64 mreserve() {
  int64 id = sched.mnext;
  sched.mnext++;
  checkmcount();
  return id;
}

// mcommoninit initialises the fields every M has (Go: mcommoninit).
static void mcommoninit(m* mp, int64 id) {
  lock(&sched.lock);
  mp->id = id >= 0 ? id : mreserve();
  if (id >= 0) sched.mnext = id + 1;
  mp->fastrand = startupRandom ^ (uint64(mp->id) * 0x9e3779b97f4a7c15) ^ arch::cputicks();
  if (mp->fastrand == 0) mp->fastrand = 1;
  mp->alllink = allm;
  __atomic_store_n(&allm, mp, __ATOMIC_RELEASE);  // readers walk allm without the lock
  unlock(&sched.lock);
}

// ---- boot ----

static void badenv(const char* name, const char* value, const char* want) {
  print("gort: ", name, "=\"", value, "\" is not valid: want ", want, "\n");
  exit_group(2);
}

// envsize reads a byte count with an optional k/m/g suffix.
static uintptr envsize(const char* name, uintptr def, uintptr min, uintptr max) {
  const char* s = gogetenv(name);
  if (s == nullptr || *s == 0) return def;
  char buf[32];
  uintptr n = 0;
  while (s[n] != 0 && n < sizeof buf - 1) buf[n] = s[n], n++;
  buf[n] = 0;
  uintptr mult = 1;
  if (n > 0) {
    switch (buf[n - 1]) {
      case 'k': case 'K': mult = 1 << 10; buf[--n] = 0; break;
      case 'm': case 'M': mult = 1 << 20; buf[--n] = 0; break;
      case 'g': case 'G': mult = 1 << 30; buf[--n] = 0; break;
    }
  }
  int64 v;
  if (s[n + (mult != 1)] != 0 || !atoi64(buf, &v) || v <= 0 || uint64(v) > max / mult || uint64(v) * mult < min)
    badenv(name, s, "a size from 16k to 1g, in bytes or with a k/m/g suffix");
  return uintptr(v) * mult;
}

// schedinit (Go: schedinit). Runs on g0 of m0, from rt0_go.
void schedinit() {
  g* gp = getg();
  sched.maxmcount = 10000;
  stackinit();
  mcommoninit(gp->m, 0);

  // goargs and goenvs: args() kept argv and envp as the kernel gave them.
  parsedebugvars();

  // Stack sizes (our addition: Go's stacks grow, ours are fixed).
  startingStackSize = envsize("GORT_STACKSIZE", startingStackSize, 16 << 10, 1 << 30);
  startingStackSize = (startingStackSize + physPageSize - 1) & ~(physPageSize - 1);
  uintptr rl = stack_rlimit();  // the main goroutine gets what a C++ main thread would
  uintptr mainDefault = rl == 0 ? uintptr(64) << 20 : rl < (1u << 20) ? (1u << 20) : rl > (1u << 30) ? (1u << 30) : rl;
  mainStackSize = envsize("GORT_MAINSTACKSIZE", mainDefault, 16 << 10, 1 << 30);
  mainStackSize = (mainStackSize + physPageSize - 1) & ~(physPageSize - 1);

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

// minit is called to initialise a new m, on the new thread (Go: minit).
static void minit() {
  g* gp = getg();
  gp->m->procid = gettid();
}

// mstart1 runs on the M's g0 stack. It never returns, except through
// gogo(&g0->sched) when the M is to exit.
static void mstart1() {
  g* gp = getg();
  if (gp != gp->m->g0) throw_("bad runtime.mstart");

  // Record the current position of the g0 stack, for use by mcall as the top
  // of the scheduling stack and for terminating the thread. After this we
  // must never return from mstart1 except through gogo(&g0->sched).
  if (gosave(&gp->sched) != 0) return;
  gp->sched.g_ = gp;

  minit();
  // (diagnostics issue) if gp->m == &m0: mstartm0, which installs signal handlers.
  if (void (*fn)() = gp->m->mstartfn; fn != nullptr) fn();
  if (gp->m != &m0) {
    acquirep(gp->m->nextp);
    gp->m->nextp = nullptr;
  }
  schedule();
}

// mstart is the entry point of new Ms and the last step of rt0_go. It never
// returns.
void mstart() {
  g* gp = getg();
  // m0's g0 stack bounds were set by rt0_go from the OS stack.
  if (gp->stack.lo == 0) throw_("mstart: g0 has no stack");
  gp->stackguard0 = gp->stack.lo + kStackGuard;
  gp->stackguard1 = gp->stackguard0;
  boottrace(bootstep::mstart, gp->m == &m0 ? "m0" : nullptr);
  mstart1();
  // An M exiting (mexit) comes with the next issue's thread management.
  throw_("mstart: M exit is not supported yet");
}

// ---- goroutine status ----

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

// casgstatus moves gp from oldval to newval; anything else is a bug.
//
// Difference from Go: Go needs a compare-and-swap here because its garbage
// collector sets _Gscan bits in other goroutines' status words. gort has no
// collector, and every transition is made by the one party that owns the G
// at that moment (its creator, the M that dequeued it, the G itself, or whoever
// took it off a wait queue). So a checked load and a release store do the
// job, without a locked instruction on every switch.
void casgstatus(g* gp, uint32 oldval, uint32 newval) {
  if (oldval == newval) throw_("casgstatus: bad incoming values");
  uint32 cur = gp->atomicstatus.load(std::memory_order_acquire);
  if (__builtin_expect(cur == oldval, 1)) {
    gp->atomicstatus.store(newval, std::memory_order_release);
  } else {
    print("runtime: casgstatus: oldval=", gstatusName(oldval), " newval=", gstatusName(newval),
          " but status=", gstatusName(cur), " goid=", gp->goid, "\n");
    throw_("casgstatus: bad status");
  }
}

// ---- the scheduling loop ----

// dropg removes the association between m and the current goroutine m->curg.
// Typically a caller sets curg's status away from _Grunning and then
// immediately calls dropg to finish the job.
void dropg() {
  m* mp = getg()->m;
  mp->curg->m = nullptr;
  mp->curg = nullptr;
}

// gostartcall gives gp its stack, the first time it runs, and builds the
// context that starts it (Go: gostartcall, with the stack allocation that Go
// does in newproc1): gogo then enters runtime.gostart, which jumps to
// startfn(startarg) with runtime.goexit+1 as its return address.
static void gostartcall(p* pp, g* gp) {
  gp->stack = stackalloc(pp, gp->stacksize);
  uintptr sp = (gp->stack.hi - 4 * sizeof(uintptr)) & ~uintptr(15);
  sp -= sizeof(uintptr);  // as if called: sp = 8 mod 16
  *reinterpret_cast<uintptr*>(sp) = reinterpret_cast<uintptr>(runtime_goexit) + 1;
  gp->sched.sp = sp;
  gp->sched.pc = reinterpret_cast<uintptr>(runtime_gostart);
  gp->sched.bp = 0;
  gp->sched.rbx = reinterpret_cast<uintptr>(gp->startarg);
  gp->sched.r12 = reinterpret_cast<uintptr>(gp->startfn);
}

// execute schedules gp to run on the current M. Runs on g0; never returns.
// If inheritTime is true, gp inherits the remaining time in the current time
// slice; otherwise it starts a new one.
void execute(g* gp, bool inheritTime) {
  m* mp = getg()->m;
  // Assign gp->m before entering _Grunning so running Gs have an M.
  mp->curg = gp;
  gp->m = mp;
  if (gp->stack.lo == 0) gostartcall(mp->p, gp);
  casgstatus(gp, _Grunnable, _Grunning);
  gp->waitsince = 0;
  gp->preempt = false;
  gp->stackguard0 = gp->stack.lo + kStackGuard;
  if (!inheritTime) mp->p->schedtick++;
  gogo(&gp->sched);
}

// findrunnable finds a runnable goroutine to execute (Go: findRunnable). In
// Go it tries, in order: timers, the global queue now and then for fairness,
// the local queue, the global queue, the network poller, stealing from other
// Ps, and finally gives up its P and stops the M until there is work.
g* findrunnable(bool* inheritTime) {
  m* mp = getg()->m;
  p* pp = mp->p;
  *inheritTime = false;

  // Check the global runnable queue once in a while to ensure fairness.
  // Otherwise two goroutines can completely occupy the local runqueue by
  // constantly respawning each other.
  if (pp->schedtick % 61 == 0 && sched.runqsize > 0) {
    lock(&sched.lock);
    g* gp = globrunqget(pp, 1);
    unlock(&sched.lock);
    if (gp != nullptr) return gp;
  }

  // local runq
  if (g* gp = runqget(pp, inheritTime); gp != nullptr) return gp;

  // global runq
  if (sched.runqsize != 0) {
    lock(&sched.lock);
    g* gp = globrunqget(pp, 0);
    unlock(&sched.lock);
    if (gp != nullptr) return gp;
  }

  // Timers, netpoll, stealWork, then releasep/stopm come with the next
  // issues. With one M and no way yet for a goroutine to block, the main
  // goroutine is always running or runnable, so this cannot be reached.
  throw_("findrunnable: no runnable goroutine (blocking is not supported yet)");
}

// schedule: one round of scheduler: find a runnable goroutine and execute
// it. Runs on g0; never returns.
void schedule() {
  m* mp = getg()->m;
  if (mp->locks != 0) throw_("schedule: holding locks");
  if (mp->lockedg != nullptr) throw_("schedule: locked goroutines are not supported yet");

  p* pp = mp->p;
  pp->preempt = false;

  // Safety check: if we are spinning, the run queue should be empty.
  if (mp->spinning && (pp->runnext.load() != nullptr || pp->runqhead.load() != pp->runqtail.load()))
    throw_("schedule: spinning with local work");

  bool inheritTime;
  g* gp = findrunnable(&inheritTime);  // blocks until work is available
  execute(gp, inheritTime);
}

// ---- goroutine creation ----

// malg allocates a new g (Go: malg). Difference from Go: no stack yet; it is
// attached when the goroutine first runs (see g::stacksize).
g* malg() {
  void* v = persistentalloc(sizeof(g), alignof(g));
  return new (v) g();
}

void allgadd(g* gp) {
  if (readgstatus(gp) == _Gidle) throw_("allgadd: bad status Gidle");
  lock(&allglock);
  gp->alllink = allgs;
  allgs = gp;
  allglen.fetch_add(1, std::memory_order_release);
  unlock(&allglock);
}

// newproc1 prepares a new g in state _Gdead that will run fn(arg) (Go:
// newproc1). The caller then fills in the closure if any and calls
// newproc_start, which makes it runnable; gort::go puts the user's callable
// into the g between the two.
g* newproc1(void (*fn)(void*), void* arg, g* callergp, uintptr callerpc, bool start) {
  if (fn == nullptr) fatal("go of nil func value");
  m* mp = acquirem();  // disable preemption because it can be holding p in a local var
  p* pp = mp->p;
  g* newg = gfget(pp);
  if (newg == nullptr) {
    newg = malg();
    casgstatus(newg, _Gidle, _Gdead);
    allgadd(newg);  // publishes with a g->status of Gdead
  }
  if (readgstatus(newg) != _Gdead) throw_("newproc1: new g is not Gdead");

  newg->sched = gobuf{};
  newg->sched.g_ = newg;
  // A new goroutine inherits the floating-point environment of its creator,
  // as a new thread does.
  asm volatile("stmxcsr %0" : "=m"(newg->sched.mxcsr));
  asm volatile("fnstcw %0" : "=m"(newg->sched.fpcw));
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
    // Sched.goidgen is the last allocated id, this batch must be
    // [sched.goidgen+1, sched.goidgen+GoidCacheBatch]. At startup
    // sched.goidgen=0, so main goroutine receives goid=1.
    pp->goidcache = sched.goidgen.fetch_add(kGoidCacheBatch) + kGoidCacheBatch;
    pp->goidcache -= kGoidCacheBatch - 1;
    pp->goidcacheend = pp->goidcache + kGoidCacheBatch;
  }
  newg->goid = int64(pp->goidcache);
  pp->goidcache++;
  casgstatus(newg, _Gdead, _Grunnable);
  runqput(pp, newg, true);
  // if mainStarted: wakep() — with more Ms (next issue).
  releasem(mp);
  if (newg->goid == 1) boottrace(bootstep::newproc, "runtime.main as goroutine", 1);
}

// newproc creates a new g running fn(arg) and puts it on the queue of gs
// waiting to run (Go: newproc). Go runs newproc1 on the system stack because
// goroutine stacks start small; ours are fixed and large, so it runs here.
g* newproc(void (*fn)(void*), void* arg) {
  g* gp = getg();
  uintptr pc = reinterpret_cast<uintptr>(__builtin_return_address(0));
  return newproc1(fn, arg, gp->m->curg, pc, true);
}

// ---- goroutine exit ----

// goexit0 finishes gp on g0: gp is dead, its stack goes back to the cache and
// the g to the free list; then schedule.
static void goexit0(g* gp) {
  m* mp = getg()->m;
  p* pp = mp->p;
  casgstatus(gp, _Grunning, _Gdead);
  gp->m = nullptr;
  gp->lockedm = nullptr;
  mp->lockedg = nullptr;
  gp->preempt = false;
  gp->param = nullptr;
  gp->waitreason = waitReason::zero;
  gp->startfn = nullptr;
  gp->startarg = nullptr;
  dropg();
  gfput(pp, gp);
  schedule();
}

// goexit1 is called by runtime.goexit when a goroutine's entry returns.
void goexit1() {
  mcall(goexit0);
  __builtin_unreachable();  // the dead goroutine is never resumed
}

// ---- Gosched ----

static void goschedImpl(g* gp) {
  uint32 status = readgstatus(gp);
  if (status != _Grunning) {
    print("runtime: gosched: bad g status ", status, "\n");
    throw_("bad g status");
  }
  casgstatus(gp, _Grunning, _Grunnable);
  dropg();
  lock(&sched.lock);
  globrunqput(gp);
  unlock(&sched.lock);
  // if mainStarted: wakep() — with more Ms (next issue).
  schedule();
}

// gosched_m is Gosched continuation on g0.
static void gosched_m(g* gp) { goschedImpl(gp); }

// Gosched yields the processor, allowing other goroutines to run. It does not
// suspend the current goroutine, so execution resumes automatically: it goes
// to the global run queue.
void Gosched() { mcall(gosched_m); }

// ---- Ps ----

// pinit initialises pp, which may be a fresh P or a previously destroyed P,
// and transitions it to status _Pgcstop (Go: p.init).
static void pinit(p* pp, int32 id) {
  pp->id = id;
  pp->status = _Pgcstop;
}

// pdestroy releases all of the resources of pp and transitions it to
// status _Pdead (Go: p.destroy). sched.lock must be held and the world
// stopped.
static void pdestroy(p* pp) {
  // Move all runnable goroutines to the global queue.
  while (pp->runqhead.load() != pp->runqtail.load()) {
    // Pop from tail of local queue
    uint32 t = pp->runqtail.load() - 1;
    pp->runqtail.store(t);
    globrunqputhead(pp->runq[t % kRunqSize].load());
  }
  if (g* gp = pp->runnext.exchange(nullptr); gp != nullptr) globrunqputhead(gp);
  gfpurge(pp);
  stackcache_clear(pp);
  pp->status = _Pdead;
}

// procresize changes the number of processors (Go: procresize). sched.lock
// must be held and the world stopped. Returns the list of Ps with local work;
// they need to be scheduled by the caller.
p* procresize(int32 nprocs) {
  int32 old = gomaxprocs;
  if (old < 0 || nprocs <= 0) throw_("procresize: invalid arg");

  // Grow allp if necessary.
  if (uint32(nprocs) > allpcap) {
    auto** nallp = static_cast<p**>(persistentalloc(sizeof(p*) * uint32(nprocs), 8));
    for (int32 i = 0; i < old; i++) nallp[i] = allp[i];
    __atomic_store_n(&allp, nallp, __ATOMIC_RELEASE);
    allpcap = uint32(nprocs);
  }

  // initialize new P's
  for (int32 i = old; i < nprocs; i++) {
    p* pp = allp[i];
    if (pp == nullptr) pp = new (persistentalloc(sizeof(p), 64)) p();
    pinit(pp, i);
    __atomic_store_n(&allp[i], pp, __ATOMIC_RELEASE);
  }

  m* mp = getg()->m;
  if (mp->p != nullptr && mp->p->id < nprocs) {
    // continue to use the current P
    mp->p->status = _Prunning;
  } else {
    // release the current P and acquire allp[0].
    if (mp->p != nullptr) mp->p->m = nullptr;
    mp->p = nullptr;
    p* pp = allp[0];
    pp->m = nullptr;
    pp->status = _Pidle;
    acquirep(pp);
  }

  // release resources from unused P's
  for (int32 i = nprocs; i < old; i++) pdestroy(allp[i]);

  p* runnablePs = nullptr;
  for (int32 i = nprocs - 1; i >= 0; i--) {
    p* pp = allp[i];
    if (mp->p == pp) continue;
    pp->status = _Pidle;
    if (runqempty(pp)) {
      pidleput(pp);
    } else {
      // (next issue) pp->m = mget(), an idle M to run it.
      pp->link = runnablePs;
      runnablePs = pp;
    }
  }
  __atomic_store_n(&gomaxprocs, nprocs, __ATOMIC_RELEASE);
  return runnablePs;
}

// acquirep associates pp and the current m (Go: acquirep).
void acquirep(p* pp) { wirep(pp); }

// wirep is the first step of acquirep, which actually associates the current
// M to pp.
void wirep(p* pp) {
  m* mp = getg()->m;
  if (mp->p != nullptr) throw_("wirep: already in go");
  if (pp->m != nullptr || pp->status != _Pidle) {
    print("wirep: p->m=", pp->m != nullptr ? pp->m->id : 0, " p->status=", pp->status, "\n");
    throw_("wirep: invalid p state");
  }
  mp->p = pp;
  pp->m = mp;
  pp->status = _Prunning;
}

// releasep disassociates the current P and the current m.
p* releasep() {
  m* mp = getg()->m;
  if (mp->p == nullptr) throw_("releasep: invalid arg");
  p* pp = mp->p;
  if (pp->m != mp || pp->status != _Prunning) {
    print("releasep: m=", mp->id, " p->status=", pp->status, "\n");
    throw_("releasep: invalid p state");
  }
  mp->p = nullptr;
  pp->m = nullptr;
  pp->status = _Pidle;
  return pp;
}

// pidleput puts pp on the idle P list. sched.lock must be held.
void pidleput(p* pp) {
  if (!runqempty(pp)) throw_("pidleput: P has non-empty run queue");
  pp->link = sched.pidle;
  sched.pidle = pp;
  sched.npidle.fetch_add(1);
}

// pidleget tries to get a P from the idle list. sched.lock must be held.
p* pidleget() {
  p* pp = sched.pidle;
  if (pp != nullptr) {
    sched.pidle = pp->link;
    sched.npidle.fetch_sub(1);
  }
  return pp;
}

// gcount is the number of live goroutines (Go: gcount).
int32 gcount() {
  int64 n = int64(allglen.load()) - sched.gFree.n - int64(sched.ngsys.load());
  for (int32 i = 0; i < gomaxprocs; i++) n -= allp[i]->gFree.n;
  // All these variables can be changed concurrently, so the result can be
  // inconsistent. But at least the current goroutine is running.
  return n < 1 ? 1 : int32(n);
}

// ---- runtime.main ----

// main is the main goroutine (Go: runtime.main). It runs the program's
// constructors ("package init"), then the user's main, then exits with its
// status: when main returns, the process ends, whatever other goroutines are
// doing.
void main(void*) {
  g* gp = getg();
  mainStarted.store(true);
  boottrace(bootstep::runtime_main);
  if (gp->m != &m0) throw_("runtime.main not on m0");
  if (gort_crt_missing__link_with_gort_cxx_or_pkg_config != 0) throw_("runtime.main: bad crt");
  // (next issue) newm(sysmon); lock the main goroutine to m0 during init.

  flavour_init(argc_, argv_, envp_);

  // Go's runtime.main has parked by now (gcenable waits for the background
  // sweeper), so p.schedtick is past 0 when the user's main starts. We have
  // no such step: count this as a scheduling round, or the schedtick%61
  // fairness check would fire on main's first Gosched and hand the P back to
  // main ahead of the goroutines it just started.
  gp->m->p->schedtick++;

  boottrace(bootstep::main);
  int status = user_main(argc_, argv_, envp_);
  boottrace(bootstep::exit, nullptr, status);
  flavour_exit(status);
}

}  // namespace gort::runtime
