// runtime/mcentral.cpp: the central free objects of one size class (Go:
// mcentral.go). Its spans are on two lists, partial (some object free)
// and full (none); an mcache takes objects in batches (alloc) and gives
// them back in batches (free). Difference from Go (malloc.hpp says why):
// objects, not whole spans, move to and from the mcaches, and a span goes
// back to the heap as soon as all its objects are free again.
#include "malloc.hpp"

namespace gort::runtime {

// alloc takes up to n free objects: the ones given back to a span first,
// then the ones never handed out (freeindex). Returns how many, linked
// from *head through their first word; 0 when out of memory.
uint32 mcentral::alloc(gclink** head, uint32 n) {
  gclink* list = nullptr;
  uint32 got = 0;
  runtime::lock(&lock);
  while (got < n) {
    mspan* s = partial.first;
    if (s == nullptr) {
      // A new span, from the heap, without holding this lock (the heap's
      // lock is a leaf too).
      runtime::unlock(&lock);
      s = grow();
      runtime::lock(&lock);
      if (s == nullptr) break;
      partial.insert(s);
    }
    while (got < n && s->freelist != nullptr) {
      gclink* v = s->freelist;
      s->freelist = v->next;
      v->next = list;
      list = v;
      got++;
      s->allocCount++;
    }
    while (got < n && s->freeindex < s->nelems) {
      auto* v = reinterpret_cast<gclink*>(s->startAddr + uintptr(s->freeindex) * s->elemsize);
      s->freeindex++;
      v->next = list;
      list = v;
      got++;
      s->allocCount++;
    }
    if (s->allocCount == s->nelems) {
      partial.remove(s);
      full.insert(s);
      s->infull = true;
    }
  }
  runtime::unlock(&lock);
  *head = list;
  return got;
}

// free gives back n objects of this class, linked from head. A span whose
// objects are all free again goes back to the heap, unless it is the only
// one with room (keeping it saves a span's round trip through the heap
// when a program allocates and frees around the same count).
void mcentral::free(gclink* head, uint32 n) {
  mspan* toheap = nullptr;
  runtime::lock(&lock);
  for (uint32 i = 0; i < n && head != nullptr; i++) {
    gclink* v = head;
    head = v->next;
    mspan* s = spanOf(reinterpret_cast<uintptr>(v));
    if (s == nullptr || s->state != mSpanInUse || s->spanclass != spanclass) {
      runtime::unlock(&lock);
      print("runtime: pointer ", static_cast<const void*>(v), " freed as an object of size ", class_to_size[spanclass],
            "\n");
      throw_("free of a pointer that malloc did not return");
    }
    v->next = s->freelist;
    s->freelist = v;
    s->allocCount--;
    if (s->infull) {
      full.remove(s);
      partial.insert(s);
      s->infull = false;
    }
    if (s->allocCount == 0 && (partial.first != s || s->next != nullptr)) {
      partial.remove(s);
      s->next = toheap;
      toheap = s;
    }
  }
  runtime::unlock(&lock);
  while (toheap != nullptr) {
    mspan* s = toheap;
    toheap = s->next;
    mheap_.freeSpan(s);
  }
}

// grow gets a new span of this class from the heap (Go: mcentral.grow).
mspan* mcentral::grow() { return mheap_.alloc(class_to_allocnpages[spanclass], spanclass); }

}  // namespace gort::runtime
