// bench/common/bench.hpp: what every C++ workload (gort and Boost.Fiber) shares:
// arguments, the clock, CPU time, RSS, and the one machine-readable line
//
//     result KEY=VALUE [KEY=VALUE...]
//
// that bench/run parses. Plain C++ and POSIX, no runtime of its own.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bench {

// arg returns argv[i] as a number, or def when it is absent.
inline long arg(int argc, char** argv, int i, long def) { return argc > i ? std::atol(argv[i]) : def; }

using clock = std::chrono::steady_clock;
inline clock::time_point now() { return clock::now(); }
inline double ns_since(clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(clock::now() - t0).count();
}

// cpu_seconds: user + system time of the whole process (every thread).
inline double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// rss_kib: VmRSS from /proc/self/status, in KiB.
inline long rss_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::strncmp(line, "VmRSS:", 6) == 0) {
      kib = std::atol(line + 6);
      break;
    }
  std::fclose(f);
  return kib;
}

// check ends the program with a message when a workload computed a wrong answer.
inline void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "check failed: %s\n", what);
  std::fflush(stdout);
  std::exit(1);
}

inline void result(const char* key, double v, long n) {
  std::printf("result %s=%.6g n=%ld\n", key, v, n);
  std::fflush(stdout);
}

}  // namespace bench
