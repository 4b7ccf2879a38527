// tests/progs/lockedexit.cpp: goroutines that exit while locked to their
// thread (issue 19, items 3 and 4). argv[1] names the scenario.
//   state: Go's TestLockOSThreadAvoidsStatePropagation. A goroutine puts
//     its thread in an unusual state (an unshared filesystem context with
//     another working directory) and exits locked: that thread ends, and
//     no thread made after it may carry its state. Prints each goroutine's
//     working directory.
//   leak N: N locked exits after a warm-up; prints the growth of RSS.
#include <gort/gort.hpp>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

static std::string cwd() {
  char buf[256];
  return getcwd(buf, sizeof buf) != nullptr ? buf : "?";
}

static long rss_kb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while (f != nullptr && std::fgets(line, sizeof line, f) != nullptr)
    if (std::strncmp(line, "VmRSS:", 6) == 0) v = std::atol(line + 6);
  if (f != nullptr) std::fclose(f);
  return v;
}

static void locked_exits(int n) {
  gort::wait_group wg;
  for (int i = 0; i < n; i++) {
    wg.add(1);
    gort::go([&wg] {
      gort::lock_os_thread();
      wg.done();
    });
    if (i % 100 == 99) wg.wait();
  }
  wg.wait();
}

int main(int argc, char** argv) {
  std::string s = argc > 1 ? argv[1] : "";
  if (s == "state") {
    if (chdir("/") != 0) return 1;
    gort::chan<int> ready(1), done(0);
    gort::go([ready]() mutable {
      gort::lock_os_thread();
      if (unshare(CLONE_FS) != 0) {
        ready.send(errno);
        return;
      }
      if (chdir("/tmp") != 0) std::abort();
      ready.send(0);  // and exit locked: the thread ends with its state
    });
    if (int e = ready.recv(); e != 0) {
      std::printf("skip: unshare(CLONE_FS): %s\n", std::strerror(e));
      return 0;
    }
    gort::go([done]() mutable {
      gort::lock_os_thread();  // a locked goroutine: a fresh M for it
      std::printf("new locked goroutine: cwd %s\n", cwd().c_str());
      done.send(0);
    });
    done.recv();
    gort::wait_group wg;  // and a few more threads
    for (int i = 0; i < 8; i++) {
      wg.add(1);
      gort::go([&wg] {
        gort::lock_os_thread();
        if (cwd() != "/") std::printf("locked goroutine: cwd %s\n", cwd().c_str());
        wg.done();
      });
    }
    wg.wait();
    std::printf("main: cwd %s\n", cwd().c_str());
    return 0;
  }
  if (s == "leak") {
    locked_exits(2000);  // warm up: Ms, stacks, caches
    long before = rss_kb();
    locked_exits(std::atoi(argv[2]));
    std::printf("rss growth %ld KiB\n", rss_kb() - before);
    return 0;
  }
  std::fprintf(stderr, "lockedexit: unknown scenario '%s'\n", s.c_str());
  return 1;
}
