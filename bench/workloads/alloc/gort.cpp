// alloc (gort; built twice: hosted, where malloc is glibc's, and nolibc,
// where it is the runtime's Go-shaped allocator): 8 goroutines each keep
// a ring of 64 live blocks; each step frees the oldest and allocates a new
// one, of a random size from 16 B to 32 KiB (log-uniform: as many of
// 16-32 B as of 16-32 KiB), touching its first and last bytes. calloc, not
// malloc: Go's make([]byte, n) returns zeroed memory, so both zero. A
// gosched every 1024 steps moves the goroutines between the Ps. N steps in
// all; reports ns per step (one calloc and one free). Usage: gort N
#include <gort/gort.hpp>

#include <cstdint>
#include <cstdlib>

#include "bench.hpp"

namespace {

constexpr int kWorkers = 8;
constexpr int kRing = 64;

struct rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
};

std::size_t randsize(rng& r) {
  int bits = 4 + int(r.next() % 11);  // 16 B .. 16 KiB, then up to twice that
  std::size_t lo = std::size_t(1) << bits;
  return lo + r.next() % lo;
}

void worker(long steps, int id, gort::wait_group* wg, long* sink) {
  rng r{0x9e3779b97f4a7c15ull * std::uint64_t(id + 1)};
  unsigned char* ring[kRing] = {};
  long sum = 0;
  for (long i = 0; i < steps; i++) {
    unsigned char*& slot = ring[i % kRing];
    std::free(slot);
    std::size_t n = randsize(r);
    slot = static_cast<unsigned char*>(std::calloc(n, 1));
    slot[0] = 1;
    slot[n - 1] = 1;
    sum += slot[0];
    if ((i & 1023) == 1023) gort::gosched();
  }
  for (unsigned char* p : ring) std::free(p);
  *sink = sum;
  wg->done();
}

}  // namespace

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 4000000);
  long sinks[kWorkers] = {};
  gort::wait_group wg;
  auto t0 = bench::now();
  for (int w = 0; w < kWorkers; w++) {
    wg.add(1);
    gort::go(worker, n / kWorkers, w, &wg, &sinks[w]);
  }
  wg.wait();
  double ns = bench::ns_since(t0);
  long total = 0;
  for (long s : sinks) total += s;
  bench::check(total == (n / kWorkers) * kWorkers, "every step touched its block");
  bench::result("ns_per_op", ns / double(n), n);
}
