// tests/progs/tls_big.hpp: the body of tls_big512.cpp and tls_big256.cpp:
// a large thread_local array, used on m0 and on new Ms, each of whose g0
// stacks (but m0's) must have its full size (kM0StackSize), never less by
// the TLS.
// Reads the runtime's internals (Go's export_test.go idea).
#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>

#include "check.hpp"
#include "runtime/runtime.hpp"

thread_local char scratch[TLS_SIZE];

int main() {
  using namespace gort::runtime;
  std::memset(scratch, 1, sizeof scratch);
  std::mutex mu;
  std::set<long> ms;
  std::atomic<int> bad{0};
  progs::spread(8, 0.3, [&](int i) {
    long id;
    {
      // thread_local is the thread's: a goroutine preempted between the
      // memset and the check may go on on another M, whose copy another
      // goroutine writes. Checked without preemption (gort(7), THREADS AND TLS).
      gort::no_preempt np;
      g* g0p = getg()->m->g0;  // m0's is the top 64 KiB of the OS stack
      if (getg()->m != &m0 && g0p->stack.hi - g0p->stack.lo < kM0StackSize) bad++;
      std::memset(scratch, i, sizeof scratch);  // this M's copy
      if (scratch[sizeof scratch - 1] != i) bad++;
      id = getg()->m->id;
    }
    std::lock_guard<std::mutex> l(mu);
    ms.insert(id);
  });
  std::printf("tls=%d Ms=%zu g0 short or TLS wrong: %d\n", TLS_SIZE, ms.size(), bad.load());
  progs::report("tls_big", bad == 0 && ms.size() >= 2);
  return progs::fails == 0 ? 0 : 1;
}
