// tests/nolibc/malloc_test.cpp: the allocator (runtime/malloc.hpp, what
// the nolibc flavour puts behind malloc) on bare structures: Go's size
// classes, the heap's spans split and coalesced, an mcentral's batches, a
// P's mcache, large and over-aligned objects, zeroing, the scavenger, a
// bad free. No scheduler runs; each test is a process of its own, so the
// heap starts empty in each.
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include <cstdint>
#include <cstring>
#include <set>

#include "bare.hpp"
#include "runtime/malloc.hpp"

TestSuite(malloc, .init = bare_setup);

Test(malloc, size_classes_are_gos_and_fit_tightly) {
  cr_assert_eq(class_to_size[1], 8);
  cr_assert_eq(class_to_size[kNumSizeClasses - 1], 32768);
  for (uintptr n = 1; n <= kMaxSmallSize; n++) {
    uint8_t c = sizeToClass(n);
    cr_assert(c >= 1 && c < kNumSizeClasses, "size %lu: class %d", n, c);
    cr_assert_geq(class_to_size[c], n, "size %lu: class %d holds %d", n, c, class_to_size[c]);
    cr_assert(c == 1 || class_to_size[c - 1] < n, "size %lu: class %d is not the smallest", n, c);
    // A type with 16-byte alignment has a size that is a multiple of 16:
    // its objects are 16-byte aligned (spans start on a page).
    if (n % 16 == 0) cr_assert_eq(class_to_size[c] % 16, 0, "size %lu: class of %d", n, class_to_size[c]);
  }
  for (int c = 1; c < kNumSizeClasses; c++)
    cr_assert_geq(uintptr(class_to_allocnpages[c]) * kPageSize, class_to_size[c], "class %d", c);
}

Test(malloc, heap_spans_split_and_coalesce) {
  fakem fm(nullptr);
  mspan* a = mheap_.alloc(1, 0);
  mspan* b = mheap_.alloc(2, 0);
  mspan* c = mheap_.alloc(1, 0);
  cr_assert(a != nullptr && b != nullptr && c != nullptr);
  cr_assert_eq(a->startAddr % kHeapArenaBytes, 0u, "the first span starts an arena");
  cr_assert_eq(b->startAddr, a->limit());
  cr_assert_eq(c->startAddr, b->limit());
  uintptr sys = mheap_.pagesSys;
  cr_assert_eq(mheap_.pagesInUse, 4u);
  cr_assert_eq(mheap_.pagesFree, sys - 4);
  // Every page of an in-use span maps to it.
  cr_assert_eq(spanOf(b->startAddr + kPageSize + 100), b);
  uintptr base = a->startAddr;
  mheap_.freeSpan(b);  // free, between two in-use spans
  cr_assert(!mheap_.free[2].isEmpty() && mheap_.free[2].first->startAddr == base + kPageSize);
  mheap_.freeSpan(a);  // merges with b's pages
  cr_assert(mheap_.free[2].isEmpty() && !mheap_.free[3].isEmpty() && mheap_.free[3].first->startAddr == base);
  mheap_.freeSpan(c);  // merges with both sides: the whole heap is one span again
  cr_assert_eq(mheap_.pagesInUse, 0u);
  cr_assert_eq(mheap_.pagesFree, sys);
  for (uintptr n = 1; n < kMaxMHeapList; n++) cr_assert(mheap_.free[n].isEmpty(), "free[%lu]", n);
  cr_assert(mheap_.freelarge.first != nullptr && mheap_.freelarge.first->next == nullptr);
  cr_assert_eq(mheap_.freelarge.first->npages, sys);
  // Used memory must be zeroed by whoever takes it next.
  mspan* d = mheap_.alloc(8, 0);
  cr_assert_eq(d->startAddr, base);
  cr_assert(d->needzero);
}

Test(malloc, mcentral_hands_out_batches_and_returns_empty_spans) {
  fakem fm(nullptr);
  const uint8_t spc = sizeToClass(48);
  mcentral& c = mheap_.central[spc];
  gclink* head = nullptr;
  uint32 got = c.alloc(&head, 200);  // more than one span holds (170 objects of 48 bytes)
  cr_assert_eq(got, 200u);
  std::set<uintptr> seen;
  std::set<mspan*> spans;
  for (gclink* v = head; v != nullptr; v = v->next) {
    auto p = reinterpret_cast<uintptr>(v);
    mspan* s = spanOf(p);
    cr_assert(s != nullptr && s->spanclass == spc && s->state == mSpanInUse);
    cr_assert_eq((p - s->startAddr) % 48, 0u, "object %p is not on an element boundary", v);
    cr_assert(seen.insert(p).second, "object %p handed out twice", v);
    spans.insert(s);
  }
  cr_assert_eq(spans.size(), 2u);
  uintptr inuse = mheap_.pagesInUse;
  c.free(head, got);
  // All free again: one span goes back to the heap, the other stays for
  // the next allocation.
  cr_assert_eq(mheap_.pagesInUse, inuse - 1);
  cr_assert(c.full.isEmpty() && c.partial.first != nullptr && c.partial.first->next == nullptr);
}

