// tests/progs/lib/blockread.cpp: libgortblock.so, a shared library built
// the ordinary way (g++ -shared, nothing of gort), whose function blocks in
// libc's read. Linked by tests/progs/syscall_shlib.cpp, and dlopen'ed by it:
// its call to read must bind to gort's hook either way.
#include <unistd.h>

extern "C" long gortblock_read(int fd) {
  char c;
  return read(fd, &c, 1);
}
