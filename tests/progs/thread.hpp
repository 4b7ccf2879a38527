// tests/progs/thread.hpp: a thread the runtime does not manage (getg()
// null), in both flavours: a std::thread in the hosted flavour; in the
// nolibc flavour, which has no pthread_create, one made by the crt's own
// raw clone (boot/nolibc/nolibc.hpp), with a TLS block of its own on top
// of its stack, ended by the crt's first frame when fn returns.
#pragma once

#ifdef GORT_NOLIBC
#include <sched.h>
#include <sys/mman.h>

#include <cstdint>

#include "boot/nolibc/nolibc.hpp"
#else
#include <thread>
#endif

namespace progs {

#ifdef GORT_NOLIBC
class thread {
 public:
  explicit thread(void (*fn)()) {
    namespace nl = gort::nolibc;
    mem_ = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem_ == MAP_FAILED) __builtin_trap();
    auto top = reinterpret_cast<std::uintptr_t>(mem_) + kSize;
    std::uintptr_t lo = (top - nl::tlsblocksize()) & ~std::uintptr_t(63);
    std::uintptr_t tp = nl::tlsblockinit(lo, nl::stackguard);
    constexpr unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_SYSVSEM | CLONE_THREAD |
                                    CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    // The crt's clone hands its thread an m*; this one has none, and
    // carries fn in that argument instead.
    long r = nl::clone(flags, lo & ~std::uintptr_t(15), &tid_, &tid_, tp, reinterpret_cast<gort::runtime::m*>(fn),
                       [](gort::runtime::m* f) { reinterpret_cast<void (*)()>(f)(); });
    if (r <= 0) __builtin_trap();
  }
  void join() {
    gort::nolibc::threadjoin(&tid_, 60'000'000'000);
    munmap(mem_, kSize);
  }
  void detach() {}  // the mapping stays: the thread may outlive this object

 private:
  static constexpr std::size_t kSize = 256 << 10;
  void* mem_;
  int tid_ = 0;
};
#else
using thread = std::thread;
#endif

}  // namespace progs
