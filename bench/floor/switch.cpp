// bench/floor/switch.cpp: the floor under gort's Gosched switch on this
// machine. Two contexts switch back and forth with floor_switch (switch.S),
// which saves only what a gort goroutine switch keeps (callee-saved registers and the FP control words), and
// nothing of a scheduler runs in between. Three variants, interleaved over
// several rounds, medians reported in ns per switch:
//   callee-saved      rbx, rbp, r12-r15, rsp and the resume address
//   + control words   and the MXCSR and x87 control words (what gort keeps)
//   + one lock        and one uncontended lock round trip per switch (an
//                     exchange to take, a store to release), as Gosched's
//                     pass through the global run queue under sched.lock
// gort's yield_pingpong (bench/run) does all of that plus Go's steps
// (status changes, the run queues, execute); the difference between the
// two is what Go's structure costs here. Usage: switch [N] [ROUNDS]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "floor.hpp"

extern "C" void floor_switch_cw(void** save_sp, void* load_sp);
extern "C" void floor_switch_nocw(void** save_sp, void* load_sp);
extern "C" char floor_start[];

namespace {
void (*sw)(void**, void*);
void* main_sp;
void* co_sp;
bool withlock;
std::atomic<uint32_t> key{0};

inline void lock_unlock() {
  while (key.exchange(1, std::memory_order_acquire) != 0) {
  }
  key.store(0, std::memory_order_release);
}

alignas(16) unsigned char costack[64 << 10];

// Builds the other context at the top of costack, in floor_switch's layout
// (switch.S): resuming it "returns" into floor_start with rsp = 0 mod 16.
void* make_context() {
  auto* top = reinterpret_cast<uint64_t*>(costack + sizeof costack);
  uint64_t* sp = top - 1;
  *sp = reinterpret_cast<uint64_t>(floor_start);  // return address
  for (int i = 0; i < 6; i++) *--sp = 0;           // rbp rbx r12 r13 r14 r15
  sp -= 2;                                         // control-word slot
  uint32_t mxcsr;
  uint16_t fpcw;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpcw));
  *reinterpret_cast<uint32_t*>(sp) = mxcsr;
  *reinterpret_cast<uint16_t*>(reinterpret_cast<char*>(sp) + 4) = fpcw;
  return sp;
}
}  // namespace

extern "C" [[noreturn]] void floor_body() {
  for (;;) {
    if (withlock) lock_unlock();
    sw(&co_sp, main_sp);
  }
}

int main(int argc, char** argv) {
  const auto [n, rounds] = floorbench::parse(argc, argv, "switch", 20000000);
  struct variant {
    const char* name;
    void (*fn)(void**, void*);
    bool lock;
    std::vector<double> ns;
  } vs[] = {{"callee-saved", floor_switch_nocw, false, {}},
            {"+ control words", floor_switch_cw, false, {}},
            {"+ one lock", floor_switch_cw, true, {}}};
  for (int r = 0; r < rounds; r++) {
    for (auto& v : vs) {
      sw = v.fn;
      withlock = v.lock;
      co_sp = make_context();  // a fresh context each time: the old one is abandoned mid-loop
      auto t0 = std::chrono::steady_clock::now();
      for (long i = 0; i < n; i++) {
        if (withlock) lock_unlock();
        sw(&main_sp, co_sp);
      }
      double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
      v.ns.push_back(ns / double(2 * n));
    }
  }
  for (auto& v : vs) {
    v.ns = floorbench::sorted(v.ns);
    std::printf("%-16s %6.2f ns/switch (min %.2f, max %.2f, %d rounds of %ld round trips)\n", v.name,
                v.ns[v.ns.size() / 2], v.ns.front(), v.ns.back(), rounds, n);
  }
}
