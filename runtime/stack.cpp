// runtime/stack.cpp: goroutine stacks (Go: stack.go, mgcscavenge.go).
//
// Difference from Go: C++ frames hold raw pointers into the stack, so a stack
// can never be moved or grown. Each goroutine gets a fixed-size stack
// (startingStackSize, GORT_STACKSIZE), reserved with mmap and committed page
// by page by the kernel as it is touched, with a guard region below it that
// faults on overflow. Stacks are mapped in batches, cached per P and in a
// global pool, and the memory of pooled stacks that stayed unused for a
// whole scavenger period is given back to the kernel by sysmon (Go's
// background scavenger does this for the heap, paced by the GC).
//
// Guards: MADV_GUARD_INSTALL (Linux 6.13+) marks the pages as faulting
// without splitting the mapping, so a batch stays one VMA whatever the number
// of stacks; on older kernels mprotect(PROT_NONE) is used, which costs two
// VMAs per stack and so meets vm.max_map_count sooner. An overflow faults
// with SEGV_MAPERR (guard) or SEGV_ACCERR (mprotect).
//
// What a fresh stack costs, measured on the 2-CPU VM (bench/README.md,
// "parked_1m"): the first touch of its top page (a fault, ~2 us) and its
// guard. A guard installed with one madvise per stack cost as much again
// (the call, the mm lock, the page walk); a batch's guards now go in one
// process_madvise call for the calling process (PIDFD_SELF, Linux 6.15+),
// one madvise each where the kernel lacks it; and a second such call
// commits the batch's top pages, cheaper than 64 faults (populatetops).
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "runtime.hpp"
#include "sys_linux.hpp"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_GUARD_REMOVE
#define MADV_GUARD_REMOVE 103
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
// process_madvise's pidfd for the calling thread's process (Linux 6.15).
#ifndef PIDFD_SELF
#define PIDFD_SELF (-10000)
#endif

namespace gort::runtime {

uintptr startingStackSize = 256 << 10;
uintptr mainStackSize = 8 << 20;
uintptr stackGuardSize = 64 << 10;
constinit struct stack mainstack;

static constexpr int kStackBatch = 64;            // stacks per mapping
static constexpr uintptr kPoolKeepHot = 64;       // idle stacks kept committed
static bool useMprotectGuard;
static bool noProcessMadvise;  // the kernel takes no batch of guards at once
static bool noPopulate;        // nor populates a batch's top pages

// The global pool of free default-size stacks. It is a LIFO: recently freed
// (committed, cache-warm) stacks are on top; entries [0, nscav) at the bottom
// have had their memory returned to the kernel.
constinit static struct {
  mutex lock;
  struct stack* v = nullptr;
  uintptr n = 0;
  uintptr cap = 0;
  uintptr nscav = 0;
  uintptr lowwater = 0;  // lowest n since the last scavenger pass
} stackpool;

static uintptr roundpage(uintptr n) { return (n + physPageSize - 1) & ~(physPageSize - 1); }

// installGuard returns 0, or the -errno of the mprotect that failed.
static long installGuard(uintptr lo, uintptr n) {
  if (debug.guardmprotect != 0) useMprotectGuard = true;  // GODEBUG=guardmprotect=1 (tests)
  if (!useMprotectGuard) {
    long r = sys_madvise(reinterpret_cast<void*>(lo), n, MADV_GUARD_INSTALL);
    if (r == 0) return 0;
    useMprotectGuard = true;  // EINVAL: a kernel before 6.13
  }
  return sys_mprotect(reinterpret_cast<void*>(lo), n, PROT_NONE);
}

// countlines returns the number of lines of a /proc file, read with raw
// system calls into a buffer on the stack (a failure's report: nothing to
// allocate), or -1.
static int64 countlines(const char* path, int64* first) {
  int fd = int(sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0));
  if (fd < 0) return -1;
  char buf[4096];
  int64 lines = 0, num = 0;
  bool innum = true;
  for (long r; (r = sys_read(fd, buf, sizeof buf)) > 0;)
    for (long i = 0; i < r; i++) {
      if (buf[i] == '\n') lines++, innum = false;
      if (innum && buf[i] >= '0' && buf[i] <= '9') num = num * 10 + (buf[i] - '0');
    }
  sys_close(fd);
  if (first != nullptr) *first = num;
  return lines;
}

