// tests/wrong/hello.cpp: a gort program linked the wrong way by the test
// makefile (statically, or without the crt), which must be refused.
#include <gort/gort.hpp>

#include <cstdio>

int main() {
  int ran = 0;
  gort::go([&] { ran = 1; });
  gort::gosched();
  std::printf("ran=%d\n", ran);
  return 0;
}
