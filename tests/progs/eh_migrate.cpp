// tests/progs/eh_migrate.cpp: a goroutine that blocks inside a catch block
// may resume on another M and still rethrow the exception it is handling
// (the C++ exception state moves with the goroutine: g::ehstate). Prints
// "ok N/N migrated M".
#include <gort/gort.hpp>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <atomic>
#include <unistd.h>
#include <sys/syscall.h>
std::atomic<int> migrated{0}, ok{0};
int main() {
  gort::wait_group wg;
  const int n = 200;
  for (int i = 0; i < n; i++) {
    wg.add(1);
    gort::go([&wg, i] {
      try {
        try {
          throw std::runtime_error("e" + std::to_string(i));
        } catch (const std::exception& e) {
          // Yield until this goroutine resumes on another thread (with
          // several Ps it soon does), at most 2000 times.
          long t = syscall(SYS_gettid);
          bool moved = false;
          for (int k = 0; k < 2000 && !moved; k++) {
            gort::gosched();
            moved = syscall(SYS_gettid) != t;
            if (gort::gomaxprocs(0) == 1 && k == 50) break;
          }
          if (moved) migrated++;
          if (std::uncaught_exceptions() != 0) std::printf("bad uncaught\n");
          throw;  // rethrow the exception this goroutine is handling
        }
      } catch (const std::runtime_error& e) {
        if (e.what() == "e" + std::to_string(i)) ok++;
      }
      wg.done();
    });
  }
  wg.wait();
  std::printf("ok %d/%d migrated %d\n", ok.load(), n, migrated.load());
}