// mapfailed explains a stack mapping or guard that the kernel refused
// when the cause is the limit on a process's mappings, vm.max_map_count
// (mprotect guards split a mapping, two per stack; MADV_GUARD_INSTALL ones
// do not, but each batch of stacks is a mapping still). A guard's failure
// is explained in any case; a mapping's only at that limit (otherwise it
// is plain lack of memory, which the fatal error says).
static void mapfailed(const char* what, long err, bool guard) {
  int64 limit = -1;
  int64 n = countlines("/proc/self/maps", nullptr);
  countlines("/proc/sys/vm/max_map_count", &limit);
  bool atlimit = n >= 0 && limit > 0 && n + 16 >= limit;
  if (!atlimit && !guard) return;
  print("runtime: ", what, " failed (errno ", -err, "); the process has ", n, " memory mappings, vm.max_map_count is ",
        limit, "\n");
  if (atlimit)
    print("runtime: the limit on mappings was reached: raise vm.max_map_count (sysctl -w vm.max_map_count=",
          limit * 4, "), or run fewer goroutines at once\n");
}

// ---- the record of guards, for debuggers ----
//
// gdb's core writer (generate-core-file, gcore) gives up on a whole mapping
// as soon as one page of it cannot be read, and a MADV_GUARD_INSTALL guard
// cannot be read; adjacent anonymous mappings merge, so one guard loses the
// stacks, the Gs, Ms and Ps around it. Every guard installed with madvise is
// therefore recorded here, so that debugGuards (below), called by the
// debugger (gort-gdb(7): gort gcore), can lift them all while the core is
// written and put exactly the same ones back. mprotect guards are mappings of
// their own, which gdb skips; they are not recorded.
//
// A record is a run of `count` guards of `n` bytes, `stride` bytes apart
// (a batch of stacks from stackmap is one record). The records live in one
// block, replaced by a bigger one when full; writers hold guards.lock, and
// publish with release stores: an entry is written before `n` counts it, and
// a new block is filled before `cur` points at it. debugGuards reads without
// the lock, since it runs while every thread is stopped, perhaps inside these
// functions, so what it sees is one of the states between two stores. A guard
// being installed (before its record) or freed (after its record is cleared)
// at that moment is missed: its mapping is the only one the core may lose.
struct guardrun {
  uintptr lo, n, stride, count;  // count 0: a free slot
};
struct guardblock {
  uintptr n;  // entries in use, free slots included (__atomic stores)
  uintptr cap;
  guardrun e[1];  // cap of them
};
constinit static struct {
  mutex lock;
  std::atomic<guardblock*> cur{nullptr};
} guards;

static guardblock* newguardblock(uintptr cap) {
  uintptr size = roundpage(sizeof(guardblock) + (cap - 1) * sizeof(guardrun));
  auto* b = static_cast<guardblock*>(sysAlloc(size));
  if (b == nullptr) throw_("out of memory");
  b->cap = (size - sizeof(guardblock)) / sizeof(guardrun) + 1;
  return b;
}

// recordGuards notes `count` guards of n bytes at lo, lo+stride, ...
static void recordGuards(uintptr lo, uintptr n, uintptr stride, uintptr count) {
  if (useMprotectGuard) return;
  lock(&guards.lock);
  guardblock* b = guards.cur.load(std::memory_order_relaxed);
  uintptr used = b != nullptr ? b->n : 0;
  if (b == nullptr || used == b->cap) {
    // Full: copy the live records into a new block (twice as big, unless
    // enough slots were free), then switch to it.
    uintptr live = 0;
    for (uintptr i = 0; i < used; i++) live += b->e[i].count != 0;
    guardblock* nb = newguardblock(live * 2 + 64);
    uintptr k = 0;
    for (uintptr i = 0; i < used; i++)
      if (b->e[i].count != 0) nb->e[k++] = b->e[i];
    nb->n = k;
    guards.cur.store(nb, std::memory_order_release);
    if (b != nullptr) sysFree(b, roundpage(sizeof(guardblock) + (b->cap - 1) * sizeof(guardrun)));
    b = nb;
    used = k;
  }
  b->e[used] = {lo, n, stride, count};
  __atomic_store_n(&b->n, used + 1, __ATOMIC_RELEASE);
  unlock(&guards.lock);
}

