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
// Worker thread parking/unparking.
//
// We need to balance between keeping enough running worker threads to
// utilise the available hardware parallelism and parking excessive running
// worker threads to conserve CPU resources and power. This is not simple for
// two reasons: (1) scheduler state is intentionally distributed (in
// particular, per-P work queues), so it is not possible to compute global
// predicates on fast paths; (2) for optimal thread management we would need
// to know the future (don't park a worker thread when a new goroutine will be
// readied in the near future).
//
// Go's answer, kept here step for step (proc.go's opening comment):
// unpark an additional thread when there is an idle P and there are no
// "spinning" worker threads. A worker thread is spinning if it is out of
// local work and did not find work in the global run queue or the netpoller;
// the spinning state is m->spinning and sched.nmspinning. Threads unparked
// this way are also spinning; we do not do goroutine handoff, so such
// threads are out of work initially. Spinning threads spin looking for work
// in per-P run queues (and timers, later) before parking. If a spinning
// thread finds work it takes itself out of the spinning state and proceeds
// to execution. If it does not find work it takes itself out of the spinning
// state and then parks.
//
// If there is at least one spinning thread (sched.nmspinning > 0), we do not
// unpark new threads when readying goroutines. To compensate, if the last
// spinning thread finds work and stops spinning, it must unpark a new
// spinning thread (resetspinning). This smooths out unjustified spikes of
// thread unparking, but at the same time guarantees eventual maximal CPU
// parallelism utilisation.
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
// idlepMask has a bit for each P that is on the idle list (pidleput /
// pidleget keep it), read without a lock by thieves, which skip idle Ps, and
// by checkRunqsNoP (Go: idlepMask).
constinit std::atomic<uint32>* idlepMask = nullptr;
// Target of the next start of the world, set by gomaxprocs (Go: newprocs).
static int32 newprocs;
static int64 starttime;  // schedtrace's zero (Go: starttime)
static m* mcachefree;    // Ms whose thread is gone, for reuse (sched.lock)

static uint32 allpcap;                  // capacity of allp (sched.lock)
static constexpr int32 kMaxGomaxprocs = 1024;
static constexpr uintptr kStackGuard = 928;  // Go's _StackGuard on linux/amd64
static constexpr uint64 kGoidCacheBatch = 16;
// A new M's g0 stack (the runtime's scheduling stack for that thread), and
// the guard below it. Committed lazily by the kernel.
static constexpr uintptr kM0StackSize = 256 << 10;
static constexpr uintptr kM0GuardSize = 64 << 10;

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
  // (preemption issue) if mp->locks == 0 && curg->preempt: restore the preemption request
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
  mcommoninit(gp->m, -1);
  sigsave(&initSigmask);

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

// minit is called to initialise a new m, on the new thread (Go: minit):
// record the thread id, restore the signal mask that newosproc blocked, and
// find this thread's C++ exception state (hosted flavour).
static void minit() {
  g* gp = getg();
  gp->m->procid = gettid();
  if (gp->m != &m0) sigprocmask_set(initSigmask, nullptr);
  gp->m->ehglobals = flavour_minit();
}

