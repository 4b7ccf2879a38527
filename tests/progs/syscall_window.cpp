// tests/progs/syscall_window.cpp: a goroutine's thread asleep in the kernel
// inside a libc hook, after the hook has checked in with the scheduler
// (hookable) and before entersyscall or entersyscallblock: sysmon takes
// its P (retakeblocked) meanwhile, and the entry into the system call must
// notice. It did not: "fatal error: sysblockReturn: P taken inside the
// runtime" (seen once under load in the errno test, where a page fault
// was the likely sleep; here at every try without the fix).
//
// The sleep is made certain with seccomp. The write hook looks at its file
// first (fstat, fdkind in runtime/syscall_linux.cpp) and then writes
// inside entersyscall; the flock hook tries LOCK_NB first and then waits
// inside entersyscallblock. A filter traps fstat of one fd number (kFd,
// never open) and flock(kFd, LOCK_EX|LOCK_NB), and the SIGSYS handler
// sleeps in the kernel until sysmon has taken the P (a spinner goroutine
// that waits for the P, at GOMAXPROCS=1, then runs) before it answers
// (EBADF; EWOULDBLOCK, so that the hook goes on to wait).
//
// Prints "window_entersyscall: ok ..." and "window_entersyscallblock: ok
// ...": each call returned its error (EBADF), and the spinner ran during
// every sleep (the P was taken: retaken=N of N). "window: skip ..." where
// a seccomp filter cannot be installed.
// hosted only: the seccomp filter and its SIGSYS handler use libc (prctl, sigaction, syscall)
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "check.hpp"

namespace {

constexpr int kFd = 977;
constexpr int kCalls = 2;
std::atomic<long> spins{0};
std::atomic<int> retaken{0};

// The handler sleeps in the kernel until the spinner has run (sysmon took
// the P), 10 ms at a time, for 5 s at most.
void onsigsys(int, siginfo_t* si, void* ctx) {
  long before = spins.load();
  for (int i = 0; i < 500 && spins.load() == before; i++) {
    timespec ts{0, 10'000'000};
    syscall(SYS_nanosleep, &ts, nullptr);  // raw: no hook; asleep in the kernel
  }
  if (spins.load() != before) retaken.fetch_add(1);
  static_cast<ucontext_t*>(ctx)->uc_mcontext.gregs[REG_RAX] = si->si_syscall == SYS_flock ? -EWOULDBLOCK : -EBADF;
}

bool install() {
  sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_fstat, 2, 0),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_flock, 3, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      // fstat(kFd, ...)
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kFd, 4, 5),
      // flock(kFd, LOCK_EX | LOCK_NB)
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kFd, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[1])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, LOCK_EX | LOCK_NB, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{sizeof f / sizeof f[0], f};
  struct sigaction sa {};
  sa.sa_sigaction = onsigsys;
  sa.sa_flags = SA_SIGINFO;
  if (sigaction(SIGSYS, &sa, nullptr) != 0) return false;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  // TSYNC: every thread of the process, whichever M makes the call.
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) == 0;
}

// errno read in a function of its own: the caller's goroutine may have
// moved to another thread during the call (gort(7), errno).
[[gnu::noinline]] int lasterrno() { return errno; }

[[gnu::noinline]] bool writefails() { return write(kFd, "x", 1) == -1 && lasterrno() == EBADF; }
[[gnu::noinline]] bool flockfails() { return flock(kFd, LOCK_EX) == -1 && lasterrno() == EBADF; }

void window(const char* name, bool (*call)()) {
  retaken = 0;
  int bad = 0;
  for (int i = 0; i < kCalls; i++) bad += !call();
  char d[64];
  std::snprintf(d, sizeof d, "wrong=%d retaken=%d of %d", bad, retaken.load(), kCalls);
  progs::report(name, bad == 0 && retaken.load() == kCalls, d);
}

}  // namespace

int main() {
  std::atomic<bool> stop{false};
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] {
    while (!stop) {
      spins++;
      gort::gosched();
    }
    wg.done();
  });
  gort::gosched();  // the spinner is going, and so is sysmon
  if (!install()) {
    std::printf("window: skip (no seccomp filter: %s)\n", std::strerror(errno));
  } else {
    window("window_entersyscall", writefails);
    window("window_entersyscallblock", flockfails);
  }
  stop = true;
  wg.wait();
  return progs::fails;
}
