// tests/progs/tb_crash.cpp: reports where the program itself cannot help
// (tests/boot/traceback_test.cpp). argv[1] names the scenario:
//   malloc  the heap is corrupted so that malloc faults while it holds its
//           arena's lock: a report that called malloc would wait for ever
//   oom     run under a small RLIMIT_AS: the runtime runs out of memory
//           allocating stacks (main's own, mapped when GORT_MAINSTACKSIZE
//           is more than the initial stack has, under 10 MB); the report
//           must still name frames
// The functions the reports must name are noinline.
#include <gort/gort.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#define NOINLINE __attribute__((noinline))

// A chunk too big for glibc's tcache goes to the unsorted bin when freed;
// its bk pointer then leads to an unmapped address, which the next malloc
// reads with main_arena's lock held (glibc 2.36's unsorted-bin check,
// bck->fd != victim).
NOINLINE void* tb_corrupt_heap_and_malloc() {
  char* a = static_cast<char*>(std::malloc(0x500));
  void* guard = std::malloc(0x20);  // keeps a from merging with the top chunk
  // (Through a volatile pointer: the compiler knows a is dead after free.)
  volatile unsigned long* volatile chunk = reinterpret_cast<unsigned long*>(a);
  std::free(a);
  chunk[1] = 0x10000;
  void* volatile p = std::malloc(0x100);
  std::printf("malloc survived: %p %p\n", p, guard);
  return p;
}

struct dtor {
  ~dtor() { std::fputs("static destructor ran\n", stderr); }
} static_dtor;

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  std::printf("tb_crash %s\n", s);
  std::fflush(stdout);
  if (std::strcmp(s, "malloc") == 0) {
    tb_corrupt_heap_and_malloc();
    return 0;
  }
  if (std::strcmp(s, "oom") == 0) {
    gort::chan<int> never(0);
    for (long i = 0; i < 1000000; i++) gort::go([never]() mutable { never.recv(); });
    gort::gosched();
    std::printf("spawned them all\n");
    return 0;
  }
  std::printf("unknown scenario\n");
  return 1;
}
