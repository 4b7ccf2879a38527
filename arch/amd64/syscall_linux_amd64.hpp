// arch/amd64/syscall_linux_amd64.hpp: raw Linux system calls on x86-64.
//
// The lowest of three layers (nolibc's design): here only register
// marshalling; typed sys_* wrappers that return -errno are in
// runtime/sys_linux.hpp; policy (what to do on failure) is in the runtime.
//
// Kernel ABI: number in rax, arguments in rdi, rsi, rdx, r10, r8, r9; the
// result (or -errno, in [-4095, -1]) comes back in rax; the instruction
// clobbers rcx (return rip) and r11 (rflags). Nothing else is touched, so no
// call-clobber list beyond those and "memory". These never touch errno.
#pragma once

#include <cstdint>

namespace gort::arch {

inline long syscall0(long n) {
  long ret;
  asm volatile("syscall" : "=a"(ret) : "a"(n) : "rcx", "r11", "memory");
  return ret;
}

inline long syscall1(long n, long a1) {
  long ret;
  asm volatile("syscall" : "=a"(ret) : "a"(n), "D"(a1) : "rcx", "r11", "memory");
  return ret;
}

inline long syscall2(long n, long a1, long a2) {
  long ret;
  asm volatile("syscall" : "=a"(ret) : "a"(n), "D"(a1), "S"(a2) : "rcx", "r11", "memory");
  return ret;
}

inline long syscall3(long n, long a1, long a2, long a3) {
  long ret;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a1), "S"(a2), "d"(a3)
               : "rcx", "r11", "memory");
  return ret;
}

inline long syscall4(long n, long a1, long a2, long a3, long a4) {
  long ret;
  register long r10 asm("r10") = a4;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
               : "rcx", "r11", "memory");
  return ret;
}

inline long syscall5(long n, long a1, long a2, long a3, long a4, long a5) {
  long ret;
  register long r10 asm("r10") = a4;
  register long r8 asm("r8") = a5;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8)
               : "rcx", "r11", "memory");
  return ret;
}

inline long syscall6(long n, long a1, long a2, long a3, long a4, long a5, long a6) {
  long ret;
  register long r10 asm("r10") = a4;
  register long r8 asm("r8") = a5;
  register long r9 asm("r9") = a6;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return ret;
}

// The processor's cycle counter; used only for cheap randomness.
inline uint64_t cputicks() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t(hi) << 32) | lo;
}

// Go's procyield: spin-wait hint.
inline void procyield(uint32_t cycles) {
  while (cycles-- > 0) asm volatile("pause" ::: "memory");
}

}  // namespace gort::arch
