// tests/wrong/hello.cpp: a gort program linked the wrong way by the test
// makefile (statically, or without the crt), which must be refused.
#include <gort/gort.hpp>

#include <cstdio>

int main() {
  int ran = 0;
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] {
    ran = 1;
    wg.done();
  });
  wg.wait();
  std::printf("ran=%d\n", ran);
  return 0;
}
