// runtime/mheap.cpp: the page heap (Go: mheap.go; its page allocator is
// Go 1.11's, see malloc.hpp). Spans are carved from 64 MiB arenas, each
// 64 MiB-aligned so that an address finds its arena's metadata (the span
// of each page) by a shift. A free span is kept on the free list of its
// size, coalesced with its free neighbours, which the span map finds: the
// first and last page of every span, free or not, map to it (all the pages
// of an in-use span do). The scavenger gives the memory of spans that stay
// free back to the kernel (MADV_DONTNEED, Go's default on Linux).
#include <sys/mman.h>

#include "malloc.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

constinit mheap mheap_;

// ---- span lists ----

void mSpanList::insert(mspan* s) {
  s->prev = nullptr;
  s->next = first;
  if (first != nullptr)
    first->prev = s;
  else
    last = s;
  first = s;
}

void mSpanList::insertBack(mspan* s) {
  s->next = nullptr;
  s->prev = last;
  if (last != nullptr)
    last->next = s;
  else
    first = s;
  last = s;
}

void mSpanList::remove(mspan* s) {
  if (s->prev != nullptr)
    s->prev->next = s->next;
  else
    first = s->next;
  if (s->next != nullptr)
    s->next->prev = s->prev;
  else
    last = s->prev;
  s->next = s->prev = nullptr;
}

// ---- the heap ----

// init maps the arena index (2^22 pointers, 32 MiB of address space,
// committed only where written) (Go: mallocinit and mheap.init). Lazy: a
// hosted program never calls it.
bool mheap::init() {
  if (arenas != nullptr) return true;
  auto* a = static_cast<heapArena**>(sysAlloc(kArenaCount * sizeof(heapArena*)));
  if (a == nullptr) return false;
  // Go's first hint on linux/amd64: 0x00c000000000, where little else maps.
  arenaHint = uintptr(0x00c0) << 32;
  __atomic_store_n(&arenas, a, __ATOMIC_RELEASE);
  return true;
}

// newSpan gives an mspan structure: a dead one, or a new one. mspans are
// never freed, only reused (Go: spanalloc, a fixalloc).
mspan* mheap::newSpan() {
  mspan* s = spanfree;
  if (s != nullptr) {
    spanfree = s->next;
  } else {
    s = static_cast<mspan*>(persistentalloc(sizeof(mspan), alignof(mspan)));
  }
  return new (s) mspan();
}

static void freeSpanStruct(mheap* h, mspan* s) {
  s->state = mSpanDead;
  s->next = h->spanfree;
  h->spanfree = s;
}

void mheap::setSpans(uintptr base, uintptr npages, mspan* s) {
  for (uintptr i = 0; i < npages; i++) {
    uintptr p = base + (i << kPageShift);
    heapArena* ha = arenas[p >> kLogHeapArenaBytes];
    __atomic_store_n(&ha->spans[pageIndex(p)], s, __ATOMIC_RELAXED);
  }
}

void mheap::setPageclass(uintptr base, uintptr npages, uint8_t spc) {
  for (uintptr i = 0; i < npages; i++) {
    uintptr p = base + (i << kPageShift);
    heapArena* ha = arenas[p >> kLogHeapArenaBytes];
    __atomic_store_n(&ha->pageclass[pageIndex(p)], spc, __ATOMIC_RELAXED);
  }
}

// mapArenas reserves size bytes (a multiple of kHeapArenaBytes) aligned to
// kHeapArenaBytes: at the hint when that place is free (Go: sysReserve at
// arenaHints), else wherever the kernel puts an oversized mapping, trimmed.
static uintptr mapArenas(mheap* h, uintptr size) {
  constexpr int prot = PROT_READ | PROT_WRITE;
  constexpr int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  if (h->arenaHint != 0) {
    long r = sys_mmap(reinterpret_cast<void*>(h->arenaHint), size, prot, flags | MAP_FIXED_NOREPLACE, -1, 0);
    if (r > 0 && uintptr(r) == h->arenaHint) {
      h->arenaHint += size;
      return uintptr(r);
    }
    if (r > 0) sys_munmap(reinterpret_cast<void*>(r), size);  // a kernel without MAP_FIXED_NOREPLACE
    h->arenaHint = 0;  // taken: from now on, wherever the kernel likes
  }
  long r = sys_mmap(nullptr, size + kHeapArenaBytes, prot, flags, -1, 0);
  if (r < 0 && r > -4096) return 0;
  uintptr v = uintptr(r), base = (v + kHeapArenaBytes - 1) & ~(kHeapArenaBytes - 1);
  if (base > v) sys_munmap(reinterpret_cast<void*>(v), base - v);
  if (uintptr end = v + size + kHeapArenaBytes; end > base + size)
    sys_munmap(reinterpret_cast<void*>(base + size), end - base - size);
  return base;
}

