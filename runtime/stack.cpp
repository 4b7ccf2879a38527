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
#include <sys/mman.h>

#include "runtime.hpp"
#include "sys_linux.hpp"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

namespace gort::runtime {

uintptr startingStackSize = 256 << 10;
uintptr mainStackSize = 8 << 20;
uintptr stackGuardSize = 64 << 10;

static constexpr int kStackBatch = 16;            // stacks per mapping
static constexpr uintptr kPoolKeepHot = 64;       // idle stacks kept committed
static bool useMprotectGuard;

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

static bool installGuard(uintptr lo, uintptr n) {
  if (debug.guardmprotect != 0) useMprotectGuard = true;  // GODEBUG=guardmprotect=1 (tests)
  if (!useMprotectGuard) {
    long r = sys_madvise(reinterpret_cast<void*>(lo), n, MADV_GUARD_INSTALL);
    if (r == 0) return true;
    useMprotectGuard = true;  // EINVAL: a kernel before 6.13
  }
  return sys_mprotect(reinterpret_cast<void*>(lo), n, PROT_NONE) == 0;
}

// sysGuard makes [v, v+n) fault on access (a g0 stack's guard).
void sysGuard(void* v, uintptr n) {
  if (!installGuard(reinterpret_cast<uintptr>(v), n)) throw_("cannot install stack guard");
}

void stackinit() {
  stackpool.cap = 256;
  stackpool.v = static_cast<struct stack*>(persistentalloc(stackpool.cap * sizeof(struct stack), 8));
}

// stackmap maps one stack of n bytes (or a batch), each with its guard below.
// Returns the number of stacks made, putting them in out[].
static int stackmap(uintptr n, int count, struct stack* out) {
  uintptr one = stackGuardSize + n;
  void* v = sysAlloc(one * uintptr(count));
  if (v == nullptr) return 0;
  uintptr base = reinterpret_cast<uintptr>(v);
  for (int i = 0; i < count; i++) {
    uintptr lo = base + uintptr(i) * one;
    if (!installGuard(lo, stackGuardSize)) throw_("runtime: cannot install a stack guard");
    out[i].lo = lo + stackGuardSize;
    out[i].hi = lo + one;
  }
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
// to pp's cache, mapping a new batch if the pool is empty.
static void stackcacherefill(p* pp) {
  struct stackcache& c = pp->stackcache;
  lock(&stackpool.lock);
  while (c.n < kStackCacheMax / 2 && stackpool.n > 0) {
    c.s[c.n++] = stackpool.v[--stackpool.n];
    if (stackpool.nscav > stackpool.n) stackpool.nscav = stackpool.n;
    if (stackpool.lowwater > stackpool.n) stackpool.lowwater = stackpool.n;
  }
  unlock(&stackpool.lock);
  if (c.n == 0) c.n = stackmap(startingStackSize, kStackBatch, c.s);
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
  sysFree(reinterpret_cast<void*>(stk.lo - stackGuardSize), n + stackGuardSize);
}

// stackcache_clear empties pp's cache into the pool (a P being destroyed).
void stackcache_clear(p* pp) {
  struct stackcache& c = pp->stackcache;
  lock(&stackpool.lock);
  while (c.n > 0) poolpush(c.s[--c.n]);
  unlock(&stackpool.lock);
}

}  // namespace gort::runtime
