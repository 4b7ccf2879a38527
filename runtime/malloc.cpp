// runtime/malloc.cpp: the runtime's own memory (Go: mem_linux.go and
// persistentalloc in malloc.go), and mallocgc, the entry to the allocator
// (Go: malloc.go; malloc.hpp describes it). The runtime never calls malloc:
// Gs, Ms, Ps and bookkeeping come from anonymous mappings. Like Go's, Gs are
// never freed (dead ones are reused through the gfree lists), so a bump
// allocator that never frees is what they need.
#include <sys/mman.h>

#include "malloc.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

void* sysAlloc(uintptr n) {
  long r = sys_mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r < 0 && r > -4096) return nullptr;
  lsanroot(reinterpret_cast<void*>(r), n);  // (sanitizer.hpp)
  return reinterpret_cast<void*>(r);
}

void sysFree(void* v, uintptr n) {
  lsanunroot(v, n);
  sys_munmap(v, n);
}

static constexpr uintptr persistentChunkSize = 256 << 10;

constinit static struct {
  mutex lock;
  uintptr base = 0;
  uintptr off = 0;
} persistent;

// persistentalloc returns zeroed memory that is never freed. Out of memory
// is fatal, with Go's message.
void* persistentalloc(uintptr size, uintptr align) {
  if (align == 0) align = 8;
  if (size >= persistentChunkSize / 4) {
    void* v = sysAlloc((size + physPageSize - 1) & ~(physPageSize - 1));
    if (v == nullptr) throw_("out of memory");
    return v;
  }
  lock(&persistent.lock);
  uintptr off = (persistent.off + align - 1) & ~(align - 1);
  if (persistent.base == 0 || off + size > persistentChunkSize) {
    void* v = sysAlloc(persistentChunkSize);
    if (v == nullptr) {
      unlock(&persistent.lock);
      throw_("out of memory");
    }
    persistent.base = reinterpret_cast<uintptr>(v);
    off = 0;
  }
  persistent.off = off + size;
  void* p = reinterpret_cast<void*>(persistent.base + off);
  unlock(&persistent.lock);
  return p;
}

// ---- mallocgc (Go: mallocgc) ----

// The smallest class of at least size bytes whose objects are aligned to
// align (a class's objects sit at multiples of its size from a page
// boundary), or 0 if none: then the object is a large one.
static uint8_t alignedClass(uintptr size, uintptr align) {
  for (int spc = sizeToClass(size); spc < kNumSizeClasses; spc++)
    if (class_to_size[spc] % align == 0) return uint8_t(spc);
  return 0;
}

// nextFree pops an object of class spc from this P's mcache, refilling it
// from the mcentral when empty (Go: nextFreeFast, then mcache.nextFree). An
// M without a P (sysmon, a goroutine inside gort::blocking) takes one from
// the mcentral directly.
static inline void* nextFree(uint8_t spc) {
  if (g* gp = getg(); gp != nullptr) {
    // acquirem: the P stays ours until mp->locks drops. The M is read
    // after checksysblock: when sysmon had taken the P, the goroutine
    // passes exitsyscall there and may come back on another M.
    m* mp = acquirem();
    if (p* pp = mp->p; pp != nullptr) {
      mcache::list& l = pp->mcache->alloc[spc];
      if (gclink* v = l.head; __builtin_expect(v != nullptr, 1)) {
        l.head = v->next;
        l.n--;
        mp->locks--;
        return v;
      }
      mp->mallocing++;
      void* v = pp->mcache->refill(spc);
      mp->mallocing--;
      mp->locks--;
      return v;
    }
    mp->locks--;
  }
  gclink* v = nullptr;
  return mheap_.central[spc].alloc(&v, 1) != 0 ? v : nullptr;
}

