// tests/progs/malloc.cpp SCENARIO: the allocator behind malloc and new,
// used by goroutines (glibc's in the hosted flavour, the runtime's in the
// nolibc one: both must pass).
//
//   stress    8 goroutines each keep 64 live blocks of random sizes (1 B
//             to 64 KiB, log-uniform, and now and then 300 KiB), filled
//             with a pattern that is checked before each free
//   cross     blocks made by 4 goroutines, checked and freed by 4 others
//             (they pass over a channel, so from P to P)
//   api       calloc gives zeroes (also in reused memory), realloc keeps
//             the contents, aligned_alloc and posix_memalign align,
//             malloc_usable_size covers the request, malloc(0) is unique,
//             new[] and delete[], nothrow new of too much gives null
//   procs     allocation while GOMAXPROCS goes 4, 1, 3 (a P that goes away
//             gives its cached blocks back)
//   scavenge  96 MiB made, touched and freed: the resident size comes
//             back down within 10 s (the runtime's scavenger; nolibc only)
//
// Prints "gomaxprocs=N" and "<scenario>: ok" lines (check.hpp).
#include <gort/gort.hpp>

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "check.hpp"

namespace {

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
  if (r.next() % 64 == 0) return 300 << 10;
  int bits = int(r.next() % 17);  // 1 B .. 64 KiB
  std::size_t lo = std::size_t(1) << bits;
  return lo + r.next() % lo;
}

// fill and check: a short block is all its tag's low byte; a longer one
// has the tag at its start, its complement at its end, and a byte in the
// middle.
void fill(unsigned char* p, std::size_t n, std::uint64_t tag) {
  if (n < 16) {
    std::memset(p, static_cast<unsigned char>(tag), n);
    return;
  }
  std::uint64_t nt = ~tag;
  std::memcpy(p, &tag, 8);
  std::memcpy(p + n - 8, &nt, 8);
  if (n >= 32) p[n / 2] = static_cast<unsigned char>(tag) ^ 0x5a;
}
bool checkblock(const unsigned char* p, std::size_t n, std::uint64_t tag) {
  if (n < 16) {
    for (std::size_t i = 0; i < n; i++)
      if (p[i] != static_cast<unsigned char>(tag)) return false;
    return true;
  }
  std::uint64_t a, b;
  std::memcpy(&a, p, 8);
  std::memcpy(&b, p + n - 8, 8);
  return a == tag && b == ~tag && (n < 32 || p[n / 2] == (static_cast<unsigned char>(tag) ^ 0x5a));
}

bool aligned(const void* p, std::size_t n) {
  auto a = reinterpret_cast<std::uintptr_t>(p);
  if (a % 8 != 0) return false;
  return n < 16 || n % 16 != 0 || a % 16 == 0;  // a 16-aligned type fits: 16-aligned
}

struct block {
  unsigned char* p = nullptr;
  std::size_t n = 0;
  std::uint64_t tag = 0;
};

void scenario_stress() {
  std::atomic<int> bad{0};
  gort::wait_group wg;
  for (int w = 0; w < 8; w++) {
    wg.add(1);
    gort::go([&, w] {
      rng r{0x9e3779b97f4a7c15ull * std::uint64_t(w + 1)};
      block live[64];
      for (int i = 0; i < 4000; i++) {
        block& b = live[i % 64];
        if (b.p != nullptr) {
          if (!checkblock(b.p, b.n, b.tag)) bad++;
          std::free(b.p);
        }
        b.n = randsize(r);
        b.p = static_cast<unsigned char*>(std::malloc(b.n));
        b.tag = r.next();
        if (b.p == nullptr || !aligned(b.p, b.n)) {
          bad++;
          b.p = nullptr;
          continue;
        }
        fill(b.p, b.n, b.tag);
        if (i % 256 == 0) gort::gosched();  // mix the goroutines over the Ps
      }
      for (block& b : live)
        if (b.p != nullptr) {
          if (!checkblock(b.p, b.n, b.tag)) bad++;
          std::free(b.p);
        }
      wg.done();
    });
  }
  wg.wait();
  CHECK(bad == 0, "stress: %d blocks were wrong", bad.load());
  progs::report("stress", bad == 0);
}

void scenario_cross() {
  gort::chan<block> c(32);
  std::atomic<int> bad{0};
  gort::wait_group makers, checkers;
  for (int w = 0; w < 4; w++) {
    makers.add(1);
    gort::go([&, w] {
      rng r{std::uint64_t(w) * 7919 + 17};
      for (int i = 0; i < 3000; i++) {
        block b;
        b.n = randsize(r);
        b.tag = r.next();
        b.p = static_cast<unsigned char*>(std::malloc(b.n));
        if (b.p == nullptr) {
          bad++;
          continue;
        }
        fill(b.p, b.n, b.tag);
        c.send(b);
      }
      makers.done();
    });
  }
  for (int w = 0; w < 4; w++) {
    checkers.add(1);
    gort::go([&] {
      for (block b : c) {
        if (!checkblock(b.p, b.n, b.tag)) bad++;
        std::free(b.p);
      }
      checkers.done();
    });
  }
  makers.wait();
  c.close();
  checkers.wait();
  CHECK(bad == 0, "cross: %d blocks were wrong", bad.load());
  progs::report("cross", bad == 0);
}