// unguard forgets the guards of the mapping at v, which is about to be
// unmapped (a g0 stack, a stack of a size of its own).
void unguard(void* v) {
  uintptr lo = reinterpret_cast<uintptr>(v);
  lock(&guards.lock);
  if (guardblock* b = guards.cur.load(std::memory_order_relaxed); b != nullptr) {
    uintptr used = b->n;
    for (uintptr i = 0; i < used; i++)
      if (b->e[i].lo == lo && b->e[i].count != 0) {
        __atomic_store_n(&b->e[i].count, uintptr(0), __ATOMIC_RELEASE);
        break;
      }
  }
  unlock(&guards.lock);
}

// debugGuards lifts (install == 0) or puts back (install != 0) every
// recorded guard, with MADV_GUARD_REMOVE and MADV_GUARD_INSTALL. It exists
// for debuggers and nothing in the runtime calls it: gort-gdb.py's `gort
// gcore` calls it in the stopped program, on the selected thread with
// scheduler-locking on, around generate-core-file. Whatever that thread and
// the others were doing, it is safe: it takes no lock, needs no g or m, no
// TLS and little stack, and only makes raw system calls. While the guards
// are lifted, a stack overflow would go unnoticed; nothing runs then.
// Returns the number of guards handled, or minus the number of madvise calls
// that failed.
extern "C" [[gnu::used, gnu::noinline]] long debugGuards(int install) RUNTIME_SYM("debugGuards");
extern "C" long debugGuards(int install) {
  guardblock* b = guards.cur.load(std::memory_order_acquire);
  if (b == nullptr) return 0;
  uintptr used = __atomic_load_n(&b->n, __ATOMIC_ACQUIRE);
  long done = 0, failed = 0;
  for (uintptr i = 0; i < used; i++) {
    guardrun r = b->e[i];
    for (uintptr k = 0; k < r.count; k++) {
      long e = sys_madvise(reinterpret_cast<void*>(r.lo + k * r.stride), r.n,
                           install != 0 ? MADV_GUARD_INSTALL : MADV_GUARD_REMOVE);
      if (e == 0)
        done++;
      else
        failed++;
    }
  }
  return failed != 0 ? -failed : done;
}

// sysGuard makes [v, v+n) fault on access (a g0 stack's guard).
void sysGuard(void* v, uintptr n) {
  if (long err = installGuard(reinterpret_cast<uintptr>(v), n); err != 0) {
    mapfailed("the stack guard's mprotect", err, true);
    throw_("runtime: cannot install a stack guard");
  }
  recordGuards(reinterpret_cast<uintptr>(v), n, 0, 1);
}

void stackinit() {
  // Under valgrind, guards are mprotect'd, splitting each stack into a
  // mapping of its own: valgrind registers a new thread's stack as the
  // whole mapping around its stack pointer, and with MADV_GUARD_INSTALL
  // the g0 stacks and goroutine stacks merge into one, so that every
  // stack overlapped the thread's, and memcheck took goroutine switches
  // for stack growth (sanitizer.hpp).
  //
  // Under AddressSanitizer too: LeakSanitizer scans the runtime's mappings
  // (root regions: sanitizer.hpp) where /proc/self/maps says they are
  // readable; a MADV_GUARD_INSTALL guard lies inside a readable mapping,
  // and the scan faulted on it at exit.
  if (runningOnValgrind() || GORT_ASAN) useMprotectGuard = true;
  stackpool.cap = 256;
  stackpool.v = static_cast<struct stack*>(persistentalloc(stackpool.cap * sizeof(struct stack), 8));
}

// installGuards installs count guards of n bytes at lo, lo+stride, ...: in
// one process_madvise call where the kernel can, else one by one. Returns 0,
// or the -errno of the mprotect that failed.
static long installGuards(uintptr lo, uintptr n, uintptr stride, int count) {
  if (debug.guardmprotect != 0) useMprotectGuard = true;
  if (!useMprotectGuard && !noProcessMadvise && count > 1 && count <= kStackBatch) {
    iovec iov[kStackBatch];
    for (int i = 0; i < count; i++) iov[i] = {reinterpret_cast<void*>(lo + uintptr(i) * stride), n};
    long r = arch::syscall5(SYS_process_madvise, PIDFD_SELF, reinterpret_cast<long>(iov), count, MADV_GUARD_INSTALL, 0);
    if (r == long(n) * count) return 0;
    // EBADF (no PIDFD_SELF, before 6.15), EINVAL (no guards through it):
    // one by one from now on. Installing a guard twice is harmless, so a
    // partial success is simply redone.
    if (r < 0) noProcessMadvise = true;
  }
  for (int i = 0; i < count; i++)
    if (long err = installGuard(lo + uintptr(i) * stride, n); err != 0) return err;
  return 0;
}

