// tests/link/archive_tests.cpp: the program's own object; its main is in
// an archive (archive_main.cpp).
#include <cstdio>
int run_all_tests() {
  std::puts("main from the archive ran");
  return 0;
}