// grow adds at least npages pages to the heap, in whole arenas (Go:
// mheap.grow). The new memory is a free span, not yet touched (so counted
// as released: it costs nothing until used).
bool mheap::grow(uintptr npages) {
  uintptr size = ((npages << kPageShift) + kHeapArenaBytes - 1) & ~(kHeapArenaBytes - 1);
  uintptr base = mapArenas(this, size);
  if (base == 0) return false;
  for (uintptr a = base; a < base + size; a += kHeapArenaBytes) {
    auto* ha = static_cast<heapArena*>(sysAlloc(sizeof(heapArena)));
    if (ha == nullptr) return false;
    __atomic_store_n(&arenas[a >> kLogHeapArenaBytes], ha, __ATOMIC_RELEASE);
  }
  mspan* s = newSpan();
  s->startAddr = base;
  s->npages = size >> kPageShift;
  s->scavenged = true;
  s->needzero = false;
  pagesSys += s->npages;
  pagesInUse += s->npages;  // freeSpanLocked takes them out
  freeSpanLocked(s, 0);
  return true;
}

// allocSpanLocked takes a span of npages pages from the free lists,
// growing the heap if none fits: the smallest that fits, splitting off
// what is left (Go 1.11: mheap.allocSpanLocked). Null when out of memory.
mspan* mheap::allocSpanLocked(uintptr npages) {
  mspan* s = nullptr;
  for (;;) {
    for (uintptr n = npages; n < kMaxMHeapList && s == nullptr; n++)
      if (!free[n].isEmpty()) s = free[n].first;
    if (s == nullptr)  // best fit among the large ones, the lowest address on a tie
      for (mspan* t = freelarge.first; t != nullptr; t = t->next)
        if (t->npages >= npages &&
            (s == nullptr || t->npages < s->npages || (t->npages == s->npages && t->startAddr < s->startAddr)))
          s = t;
    if (s != nullptr) break;
    if (!grow(npages)) return nullptr;
  }
  (s->npages < kMaxMHeapList ? free[s->npages] : freelarge).remove(s);
  pagesFree -= s->npages;
  if (s->scavenged) pagesReleased -= s->npages;
  if (s->npages > npages) {
    mspan* t = newSpan();
    t->startAddr = s->startAddr + (npages << kPageShift);
    t->npages = s->npages - npages;
    t->state = mSpanFree;
    t->needzero = s->needzero;
    t->scavenged = s->scavenged;
    t->freeSince = s->freeSince;
    setSpans(t->startAddr, 1, t);
    setSpans(t->limit() - kPageSize, 1, t);
    (t->npages < kMaxMHeapList ? free[t->npages] : freelarge).insert(t);
    pagesFree += t->npages;
    if (t->scavenged) pagesReleased += t->npages;
    s->npages = npages;
  }
  s->state = mSpanInUse;
  s->scavenged = false;  // its pages fault in as zeroes when touched
  setSpans(s->startAddr, npages, s);
  pagesInUse += npages;
  return s;
}

// alloc returns an in-use span of npages pages for size class spanclass
// (0: one large object), or null when out of memory (Go: mheap.alloc).
mspan* mheap::alloc(uintptr npages, uint8_t spanclass) {
  runtime::lock(&lock);
  mspan* s = init() ? allocSpanLocked(npages) : nullptr;
  if (s != nullptr) {
    s->spanclass = spanclass;
    s->freelist = nullptr;
    s->freeindex = 0;
    s->allocCount = 0;
    s->infull = false;
    if (spanclass != 0) {
      s->elemsize = class_to_size[spanclass];
      s->nelems = uint32((npages << kPageShift) / s->elemsize);
      setPageclass(s->startAddr, npages, spanclass);
    } else {
      s->elemsize = uint32(npages << kPageShift > 0xffffffff ? 0 : npages << kPageShift);
      s->nelems = 1;
    }
  }
  runtime::unlock(&lock);
  return s;
}

