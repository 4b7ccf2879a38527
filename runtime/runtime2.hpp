// runtime/runtime2.hpp: the G, M, P and sched structures (Go: runtime2.go).
//
//   G  a goroutine: its stack, its saved registers (sched), its status.
//   M  a machine: an OS thread. It runs goroutines on behalf of a P, or runs
//      runtime code on its own g0 stack, or sleeps.
//   P  a processor: the right to run Go code, and the local state needed for
//      it (a run queue, free lists). There are exactly GOMAXPROCS Ps. An M
//      must hold a P to run goroutines.
//   sched  the global scheduler state: idle Ms and Ps, the global run queue,
//      the global free lists.
//
// Field names follow Go's. Comments say which lock guards a field, or that it
// is only touched by the owner (the M holding the P, for P fields).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "asm.h"

namespace gort::runtime {

using uintptr = std::uintptr_t;
using int32 = std::int32_t;
using uint32 = std::uint32_t;
using int64 = std::int64_t;
using uint64 = std::uint64_t;

struct g;
struct m;
struct p;
struct hchan;
struct sudog;
struct timer;
struct mcache;

// A futex-based lock (Go: lock_futex.go). Go keeps "locked with sleepers"
// in the key itself (2); we count sleepers in a word of their own, so that
// unlock need not exchange the key (lock_futex.cpp says why). Never a
// pthread mutex: it must work before libc and in the libc-free flavour.
struct mutex {
  std::atomic<uint32> key{0};     // 0 unlocked, 1 locked
  std::atomic<uint32> nsleep{0};  // threads asleep on key, or going to sleep
};

// A one-shot event for an M to sleep on (Go: note). key: 0 clear, 1 woken.
struct note {
  std::atomic<uint32> key{0};
};

// Goroutine status (Go's values, so gdb scripts and readers can compare).
// Each comment says who owns the stack in that state.
enum : uint32 {
  _Gidle = 0,      // just allocated, not yet initialised
  _Grunnable = 1,  // on a run queue; not running; owns no M; stack not in use
  _Grunning = 2,   // running user code; owns the stack; has an M and a P
  _Gsyscall = 3,   // in a system call; owns the stack; has an M, maybe no P
  _Gwaiting = 4,   // blocked in the runtime (gopark); on some wait queue
  _Gdead = 6,      // unused: exited or on a free list; owns no stack
  _Gpreempted = 9, // stopped by a preemption request, until someone readies it
};

// P status.
enum : uint32 {
  _Pidle = 0,     // not running user code; on the idle list
  _Prunning = 1,  // owned by an M running user code or the scheduler
  _Psyscall = 2,  // its M is in a syscall; may be taken by another M
  _Pgcstop = 3,   // stopped (the world is stopped, or during procresize)
  _Pdead = 4,     // no longer used (GOMAXPROCS shrank)
};

// Why a goroutine is waiting; the strings are Go 1.19's (waitReasonStrings).
enum class waitReason : uint8_t {
  zero,
  chanReceiveNilChan,
  chanSendNilChan,
  panicwait,
  select,
  selectNoCases,
  chanReceive,
  chanSend,
  semacquire,
  sleep,
  syncCondWait,
  preempted,
  ioWait,
  count_,
};
const char* waitReasonString(waitReason r);

// [lo, hi) bounds of a stack.
struct stack {
  uintptr lo = 0;
  uintptr hi = 0;
};

// The saved context of a goroutine that is not running (see asm.h).
struct gobuf {
  uintptr sp = 0;
  uintptr pc = 0;
  g* g_ = nullptr;  // the goroutine this context belongs to
  uintptr ret = 0;  // value in rax when resumed
  uintptr bp = 0;
  uintptr rbx = 0, r12 = 0, r13 = 0, r14 = 0, r15 = 0;
  uint32 mxcsr = DEFAULT_MXCSR;
  uint16_t fpcw = DEFAULT_FPCW;
};
static_assert(offsetof(gobuf, sp) == gobuf_sp);
static_assert(offsetof(gobuf, pc) == gobuf_pc);
static_assert(offsetof(gobuf, g_) == gobuf_g);
static_assert(offsetof(gobuf, ret) == gobuf_ret);
static_assert(offsetof(gobuf, bp) == gobuf_bp);
static_assert(offsetof(gobuf, rbx) == gobuf_rbx);
static_assert(offsetof(gobuf, r12) == gobuf_r12);
static_assert(offsetof(gobuf, r13) == gobuf_r13);
static_assert(offsetof(gobuf, r14) == gobuf_r14);
static_assert(offsetof(gobuf, r15) == gobuf_r15);
static_assert(offsetof(gobuf, mxcsr) == gobuf_mxcsr);
static_assert(offsetof(gobuf, fpcw) == gobuf_fpcw);
static_assert(sizeof(gobuf) == gobuf_size);

// Bytes of closure storage inside each g, for the callable and arguments given
// to gort::go. A larger closure is put on the heap by the API.
inline constexpr std::size_t kClosureSize = 48;

struct g {
  // The first fields are at fixed offsets used by assembly (asm.h).
  struct stack stack;   // the goroutine's stack; {0,0} while it has none
  // stack.lo + Go's _StackGuard: the lowest sp at which code may still
  // push a frame of runtime code. No function prologue reads it (C++
  // stacks do not grow; overflow hits the guard region instead): the
  // asynchronous preemption handler does, before it pushes its frame.
  uintptr stackguard0 = 0;
  struct m* m = nullptr;    // the M running this g; null when not running
  gobuf sched;          // saved context while not running

