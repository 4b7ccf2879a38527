// tests/skip.hpp: SKIP(fmt, ...) skips the running test, saying why on
// stderr in a line that `make check` (and so CI) shows:
//
//   [SKIP] gdb::live_process: gdb may not ptrace a child on this machine: ...
//
// Criterion's own cr_skip_test prints nothing without --verbose, and its
// synthesis line does not count skipped tests: a suite that cannot run
// here would pass in silence.
#pragma once

#include <criterion/criterion.h>

#include <cstdio>

#define SKIP(fmt, ...)                                                                                             \
  do {                                                                                                             \
    std::fprintf(stderr, "[SKIP] %s::%s: " fmt "\n", criterion_current_test->category,                             \
                 criterion_current_test->name __VA_OPT__(, ) __VA_ARGS__);                                         \
    std::fflush(stderr);                                                                                           \
    cr_skip_test(fmt __VA_OPT__(, ) __VA_ARGS__);                                                                  \
  } while (0)
