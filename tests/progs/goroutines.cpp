// tests/progs/goroutines.cpp: goroutine basics on one P (run with GOMAXPROCS=1).
//   main is goroutine 1; 100,000 goroutines each run exactly once; their
//   closures (callable + moved arguments) are destroyed on them; large
//   closures (heap path) and move-only arguments work; num_goroutine counts.
#include <gort/gort.hpp>

#include <array>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

static int fails = 0;
#define CHECK(c)                                              \
  do {                                                        \
    if (!(c)) std::printf("FAIL line %d: %s\n", __LINE__, #c), fails++; \
  } while (0)

struct Tracked {
  static inline int live = 0;
  Tracked() { live++; }
  Tracked(const Tracked&) { live++; }
  Tracked(Tracked&&) noexcept { live++; }
  ~Tracked() { live--; }
};

int main() {
  CHECK(gort::goid() == 1);
  CHECK(gort::num_goroutine() == 1);

  // 100,000 goroutines, each runs exactly once (10,000 under TSan, where
  // each costs a fiber of about 0.8 MB zeroed: gort-debug(7)).
#ifdef __SANITIZE_THREAD__
  constexpr int N = 10000;
#else
  constexpr int N = 100000;
#endif
  std::vector<unsigned char> ran(N, 0);
  // Atomic: at GOMAXPROCS > 1 the goroutines run on several threads (a data
  // race that ThreadSanitizer reported when it was a plain int).
  std::atomic<int> finished{0};
  {
    // None may run before the count below: at GOMAXPROCS=1 the loop takes
    // longer than a slice, and main would be preempted.
    gort::no_preempt np;
    for (int i = 0; i < N; i++)
      gort::go([&ran, &finished](int k) {
        ran[k]++;
        finished++;
      }, i);
    CHECK(gort::num_goroutine() == N + 1);
  }
  while (finished < N) gort::gosched();
  int once = 0;
  for (auto c : ran) once += c == 1;
  CHECK(once == N);
  gort::gosched();
  CHECK(gort::num_goroutine() == 1);
  std::printf("ran %d goroutines exactly once: %s\n", N, once == N ? "yes" : "no");

  // goids are distinct and increase.
  std::vector<long> ids;
  for (int i = 0; i < 3; i++) gort::go([&ids] { ids.push_back(gort::goid()); });
  while (ids.size() < 3) gort::gosched();
  CHECK(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] > 1 && ids[1] > 1 && ids[2] > 1);

  // Move-only arguments, and closures destroyed when the goroutine ends.
  int got = 0;
  {
    Tracked t;
    gort::go([&got](std::unique_ptr<int> p, Tracked) { got = *p; }, std::make_unique<int>(42), t);
  }
  CHECK(Tracked::live == 1);  // the copy inside the queued goroutine
  gort::gosched();
  CHECK(got == 42);
  CHECK(Tracked::live == 0);

  // A closure larger than the inline space goes to the heap.
  std::array<long, 64> big{};
  big[63] = 7;
  long sum = 0;
  gort::go([big, &sum] {
    for (long v : big) sum += v;
  });
  gort::gosched();
  CHECK(sum == 7);

  // Nested spawning: a tree of goroutines.
  int leaves = 0;
  struct Tree {
    static void grow(int d, int* leaves) {
      if (d == 0) {
        (*leaves)++;
        return;
      }
      gort::go(grow, d - 1, leaves);
      gort::go(grow, d - 1, leaves);
    }
  };
  gort::go(Tree::grow, 10, &leaves);
  while (leaves < 1024) gort::gosched();
  CHECK(leaves == 1024);

  std::printf("goroutines %s\n", fails == 0 ? "ok" : "FAILED");
  return fails == 0 ? 0 : 1;
}