  std::atomic<uint32> atomicstatus{_Gidle};
  waitReason waitreason = waitReason::zero;  // if status == _Gwaiting
  std::atomic<bool> preempt{false};  // preemption requested (set by other Ms)
  int64 goid = 0;
  int64 parentgoid = 0;  // goid of the goroutine that created this one
  g* schedlink = nullptr;  // link on run queues and free lists
  // Our additions, never needed at once (a G is either dead on a free list
  // or runnable on the global queue), hence one word for both:
  union {
    // The head of a batch on sched.gFree: the next batch (gfree.cpp).
    g* gfreebatch = nullptr;
    // On the global run queue: the G kRunqAhead places further down the
    // schedlink chain, or null. A prefetch hint only, written by runqputslow
    // and followed by globrunqget. It may be stale, which costs nothing: Gs
    // are never freed, so it still points at a G.
    g* schedlinkahead;
  };
  int32 gfreebatchn = 0;  // the length of the batch gp heads on sched.gFree
  int64 waitsince = 0;     // approximate time it became blocked (nanotime)
  void* param = nullptr;   // passed between parker and readier
  struct m* lockedm = nullptr;  // M this g is locked to (lock_os_thread)
  uintptr gopc = 0;        // pc of the go statement that created it
  uintptr startpc = 0;     // pc of its entry function
  g* alllink = nullptr;    // on allgs (allglock)