// populatetops commits the top page of each of a batch's count stacks in
// one process_madvise(MADV_POPULATE_WRITE) call. Our addition: a new
// goroutine's first frames touch that page anyway, and 64 faults taken one
// by one cost more than one call that fills the 64 pages (the timers
// workload, 10,000 goroutines on fresh stacks: about 5% less CPU,
// bench/README.md). Best effort: where the kernel refuses it, the pages
// are faulted in as before; ENOMEM is left to the fault to report.
static void populatetops(const struct stack* s, int count) {
  if (useMprotectGuard || noProcessMadvise || noPopulate || count <= 1 || count > kStackBatch) return;
  iovec iov[kStackBatch];
  for (int i = 0; i < count; i++) iov[i] = {reinterpret_cast<void*>(s[i].hi - physPageSize), physPageSize};
  long r = arch::syscall5(SYS_process_madvise, PIDFD_SELF, reinterpret_cast<long>(iov), count, MADV_POPULATE_WRITE, 0);
  if (r < 0 && r != -ENOMEM && r != -EINTR && r != -EAGAIN) noPopulate = true;  // EINVAL: not through it here
}

// stackmap maps one stack of n bytes (or a batch), each with its guard below.
// Returns the number of stacks made, putting them in out[].
static int stackmap(uintptr n, int count, struct stack* out) {
  uintptr one = stackGuardSize + n;
  long r = sys_mmap(nullptr, one * uintptr(count), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                    -1, 0);
  if (r < 0 && r > -4096) {
    if (count == 1) mapfailed("mmap of a goroutine stack", r, false);  // the last try (stackalloc)
    return 0;
  }
  uintptr base = uintptr(r);
  lsanroot(reinterpret_cast<void*>(base), one * uintptr(count));  // (sanitizer.hpp)
  if (long err = installGuards(base, stackGuardSize, one, count); err != 0) {
    mapfailed("the stack guard's mprotect", err, true);
    throw_("runtime: cannot install a stack guard");
  }
  for (int i = 0; i < count; i++) {
    uintptr lo = base + uintptr(i) * one;
    out[i].lo = lo + stackGuardSize;
    out[i].hi = lo + one;
    // For valgrind; never deregistered: a default-size stack is never
    // unmapped, and the main goroutine's never in practice.
    vgstackregister(out[i].lo, out[i].hi);
  }
  recordGuards(base, stackGuardSize, one, uintptr(count));
  populatetops(out, count);
  return count;
}

static void poolpush(struct stack s) {
  if (stackpool.n == stackpool.cap) {
    uintptr ncap = stackpool.cap * 2;
    auto* nv = static_cast<struct stack*>(sysAlloc(ncap * sizeof(struct stack)));
    if (nv == nullptr) throw_("out of memory");
    rt_memmove(nv, stackpool.v, stackpool.n * sizeof(struct stack));
    // The first array came from persistentalloc and is left there.
    if (stackpool.cap > 256) sysFree(stackpool.v, stackpool.cap * sizeof(struct stack));
    stackpool.v = nv;
    stackpool.cap = ncap;
  }
  stackpool.v[stackpool.n++] = s;
}

