// tests/link/gc_loop.cpp: a Boehm GC program in the manner of bdwgc's
// tests/test_cpp.cc: objects made with gc_cpp's operator new, trees that
// become garbage, finalisers (gc_cleanup) counted, explicit collections.
// The collector finds main's stack through __libc_stack_end and scans it
// (runtime/stack.cpp, mainstackinit); before, GC_init faulted.
#include <gc/gc_cpp.h>
#include <gc/gc_allocator.h>
#include <cstdio>
#include <cstdlib>
#include <vector>

static long nfinalised = 0, nmade = 0;

struct node : public gc_cleanup {
  node* left;
  node* right;
  long value;
  node(long v, int depth) : left(nullptr), right(nullptr), value(v) {
    nmade++;
    if (depth > 0) {
      left = new (GC) node(2 * v, depth - 1);
      right = new (GC) node(2 * v + 1, depth - 1);
    }
  }
  ~node() { nfinalised++; }
  long sum() const { return value + (left ? left->sum() : 0) + (right ? right->sum() : 0); }
};

struct leaf : public gc {  // collected, no finaliser
  char pad[64];
};

int main(int argc, char** argv) {
  GC_INIT();
  int iters = argc > 1 ? std::atoi(argv[1]) : 20;
  node* keep = new (GC) node(1, 10);  // stays reachable from this frame
  long want = keep->sum();
  std::vector<long, gc_allocator<long>> v;
  for (int i = 0; i < iters; i++) {
    for (int k = 0; k < 50; k++) (void)new (GC) node(k, 8);  // garbage at once
    for (int k = 0; k < 20000; k++) (void)new leaf;
    v.push_back(i);
    GC_gcollect();
    GC_invoke_finalizers();
  }
  GC_gcollect();
  GC_invoke_finalizers();
  bool ok = keep->sum() == want && v.size() == (size_t)iters && nfinalised > 0 && nfinalised < nmade;
  std::printf("made %ld finalised %ld heap %lu kept-sum %s: %s\n", nmade, nfinalised,
              (unsigned long)GC_get_heap_size(), keep->sum() == want ? "intact" : "CORRUPT", ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}