  // Difference from Go: C++ stacks cannot grow, so every goroutine gets a
  // full fixed-size stack. To keep a queued but never-run goroutine cheap,
  // the stack is attached when the goroutine first runs (execute) and is
  // given back when it exits (gfput), rather than in newproc1 as Go does.
  uintptr stacksize = 0;          // size of the stack to attach
  void (*startfn)(void*) = nullptr;  // entry, called as startfn(startarg)
  void* startarg = nullptr;
  sudog* waiting = nullptr;  // sudog structures this g is waiting on
  uint32 selectDone = 0;     // are we participating in a select and did someone win the race?
  // Set by a goroutine about to park on a channel (chanpark, selectgo) and
  // cleared by its unlockf once the channel locks are released, which is
  // when its wakers may ready it (chanwaitparked). Difference from Go,
  // where parkingOnChan is cleared before the unlock and only guards stack
  // shrinking: unlock reads the lock's sleeper count after releasing the
  // key (lock_futex.cpp), and with no garbage collector the goroutine,
  // once readied, may drop the channel's last handle and free it before
  // that read.
  std::atomic<bool> parkingOnChan{false};
  // Our addition: the goroutine's errno, kept while it is switched out
  // (dropg saves the thread's, execute restores it), so that errno read
  // after a call that parked the goroutine is its own on whatever M it
  // resumed (gort(7), "THREADS AND TLS").
  int32 goerrno = 0;
  // libstdc++'s caught-exception stack and uncaught count of this goroutine
  // (struct __cxa_eh_globals), kept with the g so that a goroutine blocking
  // inside a catch block may resume on another M.
  void* ehstate[2] = {};
  // Set while api.cpp's onterminate renders this goroutine's panic value:
  // a what() that throws in turn is "panic while printing panic value".
  bool printingpanic = false;
  // What sanitizers know of this G (sanitizer.hpp): ASan's fake stack
  // while the G does not run, and its TSan fiber.
  void* asanfake = nullptr;
  void* tsanfiber = nullptr;
  alignas(16) unsigned char closure[kClosureSize] = {};
  // Cached timer for gort::sleep (timeSleep), made on first use and kept
  // with the g for ever, across reuse (Go: g.timer).
  struct timer* timer = nullptr;
  // Asynchronous preemption (preempt.cpp). nopreempt: the depth of
  // gort::no_preempt guards; the signal handler leaves the goroutine alone
  // while it is not 0. pinnedm: while the goroutine waits on its P's pinned
  // queue after a preemption, the M it must resume on; pinahead: how many
  // goroutines of the global queue that M takes before it (owner of the P
  // only).
  int32 nopreempt = 0;
  int32 pinahead = 0;
  struct m* pinnedm = nullptr;
};
static_assert(offsetof(g, stack) + offsetof(struct stack, lo) == g_stack_lo);
static_assert(offsetof(g, stack) + offsetof(struct stack, hi) == g_stack_hi);
static_assert(offsetof(g, stackguard0) == g_stackguard0);
static_assert(offsetof(g, m) == g_m);
static_assert(offsetof(g, sched) == g_sched);

// An intrusive list of Gs linked through schedlink (Go: gList).
struct gList {
  g* head = nullptr;
  bool empty() const { return head == nullptr; }
  void push(g* gp) {
    gp->schedlink = head;
    head = gp;
  }
  g* pop() {
    g* gp = head;
    if (gp != nullptr) head = gp->schedlink;
    return gp;
  }
};

// A FIFO of Gs linked through schedlink (Go: gQueue).
struct gQueue {
  g* head = nullptr;
  g* tail = nullptr;
  bool empty() const { return head == nullptr; }
  void pushBack(g* gp) {
    gp->schedlink = nullptr;
    if (tail != nullptr)
      tail->schedlink = gp;
    else
      head = gp;
    tail = gp;
  }
  void pushBackAll(gQueue q) {
    if (q.tail == nullptr) return;
    q.tail->schedlink = nullptr;
    if (tail != nullptr)
      tail->schedlink = q.head;
    else
      head = q.head;
    tail = q.tail;
  }
  g* pop() {
    g* gp = head;
    if (gp != nullptr) {
      head = gp->schedlink;
      if (head == nullptr) tail = nullptr;
    }
    return gp;
  }
};

// sudog represents a g in a wait list, such as for sending/receiving on a
// channel or waiting on a semaphore (Go: sudog). A g can be on many wait
// lists at once (select), so there can be many sudogs for one g; and many gs
// may wait on one object, so there can be many sudogs for one object.
// sudogs come from a per-P cache (acquireSudog / releaseSudog).
struct sudog {
  // The following fields are protected by the lock of the wait list this
  // sudog is on (the channel's lock, or the semaRoot's lock).
  g* g_ = nullptr;
  sudog* next = nullptr;
  sudog* prev = nullptr;
  void* elem = nullptr;  // data element (may point to stack)

