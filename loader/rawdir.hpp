// loader/rawdir.hpp: the numeric entries of a /proc directory (fds, task
// ids), read with raw system calls only: commit() and gort::exec use it
// where libc may no longer be safe to call.
#pragma once

#include <fcntl.h>
#include <sys/syscall.h>

#include "../arch/amd64/syscall_linux_amd64.hpp"

namespace gort::loader {

// each_number calls f(n, dirfd) for each entry of dir whose name is a
// number; dirfd is the descriptor the listing itself holds. Returns the
// number of entries, or -1 when dir cannot be opened.
template <class F>
int each_number(const char* dir, F f) {
  long fd = arch::syscall3(SYS_open, long(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return -1;
  alignas(8) static char buf[8192];
  int n = 0;
  for (;;) {
    long k = arch::syscall3(SYS_getdents64, fd, long(buf), sizeof buf);
    if (k <= 0) break;
    for (long off = 0; off < k;) {
      const char* d = buf + off;
      const char* name = d + 19;  // struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name
      long v = 0;
      bool num = name[0] != 0;
      for (const char* c = name; *c != 0; c++) {
        if (*c < '0' || *c > '9') num = false;
        v = v * 10 + (*c - '0');
      }
      if (num) {
        n++;
        f(v, fd);
      }
      off += *reinterpret_cast<const unsigned short*>(d + 16);
    }
  }
  arch::syscall1(SYS_close, fd);
  return n;
}

}  // namespace gort::loader