// stackcacherefill moves half a cache's worth of stacks from the global pool
// to pp's cache, mapping a new batch into the pool if it is empty (outside
// its lock: the other Ps' frees need not wait for the kernel).
static void stackcacherefill(p* pp) {
  struct stackcache& c = pp->stackcache;
  lock(&stackpool.lock);
  if (stackpool.n == 0) {
    unlock(&stackpool.lock);
    struct stack batch[kStackBatch];
    int k = stackmap(startingStackSize, kStackBatch, batch);
    // When memory is short (RLIMIT_AS, vm.max_map_count), one stack may
    // still fit where a batch does not.
    if (k == 0) k = stackmap(startingStackSize, 1, batch);
    lock(&stackpool.lock);
    for (int i = 0; i < k; i++) poolpush(batch[i]);
    // Only their top pages are committed (populatetops): they count as
    // scavenged (unless the pool filled meanwhile), or the scavenger would
    // zap 64 fresh stacks, each to be faulted in again; at most one batch
    // of such pages (256 KiB) waits in the pool.
    if (stackpool.nscav == 0 && stackpool.n == uintptr(k)) stackpool.nscav = stackpool.n;
  }
  while (c.n < kStackCacheMax / 2 && stackpool.n > 0) {
    c.s[c.n++] = stackpool.v[--stackpool.n];
    if (stackpool.nscav > stackpool.n) stackpool.nscav = stackpool.n;
    if (stackpool.lowwater > stackpool.n) stackpool.lowwater = stackpool.n;
  }
  unlock(&stackpool.lock);
}

// stackcacherelease moves half of pp's cache to the global pool.
static void stackcacherelease(p* pp) {
  struct stackcache& c = pp->stackcache;
  lock(&stackpool.lock);
  while (c.n > kStackCacheMax / 2) poolpush(c.s[--c.n]);
  unlock(&stackpool.lock);
}

static uintptr scavengebelow(uintptr limit);

// stackscavengeidle is the scavenger's periodic pass, run by sysmon: the
// pool is a LIFO, so the stacks below its lowest point since the previous
// pass were not used during the whole period; their memory goes back to the
// kernel, except for the kPoolKeepHot on top of them. A program whose
// goroutine count swings up and down keeps its stacks committed (freeing
// and re-faulting them each time costs more than the work they do);
// memory that stays unused is returned within two periods.
uintptr stackscavengeidle() {
  lock(&stackpool.lock);
  uintptr low = stackpool.lowwater < stackpool.n ? stackpool.lowwater : stackpool.n;
  stackpool.lowwater = stackpool.n;
  uintptr done = low > kPoolKeepHot ? scavengebelow(low - kPoolKeepHot) : 0;
  unlock(&stackpool.lock);
  return done;
}

// scavengebelow returns the memory of pooled stacks [nscav, limit) to the
// kernel (MADV_DONTNEED: the pages read as zero when next touched). The
// pool's lock must be held.
static uintptr scavengebelow(uintptr limit) {
  uintptr done = 0;
  if (limit > stackpool.n) limit = stackpool.n;
  while (stackpool.nscav < limit) {
    struct stack s = stackpool.v[stackpool.nscav++];
    sys_madvise(reinterpret_cast<void*>(s.lo), s.hi - s.lo, MADV_DONTNEED);
    done++;
  }
  return done;
}

// stackscavenge returns the memory of all but the top `keep` pooled stacks
// to the kernel. Returns the number of stacks scavenged.
uintptr stackscavenge(uintptr keep) {
  lock(&stackpool.lock);
  uintptr done = stackpool.n > keep ? scavengebelow(stackpool.n - keep) : 0;
  unlock(&stackpool.lock);
  return done;
}

// stackalloc returns a stack of n bytes. Default-size stacks come from pp's
// cache (pp may be null: then from the pool); other sizes get a mapping of
// their own. Out of memory is fatal.
struct stack stackalloc(p* pp, uintptr n) {
  n = roundpage(n);
  struct stack s;
  if (n == startingStackSize && pp != nullptr) {
    struct stackcache& c = pp->stackcache;
    if (c.n == 0) stackcacherefill(pp);
    if (c.n == 0) throw_("out of memory allocating a goroutine stack");
    return c.s[--c.n];
  }
  if (stackmap(n, 1, &s) != 1) throw_("out of memory allocating a goroutine stack");
  return s;
}

void stackfree(p* pp, struct stack stk) {
  if (__builtin_expect(stk.lo == mainstack.lo, 0) && stk.lo != 0) return;  // the process's own
  uintptr n = stk.hi - stk.lo;
  if (n == startingStackSize && pp != nullptr) {
    struct stackcache& c = pp->stackcache;
    if (c.n == kStackCacheMax) stackcacherelease(pp);
    c.s[c.n++] = stk;
    return;
  }
  if (n == startingStackSize) {
    lock(&stackpool.lock);
    poolpush(stk);
    unlock(&stackpool.lock);
    return;
  }
  unguard(reinterpret_cast<void*>(stk.lo - stackGuardSize));
  sysFree(reinterpret_cast<void*>(stk.lo - stackGuardSize), n + stackGuardSize);
}