  // The following fields are never accessed concurrently: for channels,
  // waitlink is only accessed by g; for semaphores, all fields (including
  // the ones above) are only accessed when holding a semaRoot lock.
  int64 acquiretime = 0;
  int64 releasetime = 0;
  uint32 ticket = 0;
  // isSelect indicates g is participating in a select, so g->selectDone
  // must be CAS'd to win the wake-up race.
  bool isSelect = false;
  // success indicates whether communication over channel c succeeded: true
  // if the goroutine was awoken because a value was delivered over c, false
  // if awoken because c was closed.
  bool success = false;
  sudog* parent = nullptr;    // semaRoot binary tree
  sudog* waitlink = nullptr;  // g->waiting list or semaRoot
  sudog* waittail = nullptr;  // semaRoot
  hchan* c = nullptr;         // channel
};

// sanstore stores v in *p, a field that other threads read without a lock
// where Go reads and writes it plainly (g.m, m.curg, p.m, a wait queue's
// head). Under TSan an atomic store with the given order, so that TSan
// sees no race; otherwise a plain store, for the same reason as
// mlockcount's (below): an atomic store is a compiler barrier to GCC, and
// these are on every goroutine switch.
template <class T, class V>
inline void sanstore(T* p, V v, [[maybe_unused]] int order) {
#if defined(__SANITIZE_THREAD__)
  __atomic_store_n(p, v, order);
#else
  *p = v;
#endif
}

// mlockcount is the type of m.locks. Under TSan, an atomic: its owner's
// writes and sysmon's reads must be seen as synchronised. Otherwise a plain
// int32 behind the same interface, whose owner-side accesses the compiler
// may keep in registers and move: GCC treats every atomic access as a
// compiler barrier, and lock, unlock, acquirem and releasem each touch
// m.locks twice. Measured (interleaved runs, this VM): with the atomic,
// chan_pingpong P=1 1.08x, ring P=1 1.07x, chan_buffered P=1 1.10x the
// plain int's time. The other threads' reads (retakeblocked, the signal
// handler) go through load(), an atomic load of the plain word, which is
// what Go's plain reads compile to.
#if defined(__SANITIZE_THREAD__)
using mlockcount = std::atomic<int32>;
#else
struct mlockcount {
  int32 v = 0;
  int32 load(std::memory_order o = std::memory_order_seq_cst) const { return __atomic_load_n(&v, int(o)); }
  void store(int32 x, std::memory_order = std::memory_order_seq_cst) { v = x; }
  operator int32() const { return v; }
  int32 operator--(int) { return v--; }
  int32 operator++(int) { return v++; }
};
#endif

struct m {
  // The first fields are at fixed offsets used by assembly (asm.h).
  g* g0 = nullptr;       // goroutine with the scheduling stack
  g* curg = nullptr;     // current running goroutine
  g* gsignal = nullptr;  // signal-handling g: its stack is the M's sigaltstack
  uintptr tls = 0;       // address of this thread's runtime.tlsg slot

  void (*mstartfn)() = nullptr;
  struct p* p = nullptr;      // attached P for executing Go code (null if none)
  struct p* nextp = nullptr;  // P to acquire when started or woken
  struct p* oldp = nullptr;   // the P that was attached before a syscall
  int64 id = 0;
  int32 mallocing = 0;
  int32 throwing = 0;
  // > 0: holding runtime locks, not preemptible. Written only by this M
  // (mlocksadd); read by sysmon (retakeblocked) and the preemption signal
  // (where Go reads it plainly): see mlockcount.
  mlockcount locks;
  int32 dying = 0;
  int32 printlock = 0;  // recursion depth of printlock on this M
  bool spinning = false;  // looking for work (sched.nmspinning counts these)
  bool blocked = false;   // sleeping on a note
  uint64 fastrand = 0;   // wyrand state (Go: m.fastrand)
  note park;              // stopm sleeps here
  m* alllink = nullptr;   // on allm
  m* schedlink = nullptr; // on sched.midle
  g* lockedg = nullptr;
  uint32 lockedExt = 0;   // lock_os_thread depth from the user
  uint32 lockedInt = 0;   // internal lock depth
  int64 procid = 0;       // kernel thread id