void scenario_api() {
  int fails = progs::fails;
  // Dirty some memory, free it, then calloc the same sizes: zeroes.
  for (std::size_t n : {24ul, 100ul, 4000ul, 40000ul, 1ul << 20}) {
    for (int k = 0; k < 4; k++) {
      void* p = std::malloc(n);
      std::memset(p, 0xee, n);
      std::free(p);
    }
    auto* z = static_cast<unsigned char*>(std::calloc(n, 1));
    bool zero = z != nullptr;
    for (std::size_t i = 0; zero && i < n; i++) zero = z[i] == 0;
    CHECK(zero, "api: calloc(%zu) not zeroed", n);
    std::free(z);
  }
  std::size_t volatile many = std::size_t(1) << 62;  // opaque: the overflow is the point
  CHECK(std::calloc(many, 16) == nullptr, "api: calloc overflow not refused");
  // realloc keeps the contents through growing and shrinking.
  auto* p = static_cast<unsigned char*>(std::malloc(10));
  for (int i = 0; i < 10; i++) p[i] = static_cast<unsigned char>(i + 1);
  for (std::size_t n : {100ul, 5000ul, 70000ul, 3ul << 20, 40ul, 10ul}) {
    p = static_cast<unsigned char*>(std::realloc(p, n));
    bool kept = p != nullptr;
    for (int i = 0; kept && i < 10; i++) kept = p[i] == i + 1;
    CHECK(kept, "api: realloc to %zu lost the contents", n);
    CHECK(malloc_usable_size(p) >= n, "api: usable size %zu < %zu", malloc_usable_size(p), n);
  }
  std::free(p);
  for (std::size_t a : {16ul, 32ul, 64ul, 256ul, 4096ul, 8192ul, 65536ul}) {
    void* q = std::aligned_alloc(a, a * 3);
    CHECK(q != nullptr && reinterpret_cast<std::uintptr_t>(q) % a == 0, "api: aligned_alloc(%zu) = %p", a, q);
    std::memset(q, 1, a * 3);
    std::free(q);
    void* r = nullptr;
    CHECK(posix_memalign(&r, a, 100) == 0 && reinterpret_cast<std::uintptr_t>(r) % a == 0,
          "api: posix_memalign(%zu) = %p", a, r);
    std::free(r);
  }
  void* z1 = std::malloc(0);
  void* z2 = std::malloc(0);
  CHECK(z1 != nullptr && z2 != nullptr && z1 != z2, "api: malloc(0) gave %p and %p", z1, z2);
  std::free(z1);
  std::free(z2);
  std::free(nullptr);
  auto* arr = new std::string[100];
  for (int i = 0; i < 100; i++) arr[i] = std::string(size_t(i), 'x');
  delete[] arr;
  void* huge = ::operator new(many, std::nothrow);
  CHECK(huge == nullptr, "api: nothrow new of 2^62 bytes gave %p", huge);
  progs::report("api", progs::fails == fails);
}

void scenario_procs() {
  std::atomic<int> bad{0};
  std::atomic<bool> stop{false};
  gort::wait_group wg;
  for (int w = 0; w < 6; w++) {
    wg.add(1);
    gort::go([&, w] {
      rng r{std::uint64_t(w) + 99};
      std::vector<block> keep;
      while (!stop.load()) {
        block b;
        b.n = randsize(r) % 5000 + 1;
        b.tag = r.next();
        b.p = static_cast<unsigned char*>(std::malloc(b.n));
        fill(b.p, b.n, b.tag);
        keep.push_back(b);
        if (keep.size() > 50) {
          for (block& k : keep) {
            if (!checkblock(k.p, k.n, k.tag)) bad++;
            std::free(k.p);
          }
          keep.clear();
        }
        gort::gosched();
      }
      for (block& k : keep) {
        if (!checkblock(k.p, k.n, k.tag)) bad++;
        std::free(k.p);
      }
      wg.done();
    });
  }
  for (int n : {4, 1, 3}) {
    gort::gomaxprocs(n);
    progs::settle(30);
  }
  stop = true;
  wg.wait();
  CHECK(bad == 0, "procs: %d blocks were wrong", bad.load());
  progs::report("procs", bad == 0);
}

long rss_kib() {
  char buf[128] = {};
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long size = 0, rss = 0;
  (void)size;
  if (std::fgets(buf, sizeof buf, f) != nullptr) {
    char* end;
    size = std::strtol(buf, &end, 10);
    rss = std::strtol(end, nullptr, 10);
  }
  std::fclose(f);
  return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

void scenario_scavenge() {
  long before = rss_kib();
  std::vector<void*> v;
  for (int i = 0; i < 64 * 32; i++) v.push_back(std::malloc(32 << 10));  // 64 MiB of 32 KiB objects
  for (int i = 0; i < 32; i++) v.push_back(std::malloc(1 << 20));        // 32 MiB of large ones
  for (int i = 0; i < int(v.size()); i++) std::memset(v[size_t(i)], 7, i < 64 * 32 ? 32 << 10 : 1 << 20);
  long peak = rss_kib();
  for (void* p : v) std::free(p);
  // Back down to within a quarter of what was made, within 10 s.
  long goal = before + (peak - before) / 4, now = peak;
  for (int i = 0; i < 100 && now > goal; i++) {
    gort::sleep(std::chrono::milliseconds(100));
    now = rss_kib();
  }
  std::printf("scavenge: rss before %ld KiB, peak %ld KiB, after %ld KiB\n", before, peak, now);
  CHECK(peak - before > (80 << 10), "scavenge: the blocks did not become resident");
  CHECK(now <= goal, "scavenge: the memory did not go back to the kernel");
  progs::report("scavenge", peak - before > (80 << 10) && now <= goal);
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  std::fflush(stdout);
  std::string s = argc > 1 ? argv[1] : "all";
  if (s == "all" || s == "stress") scenario_stress();
  if (s == "all" || s == "cross") scenario_cross();
  if (s == "all" || s == "api") scenario_api();
  if (s == "all" || s == "procs") scenario_procs();
  if (s == "scavenge") scenario_scavenge();
  std::fflush(stdout);
  return progs::fails;
}
