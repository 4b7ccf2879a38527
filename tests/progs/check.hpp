// tests/progs/check.hpp: what the test programs share: a failure count with
// CHECK (printf-style message) and report (one "name: ok|FAIL" line per
// scenario), and a monotonic clock. The Criterion side matches the lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

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