Test(malloc, mcache_is_the_fast_path_and_gives_back_batches) {
  p* pp = newp();
  pp->mcache = allocmcache();
  fakem fm(pp);
  const uint8_t spc = sizeToClass(100);
  std::set<void*> live;
  for (int i = 0; i < 1000; i++) {
    void* v = mallocgc(100, 8, false);
    cr_assert(v != nullptr && live.insert(v).second);
    cr_assert_eq(mallocsize(v), class_to_size[spc]);
  }
  cr_assert_leq(pp->mcache->alloc[spc].n, cacheBatch(spc));
  for (void* v : live) {
    mfree(v);
    cr_assert_leq(pp->mcache->alloc[spc].n, cacheMax(spc), "the cache outgrew its bound");
  }
  // The last freed comes out first (a LIFO of recently used memory).
  void* last = mallocgc(100, 8, false);
  mfree(last);
  cr_assert_eq(mallocgc(100, 8, false), last);
  // A P that goes away gives its objects back.
  freemcache(pp->mcache);
  for (int i = 1; i < kNumSizeClasses; i++) cr_assert_eq(pp->mcache->alloc[i].n, 0u);
}

Test(malloc, large_and_overaligned_objects) {
  p* pp = newp();
  pp->mcache = allocmcache();
  fakem fm(pp);
  void* big = mallocgc(100000, 8, false);
  cr_assert(big != nullptr && reinterpret_cast<uintptr>(big) % kPageSize == 0);
  cr_assert_geq(mallocsize(big), 100000u);
  std::memset(big, 1, 100000);
  for (uintptr align : {16u, 64u, 4096u, 8192u, 65536u, 1u << 20}) {
    void* v = mallocgc(1000, align, false);
    cr_assert(v != nullptr && reinterpret_cast<uintptr>(v) % align == 0, "align %lu: %p", align, v);
    std::memset(v, 2, 1000);
    mfree(v);  // an over-aligned large object is freed through its interior pointer
  }
  mfree(big);
  cr_assert(mallocgc(16, 3, false) == nullptr, "an alignment that is not a power of two");
}

Test(malloc, zeroed_memory_is_zero_even_when_reused) {
  p* pp = newp();
  pp->mcache = allocmcache();
  fakem fm(pp);
  for (uintptr n : {24u, 1000u, 30000u, 200000u}) {
    void* v = mallocgc(n, 8, false);
    std::memset(v, 0xab, n);
    mfree(v);
    auto* z = static_cast<unsigned char*>(mallocgc(n, 8, true));
    for (uintptr i = 0; i < n; i++) cr_assert_eq(z[i], 0, "size %lu: byte %lu", n, i);
    mfree(z);
  }
}

Test(malloc, the_scavenger_gives_free_spans_back) {
  fakem fm(nullptr);
  mspan* s = mheap_.alloc(512, 0);  // 4 MiB
  std::memset(reinterpret_cast<void*>(s->startAddr), 0xcd, 512 * kPageSize);
  uintptr released = mheap_.pagesReleased;
  mheap_.freeSpan(s);
  cr_assert_eq(heapscavenge(0), 0u, "nothing became free before time 0");
  uintptr bytes = heapscavenge(nanotime() + 1);
  cr_assert_geq(bytes, 512 * kPageSize);
  cr_assert_eq(mheap_.pagesReleased, mheap_.pagesFree);
  cr_assert_gt(mheap_.pagesReleased, released);
  // Scavenged memory reads as zero and need not be cleared.
  mspan* t = mheap_.alloc(512, 0);
  cr_assert(!t->needzero);
  cr_assert_eq(reinterpret_cast<unsigned char*>(t->startAddr)[100], 0);
}

// (No M here: the report takes the path of a thread gort does not run.)
Test(malloc, a_bad_free_is_fatal, .exit_code = 2, .init = cr_redirect_stderr) {
  void* v = mallocgc(64, 8, false);
  mfree(v);
  int local = 0;
  mfree(&local);  // not the heap's
}
