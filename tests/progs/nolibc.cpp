// tests/progs/nolibc.cpp SCENARIO: what only the nolibc flavour does.
// nolibc only: it calls the crt's own clone and join
//
//   join      threads made by the crt's clone (CLONE_CHILD_CLEARTID) are
//             joined on their child-tid word: the join's wait is ended by
//             the kernel's wake-up at the thread's exit (a shared futex
//             wait; a private one is never woken, and waits out its 10 s)
//   statics   a function-local static whose constructor sleeps, wanted by
//             16 goroutines at GOMAXPROCS=1: the waiters park (run it with
//             GODEBUG=retakeblocked=0, so that a blocked M would stay
//             blocked: a guard that blocked the M would hang)
//   stdmutex  a std::mutex held across a sleep, wanted by 8 goroutines:
//             they park in pthread_mutex_lock (same conditions)
//   maps      every file mapped into the process is the program itself
//             (no ld.so, no libc.so): prints them
//
// Prints "gomaxprocs=N" and "<scenario>: ok" lines (check.hpp).
#include <gort/gort.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include "boot/nolibc/nolibc.hpp"
#include "check.hpp"

namespace {

namespace nl = gort::nolibc;

// The thread's whole life: sleep 50 ms (raw: it has no g), return; the
// crt's first frame then ends it with SYS_exit.
void sleeper(gort::runtime::m*) {
  struct timespec ts{0, 200 * 1000000};
  syscall(SYS_nanosleep, &ts, nullptr);
}

void scenario_join() {
  int joined = 0, fails = 0;
  for (int i = 0; i < 4; i++) {
    std::size_t size = 256 << 10;
    void* mem = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    auto top = reinterpret_cast<std::uintptr_t>(mem) + size;
    std::uintptr_t lo = (top - nl::tlsblocksize()) & ~std::uintptr_t(63);
    std::uintptr_t tp = nl::tlsblockinit(lo, nl::stackguard);
    int tid = 0;
    constexpr unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_SYSVSEM | CLONE_THREAD |
                                    CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    long r = nl::clone(flags, lo & ~std::uintptr_t(15), &tid, &tid, tp, nullptr, sleeper);
    CHECK(r > 0 && tid == r, "join: clone gave %ld, tid word %d", r, tid);
    if (r <= 0) {
      fails++;
      continue;
    }
    // The thread sleeps 200 ms: the join below waits for its exit, and
    // must be woken by the kernel then, not by its own timeout (which a
    // FUTEX_WAIT_PRIVATE would wait out). (If this thread was late to
    // wait, the other thread may be gone already: joinGone, not counted.)
    int how = nl::threadjoin(&tid, 10'000'000'000);
    CHECK(how != nl::joinNot && tid == 0, "join: thread %ld not joined within 10 s (tid word %d)", r, tid);
    if (how == nl::joinWoken) joined++;
    if (how == nl::joinNot) fails++;
    munmap(mem, size);
  }
  std::printf("join: %d of 4 joins woken by the thread's exit\n", joined);
  progs::report("join", joined >= 1 && fails == 0);
}

std::atomic<int> built{0};
struct slowstatic {
  int v = 5;
  slowstatic() {
    built++;
    gort::sleep(std::chrono::milliseconds(100));
  }
};

void scenario_statics() {
  std::atomic<int> wrong{0};
  gort::wait_group wg;
  for (int i = 0; i < 16; i++) {
    wg.add(1);
    gort::go([&] {
      static slowstatic s;
      if (s.v != 5) wrong++;
      wg.done();
    });
  }
  wg.wait();
  progs::report("statics", built == 1 && wrong == 0);
}

void scenario_stdmutex() {
  std::mutex mu;
  long counter = 0;
  gort::wait_group wg;
  for (int i = 0; i < 8; i++) {
    wg.add(1);
    gort::go([&] {
      std::lock_guard<std::mutex> l(mu);
      gort::sleep(std::chrono::milliseconds(10));  // the holder parks with the lock
      counter++;
      wg.done();
    });
  }
  wg.wait();
  progs::report("stdmutex", counter == 8);
}

void scenario_maps() {
  char self[512] = {};
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  FILE* f = std::fopen("/proc/self/maps", "r");
  bool ok = n > 0 && f != nullptr;
  char line[1024];
  int files = 0;
  while (ok && std::fgets(line, sizeof line, f) != nullptr) {
    const char* path = std::strchr(line, '/');
    if (path == nullptr) continue;  // anonymous, [stack], [vdso], [heap]
    std::string p(path);
    if (!p.empty() && p.back() == '\n') p.pop_back();
    std::printf("mapped: %s\n", p.c_str());
    files++;
    if (p != self) ok = false;
  }
  if (f != nullptr) std::fclose(f);
  progs::report("maps", ok && files > 0);
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  std::fflush(stdout);
  std::string s = argc > 1 ? argv[1] : "";
  if (s == "join") scenario_join();
  if (s == "statics") scenario_statics();
  if (s == "stdmutex") scenario_stdmutex();
  if (s == "maps") scenario_maps();
  return progs::fails;
}
