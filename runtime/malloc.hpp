// runtime/malloc.hpp: the memory allocator (Go: malloc.go, mheap.go,
// mcentral.go, mcache.go, sizeclasses.go), which the nolibc flavour puts
// behind malloc, free and operator new (the hosted flavour keeps glibc's).
//
// Go's shape, three levels:
//
//   mcache    one per P: a free list of objects per size class. malloc and
//             free of a small object touch only their P's mcache: no lock,
//             no atomic read-modify-write.
//   mcentral  one per size class: the spans of that class, with the
//             objects that are free in them; an mcache takes and gives
//             back objects in batches (refill, and release when its list
//             grows too long).
//   mheap     the pages: spans (runs of 8 KiB pages) carved from 64 MiB
//             arenas mapped with mmap, a span map from page to span, free
//             spans coalesced with their free neighbours; the scavenger
//             gives the memory of spans that stay free back to the kernel.
//
// Objects above kMaxSmallSize get a span of their own from the heap.
//
// Differences from Go, all because C++ frees explicitly and there is no
// collector: a free object goes back on a free list (its first word links
// it, Go's gclink) where Go's sweeper would find it through mark bits, so
// an mcache caches free objects, not one span per class, and moves them to
// and from its mcentral in batches (the transfer of tcmalloc, which Go's
// allocator comes from); a span is given back to the heap as soon as its
// last object is freed (and another span of its class has room). The page
// allocator is Go 1.11's (free lists by size, coalescing through the span
// map), not 1.14's bitmap radix tree. Memory is never moved, so nothing
// here needs write barriers or type information: mallocgc takes a size and
// an alignment.
//
// Lock order: mcentral.lock and mheap_.lock are leaves, never held
// together (an mcentral that needs a span drops its lock first).
#pragma once

#include "runtime.hpp"

namespace gort::runtime {

inline constexpr uintptr kPageShift = 13;
inline constexpr uintptr kPageSize = uintptr(1) << kPageShift;  // Go: pageSize
inline constexpr uintptr kMaxSmallSize = 32768;                  // Go: _MaxSmallSize
inline constexpr uintptr kSmallSizeDiv = 8;
inline constexpr uintptr kSmallSizeMax = 1024;
inline constexpr uintptr kLargeSizeDiv = 128;
inline constexpr int kNumSizeClasses = 68;  // Go: _NumSizeClasses (class 0: large objects)
// Arenas: the heap grows by 64 MiB, aligned, so that an address's arena is
// addr >> 26 (Go's heapArenaBytes and arena index on linux/amd64: a flat
// array of 2^22 entries covers the 48-bit address space).
inline constexpr uintptr kHeapArenaBytes = uintptr(64) << 20;
inline constexpr uintptr kLogHeapArenaBytes = 26;
inline constexpr uintptr kPagesPerArena = kHeapArenaBytes / kPageSize;
inline constexpr uintptr kArenaCount = uintptr(1) << (48 - kLogHeapArenaBytes);
// Free spans of fewer pages than this are on the free list of their size.
inline constexpr uintptr kMaxMHeapList = 128;

extern const uint16_t class_to_size[kNumSizeClasses];
extern const uint8_t class_to_allocnpages[kNumSizeClasses];
extern const uint8_t size_to_class8[kSmallSizeMax / kSmallSizeDiv + 1];
extern const uint8_t size_to_class128[(kMaxSmallSize - kSmallSizeMax) / kLargeSizeDiv + 1];

// sizeToClass gives the size class of a small request (size <= kMaxSmallSize).
inline uint8_t sizeToClass(uintptr size) {
  if (size <= kSmallSizeMax - 8) return size_to_class8[(size + kSmallSizeDiv - 1) / kSmallSizeDiv];
  return size_to_class128[(size - kSmallSizeMax + kLargeSizeDiv - 1) / kLargeSizeDiv];
}

// A free object: its first word links it to the next (Go: gclink).
struct gclink {
  gclink* next;
};

// Span states (Go: mSpanState).
enum : uint8_t {
  mSpanDead = 0,   // not a span of the heap (on the mspan free list)
  mSpanInUse = 1,  // small objects of one class, or one large object
  mSpanFree = 2,   // on a heap free list
};

// A run of pages (Go: mspan).
struct mspan {
  mspan* next = nullptr;  // on a heap free list or an mcentral list
  mspan* prev = nullptr;
  uintptr startAddr = 0;
  uintptr npages = 0;
  // Small-object spans: free objects are the ones never handed out,
  // [freeindex, nelems), and the ones handed back, on freelist. The
  // mcentral's lock guards all four.
  gclink* freelist = nullptr;
  uint32 freeindex = 0;
  uint32 nelems = 0;
  uint32 allocCount = 0;  // objects handed out and not given back
  uint32 elemsize = 0;    // class_to_size, or the span's bytes for a large object
  uint8_t spanclass = 0;  // size class; 0 for a large object
  uint8_t state = mSpanDead;
  bool infull = false;     // on its mcentral's full list
  bool needzero = false;   // may hold old data (Go: needzero)
  bool scavenged = false;  // its pages were given back to the kernel (all of them)
  int64 freeSince = 0;     // nanotime when it became free (the scavenger's age)

