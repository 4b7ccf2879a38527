// runtime/mcache.cpp: a P's cache of free small objects (Go: mcache.go).
// mallocgc pops from the list of the size class, mfree pushes onto it;
// refill takes a batch from the class's mcentral when the list is empty,
// release gives one back when it has grown past cacheMax. Used only by
// the M that holds the P, with m->locks raised, so nothing here is locked
// or atomic.
#include "malloc.hpp"

namespace gort::runtime {

// refill takes a batch of objects of class spc from the mcentral and
// returns one of them; null when out of memory (Go: mcache.refill).
void* mcache::refill(uint8_t spc) {
  gclink* head = nullptr;
  uint32 got = mheap_.central[spc].alloc(&head, cacheBatch(spc));
  if (got == 0) return nullptr;
  list& l = alloc[spc];
  l.head = head->next;
  l.n = got - 1;
  return head;
}

// release gives all but the first keep objects of class spc back to the
// mcentral: the most recently freed, likely still in the cache, stay.
void mcache::release(uint8_t spc, uint32 keep) {
  list& l = alloc[spc];
  if (l.n <= keep) return;
  gclink* rest;
  if (keep == 0) {
    rest = l.head;
    l.head = nullptr;
  } else {
    gclink* last = l.head;
    for (uint32 i = 1; i < keep; i++) last = last->next;
    rest = last->next;
    last->next = nullptr;
  }
  uint32 n = l.n - keep;
  l.n = keep;
  mheap_.central[spc].free(rest, n);
}

// releaseAll empties the cache (Go: mcache.releaseAll).
void mcache::releaseAll() {
  for (int i = 1; i < kNumSizeClasses; i++) release(uint8_t(i), 0);
}

// allocmcache gives a P its mcache (Go: allocmcache), at pinit.
mcache* allocmcache() {
  lock(&mheap_.lock);
  mcache* c = mheap_.cachefree;
  if (c != nullptr) mheap_.cachefree = c->next;
  unlock(&mheap_.lock);
  if (c == nullptr) c = static_cast<mcache*>(persistentalloc(sizeof(mcache), 64));
  return new (c) mcache();
}

// freemcache returns the objects of a P that is going away, and its
// mcache (Go: freemcache), at pdestroy.
void freemcache(mcache* c) {
  c->releaseAll();
  lock(&mheap_.lock);
  c->next = mheap_.cachefree;
  mheap_.cachefree = c;
  unlock(&mheap_.lock);
}

}  // namespace gort::runtime
