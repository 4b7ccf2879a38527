// tests/progs/sync_misuse.cpp: misuse of the sync primitives ends the
// program as Go's would. argv[1] names the scenario:
//   mutex_unlock      unlock of an unlocked mutex: fatal error
//   rw_unlock         unlock of an unlocked rwmutex: fatal error
//   rw_runlock        unlock_shared of an unlocked rwmutex: fatal error
//   wg_negative       done() on a zero wait_group: panic
//   wg_negative_go    the same on another goroutine, while main waits
// Each prints "before" first, and "after" if the misuse went unnoticed.
#include <gort/gort.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  std::printf("before\n");
  std::fflush(stdout);
  if (std::strcmp(s, "mutex_unlock") == 0) {
    gort::mutex mu;
    mu.lock();
    mu.unlock();
    mu.unlock();
  } else if (std::strcmp(s, "rw_unlock") == 0) {
    gort::rwmutex rw;
    rw.unlock();
  } else if (std::strcmp(s, "rw_runlock") == 0) {
    gort::rwmutex rw;
    rw.lock_shared();
    rw.unlock_shared();
    rw.unlock_shared();
  } else if (std::strcmp(s, "wg_negative") == 0) {
    gort::wait_group wg;
    wg.add(1);
    wg.done();
    wg.done();
  } else if (std::strcmp(s, "wg_negative_go") == 0) {
    static gort::wait_group wg;
    wg.add(1);
    gort::go([] {
      wg.done();
      wg.add(-1);
    });
    wg.wait();
    // The goroutine's add(-1) follows its done() at once; give it 2 s.
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < end) gort::gosched();
  } else {
    std::printf("unknown scenario\n");
    return 1;
  }
  std::printf("after\n");
  return 0;
}