// mainstackinit chooses the main goroutine's stack (called by schedinit).
//
// Difference from Go, whose main goroutine starts on a small stack like any
// other: goroutine 1 runs the C++ program's main, so it gets what a C++
// main thread has, and where it has it. It runs on the process's initial
// stack, below the 64 KiB that rt0_go gave m0's g0: [top - RLIMIT_STACK,
// g0.stack.lo), which the kernel grows on demand up to the limit and which
// is otherwise unused. Then what glibc says about the main thread's stack
// is true of goroutine 1: pthread_getattr_np reports [top - RLIMIT_STACK,
// the page above __libc_stack_end), and __libc_stack_end (set by ld.so,
// read-only after relocation) is above g0: a conservative collector (Boehm
// GC), a sanitizer or a stack-depth check that asks where main's stack is
// finds the frames of goroutine 1 there. An overflow faults below the limit
// (the kernel will not grow the stack further) and is reported as for any
// goroutine.
//
// Between the two, kM0Overflow bytes stay free. m0's g0 has Go's 64 KiB,
// which the scheduler fits in, but a fatal report printed on it (the
// printing, the start of the traceback helper: what a signal stack has
// 256 KiB for) may go deeper, into the initial stack below, unguarded as in
// Go; goroutine 1's frames must not be there, they are the ones reported.
//
// With GORT_MAINSTACKSIZE=n, goroutine 1 takes the top n bytes of that
// region if they fit; otherwise, and when the initial stack's top is
// unknown or RLIMIT_STACK leaves it under 64 KiB, it gets a mapped stack
// of its own (of n bytes, or of at least 1 MiB), and glibc's view is then
// not its own. An unlimited RLIMIT_STACK gives 64 MiB.
static constexpr uintptr kM0Overflow = 256 << 10;

void mainstackinit() {
  uintptr rl = stack_rlimit();
  uintptr def = rl == 0 ? uintptr(64) << 20 : rl < (1u << 20) ? (1u << 20) : rl > (1u << 30) ? (1u << 30) : rl;
  const char* env = gogetenv("GORT_MAINSTACKSIZE");
  bool explicitSize = env != nullptr && *env != 0;
  uintptr want = roundpage(envsize("GORT_MAINSTACKSIZE", def, 16 << 10, 1 << 30));
  uintptr hi = (g0.stack.lo - kM0Overflow) & ~uintptr(63);
  // The lowest address the kernel lets the initial stack grow to.
  uintptr limit = 0;
  if (initStackTop > g0.stack.hi) {
    if (rl == 0)
      limit = hi > (uintptr(1) << 30) ? hi - (uintptr(1) << 30) : 0;
    else if (rl < initStackTop && roundpage(initStackTop - rl) < hi)
      limit = roundpage(initStackTop - rl);
  }
  // Under valgrind the initial stack is valgrind's copy, which it maps only
  // as the stack pointer comes down to it; goroutine 1's first frame is
  // written from g0, 256 KiB higher, and whether that page was mapped by
  // then depended on how deep g0's frames had gone (a layout accident: the
  // workers program died there or not with the environment's size). Under
  // valgrind, goroutine 1 gets a mapped stack.
  if (runningOnValgrind()) limit = 0;
  uintptr lo = 0;
  if (limit != 0) {
    if (explicitSize)
      lo = hi - want >= limit ? hi - want : 0;
    else if (rl == 0)
      lo = hi - def;
    else if (hi - limit >= (64u << 10))
      lo = limit;
  }
  if (lo != 0) {
    mainstack = {lo, hi};
    mainStackSize = hi - lo;
  } else {
    mainstack = {};
    mainStackSize = want;
  }
}

// stackcache_clear empties pp's cache into the pool (a P being destroyed).
void stackcache_clear(p* pp) {
  struct stackcache& c = pp->stackcache;
  lock(&stackpool.lock);
  while (c.n > 0) poolpush(c.s[--c.n]);
  unlock(&stackpool.lock);
}

}  // namespace gort::runtime