  // gopark hands these to park_m, which calls waitunlockf(gp, waitlock)
  // on g0 after gp has left its stack.
  bool (*waitunlockf)(g*, void*) = nullptr;
  void* waitlock = nullptr;
  // The function an mcall runs on g0, when a sanitizer makes mcall go
  // through a trampoline (sanitizer.cpp).
  void (*mcallfn)(g*) = nullptr;

  m* freelink = nullptr;  // on sched.freem
  // The M's g0 stack mapping (allocm), freed once the thread has gone.
  uintptr g0mem = 0, g0memsize = 0;
  uintptr thread = 0;      // the flavour's thread handle (pthread_t hosted)
  std::atomic<uint32> freeWait{0};  // 1 while the thread may still use g0mem
  bool exiting = false;    // mexit in progress
  // libstdc++'s per-thread exception state (__cxa_get_globals()), saved in
  // and restored from the running g on every switch; see g::ehstate.
  void* ehglobals = nullptr;
  // sysmon's M: no P, never counted as running user code.
  bool isSysmon = false;
  int64 createdAt = 0;
  // The runtime locks this M holds, kept only in debug builds (GORT_DEBUG)
  // for assertLockHeld (Go: m.locksHeld, under its staticlockranking).
  // Present in every build so that the layout never depends on it.
  mutex* locksHeld[10] = {};
  int32 locksHeldLen = 0;

  // System calls (entersyscall / exitsyscall). syscalltick is the P's
  // syscalltick when the M entered its current system call, to tell
  // whether the P was taken in the meantime (Go: m.syscalltick).
  uint32 syscalltick = 0;
  // This thread's errno (the flavour's, found in minit): dropg and execute
  // move it to and from g::goerrno.
  int* errnoloc = nullptr;
  // sysmon's view of a thread blocked in the kernel without having told
  // the runtime (a raw system call, a library's own futex, stdio writing
  // to a full pipe): sysblock's states and statfd are described at
  // retakeblocked (proc.cpp).
  std::atomic<uint32> sysblock{0};
  // /proc/self/task/<procid>/stat, kept open by threadstate (os_linux.cpp);
  // -1 until first read. Set with a compare-and-swap: sysmon and a stopper
  // of the world (preemptall) may both open it.
  std::atomic<int32> statfd{-1};

  // Asynchronous preemption (preempt.cpp, signal_unix.cpp). signalPending
  // is 1 from preemptM's tgkill until this thread's handler has taken the
  // signal (Go: m.signalPending); it is also how the handler tells our
  // signal from a program's own. preemptGen counts the preemption signals
  // handled (Go: m.preemptGen). sigmask is the signal mask minit gives the
  // thread (newmSigmask chose it; Go: m.sigmask), then the thread's mask as
  // the program set it (the pthread_sigmask hook): interrupted code
  // that runs with another mask is inside a signal handler, never a safe
  // point.
  std::atomic<uint32> signalPending{0};
  std::atomic<uint32> preemptGen{0};
  std::atomic<uint64> sigmask{0};
};
// mlocksadd adds d to mp->locks. Only mp's own thread writes it (and a
// signal handler on that thread, which leaves it as it found it), so a
// relaxed load and store do: a plain add as in Go, not a locked
// read-modify-write.
// The store releases: sysmon's acquiring read of 0 (retakeblocked) then
// happens after everything the M did inside the runtime (a plain store on
// x86-64, as relaxed is).
inline void mlocksadd(m* mp, int32 d) {
#if defined(__SANITIZE_THREAD__)
  mp->locks.store(mp->locks.load(std::memory_order_relaxed) + d, std::memory_order_release);
#else
  mp->locks.v += d;
#endif
}
static_assert(offsetof(m, g0) == m_g0);
static_assert(offsetof(m, curg) == m_curg);
static_assert(offsetof(m, gsignal) == m_gsignal);
static_assert(offsetof(m, tls) == m_tls);

// Per-P cache of free goroutine stacks of the default size (Go: the stack
// part of mcache). Owner only.
inline constexpr int kStackCacheMax = 32;
struct stackcache {
  int32 n = 0;
  struct stack s[kStackCacheMax];
};

inline constexpr uint32 kRunqSize = 256;
// How far ahead along the global run queue globrunqget prefetches, through
// g::schedlinkahead (runq.cpp). Our addition.
inline constexpr uint32 kRunqAhead = 16;

// A P's timer heap array (Go: p.timers, a []*timer). It grows by doubling
// with sysAlloc/sysFree (time.cpp), never through libc; guarded by
// p.timersLock.
struct timerSlice {
  timer** a = nullptr;
  int32 n = 0;    // len
  int32 cap = 0;  // capacity of a
  int32 len() const { return n; }
  timer*& operator[](int32 i) const { return a[i]; }
};

struct p {
  int32 id = 0;
  // Written by the M that owns the P (or, for an idle P, under sched.lock),
  // read without a lock by sysmon and by other Ms: atomics, relaxed unless
  // a comment says otherwise.
  std::atomic<uint32> status{_Pgcstop};
  p* link = nullptr;        // on sched.pidle
  std::atomic<uint32> schedtick{0};    // incremented on every scheduler call
  std::atomic<uint32> syscalltick{0};  // incremented on every system call
  struct m* m = nullptr;    // back-link to the associated M (null if idle)

