// loader/exec_api.cpp: gort::exec (<gort/gort.hpp>), the loader under a
// running gort program. In libgort-exec.a, not libgort.a: only a program
// that calls gort::exec links the loader and libelf.
//
// execve's semantics, step by step:
//   - Everything that can fail is done first, on the calling goroutine,
//     with the world running: the file is resolved, validated and mapped
//     beside the program, the new stack built (loader::prepare, load). A
//     failure returns an errno value, and the program goes on untouched.
//   - Then the world stops: freezetheworld makes every M stop at its next
//     scheduling point, so no goroutine starts new work.
//   - The other threads end, as de_thread kills them: each gets a signal
//     whose handler exits the thread (SYS_exit, wherever it was: holding a
//     runtime lock or inside malloc does not matter, the image is about to
//     go). The process's main thread (tid == pid) is the one that goes on,
//     as the kernel makes the exec'ing thread the leader: if the caller is
//     another thread, the main thread's handler takes over and the caller
//     exits. A thread that blocks that signal would never end, so that is
//     checked first and refused (EAGAIN) while still reversible.
//   - The main thread commits (loader::commit): from there on only raw
//     system calls, since a dead thread may have held a libc lock.
// The new program starts with the signal mask of the thread that called
// gort::exec, as execve keeps the caller's mask.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "../arch/amd64/syscall_linux_amd64.hpp"
#include "../include/gort/gort.hpp"
#include "loader.hpp"
#include "rawdir.hpp"

extern char** environ;

// Defined when the program runs under ThreadSanitizer (libtsan): see exec.
extern "C" void __tsan_init() __attribute__((weak));

namespace gort::runtime {
void freezetheworld();  // runtime/proc.cpp
}

namespace gort {

namespace {

using arch::syscall0;
using arch::syscall1;
using arch::syscall2;
using arch::syscall3;

constexpr int kExitSignal = 64;  // SIGRTMAX: neither glibc (32, 33) nor the runtime uses it

loader::plan* g_plan;
uint64_t g_mask;

long gettid_() { return syscall0(SYS_gettid); }
long getpid_() { return syscall0(SYS_getpid); }

// each_task calls f(tid) for every thread of the process but the caller;
// returns how many there were.
template <class F>
int each_task(F f) {
  long self = gettid_();
  int n = 0;
  loader::each_number("/proc/self/task", [&](long tid, long) {
    if (tid != self) n++, f(tid);
  });
  return n;
}

void nap_ms(long ms) {
  struct {
    long s, ns;
  } ts{0, ms * 1000000};
  syscall2(SYS_nanosleep, long(&ts), 0);
}

[[noreturn]] void die(const char* msg) {
  syscall3(SYS_write, 2, long(msg), long(strlen(msg)));
  syscall1(SYS_exit_group, 127);
  __builtin_unreachable();
}

// leader_commit runs on the main thread once the others are told to go:
// it waits until it is alone, then commits.
[[noreturn]] void leader_commit() {
  long pid = getpid_();
  for (int i = 0;; i++) {
    int left = each_task([&](long tid) {
      if (i % 50 == 49) syscall3(SYS_tgkill, pid, tid, kExitSignal);  // one that slipped past: again
    });
    if (left == 0) break;
    if (i == 5000) die("fatal error: gort::exec: a thread of the old program would not exit\n");
    nap_ms(1);
  }
  loader::error e = loader::commit(g_plan, true, &g_mask);
  (void)e;
  die("fatal error: gort::exec: commit failed after the point of no return\n");
}

void on_exit_signal(int) {
  if (gettid_() == getpid_()) leader_commit();
  syscall1(SYS_exit, 0);  // this thread only
}

// blocks_exit_signal reports whether a thread has the exit signal blocked.
bool blocks_exit_signal(long tid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%ld/status", tid);
  FILE* f = fopen(path, "re");
  if (f == nullptr) return false;
  char line[256];
  bool blocked = false;
  while (fgets(line, sizeof line, f) != nullptr)
    if (strncmp(line, "SigBlk:", 7) == 0) blocked = (strtoull(line + 7, nullptr, 16) >> (kExitSignal - 1)) & 1;
  fclose(f);
  return blocked;
}

}  // namespace

int exec(const char* path, char* const argv[], char* const envp[], std::string* why) noexcept {
  loader::request req;
  req.path = path != nullptr ? path : "";
  if (argv != nullptr)
    for (char* const* a = argv; *a != nullptr; a++) req.argv.push_back(*a);
  for (char* const* e = envp != nullptr ? envp : environ; e != nullptr && *e != nullptr; e++) req.envp.push_back(*e);
  // TSan runs a signal's handler only at its next intercepted call, and
  // an M asleep in a raw futex makes none: the other threads would not
  // end. It also keeps a thread of its own. Refused, while reversible.
  if (&__tsan_init != nullptr) {
    if (why != nullptr) *why = req.path + ": gort::exec is not available under ThreadSanitizer";
    return ENOTSUP;
  }
  static loader::plan p;
  loader::error e = loader::prepare(req, &p);
  if (!e) e = loader::load(&p);
  if (!e) {
    // A thread being created (newosproc) or ending has every signal
    // blocked for a moment: look again for up to 100 ms before refusing.
    bool blocked = true;
    for (int i = 0; i < 100 && blocked; i++) {
      if (i > 0) nap_ms(1);
      blocked = blocks_exit_signal(gettid_());
      each_task([&](long tid) { blocked = blocked || blocks_exit_signal(tid); });
    }
    if (blocked)
      e = {EAGAIN, req.path + ": a thread blocks signal 64 (SIGRTMAX), which gort::exec needs to end the other threads"};
  }
  if (e) {
    loader::unload(&p);
    loader::close_files(&p);
    if (why != nullptr) *why = e.msg;
    return e.err;
  }

  // ---- the point of no return ----
  // From here this goroutine must keep its thread running to the end: a
  // preemption would park it for good once the world is frozen.
  no_preempt np;
  g_plan = &p;
  arch::syscall4(SYS_rt_sigprocmask, SIG_SETMASK, 0, long(&g_mask), 8);
  struct sigaction sa = {};
  sa.sa_handler = on_exit_signal;
  sigfillset(&sa.sa_mask);
  sigaction(kExitSignal, &sa, nullptr);
  runtime::freezetheworld();
  long pid = getpid_(), self = gettid_();
  each_task([&](long tid) { syscall3(SYS_tgkill, pid, tid, kExitSignal); });
  if (self == pid) leader_commit();
  syscall1(SYS_exit, 0);  // the main thread's handler carries on
  __builtin_unreachable();
}

}  // namespace gort
