// loader/commit.cpp: the point of no return.
//
// Raw system calls only (arch/amd64/syscall_linux_amd64.hpp), no libc: under
// gort::exec this runs after the other threads were killed wherever they
// were, possibly inside malloc or stdio with a lock held.
//
// In exec's order (fs/exec.c begin_new_exec, research/ulexec.md 1g):
//   block every signal (the old mask is what the program starts with)
//   one thread only, or refuse (last chance to return an error)
//   ---- point of no return ----
//   PR_SET_MM_MAP: /proc/self/cmdline, environ, auxv, brk, start_stack
//   rseq unregistered (rseq_execve), robust list and clear_child_tid
//     dropped (exec_mm_release)
//   comm = basename of the path (__set_task_comm)
//   caught signals back to SIG_DFL, ignored ones stay ignored
//     (flush_signal_handlers)
//   close-on-exec descriptors closed (do_close_on_exec)
//   then the hand-off page (handoff_amd64.S) takes over.
#include <cpuid.h>
#include <fcntl.h>
#include <linux/prctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/rseq.h>
#include <sys/syscall.h>

#include <cerrno>

#include "../arch/amd64/syscall_linux_amd64.hpp"
#include "handoff.h"
#include "loader.hpp"
#include "rawdir.hpp"

namespace gort::loader {

using arch::syscall1;
using arch::syscall2;
using arch::syscall3;
using arch::syscall4;
using arch::syscall5;

namespace {

struct ksigaction {
  uint64_t handler, flags, restorer, mask;
};

void rawwrite(int fd, const char* s) {
  if (fd < 0) return;
  uint64_t n = 0;
  while (s[n] != 0) n++;
  syscall3(SYS_write, fd, long(s), long(n));
}

// threads reads "Threads:" of /proc/self/status, with raw calls.
int threads() {
  long fd = syscall3(SYS_open, long("/proc/self/status"), O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return -1;
  static char buf[8192];
  long n = syscall3(SYS_read, fd, long(buf), sizeof buf - 1);
  syscall1(SYS_close, fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  for (long i = 0; i + 9 < n; i++)
    if ((i == 0 || buf[i - 1] == '\n') && buf[i] == 'T' && buf[i + 1] == 'h' && buf[i + 2] == 'r' &&
        buf[i + 7] == ':') {
      int t = 0;
      for (long j = i + 8; j < n && (buf[j] == '\t' || buf[j] == ' ' || (buf[j] >= '0' && buf[j] <= '9')); j++)
        if (buf[j] >= '0') t = t * 10 + (buf[j] - '0');
      return t;
    }
  return -1;
}

void unregister_rseq() {
  if (__rseq_size == 0) return;  // glibc did not register (or was told not to)
  uint64_t tp;
  asm volatile("movq %%fs:0, %0" : "=r"(tp));
  long area = long(tp + uint64_t(__rseq_offset));
  // The length must be the one registered: glibc's is 32 (20 before 2.40).
  for (long len : {long(__rseq_size), 32L, 20L})
    if (syscall4(SYS_rseq, area, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0) return;
}

// close_cloexec closes every descriptor marked close-on-exec, but keep.
void close_cloexec(int keep) {
  int fds[1024];
  int nfds = 0;
  each_number("/proc/self/fd", [&](long fd, long dir) {
    if (fd != dir && fd != keep && nfds < 1024) fds[nfds++] = int(fd);
  });
  for (int i = 0; i < nfds; i++) {
    long fl = syscall2(SYS_fcntl, fds[i], F_GETFD);
    if (fl >= 0 && (fl & FD_CLOEXEC) != 0) syscall1(SYS_close, fds[i]);
  }
}

uint64_t xsave_components() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || (c & bit_OSXSAVE) == 0) return 0;
  unsigned lo, hi;
  asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  // Not PKRU (bit 9): exec keeps the kernel's default, which we have; not
  // AMX tiles (17, 18): touching them without permission raises #NM.
  return ((uint64_t(hi) << 32) | lo) & ~((1ULL << 9) | (1ULL << 17) | (1ULL << 18));
}

}  // namespace

error commit(plan* p, bool single_thread_checked, const uint64_t* sigmask) {
  auto* ho = reinterpret_cast<handoff*>(p->handoff);
  trace(*p, "commit: the point of no return; hand-off page %#llx, then entry %#llx with rsp %#llx",
        (unsigned long long)p->handoff, (unsigned long long)p->entry, (unsigned long long)p->sp);
  if (p->req.stop_at_entry) {
    char line[256];
    int pid = int(arch::syscall0(SYS_getpid));
    snprintf(line, sizeof line,
             "gort-exec: pid %d stops (SIGSTOP) just before the jump to %#llx; attach with: gdb -p %d "
             "-ex 'break *%#llx' -ex continue\n",
             pid, (unsigned long long)p->entry, pid, (unsigned long long)p->entry);
    rawwrite(2, line);
  }
  ho->xcr0 = xsave_components();
  auto* xs = reinterpret_cast<uint8_t*>(p->handoff + HO_XSAVE);
  for (int i = 0; i < 576; i++) xs[i] = 0;
  *reinterpret_cast<uint32_t*>(xs + 24) = 0x1f80;  // MXCSR

  uint64_t all = ~0ULL, old = 0;
  syscall4(SYS_rt_sigprocmask, SIG_SETMASK, long(&all), long(&old), 8);
  ho->sigmask = sigmask != nullptr ? *sigmask : old;
  if (!single_thread_checked) {
    int t = threads();
    if (t != 1) {
      syscall4(SYS_rt_sigprocmask, SIG_SETMASK, long(&old), 0, 8);
      return {EBUSY, p->req.path + ": the launcher has " + std::to_string(t) +
                         " threads; a userland exec must be alone in its process"};
    }
  }

  // ---- the point of no return ----
  syscall5(SYS_prctl, PR_SET_MM, PR_SET_MM_MAP, long(&ho->mm), sizeof ho->mm, 0);
  unregister_rseq();
  syscall2(SYS_set_robust_list, 0, 24);
  syscall1(SYS_set_tid_address, 0);
  char comm[16] = {};
  for (size_t i = 0; i < 15 && i < p->comm.size(); i++) comm[i] = p->comm[i];
  syscall2(SYS_prctl, PR_SET_NAME, long(comm));
  for (int sig = 1; sig <= 64; sig++) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    ksigaction o{};
    if (syscall4(SYS_rt_sigaction, sig, 0, long(&o), 8) != 0) continue;
    ksigaction n{o.handler == uint64_t(SIG_IGN) ? uint64_t(SIG_IGN) : uint64_t(SIG_DFL), 0, 0, 0};
    syscall4(SYS_rt_sigaction, sig, long(&n), 0, 8);
  }
  // The program's file stays open for the hand-off's attempt at
  // /proc/self/exe, which closes it.
  int keep = -1;
  if (p->prog.fd >= 0 && syscall3(SYS_fcntl, p->prog.fd, F_SETFD, 0) == 0) keep = p->prog.fd;
  ho->mm.exe_fd = uint32_t(keep);
  close_cloexec(keep);
  syscall3(SYS_mprotect, long(p->handoff), long(kHandoffSize), PROT_READ | PROT_EXEC);
  asm volatile("jmp *%1" ::"D"(p->handoff), "r"(p->handoff + HO_CODE) : "memory");
  __builtin_unreachable();
}

}  // namespace gort::loader
