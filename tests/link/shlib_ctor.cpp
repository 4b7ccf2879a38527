// tests/link/shlib_ctor.cpp: a shared library whose constructor starts a
// goroutine. The dynamic loader runs it before the program's entry point,
// so before the runtime exists: the program must end with a message that
// says so, not crash. (Its run_all_tests serves archive_main.cpp's main.)
#include <gort/gort.hpp>

#include <cstdio>

__attribute__((constructor)) static void starts_a_goroutine() {
  gort::go([] { std::puts("FAIL: a goroutine from a library's constructor ran"); });
}

int run_all_tests() { return 0; }
