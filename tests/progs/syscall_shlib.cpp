// tests/progs/syscall_shlib.cpp linked|dlopen: a goroutine blocks in read
// called from a shared library (libgortblock.so: linked, or dlopen'ed at
// run time); the ticker keeps ticking at GOMAXPROCS=1 only if that call
// went through gort's hook. Run with GODEBUG=retakeblocked=0 so that
// sysmon's fallback cannot hide a missed hook.
// hosted only: a shared library needs ld.so
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "check.hpp"

extern "C" long gortblock_read(int fd);

int main(int argc, char** argv) {
  bool dyn = argc > 1 && std::strcmp(argv[1], "dlopen") == 0;
  long (*fn)(int) = gortblock_read;
  if (dyn) {
    void* h = dlopen("libgortblock.so", RTLD_NOW);
    if (h == nullptr) {
      std::printf("dlopen: %s\n", dlerror());
      return 3;
    }
    fn = reinterpret_cast<long (*)(int)>(dlsym(h, "gortblock_read"));
  }
  int p[2];
  if (pipe(p) != 0) return 3;
  std::atomic<long> ticks{0};
  std::atomic<bool> on{true};
  gort::wait_group wg;
  wg.add(2);
  gort::go([&] {
    while (on) {
      gort::sleep(std::chrono::milliseconds(10));
      ticks++;
    }
    wg.done();
  });
  gort::go([&] {
    fn(p[0]);
    wg.done();
  });
  gort::sleep(std::chrono::milliseconds(200));
  long during = ticks.load();
  if (write(p[1], "x", 1) != 1) return 3;
  on = false;
  wg.wait();
  char d[32];
  std::snprintf(d, sizeof d, "ticks=%ld", during);
  progs::report(dyn ? "read_in_dlopened_library" : "read_in_linked_library", during >= 5, d);
  return progs::fails;
}