  uintptr limit() const { return startAddr + (npages << kPageShift); }
};

// A doubly linked list of spans (Go: mSpanList).
struct mSpanList {
  mspan* first = nullptr;
  mspan* last = nullptr;
  bool isEmpty() const { return first == nullptr; }
  void insert(mspan* s);      // at the front
  void insertBack(mspan* s);  // at the back
  void remove(mspan* s);
};

// The central free objects of one size class (Go: mcentral).
struct mcentral {
  mutex lock;
  uint8_t spanclass = 0;
  mSpanList partial;  // spans with a free object (lock)
  mSpanList full;     // spans with none (lock)

  // alloc takes up to n free objects, at least one unless out of memory,
  // linked through gclink; returns how many, 0 when out of memory.
  uint32 alloc(gclink** head, uint32 n);
  // free gives back n objects of this class linked from head.
  void free(gclink* head, uint32 n);
  mspan* grow();
};

// A P's cache of free small objects (Go: mcache). Owned by its P: used only
// by the M that holds the P, with m->locks raised (acquirem).
struct mcache {
  struct list {
    gclink* head = nullptr;
    uint32 n = 0;
  };
  list alloc[kNumSizeClasses];
  mcache* next = nullptr;  // on the free list of mcaches (freemcache)

  void* refill(uint8_t spc);
  void release(uint8_t spc, uint32 keep);
  void releaseAll();
};

// The batch an mcache moves at once from or to its mcentral, and how long
// its list of a class may grow before it gives a batch back (tcmalloc's
// num_objects_to_move): 64 KiB worth of objects, between 2 and 64.
inline uint32 cacheBatch(uint8_t spc) {
  uint32 n = uint32(65536 / class_to_size[spc]);
  return n < 2 ? 2 : n > 64 ? 64 : n;
}
inline uint32 cacheMax(uint8_t spc) { return 2 * cacheBatch(spc); }

// What the heap keeps for each arena (Go: heapArena): the span of each of
// its pages, and the size class of each in-use small-object page, which is
// all that free needs to find an object's class.
struct heapArena {
  mspan* spans[kPagesPerArena];
  uint8_t pageclass[kPagesPerArena];
};

// The page heap (Go: mheap). lock guards everything but the arenas map,
// whose entries are written once (under lock) and read without it.
struct mheap {
  mutex lock;
  constexpr mheap() {
    for (int i = 0; i < kNumSizeClasses; i++) central[i].spanclass = uint8_t(i);
  }

  mSpanList free[kMaxMHeapList];  // free spans of exactly n pages
  mSpanList freelarge;            // free spans of kMaxMHeapList pages or more
  heapArena** arenas = nullptr;   // [kArenaCount], mapped at first use
  uintptr arenaHint = 0;          // where the next arena is asked for (Go: arenaHints)
  mspan* spanfree = nullptr;      // unused mspan structures (Go: spanalloc)
  mcache* cachefree = nullptr;    // unused mcaches (Go: cachealloc)
  mcentral central[kNumSizeClasses];
  int64 lastScavenge = 0;
  // Statistics (lock): pages mapped, in use, free (of which scavenged).
  uintptr pagesSys = 0, pagesInUse = 0, pagesFree = 0, pagesReleased = 0;

  mspan* alloc(uintptr npages, uint8_t spanclass);
  void freeSpan(mspan* s);
  uintptr scavenge(int64 olderThan);

  // (lock held)
  bool init();
  mspan* allocSpanLocked(uintptr npages);
  void freeSpanLocked(mspan* s, int64 now);
  bool grow(uintptr npages);
  void setSpans(uintptr base, uintptr npages, mspan* s);
  void setPageclass(uintptr base, uintptr npages, uint8_t spc);
  mspan* newSpan();
};
extern mheap mheap_;

// heapArenaOf: the arena holding p, or null if p is not in the heap.
inline heapArena* heapArenaOf(uintptr p) {
  heapArena** a = __atomic_load_n(&mheap_.arenas, __ATOMIC_ACQUIRE);
  if (a == nullptr || (p >> kLogHeapArenaBytes) >= kArenaCount) return nullptr;
  return __atomic_load_n(&a[p >> kLogHeapArenaBytes], __ATOMIC_ACQUIRE);
}
inline uintptr pageIndex(uintptr p) { return (p >> kPageShift) & (kPagesPerArena - 1); }

// spanOf returns the span holding p, or null (Go: spanOf). Only
// meaningful for an address of an in-use span.
inline mspan* spanOf(uintptr p) {
  heapArena* ha = heapArenaOf(p);
  return ha == nullptr ? nullptr : __atomic_load_n(&ha->spans[pageIndex(p)], __ATOMIC_RELAXED);
}

mcache* allocmcache();
void freemcache(mcache* c);

// mallocgc allocates size bytes aligned to align (a power of two), zeroed
// when needzero; null when out of memory (Go: mallocgc, which has a type
// where we have an alignment). mfree frees what it returned, or throws on
// a pointer that is not the heap's. mallocsize gives an object's usable
// size.
void* mallocgc(uintptr size, uintptr align, bool needzero);
void mfree(void* v);
uintptr mallocsize(void* v);

// The scavenger's passes (sysmon): heapscavengeidle gives back the free
// spans that stayed free since the previous pass; heapscavenge(0) all of
// them. Return the bytes given back.
uintptr heapscavengeidle(int64 now);
uintptr heapscavenge(int64 olderThan);

}  // namespace gort::runtime
