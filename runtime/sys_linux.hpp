// runtime/sys_linux.hpp: typed Linux system calls (Go: sys_linux_amd64.s's
// Go-side declarations). Each returns the kernel's result or -errno; none
// touches errno, which belongs to libc and to whichever M we happen to be on.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>

#include "syscall_linux_amd64.hpp"

namespace gort::runtime {

using arch::syscall1;
using arch::syscall2;
using arch::syscall3;
using arch::syscall4;
using arch::syscall6;

struct kernel_timespec {
  long tv_sec;
  long tv_nsec;
};

inline long sys_write(int fd, const void* p, unsigned long n) {
  return syscall3(SYS_write, fd, reinterpret_cast<long>(p), static_cast<long>(n));
}
inline long sys_mmap(void* addr, unsigned long n, int prot, int flags, int fd, long off) {
  return syscall6(SYS_mmap, reinterpret_cast<long>(addr), static_cast<long>(n), prot, flags, fd, off);
}
inline long sys_munmap(void* addr, unsigned long n) {
  return syscall2(SYS_munmap, reinterpret_cast<long>(addr), static_cast<long>(n));
}
inline long sys_madvise(void* addr, unsigned long n, int advice) {
  return syscall3(SYS_madvise, reinterpret_cast<long>(addr), static_cast<long>(n), advice);
}
inline long sys_mprotect(void* addr, unsigned long n, int prot) {
  return syscall3(SYS_mprotect, reinterpret_cast<long>(addr), static_cast<long>(n), prot);
}
inline long sys_futex(void* addr, int op, unsigned val, const kernel_timespec* ts) {
  return syscall6(SYS_futex, reinterpret_cast<long>(addr), op, val, reinterpret_cast<long>(ts), 0, 0);
}
inline long sys_sched_getaffinity(int pid, unsigned long len, void* buf) {
  return syscall3(SYS_sched_getaffinity, pid, static_cast<long>(len), reinterpret_cast<long>(buf));
}
inline long sys_clock_gettime(int clk, kernel_timespec* ts) {
  return syscall2(SYS_clock_gettime, clk, reinterpret_cast<long>(ts));
}
inline long sys_gettid() { return arch::syscall0(SYS_gettid); }
inline long sys_sched_yield() { return arch::syscall0(SYS_sched_yield); }
inline long sys_membarrier(int cmd, unsigned flags) { return syscall2(SYS_membarrier, cmd, flags); }
inline long sys_prlimit64(int pid, int resource, const void* newl, void* oldl) {
  return syscall4(SYS_prlimit64, pid, resource, reinterpret_cast<long>(newl), reinterpret_cast<long>(oldl));
}
inline long sys_nanosleep(const kernel_timespec* req, kernel_timespec* rem) {
  return syscall2(SYS_nanosleep, reinterpret_cast<long>(req), reinterpret_cast<long>(rem));
}
inline long sys_openat(int dirfd, const char* path, int flags, int mode) {
  return syscall4(SYS_openat, dirfd, reinterpret_cast<long>(path), flags, mode);
}
inline long sys_close(int fd) { return syscall1(SYS_close, fd); }
inline long sys_read(int fd, void* p, unsigned long n) {
  return syscall3(SYS_read, fd, reinterpret_cast<long>(p), static_cast<long>(n));
}
inline long sys_pipe2(int* fds, int flags) { return syscall2(SYS_pipe2, reinterpret_cast<long>(fds), flags); }
inline long sys_getpid() { return arch::syscall0(SYS_getpid); }
inline long sys_kill(long pid, int sig) { return syscall2(SYS_kill, pid, sig); }
inline long sys_wait4(long pid, int* status, int options) {
  return syscall4(SYS_wait4, pid, reinterpret_cast<long>(status), options, 0);
}
inline long sys_pread64(int fd, void* p, unsigned long n, long off) {
  return syscall4(SYS_pread64, fd, reinterpret_cast<long>(p), static_cast<long>(n), off);
}
inline long sys_prctl(int op, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
  return arch::syscall5(SYS_prctl, op, static_cast<long>(a2), static_cast<long>(a3), static_cast<long>(a4),
                        static_cast<long>(a5));
}
// The kernel's sigset is 64 bits on x86-64 (sigsetsize 8), not glibc's 128 bytes.
inline long sys_rt_sigprocmask(int how, const uint64_t* set, uint64_t* old) {
  return arch::syscall4(SYS_rt_sigprocmask, how, reinterpret_cast<long>(set), reinterpret_cast<long>(old), 8);
}
[[noreturn]] inline void sys_exit_group(int code) {
  syscall1(SYS_exit_group, code);
  __builtin_unreachable();
}

}  // namespace gort::runtime