// freeSpanLocked puts s on the free lists, merged with free neighbours
// (Go 1.11: mheap.freeSpanLocked). now: when it became free, for the
// scavenger (0: long ago).
void mheap::freeSpanLocked(mspan* s, int64 now) {
  if (s->state == mSpanInUse && s->spanclass != 0) setPageclass(s->startAddr, s->npages, 0);
  s->state = mSpanFree;
  pagesInUse -= s->npages;
  s->freeSince = now;
  // A neighbour's edge page maps to it; a page outside the heap maps to
  // nothing.
  auto merge = [this, s](mspan* t) {
    (t->npages < kMaxMHeapList ? free[t->npages] : freelarge).remove(t);
    pagesFree -= t->npages;
    if (t->scavenged) pagesReleased -= t->npages;
    if (t->startAddr < s->startAddr) s->startAddr = t->startAddr;
    s->npages += t->npages;
    s->needzero = s->needzero || t->needzero;
    s->scavenged = s->scavenged && t->scavenged;  // else: some pages resident, scavenge them all later
    if (t->freeSince > s->freeSince) s->freeSince = t->freeSince;
    freeSpanStruct(this, t);
  };
  if (mspan* before = spanOf(s->startAddr - 1); before != nullptr && before->state == mSpanFree) merge(before);
  if (mspan* after = spanOf(s->limit()); after != nullptr && after->state == mSpanFree) merge(after);
  setSpans(s->startAddr, 1, s);
  setSpans(s->limit() - kPageSize, 1, s);
  (s->npages < kMaxMHeapList ? free[s->npages] : freelarge).insert(s);
  pagesFree += s->npages;
  if (s->scavenged) pagesReleased += s->npages;
}

// freeSpan gives an in-use span back to the heap (Go: mheap.freeSpan). Its
// memory has been used: whoever takes it next must zero what it needs.
void mheap::freeSpan(mspan* s) {
  int64 now = nanotime();
  runtime::lock(&lock);
  s->needzero = true;
  freeSpanLocked(s, now);
  runtime::unlock(&lock);
}

// scavenge gives back to the kernel the memory of the free spans that
// became free before freedBefore (Go: mheap.scavenge). Returns bytes.
uintptr mheap::scavenge(int64 freedBefore) {
  uintptr released = 0;
  runtime::lock(&lock);
  auto pass = [&](mSpanList& l) {
    for (mspan* s = l.first; s != nullptr; s = s->next) {
      if (s->scavenged || s->freeSince >= freedBefore) continue;
      sys_madvise(reinterpret_cast<void*>(s->startAddr), s->npages << kPageShift, MADV_DONTNEED);
      s->scavenged = true;
      s->needzero = false;  // MADV_DONTNEED: the pages read as zero
      pagesReleased += s->npages;
      released += s->npages << kPageShift;
    }
  };
  if (arenas != nullptr) {
    for (uintptr n = 1; n < kMaxMHeapList; n++) pass(free[n]);
    pass(freelarge);
  }
  runtime::unlock(&lock);
  return released;
}

// The scavenger's periodic pass (sysmon): a span that stayed free since
// the previous pass was not needed for a whole period; give it back.
uintptr heapscavengeidle(int64 now) {
  int64 since = __atomic_exchange_n(&mheap_.lastScavenge, now, __ATOMIC_RELAXED);
  if (__atomic_load_n(&mheap_.arenas, __ATOMIC_ACQUIRE) == nullptr) return 0;
  return mheap_.scavenge(since);
}

uintptr heapscavenge(int64 freedBefore) {
  if (__atomic_load_n(&mheap_.arenas, __ATOMIC_ACQUIRE) == nullptr) return 0;
  return mheap_.scavenge(freedBefore);
}

}  // namespace gort::runtime
