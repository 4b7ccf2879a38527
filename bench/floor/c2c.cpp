// bench/floor/c2c.cpp: the floor under spawn_join at GOMAXPROCS=2 on this
// machine, the time one cache line takes to go from one CPU to the other.
// spawn_join's creating P and running P hand each other every goroutine's g
// (created on one CPU, run and freed on the other, reused by the first) and
// the wait group's counter (add on one, done on the other), so that cost
// is paid several times a goroutine, in gort and in Go alike. Two variants,
// over several rounds, medians reported:
//   one way       two threads take turns writing one word, each waiting to
//                 see the other's write: ns per hand-off (one transfer)
//   shared add    two threads fetch_add one counter as fast as they can, as
//                 wg.add and wg.done do: ns per add, per thread
// Plain C++ threads, nothing of gort. Usage: c2c [N] [ROUNDS]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "floor.hpp"

namespace {
alignas(128) std::atomic<long> word{0};

double now_ns() {
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// One thread waits for the even values and writes the odd ones, the other
// the reverse: every write is read on the other CPU before the next one.
double oneway(long n) {
  word.store(0);
  double t0 = now_ns();
  std::thread other([n] {
    for (long i = 0; i < n; i++) {
      while (word.load(std::memory_order_acquire) != 2 * i + 1) {
      }
      word.store(2 * i + 2, std::memory_order_release);
    }
  });
  for (long i = 0; i < n; i++) {
    while (word.load(std::memory_order_acquire) != 2 * i) {
    }
    word.store(2 * i + 1, std::memory_order_release);
  }
  other.join();
  return (now_ns() - t0) / double(2 * n);
}

double sharedadd(long n) {
  word.store(0);
  double t0 = now_ns();
  std::thread other([n] {
    for (long i = 0; i < n; i++) word.fetch_add(1);
  });
  for (long i = 0; i < n; i++) word.fetch_add(1);
  other.join();
  if (word.load() != 2 * n) std::abort();
  return (now_ns() - t0) / double(n);
}

double median(const std::vector<double>& v) { return floorbench::sorted(v)[v.size() / 2]; }
}  // namespace

int main(int argc, char** argv) {
  const auto [n, rounds] = floorbench::parse(argc, argv, "c2c", 2000000);
  if (std::thread::hardware_concurrency() < 2) {
    std::fprintf(stderr, "c2c: needs two CPUs\n");
    return 2;
  }
  std::vector<double> a, b;
  for (int r = 0; r < rounds; r++) {
    a.push_back(oneway(n));
    b.push_back(sharedadd(n));
  }
  std::printf("c2c: %d rounds of %ld, medians\n", rounds, n);
  std::printf("  one way      %6.2f ns per hand-off\n", median(a));
  std::printf("  shared add   %6.2f ns per add per thread\n", median(b));
}