// largeAlloc gives an object of more than kMaxSmallSize bytes (or an
// alignment no class has) a span of its own (Go: largeAlloc).
static void* largeAlloc(uintptr size, uintptr align, bool needzero) {
  if (size > (uintptr(1) << 47)) return nullptr;
  uintptr npages = (size + kPageSize - 1) >> kPageShift;
  if (align > kPageSize) npages += align >> kPageShift;
  // acquirem first: mheap's lock then finds the P already checked, and
  // the goroutine cannot move to another M between the two counts.
  m* mp = getg() != nullptr ? acquirem() : nullptr;
  if (mp != nullptr) mp->mallocing++;
  mspan* s = mheap_.alloc(npages, 0);
  if (mp != nullptr) {
    mp->mallocing--;
    releasem(mp);
  }
  if (s == nullptr) return nullptr;
  uintptr v = (s->startAddr + align - 1) & ~(align - 1);
  if (needzero && s->needzero) rt_memclr(reinterpret_cast<void*>(v), size);
  return reinterpret_cast<void*>(v);
}

void* mallocgc(uintptr size, uintptr align, bool needzero) {
  if (align == 0 || (align & (align - 1)) != 0) return nullptr;
  if (size == 0) size = 1;  // a distinct pointer (Go returns &zerobase; C wants distinct ones)
  if (size <= kMaxSmallSize) {
    uint8_t spc = sizeToClass(size);
    if (align > 8 && class_to_size[spc] % align != 0) spc = alignedClass(size, align);
    if (spc != 0) {
      void* v = nextFree(spc);
      if (v != nullptr && needzero) rt_memclr(v, class_to_size[spc]);
      return v;
    }
  }
  return largeAlloc(size, align, needzero);
}

[[noreturn]] static void badfree(uintptr p) {
  print("runtime: free(", hex{p}, "): not a pointer that malloc returned\n");
  throw_("free of an invalid pointer");
}

void mfree(void* v) {
  if (v == nullptr) return;
  uintptr addr = reinterpret_cast<uintptr>(v);
  heapArena* ha = heapArenaOf(addr);
  if (__builtin_expect(ha == nullptr, 0)) badfree(addr);
  uint8_t spc = __atomic_load_n(&ha->pageclass[pageIndex(addr)], __ATOMIC_RELAXED);
  if (__builtin_expect(spc != 0, 1)) {
    auto* x = static_cast<gclink*>(v);
    if constexpr (GORT_DEBUG) {
      mspan* s = spanOf(addr);
      if ((addr - s->startAddr) % s->elemsize != 0) badfree(addr);
    }
    if (getg() != nullptr) {
      m* mp = acquirem();  // the M after checksysblock, as in nextFree
      if (p* pp = mp->p; pp != nullptr) {
        mcache::list& l = pp->mcache->alloc[spc];
        x->next = l.head;
        l.head = x;
        if (__builtin_expect(++l.n > cacheMax(spc), 0)) {
          mp->mallocing++;
          pp->mcache->release(spc, cacheBatch(spc));
          mp->mallocing--;
        }
        mp->locks--;
        return;
      }
      mp->locks--;
    }
    x->next = nullptr;
    mheap_.central[spc].free(x, 1);
    return;
  }
  mspan* s = spanOf(addr);
  if (s == nullptr || s->state != mSpanInUse || s->spanclass != 0 || addr < s->startAddr || addr >= s->limit())
    badfree(addr);
  mheap_.freeSpan(s);
}

uintptr mallocsize(void* v) {
  uintptr addr = reinterpret_cast<uintptr>(v);
  heapArena* ha = heapArenaOf(addr);
  if (ha == nullptr) badfree(addr);
  if (uint8_t spc = __atomic_load_n(&ha->pageclass[pageIndex(addr)], __ATOMIC_RELAXED); spc != 0)
    return class_to_size[spc];
  mspan* s = spanOf(addr);
  if (s == nullptr || s->state != mSpanInUse) badfree(addr);
  return s->limit() - addr;
}

}  // namespace gort::runtime