  // What sysmon saw of this P at its last look (Go: sysmontick): retake
  // compares the ticks to tell a P stuck in a system call, or on one
  // goroutine, from one that moves. sysmon only.
  struct {
    uint32 schedtick = 0;
    int64 schedwhen = 0;
    uint32 syscalltick = 0;
    int64 syscallwhen = 0;
    // Our additions (retake): when sysmon next tries to preempt the slice
    // that began at schedwhen, once it is over (0: not tried yet), and the
    // backoff before the try after that.
    int64 preemptnext = 0;
    int64 preemptbackoff = 0;
  } sysmontick;
  // When the current slice began, as the M saw it, for the slices whose
  // start sysmon cannot see itself: a goroutine resuming after a
  // preemption, or after its system call lost the P (newslice).
  // slicetick is the schedtick of that slice; sysmon uses slicewhen only
  // when it matches (retake). Written by the owner, read by sysmon.
  std::atomic<uint32> slicetick{0};
  std::atomic<int64> slicewhen{0};

  // Cache of goroutine ids, amortises accesses to sched.goidgen.
  uint64 goidcache = 0;
  uint64 goidcacheend = 0;

  // Queue of runnable goroutines, accessed without lock: the owner puts at
  // the tail, anyone (stealers) takes from the head.
  std::atomic<uint32> runqhead{0};
  std::atomic<uint32> runqtail{0};
  std::atomic<g*> runq[kRunqSize] = {};
  // A runnable G that should run next, before what is in runq, inheriting
  // the current time slice: the G just readied or created by the running G.
  std::atomic<g*> runnext{nullptr};
  // How many Gs in a row have run from runnext on the current time slice
  // (runqget counts, execute clears it when a fresh slice begins). Our
  // addition: it bounds an inherited slice without preemption (runq.cpp,
  // kInheritMax). Owner only.
  uint32 inherited = 0;

  // Available dead Gs (status == _Gdead), without stacks.
  struct {
    gList list;
    // gcount and schedtrace read it from any thread, as Go reads it
    // plainly: atomic, written by the owner with relaxed stores.
    std::atomic<int32> n{0};
  } gFree;

  struct stackcache stackcache;
  // Free small objects of the allocator (malloc.hpp; Go: p.mcache). Owner
  // only.
  struct mcache* mcache = nullptr;

  // Cache of sudogs (acquireSudog / releaseSudog). Owner only.
  int32 sudogn = 0;
  sudog* sudogcache[128] = {};

  std::atomic<bool> preempt{false};  // this P should enter the scheduler ASAP

