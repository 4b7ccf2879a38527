// tests/progs/check.hpp: what the test programs share: a failure count with
// CHECK (printf-style message) and report (one "name: ok|FAIL" line per
// scenario), and a monotonic clock. The Criterion side matches the lines.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <system_error>

#include <gort/gort.hpp>

namespace progs {

inline int fails = 0;

// report prints "name: ok" or "name: FAIL detail" and counts failures.
inline void report(const char* name, bool ok, const char* detail = "") {
  std::printf("%s: %s%s%s\n", name, ok ? "ok" : "FAIL", *detail ? " " : "", detail);
  std::fflush(stdout);
  fails += !ok;
}

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline double now() { return double(now_ns()) * 1e-9; }

// ns gives a steady_clock time point (gort::time_point) in nanoseconds.
inline std::int64_t ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// settle gives other goroutines time to run and block: ms milliseconds of
// yielding. Only for checks whose outcome is the same whether or not they
// have blocked yet: it just makes the blocked path the likely one.
inline void settle(int ms = 5) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < end) gort::gosched();
}

// wait_until yields until pred() holds, for at most 10 s; false on timeout.
template <class P>
bool wait_until(P pred) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    gort::gosched();
  }
  return true;
}

// spread calls f(i) over and over in goroutines i = 0..n-1, each yielding
// between calls, for `seconds`, then returns: with GOMAXPROCS > 1 they run
// on several Ms, which is what the callers check something about.
template <class F>
void spread(int n, double seconds, F f) {
  gort::wait_group wg;
  double deadline = now() + seconds;
  for (int i = 0; i < n; i++) {
    wg.add(1);
    gort::go([&wg, &f, deadline, i] {
      while (now() < deadline) {
        f(i);
        gort::gosched();
      }
      wg.done();
    });
  }
  wg.wait();
}

// threads counts the process's OS threads (/proc/self/task), with raw
// system calls: a hooked open (the C library's, gort's own in the nolibc
// flavour) enters a system call the runtime's way, and at GOMAXPROCS=1
// sysmon hands the P of a system call it sees twice to a new M (Go's
// rule: no idle P, no spinning M), so a count taken through opendir could
// count the thread its own call made (the nolibc run of the startup test
// now and then saw 3 threads for 2).
inline int threads() {
  long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int n = 0;
  alignas(8) char buf[4096];
  for (long k; (k = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0;)
    for (long off = 0; off < k;) {
      auto* e = reinterpret_cast<dirent64*>(buf + off);
      off += e->d_reclen;
      if (e->d_name[0] != '.') n++;
    }
  syscall(SYS_close, fd);
  return n;
}

// clock is steady_clock::now(), for deadlines (gort::time_point).
inline std::chrono::steady_clock::time_point clock() { return std::chrono::steady_clock::now(); }

// msg spells an error_code as Go prints an error: its message, or "nil".
inline std::string msg(const std::error_code& e) { return e ? e.message() : "nil"; }

}  // namespace progs

// CHECK(cond, fmt, ...) prints "FAIL: <message>" and counts a failure.
#define CHECK(c, ...)                      \
  do {                                     \
    if (!(c)) {                            \
      std::printf("FAIL: " __VA_ARGS__);   \
      std::printf("\n");                   \
      progs::fails++;                      \
    }                                      \
  } while (0)
