// tests/link/shlib_main.cpp: a gort program linked with shlib.cpp's
// shared library.
#include <cstdio>
#include <stdexcept>

int lib_sum(int n);
int lib_ctor_ran();
void lib_throw();

int main() {
  std::printf("sum %d ctor %d\n", lib_sum(100), lib_ctor_ran());
  try {
    lib_throw();
  } catch (const std::exception& e) {
    std::printf("caught: %s\n", e.what());
  }
  return 0;
}