  // Goroutines stopped by asynchronous preemption on this P's M, each to
  // resume on that same M (g::pinnedm), in Go's order as if at the global
  // queue's tail (preempt.cpp, pinpreempted). A FIFO; owner only, except
  // that npinned is read by anyone.
  gQueue pinned;
  std::atomic<int32> npinned{0};

  uint32 stackcolor = 0;  // cache colour of the next stack's top (gostartcall)

  // Timers (time.cpp). timersLock guards the heap; the other fields are
  // atomics, read without the lock by other Ps and sysmon.
  mutex timersLock;
  // The heap of timers started on this P, a 4-ary heap on timer::when.
  timerSlice timers;
  // when of the heap's first timer; 0 if the heap is empty.
  std::atomic<int64> timer0When{0};
  // The earliest nextwhen of the timers in state timerModifiedEarlier;
  // 0 if none is known.
  std::atomic<int64> timerModifiedEarliest{0};
  // Number of timers in the heap, and how many of them are timerDeleted.
  std::atomic<int32> numTimers{0};
  std::atomic<int32> deletedTimers{0};
};

// The global scheduler state (Go: schedt).
struct schedt {
  std::atomic<uint64> goidgen{0};
  // nanotime of the last network poll; 0 while an M is blocked in netpoll.
  std::atomic<int64> lastpoll{0};
  // When that blocked netpoll will return by itself (0: not before woken).
  std::atomic<int64> pollUntil{0};

  mutex lock;

  // Ms, guarded by lock.
  m* midle = nullptr;   // idle Ms waiting for work
  int32 nmidle = 0;
  int32 nmidlelocked = 0;
  int64 mnext = 0;      // number of Ms created, and the next M id
  int32 maxmcount = 0;  // maximum number of Ms allowed (or die)
  int32 nmsys = 0;      // system Ms not counted for deadlock
  int64 nmfreed = 0;

  std::atomic<uint32> ngsys{0};  // number of system goroutines

  p* pidle = nullptr;  // idle Ps (lock)
  std::atomic<uint32> npidle{0};
  std::atomic<uint32> nmspinning{0};

  // Global runnable queue (lock). runqsize is also read without the lock,
  // as a hint (relaxed).
  gQueue runq;
  std::atomic<int32> runqsize{0};

  // Global cache of dead Gs. Go keeps two lists, Gs with and without stacks;
  // here a dead G never keeps its stack (see g::stacksize), so one suffices.
  // Difference from Go: the list holds whole batches (schedlink chains
  // linked by their heads' gfreebatch), so that moving one between a P and
  // here is O(1) under the lock (gfree.cpp says why).
  struct {
    mutex lock;
    g* batches = nullptr;  // gfget peeks without the lock: atomic stores
    std::atomic<int32> n{0};  // written under lock, read by gcount: atomic
  } gFree;

  // Central cache of sudogs.
  mutex sudoglock;
  sudog* sudogcache = nullptr;

  // freem is the list of Ms waiting to be freed when their m.freeWait is
  // clear. Linked through m.freelink.
  m* freem = nullptr;

  // Stop the world (stopTheWorldWithSema): gcwaiting is set while it is
  // requested; stopwait counts the Ps still to stop; the stopper sleeps on
  // stopnote.
  std::atomic<uint32> gcwaiting{0};
  int32 stopwait = 0;
  note stopnote;
  // Holding worldsema grants an M the right to try to stop the world (a
  // semaphore: a second stopper parks its goroutine, not its M).
  uint32 worldsema = 1;

  // sysmon sleeps on sysmonnote while every P is idle (sysmonwait).
  std::atomic<bool> sysmonwait{false};
  note sysmonnote;
  // Acquired by sysmon during its work; held by anything that reads its
  // state consistently (schedtrace's reader).
  mutex sysmonlock;

  int64 procresizetime = 0;  // nanotime() of last change to gomaxprocs
  int64 totaltime = 0;       // ∫gomaxprocs dt up to procresizetime
};

}  // namespace gort::runtime
