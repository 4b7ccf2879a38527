// tests/link/shlib.cpp: a shared library built with `gort-c++ -shared`
// and linked into a gort program (shlib_main.cpp): it holds no runtime of
// its own and uses the program's (goroutines, channels), throws across the
// boundary, and has its own thread_local and constructor.
#include <gort/gort.hpp>

#include <cstdio>
#include <stdexcept>

thread_local int lib_tls = 5;
static int ctor_ran = 0;
__attribute__((constructor)) static void lib_ctor() { ctor_ran = 1; }

int lib_sum(int n) {
  gort::chan<int> c(0);
  for (int i = 1; i <= n; i++) gort::go([c, i]() mutable { c.send(i); });
  int s = 0;
  for (int i = 0; i < n; i++) s += c.recv();
  return s + lib_tls - 5;
}

int lib_ctor_ran() { return ctor_ran; }

void lib_throw() { throw std::runtime_error("thrown in the shared library"); }
