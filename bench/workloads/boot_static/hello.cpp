// boot_static: a hello world for the static programs, built through
// gort-c++ --nolibc (booted by gort, no C library) and, for reference,
// through gort-c++ (hosted). Its C twin, hello.c, is built with
// gcc -static: glibc's own static start code.
#include <cstdio>

int main() {
  std::puts("hello, world");
  return 0;
}