// mstart1 runs on the M's g0 stack. It returns only through
// gogo(&g0->sched), when the M is to exit (a goroutine exited while locked
// to it).
static void mstart1() {
  g* gp = getg();
  if (gp != gp->m->g0) throw_("bad runtime.mstart");

  // Record the current position of the g0 stack: mcall and systemstack
  // start from here, and a second return from gosave is how the M leaves
  // the scheduler to exit. After this, mstart1 must not return except
  // through gogo(&g0->sched).
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

static void mexit(bool osStack);

// mstart0 sets the g0 stack guard and runs the M; it returns only when the M
// exits (Go: mstart0).
static void mstart0() {
  g* gp = getg();
  if (gp->stack.lo == 0) throw_("mstart: g0 has no stack");
  gp->stackguard0 = gp->stack.lo + kStackGuard;
  gp->stackguard1 = gp->stackguard0;
  mstart1();
  mexit(gp->m != &m0);
}

// mstart is the last step of rt0_go: m0 enters the scheduler. It never
// returns (m0 parks forever in mexit if its locked goroutine exits).
void mstart() {
  boottrace(bootstep::mstart, "m0");
  mstart0();
  throw_("mstart: m0 returned");
}

// mstart_newthread is where a new M's thread begins, on the g0 stack that
// allocm mapped (called by the flavour's thread entry, from newosproc).
// sp is the thread's stack pointer at entry: the hosted flavour's thread
// library keeps its own per-thread data at the top of the stack we gave it,
// so the usable g0 stack ends there. Returns when the M exits.
void mstart_newthread(m* mp, uintptr sp) {
  tlsg = mp->g0;
  g* g0p = mp->g0;
  g0p->stack.hi = sp;
  g0p->stack.lo = mp->g0mem + kM0GuardSize;
  mstart0();
}

// ---- creating Ms ----

// allocm allocates a new m unassociated with any thread, with a g0 and its
// stack mapping (Go: allocm). fn is recorded as the new m's mstartfn; id is
// an M id reserved by the caller, or -1.
static m* allocm(void (*fn)(), int64 id) {
  acquirem();
  // Release the free M list. We need to do this somewhere and this may free
  // up a stack we can use.
  if (sched.freem != nullptr) {
    lock(&sched.lock);
    m* newList = nullptr;
    for (m* freem = sched.freem; freem != nullptr;) {
      m* next = freem->freelink;
      if (freem->freeWait.load() != 0 || !flavour_threadgone(freem)) {
        freem->freelink = newList;
        newList = freem;
      } else {
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
  if (mp != nullptr) {
    g0p = mp->g0;
    mp->~m();
  } else {
    mp = static_cast<m*>(persistentalloc(sizeof(m), 64));
    g0p = malg();
  }
  new (mp) m();
  g0p->~g();
  new (g0p) g();
  mp->mstartfn = fn;
  mcommoninit(mp, id);

  // The g0 stack: mapped here, so its bounds are ours to check, with a
  // guard region at the bottom. The thread library is told to use it.
  uintptr size = kM0StackSize + kM0GuardSize;
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
  releasem(getg()->m);
  return mp;
}

// newosproc starts the thread of mp (Go: newosproc). Every signal is
// blocked around the creation, so that the new thread starts with signals
// blocked; minit unblocks them once the thread has a g.
static void newosproc(m* mp) {
  uint64 all = ~uint64(0), old;
  sigprocmask_set(all, &old);
  int err = flavour_newosproc(mp, mp->g0mem, mp->g0memsize);
  sigprocmask_set(old, nullptr);
  if (err != 0) {
    print("runtime: failed to create new OS thread (have ", mcount(), " already; errno=", err, ")\n");
    if (err == 11 /* EAGAIN */) print("runtime: may need to increase max user processes (ulimit -u)\n");
    throw_("newosproc");
  }
}

// newm creates a new m. It will start off with a call to fn, or else the
// scheduler. fn needs to be static and not a heap allocated closure. It may
// run with m->p == nil. id is an optional pre-allocated m ID; pass -1 to
// have one reserved (Go: newm).
//
// Difference from Go: a new M is not cloned from a "template thread" when
// the caller is locked to its thread (Go keeps one so that Ms never inherit
// unusual state such as a changed namespace from a locked thread). gort's
// Ms come from the thread library with explicit attributes; see gort(7).
void newm(void (*fn)(), p* pp, int64 id) {
  acquirem();
  m* mp = allocm(fn, id);
  mp->nextp = pp;
  newm1(mp);
  releasem(getg()->m);
}

void newm1(m* mp) {
  mp->createdAt = nanotime();
  newosproc(mp);
}

// mspinning is the mstartfn of an M started spinning by startm.
static void mspinning() {
  // startm's caller incremented nmspinning. Set the new M's spinning.
  getg()->m->spinning = true;
}

// mexit tears down and exits the current thread: its goroutine exited while
// locked to it (Go: mexit). Never called for m0's locked exit: m0 is the
// process's main thread, and it parks forever instead.
static void mexit(bool osStack) {
  m* mp = getg()->m;
  if (!osStack) {
    // This is m0: its goroutine exited locked. Hand off our P and park
    // forever; exiting the main thread would turn the process into a zombie.
    handoffp(releasep());
    lock(&sched.lock);
    sched.nmfreed++;
    checkdead();
    unlock(&sched.lock);
    mPark();
    throw_("locked m0 woke up");
  }

  // Block signals before unminit: the thread is about to lose its M.
  uint64 all = ~uint64(0);
  sigprocmask_set(all, nullptr);

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
  mp->exiting = true;
  tlsg = nullptr;
  // Return to the flavour's thread entry, which ends the thread.
}

// ---- idle Ms ----

// mput puts mp on the midle list. sched.lock must be held. May run during
// STW, so write barriers are not allowed (Go: mput).
static void mput(m* mp) {
  mp->schedlink = sched.midle;
  sched.midle = mp;
  sched.nmidle++;
  checkdead();
}

// mget tries to get an m from the midle list. sched.lock must be held.
static m* mget() {
  m* mp = sched.midle;
  if (mp != nullptr) {
    sched.midle = mp->schedlink;
    sched.nmidle--;
  }
  return mp;
}

// mPark causes a thread to park itself, returning once woken.
void mPark() {
  g* gp = getg();
  notesleep(&gp->m->park);
  noteclear(&gp->m->park);
}

// stopm stops execution of the current m until new work is available.
// Returns with an acquired P.
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

// startm schedules some M to run the P (creating an M if necessary). If pp
// is null, tries to get an idle P; if there is none, does nothing. If
// spinning is set, the caller has incremented nmspinning and startm will
// either decrement nmspinning or set m->spinning in the newly started M.
//
// Callers passing a non-null P must call from a non-preemptible context.
void startm(p* pp, bool spinning) {
  // Disable preemption: every owned P must have an owner that will
  // eventually stop it, and between taking a P and handing it to an M this
  // M is its owner.
  m* mp = acquirem();
  lock(&sched.lock);
  if (pp == nullptr) {
    pp = pidleget();
    if (pp == nullptr) {
      unlock(&sched.lock);
      if (spinning) {
        // The caller incremented nmspinning, but there are no idle Ps, so
        // it's okay to just undo the increment and give up.
        if (int32(sched.nmspinning.fetch_sub(1)) - 1 < 0) throw_("startm: negative nmspinning");
      }
      releasem(mp);
      return;
    }
  }
  m* nmp = mget();
  if (nmp == nullptr) {
    // No M is available, we must drop sched.lock and call newm. The M id is
    // reserved under the lock, so checkdead never sees fewer running Ms than
    // there will be.
    int64 id = mreserve();
    unlock(&sched.lock);
    newm(spinning ? mspinning : nullptr, pp, id);
    // Ownership transfer of pp committed by start in newm.
    releasem(mp);
    return;
  }
  unlock(&sched.lock);
  if (nmp->spinning) throw_("startm: m is spinning");
  if (nmp->nextp != nullptr) throw_("startm: m has p");
  if (spinning && !runqempty(pp)) throw_("startm: p has runnable gs");
  // The caller incremented nmspinning, so set m.spinning in the new M.
  nmp->spinning = spinning;
  nmp->nextp = pp;
  notewakeup(&nmp->park);
  releasem(mp);
}

// handoffp hands off P from a syscall or locked M. Always runs without a P
// (Go: handoffp).
void handoffp(p* pp) {
  // if it has local work, start it straight away
  if (!runqempty(pp) || sched.runqsize != 0) {
    startm(pp, false);
    return;
  }
  // no local work, check that there are no spinning/idle M's, otherwise our
  // help is not required
  uint32 zero = 0;
  if (sched.nmspinning.load() + sched.npidle.load() == 0 && sched.nmspinning.compare_exchange_strong(zero, 1)) {
    startm(pp, true);
    return;
  }
  lock(&sched.lock);
  if (sched.gcwaiting.load() != 0) {
    pp->status = _Pgcstop;
    sched.stopwait--;
    if (sched.stopwait == 0) notewakeup(&sched.stopnote);
    unlock(&sched.lock);
    return;
  }
  if (sched.runqsize != 0) {
    unlock(&sched.lock);
    startm(pp, false);
    return;
  }
  // (netpoll issue) if this is the last running P and nobody is polling
  // the network, start an M to poll.
  pidleput(pp);
  unlock(&sched.lock);
}

// wakep tries to add one more P to execute G's. Called when a G is made
// runnable (newproc, ready, Gosched).
void wakep() {
  if (sched.npidle.load() == 0) return;
  // be conservative about spinning threads
  uint32 zero = 0;
  if (sched.nmspinning.load() != 0 || !sched.nmspinning.compare_exchange_strong(zero, 1)) return;
  startm(nullptr, true);
}

// stoplockedm stops execution of the current m that is locked to a g until
// the g is runnable again. Returns with an acquired P.
static void stoplockedm() {
  g* gp = getg();
  if (gp->m->lockedg == nullptr || gp->m->lockedg->lockedm != gp->m) throw_("stoplockedm: inconsistent locking");
  if (gp->m->p != nullptr) {
    // Schedule another M to run this p.
    handoffp(releasep());
  }
  incidlelocked(1);
  // Wait until another thread schedules lockedg again.
  mPark();
  uint32 status = readgstatus(gp->m->lockedg);
  if (status != _Grunnable) {
    print("runtime:stoplockedm: lockedg (atomicstatus=", status, ") is not Grunnable\n");
    throw_("stoplockedm: not runnable");
  }
  acquirep(gp->m->nextp);
  gp->m->nextp = nullptr;
}

// startlockedm schedules the locked m to run the locked gp.
static void startlockedm(g* gp) {
  g* cur = getg();
  m* mp = gp->lockedm;
  if (mp == cur->m) throw_("startlockedm: locked to me");
  if (mp->nextp != nullptr) throw_("startlockedm: m has p");
  // directly handoff current P to the locked m
  incidlelocked(-1);
  p* pp = releasep();
  mp->nextp = pp;
  notewakeup(&mp->park);
  stopm();
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
// This is the core of Go's checkdead; the timer and goroutine-dump parts
// come with the timers issue.
void checkdead() {
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
  unlock(&sched.lock);  // unlock so that GODEBUG=scheddetail=1 doesn't hang
  if (grunning == 0) fatal("no goroutines (main called runtime.Goexit) - deadlock!");
  fatal("all goroutines are asleep - deadlock!");
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
//
// Our addition: the goroutine takes the thread's C++ exception state with
// it (see g::ehstate), and execute gives it back on whichever M runs it next.
void dropg() {
  m* mp = getg()->m;
  g* gp = mp->curg;
  if (void** eh = static_cast<void**>(mp->ehglobals); eh != nullptr) {
    gp->ehstate[0] = eh[0];
    gp->ehstate[1] = eh[1];
    eh[0] = nullptr;
    eh[1] = nullptr;
  }
  gp->m = nullptr;
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
  if (void** eh = static_cast<void**>(mp->ehglobals); eh != nullptr) {
    eh[0] = gp->ehstate[0];
    eh[1] = gp->ehstate[1];
  }
  gogo(&gp->sched);
}

// ---- stealing ----

// randomOrder enumerates Ps in a random order with a random coprime stride,
// so that every P is visited once (Go: randomOrder / randomEnum).
// coprimes holds the numbers below count that are coprime to count; it is
// rebuilt by procresize.
constinit static struct {
  uint32 count;
  uint32* coprimes;
  uint32 ncoprimes;
} stealOrder;

static uint32 gcd(uint32 a, uint32 b) {
  while (b != 0) {
    uint32 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

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

struct randomEnum {
  uint32 i, count, pos, inc;
  bool done() const { return i == count; }
  void next() {
    i++;
    pos = (pos + inc) % count;
  }
  uint32 position() const { return pos; }
};

static randomEnum stealOrderStart(uint32 r) {
  uint32 count = __atomic_load_n(&stealOrder.count, __ATOMIC_ACQUIRE);
  uint32* c = __atomic_load_n(&stealOrder.coprimes, __ATOMIC_ACQUIRE);
  uint32 n = __atomic_load_n(&stealOrder.ncoprimes, __ATOMIC_ACQUIRE);
  return randomEnum{0, count, r % count, c[(r / count) % n]};
}

static bool pMaskRead(std::atomic<uint32>* mask, uint32 id) {
  return (mask[id / 32].load(std::memory_order_relaxed) & (1u << (id % 32))) != 0;
}
static void pMaskSet(std::atomic<uint32>* mask, int32 id) { mask[id / 32].fetch_or(1u << (id % 32)); }
static void pMaskClear(std::atomic<uint32>* mask, int32 id) { mask[id / 32].fetch_and(~(1u << (id % 32))); }

// stealWork attempts to steal a runnable goroutine from any P: four passes
// over the Ps in random order, taking runnext only on the last pass, and
// skipping idle Ps (Go: stealWork, without timers until the timers issue).
// newWork is set when the world is being stopped and the caller should
// start over.
static g* stealWork(bool* inheritTime, bool* newWork) {
  p* pp = getg()->m->p;
  *inheritTime = false;
  *newWork = false;
  constexpr int stealTries = 4;
  for (int i = 0; i < stealTries; i++) {
    bool stealRunNextG = i == stealTries - 1;
    for (randomEnum e = stealOrderStart(fastrand()); !e.done(); e.next()) {
      if (sched.gcwaiting.load() != 0) {
        // GC work may be available.
        *newWork = true;
        return nullptr;
      }
      p* p2 = allp[e.position()];
      if (pp == p2) continue;
      // (timers issue) on the last pass, run p2's expired timers.
      // Don't bother to attempt to steal if p2 is idle.
      if (!pMaskRead(idlepMask, e.position())) {
        if (g* gp = runqsteal(pp, p2, stealRunNextG); gp != nullptr) return gp;
      }
    }
  }
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
      // Can't get a P, don't bother checking remaining Ps.
      break;
    }
  }
  return nullptr;
}

// findrunnable finds a runnable goroutine to execute (Go 1.19:
// findRunnable). It tries, in order: the global queue now and then for
// fairness, the local queue, the global queue, stealing from other Ps; then
// gives up its P, drops spinning, re-checks everything and stops the M
// until there is work. Timers and the network poller plug in where marked.
// tryWakeP is set when the goroutine returned is not a normal one and a P
// should be woken (always false until timers and netpoll exist).
g* findrunnable(bool* inheritTime, bool* tryWakeP) {
  m* mp = getg()->m;
  *tryWakeP = false;

top:
  p* pp = mp->p;
  if (sched.gcwaiting.load() != 0) {
    gcstopm();
    goto top;
  }
  // (timers issue) checkTimers(pp, 0).
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

  // (netpoll issue) a non-blocking netpoll here.

  // Spinning Ms: steal work from other Ps.
  //
  // Limit the number of spinning Ms to half the number of busy Ps. This is
  // necessary to prevent excessive CPU consumption when GOMAXPROCS>>1 but
  // the program parallelism is low.
  uint32 procs = uint32(gomaxprocs);
  if (mp->spinning || 2 * sched.nmspinning.load() < procs - sched.npidle.load()) {
    if (!mp->spinning) {
      mp->spinning = true;
      sched.nmspinning.fetch_add(1);
    }
    bool newWork;
    if (g* gp = stealWork(inheritTime, &newWork); gp != nullptr) return gp;
    if (newWork) {
      // There may be new work to do (the world is stopping); restart.
      goto top;
    }
  }

  // We have nothing to do.
  //
  // Before we drop our P, make a snapshot of the allp slice, which can
  // change underfoot once we no longer block safe-points. We don't need to
  // snapshot the contents because everything up to cap(allp) is immutable.
  // Go's slices carry their length; here the count is read first:
  // procresize publishes a grown allp (and idlepMask) before the larger
  // gomaxprocs, so the arrays read after it are at least that long.
  int32 nSnapshot = __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE);
  p** allpSnapshot = __atomic_load_n(&allp, __ATOMIC_ACQUIRE);
  std::atomic<uint32>* idlepMaskSnapshot = __atomic_load_n(&idlepMask, __ATOMIC_ACQUIRE);

  // return P and block
  lock(&sched.lock);
  if (sched.gcwaiting.load() != 0) {
    unlock(&sched.lock);
    goto top;
  }
  if (sched.runqsize != 0) {
    g* gp = globrunqget(pp, 0);
    unlock(&sched.lock);
    return gp;
  }
  if (releasep() != pp) throw_("findrunnable: wrong p");
  pidleput(pp);
  unlock(&sched.lock);

  // Delicate dance: thread transitions from spinning to non-spinning state,
  // potentially concurrently with submission of new work. We must drop
  // nmspinning first and then check all sources again (with a StoreLoad
  // memory barrier in between). If we do it the other way around, another
  // thread can submit work after we've checked all sources but before we
  // drop nmspinning; as a result nobody will unpark a thread to run the
  // work.
  //
  // If we discover new work below, we need to restore m.spinning as a
  // signal for resetspinning to unpark a new worker thread (because there
  // can be more than one starving goroutine). However, if after discovering
  // new work we also observe no idle Ps, it is OK to skip unparking a new
  // worker thread: the system is fully loaded so no spinning threads are
  // required.
  bool wasSpinning = mp->spinning;
  if (mp->spinning) {
    mp->spinning = false;
    if (int32(sched.nmspinning.fetch_sub(1)) - 1 < 0) throw_("findrunnable: negative nmspinning");

    // Note the for correctness, only the last M transitioning from
    // spinning to non-spinning must perform these rechecks to ensure no
    // missed work. We are performing it on every M that transitions as a
    // conservative change to monitor effects on latency.

    // Check all runqueues once again.
    pp = checkRunqsNoP(allpSnapshot, nSnapshot, idlepMaskSnapshot);
    if (pp != nullptr) {
      acquirep(pp);
      mp->spinning = true;
      sched.nmspinning.fetch_add(1);
      goto top;
    }
    // (timers issue) checkTimersNoP: the earliest timer of any P bounds the
    // sleep below.
  }
  (void)wasSpinning;  // (netpoll issue) restores spinning after a blocking netpoll

  // (netpoll issue) block in netpoll until the next timer or I/O.
  stopm();
  goto top;
}

// resetspinning: the M found work while spinning. If it was the last
// spinning M, start another one: there may be more work (Go: resetspinning).
static void resetspinning() {
  m* mp = getg()->m;
  if (!mp->spinning) throw_("resetspinning: not a spinning m");
  mp->spinning = false;
  int32 nmspinning = int32(sched.nmspinning.fetch_sub(1)) - 1;
  if (nmspinning < 0) throw_("findrunnable: negative nmspinning");
  // M wakeup policy is deliberately somewhat conservative, so check if we
  // need to wakeup another P here. See "Worker thread parking/unparking"
  // comment at the top of the file for details.
  wakep();
}

// schedule: one round of scheduler: find a runnable goroutine and execute
// it. Runs on g0; never returns.
void schedule() {
  m* mp = getg()->m;
  if (mp->locks != 0) throw_("schedule: holding locks");

  if (mp->lockedg != nullptr) {
    stoplockedm();
    execute(mp->lockedg, false);  // Never returns.
  }

top:
  p* pp = mp->p;
  pp->preempt = false;

  // Safety check: if we are spinning, the run queue should be empty. Check
  // this before calling checkTimers, as that might call goready to put a
  // ready goroutine on the local run queue.
  if (mp->spinning && (pp->runnext.load() != nullptr || pp->runqhead.load() != pp->runqtail.load()))
    throw_("schedule: spinning with local work");

  bool inheritTime, tryWakeP;
  g* gp = findrunnable(&inheritTime, &tryWakeP);  // blocks until work is available

  // This thread is going to run a goroutine and is not spinning anymore,
  // so if it was marked as spinning we need to reset it now and potentially
  // start a new spinning M.
  if (mp->spinning) resetspinning();

  // If about to schedule a not-normal goroutine (a GCworker or tracereader
  // in Go; timers and netpoll here later), wake a P if there is one.
  if (tryWakeP) wakep();
  if (gp->lockedm != nullptr) {
    // Hands off own p to the locked m, then blocks waiting for a new p.
    startlockedm(gp);
    goto top;
  }

  execute(gp, inheritTime);
}

// ---- parking ----

// park_m is gopark's continuation on g0.
static void park_m(g* gp) {
  m* mp = getg()->m;
  casgstatus(gp, _Grunning, _Gwaiting);
  dropg();
  if (auto fn = mp->waitunlockf; fn != nullptr) {
    bool ok = fn(gp, mp->waitlock);
    mp->waitunlockf = nullptr;
    mp->waitlock = nullptr;
    if (!ok) {
      casgstatus(gp, _Gwaiting, _Grunnable);
      execute(gp, true);  // Schedule it back, never returns.
    }
  }
  schedule();
}

void gopark(bool (*unlockf)(g*, void*), void* lock, waitReason reason) {
  m* mp = acquirem();
  g* gp = mp->curg;
  uint32 status = readgstatus(gp);
  if (status != _Grunning) throw_("gopark: bad g status");
  mp->waitlock = lock;
  mp->waitunlockf = unlockf;
  gp->waitreason = reason;
  releasem(mp);
  // can't do anything that might move the G between Ms here.
  mcall(park_m);
}

static bool parkunlock_c(g*, void* lock) {
  unlock(static_cast<mutex*>(lock));
  return true;
}

void goparkunlock(mutex* lock, waitReason reason) { gopark(parkunlock_c, lock, reason); }

// ready marks gp ready to run (Go: ready). Go runs it on the system stack;
// our stacks are fixed, so it runs where it is called.
static void ready(g* gp, bool next) {
  uint32 status = readgstatus(gp);
  // Mark runnable.
  m* mp = acquirem();  // disable preemption because it can be holding p in a local var
  if (status != _Gwaiting) {
    print("runtime: ready: bad g status ", status, " goid=", gp->goid, "\n");
    throw_("bad g->status in ready");
  }
  // status is Gwaiting or Gscanwaiting, make Grunnable and put on runq
  casgstatus(gp, _Gwaiting, _Grunnable);
  runqput(mp->p, gp, next);
  wakep();
  releasem(mp);
}

void goready(g* gp) { ready(gp, true); }

// ---- sudogs ----

sudog* acquireSudog() {
  // Delicate dance: the semaphore implementation calls acquireSudog, which
  // may block the M on sched.sudoglock; keep this M (and its P) ours.
  m* mp = acquirem();
  p* pp = mp->p;
  if (pp->sudogn == 0) {
    lock(&sched.sudoglock);
    // First, try to grab a batch from central cache.
    while (pp->sudogn < 64 && sched.sudogcache != nullptr) {
      sudog* s = sched.sudogcache;
      sched.sudogcache = s->next;
      s->next = nullptr;
      pp->sudogcache[pp->sudogn++] = s;
    }
    unlock(&sched.sudoglock);
    // If the central cache is empty, allocate a new one.
    if (pp->sudogn == 0) pp->sudogcache[pp->sudogn++] = new (persistentalloc(sizeof(sudog), 64)) sudog();
  }
  sudog* s = pp->sudogcache[--pp->sudogn];
  pp->sudogcache[pp->sudogn] = nullptr;
  if (s->elem != nullptr) throw_("acquireSudog: found s.elem != nil in cache");
  releasem(mp);
  return s;
}

void releaseSudog(sudog* s) {
  if (s->elem != nullptr) throw_("runtime: sudog with non-nil elem");
  if (s->isSelect) throw_("runtime: sudog with non-false isSelect");
  if (s->next != nullptr) throw_("runtime: sudog with non-nil next");
  if (s->prev != nullptr) throw_("runtime: sudog with non-nil prev");
  if (s->waitlink != nullptr) throw_("runtime: sudog with non-nil waitlink");
  if (s->c != nullptr) throw_("runtime: sudog with non-nil c");
  g* gp = getg();
  if (gp->param == s) throw_("runtime: releaseSudog with non-nil gp.param");
  m* mp = acquirem();  // avoid rescheduling to another P
  p* pp = mp->p;
  if (pp->sudogn == 128) {
    // Transfer half of local cache to the central cache.
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
  pp->sudogcache[pp->sudogn++] = s;
  releasem(mp);
}

// Active spinning for sync.Mutex (Go: sync_runtime_canSpin). sync.Mutex is
// cooperative, so we are conservative with spinning: spin only few times
// and only if running on a multicore machine and GOMAXPROCS>1 and there is
// at least one other running P and local runq is empty. As opposed to
// runtime mutex we don't do passive spinning here, because there can be
// work on global runq or on other Ps.
bool sync_runtime_canSpin(int i) {
  if (i >= 4 || ncpu <= 1 || gomaxprocs <= int32(sched.npidle.load() + sched.nmspinning.load()) + 1) return false;
  if (p* pp = getg()->m->p; !runqempty(pp)) return false;
  return true;
}

void sync_runtime_doSpin() { arch::procyield(30); }

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
  if (mainStarted.load(std::memory_order_relaxed)) wakep();
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
  bool locked = gp->lockedm != nullptr;
  gp->lockedm = nullptr;
  mp->lockedg = nullptr;
  gp->preempt = false;
  gp->param = nullptr;
  gp->waitreason = waitReason::zero;
  gp->startfn = nullptr;
  gp->startarg = nullptr;
  dropg();
  gp->ehstate[0] = gp->ehstate[1] = nullptr;
  if (mp->lockedInt != 0) {
    print("invalid m->lockedInt = ", mp->lockedInt, "\n");
    throw_("internal lockOSThread error");
  }
  mp->lockedExt = 0;
  gfput(pp, gp);
  if (locked) {
    // The goroutine may have locked this thread because it put it in an
    // unusual kernel state. Kill it rather than returning it to the thread
    // pool: return to mstart1's gosave, and mstart0 calls mexit.
    mp->g0->sched.ret = 1;
    gogo(&mp->g0->sched);
  }
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
  m* mp = getg()->m;
  p* pp = mp->p;
  lock(&sched.lock);
  globrunqput(gp);
  // Our shortcut: when this P's local queue is empty, schedule() would go
  // straight to the global queue (the fairness check and the ordinary path
  // both take its head), locking sched.lock again. Take the next G now,
  // under the lock already held: the same choice, one lock round trip less.
  g* next = nullptr;
  if (mp->lockedg == nullptr && !mp->spinning && sched.gcwaiting.load() == 0 && runqempty(pp)) {
    next = globrunqget(pp, pp->schedtick % 61 == 0 ? 1 : 0);
    if (next != nullptr && next->lockedm != nullptr) {
      globrunqputhead(next);
      next = nullptr;
    }
  }
  unlock(&sched.lock);
  wakep();
  if (next != nullptr) {
    pp->preempt = false;
    execute(next, false);
  }
  schedule();
}

// gosched_m is Gosched continuation on g0.
static void gosched_m(g* gp) { goschedImpl(gp); }

// Gosched yields the processor, allowing other goroutines to run. It does not
// suspend the current goroutine, so execution resumes automatically: it goes
// to the global run queue.
void Gosched() { mcall(gosched_m); }

// goyield_m is goyield's continuation on g0: like Gosched, but the
// goroutine goes to the tail of the local run queue (Go: goyield_m).
static void goyield_m(g* gp) {
  p* pp = gp->m->p;
  casgstatus(gp, _Grunning, _Grunnable);
  dropg();
  runqput(pp, gp, false);
  schedule();
}

void goyield() { mcall(goyield_m); }

// ---- locking goroutines to threads ----

// dolockOSThread is called by LockOSThread and lockOSThread below after
// they modify m.locked.
static void dolockOSThread() {
  g* gp = getg();
  gp->m->lockedg = gp;
  gp->lockedm = gp->m;
}

// LockOSThread wires the calling goroutine to its current OS thread (Go:
// LockOSThread). The external count is the user's; the runtime's own uses
// (lockOSThread) are counted apart.
void LockOSThread() {
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

// ---- stopping the world ----

// preemptall asks every running goroutine to stop (Go: preemptall).
//
// Difference from Go (until the preemption issue): nothing forces a
// goroutine to notice the request. A goroutine stops at its next call into
// the scheduler (gosched, a blocking operation, exit), so a world stop
// waits for goroutines that compute without one.
static void preemptall() {
  for (int32 i = 0; i < gomaxprocs; i++) {
    p* pp = allp[i];
    if (pp->status != _Prunning) continue;
    pp->preempt = true;
    if (m* mp = pp->m; mp != nullptr)
      if (g* gp = mp->curg; gp != nullptr) gp->preempt = true;
  }
}

// stopTheWorldWithSema stops every P: the idle ones at once, the running
// ones when their M next enters the scheduler (gcstopm). The caller holds
// worldsema and is not preemptible (Go: stopTheWorldWithSema).
static void stopTheWorldWithSema() {
  g* gp = getg();
  // If we hold a lock, then we won't be able to stop another M that is
  // blocked trying to acquire the lock.
  if (gp->m->locks > 0) throw_("stopTheWorld: holding locks");

  lock(&sched.lock);
  sched.stopwait = gomaxprocs;
  sched.gcwaiting.store(1);
  preemptall();
  // stop current P
  gp->m->p->status = _Pgcstop;  // Pgcstop is only diagnostic.
  sched.stopwait--;
  // (syscall issue) retake Ps in _Psyscall here.
  // stop idle P's
  for (;;) {
    p* pp = pidleget();
    if (pp == nullptr) break;
    pp->status = _Pgcstop;
    sched.stopwait--;
  }
  bool wait = sched.stopwait > 0;
  unlock(&sched.lock);

  // wait for remaining P's to stop voluntarily
  if (wait) {
    for (;;) {
      // wait for 100us, then try to re-preempt in case of any races
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
      if (allp[i]->status != _Pgcstop) bad = "stopTheWorld: not stopped (status != _Pgcstop)";
  }
  if (bad != nullptr) throw_(bad);
}

// startTheWorldWithSema restarts the Ps after a stop, applying a pending
// GOMAXPROCS change, and gives each P with work an M (Go:
// startTheWorldWithSema).
static void startTheWorldWithSema() {
  m* mp = acquirem();  // disable preemption because it can be holding p in a local var
  // (netpoll issue) inject the goroutines netpoll(0) finds.
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
      pp->m = nullptr;
      if (nmp->nextp != nullptr) throw_("startTheWorld: inconsistent mp->nextp");
      nmp->nextp = pp;
      notewakeup(&nmp->park);
    } else {
      // Start M to run P. Do not start another M below.
      newm(nullptr, pp, -1);
    }
  }

  // Wakeup an additional proc in case we have excessive runnable goroutines
  // in local queues or in the global queue. If we don't, the proc will park
  // itself. If we have lots of excessive work, resetspinning will unpark
  // additional procs as necessary.
  wakep();
  releasem(mp);
}

// gcstopm stops the current m for stopTheWorld. Returns when the world is
// restarted (Go: gcstopm).
void gcstopm() {
  m* mp = getg()->m;
  if (sched.gcwaiting.load() == 0) throw_("gcstopm: not waiting for gc");
  if (mp->spinning) {
    mp->spinning = false;
    // OK to just drop nmspinning here, startTheWorld will unpark threads
    // as necessary.
    if (int32(sched.nmspinning.fetch_sub(1)) - 1 < 0) throw_("gcstopm: negative nmspinning");
  }
  p* pp = releasep();
  lock(&sched.lock);
  pp->status = _Pgcstop;
  sched.stopwait--;
  if (sched.stopwait == 0) notewakeup(&sched.stopnote);
  unlock(&sched.lock);
  stopm();
}

// GOMAXPROCS sets the number of Ps and returns the previous setting; n <= 0
// only queries (Go: runtime.GOMAXPROCS). Called on a goroutine. As in Go,
// any n is taken (the GOMAXPROCS variable is limited to 1024 only to catch
// typos at start).
int32 GOMAXPROCS(int32 n) {
  lock(&sched.lock);
  int32 ret = gomaxprocs;
  unlock(&sched.lock);
  if (n <= 0 || n == ret) return ret;

  semacquire(&sched.worldsema);
  systemstack([] { stopTheWorldWithSema(); });
  newprocs = n;
  systemstack([] { startTheWorldWithSema(); });
  semrelease(&sched.worldsema);
  return ret;
}

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
  // Give the sudog cache to the central one.
  lock(&sched.sudoglock);
  while (pp->sudogn > 0) {
    sudog* sg = pp->sudogcache[--pp->sudogn];
    pp->sudogcache[pp->sudogn] = nullptr;
    sg->next = sched.sudogcache;
    sched.sudogcache = sg;
  }
  unlock(&sched.sudoglock);
  pp->status = _Pdead;
}

// procresize changes the number of processors (Go: procresize). sched.lock
// must be held and the world stopped. Returns the list of Ps with local work;
// they need to be scheduled by the caller.
p* procresize(int32 nprocs) {
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
    __atomic_store_n(&allp, nallp, __ATOMIC_RELEASE);
    __atomic_store_n(&idlepMask, nmask, __ATOMIC_RELEASE);
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
      pp->m = mget();
      pp->link = runnablePs;
      runnablePs = pp;
    }
  }
  // A shrunk P is not idle any more.
  for (int32 i = nprocs; i < old; i++) pMaskClear(idlepMask, i);
  if (stealOrder.count != uint32(nprocs)) stealOrderReset(uint32(nprocs));
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
  pMaskSet(idlepMask, pp->id);
  pp->link = sched.pidle;
  sched.pidle = pp;
  sched.npidle.fetch_add(1);
}

// pidleget tries to get a P from the idle list. sched.lock must be held.
p* pidleget() {
  p* pp = sched.pidle;
  if (pp != nullptr) {
    pMaskClear(idlepMask, pp->id);
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

// ---- sysmon ----

// schedtrace prints one line of scheduler state, and with detailed the
// state of every P, M and G, in Go's format (GODEBUG=schedtrace=N,
// scheddetail=1).
void schedtrace(bool detailed) {
  int64 now = nanotime();
  if (starttime == 0) starttime = now;

  lock(&sched.lock);
  print("SCHED ", (now - starttime) / 1000000, "ms: gomaxprocs=", gomaxprocs, " idleprocs=", sched.npidle.load(),
        " threads=", mcount(), " spinningthreads=", sched.nmspinning.load(), " idlethreads=", sched.nmidle,
        " runqueue=", sched.runqsize);
  if (detailed) {
    print(" gcwaiting=", sched.gcwaiting.load(), " nmidlelocked=", sched.nmidlelocked, " stopwait=", sched.stopwait,
          " sysmonwait=", uint32(sched.sysmonwait.load()), "\n");
  }
  // We must be careful while reading data from P's, M's and G's. Even if
  // we hold schedlock, most data can be changed concurrently. E.g.
  // (p->m ? p->m->id : -1) can crash if p->m changes from non-nil to nil.
  for (int32 i = 0; i < gomaxprocs; i++) {
    p* pp = allp[i];
    m* mp = __atomic_load_n(&pp->m, __ATOMIC_RELAXED);
    uint32 h = pp->runqhead.load();
    uint32 t = pp->runqtail.load();
    if (detailed) {
      int64 id = mp != nullptr ? mp->id : -1;
      print("  P", i, ": status=", pp->status, " schedtick=", pp->schedtick, " syscalltick=", pp->syscalltick, " m=", id,
            " runqsize=", t - h, " gfreecnt=", pp->gFree.n, " timerslen=", 0, "\n");
    } else {
      // In non-detailed mode format lengths of per-P run queues as:
      // [len1 len2 len3 len4]
      print(" ");
      if (i == 0) print("[");
      print(t - h);
      if (i == gomaxprocs - 1) print("]\n");
    }
  }

  if (!detailed) {
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
          " preemptoff=", "", " locks=", mp->locks, " dying=", mp->dying, " spinning=", mp->spinning,
          " blocked=", mp->blocked, " lockedg=", id3, "\n");
  }

  lock(&allglock);
  for (g* gp = allgs; gp != nullptr; gp = gp->alllink) {
    m* mp = __atomic_load_n(&gp->m, __ATOMIC_RELAXED);
    m* lockedm = __atomic_load_n(&gp->lockedm, __ATOMIC_RELAXED);
    int64 id1 = mp != nullptr ? mp->id : -1;
    int64 id2 = lockedm != nullptr ? lockedm->id : -1;
    print("  G", gp->goid, ": status=", readgstatus(gp), "(", waitReasonString(gp->waitreason), ") m=", id1,
          " lockedm=", id2, "\n");
  }
  unlock(&allglock);
  unlock(&sched.lock);
}

// sysmon runs on its own M without a P, so write barriers are not
// allowed... in Go; here it simply never runs goroutines (Go: sysmon). It
// wakes up every 20us at first, doubling its sleep after 1 ms of finding
// nothing to do, up to 10 ms; while every P is idle it sleeps on
// sched.sysmonnote until the scheduler wakes it (deep sleep).
//
// In this issue sysmon drives schedtrace; retake (preemption, syscall
// handoff) and the periodic netpoll will plug in where marked.
// runqsbusy reports whether a running P has goroutines queued.
static bool runqsbusy() {
  int32 n = __atomic_load_n(&gomaxprocs, __ATOMIC_ACQUIRE);
  p** ps = __atomic_load_n(&allp, __ATOMIC_ACQUIRE);
  std::atomic<uint32>* mask = __atomic_load_n(&idlepMask, __ATOMIC_ACQUIRE);
  for (int32 i = 0; i < n; i++)
    if (!pMaskRead(mask, uint32(i)) && !runqempty(ps[i])) return true;
  return false;
}

static constexpr int64 kScavengePeriod = 500 * 1000 * 1000;  // ns
static constexpr uintptr kPoolKeepHotStacks = 64;

static void sysmon() {
  lock(&sched.lock);
  sched.nmsys++;
  checkdead();
  unlock(&sched.lock);
  getg()->m->isSysmon = true;

  int64 lasttrace = 0;
  int64 lastscavenge = nanotime();
  int32 idle = 0;  // how many cycles in succession we had not wokeup somebody
  uint32 delay = 0;
  for (;;) {
    if (idle == 0) {  // start with 20us sleep...
      delay = 20;
    } else if (idle > 50) {  // start doubling the sleep after 1ms...
      delay *= 2;
    }
    if (delay > 10 * 1000) delay = 10 * 1000;  // up to 10ms
    usleep(delay);

    // sysmon should not enter deep sleep if schedtrace is enabled so that
    // it can print that information at the right time.
    int64 now = nanotime();
    if (debug.schedtrace <= 0 && (sched.gcwaiting.load() != 0 || sched.npidle.load() == uint32(gomaxprocs))) {
      lock(&sched.lock);
      if (sched.gcwaiting.load() != 0 || sched.npidle.load() == uint32(gomaxprocs)) {
        // (timers issue) sleep at most until the next timer. Go wakes
        // every forcegcperiod/2 (60 s) for the GC; with no GC, sysmon
        // sleeps until the scheduler wakes it.
        sched.sysmonwait.store(true);
        unlock(&sched.lock);
        // Nothing runs: give back the memory of every pooled stack but the
        // hot ones before sleeping.
        stackscavenge(kPoolKeepHotStacks);
        bool syscallWake = notetsleep(&sched.sysmonnote, int64(60) * 1000 * 1000 * 1000);
        lock(&sched.lock);
        sched.sysmonwait.store(false);
        noteclear(&sched.sysmonnote);
        if (syscallWake) {
          idle = 0;
          delay = 20;
        }
      }
      unlock(&sched.lock);
    }

    lock(&sched.sysmonlock);
    now = nanotime();
    // (netpoll issue) poll the network if it hasn't been polled for 10 ms.
    // (preemption issue) retake Ps blocked in syscalls and preempt
    // long-running goroutines; a retake resets idle.
    idle++;
    // Our addition, while gort has no preemption: the spinning protocol
    // tolerates a window in which an M gives up its P without re-checking
    // (it was not spinning) just after a goroutine was queued on a busy P,
    // whose submitter saw no idle P to wake. Go closes it by preempting the
    // busy P's goroutine within 10 ms; here sysmon notices queued work with
    // an idle P and no spinning M, and wakes a P for it.
    if (sched.npidle.load() > 0 && sched.nmspinning.load() == 0 && sched.gcwaiting.load() == 0 && runqsbusy()) {
      wakep();
      idle = 0;
    }
    // The stack scavenger (Go's bgscavenge, woken by sysmon): return the
    // memory of stacks that stayed pooled for a whole period.
    if (now - lastscavenge >= kScavengePeriod) {
      lastscavenge = now;
      stackscavengeidle();
    }
    if (debug.schedtrace > 0 && lasttrace + int64(debug.schedtrace) * 1000000 <= now) {
      lasttrace = now;
      schedtrace(debug.scheddetail > 0);
    }
    unlock(&sched.sysmonlock);
  }
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
  // sysmon runs on its own M without a P, from now on.
  systemstack([] { newm(sysmon, nullptr, -1); });

  // Lock the main goroutine onto this, the main OS thread, during
  // initialization. Most programs won't care, but a few do require certain
  // calls to be made by the main thread. Those can arrange for main.main to
  // run in the main thread by calling LockOSThread during initialization to
  // preserve the lock.
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
  gp->m->p->schedtick++;

  boottrace(bootstep::main);
  int status = user_main(argc_, argv_, envp_);
  boottrace(bootstep::exit, nullptr, status);
  flavour_exit(status);
}

}  // namespace gort::runtime
