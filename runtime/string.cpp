// runtime/string.cpp: the few string and memory routines the runtime needs.
// The runtime core must not call libc (it runs before libc is initialised,
// e.g. to refuse a static program, and in the libc-free flavour), and GCC
// turns byte loops into calls to strlen/memcpy/memcmp unless told not to:
// this file is built with -fno-tree-loop-distribute-patterns (the Makefile
// builds all of the runtime so) and the Makefile checks that no runtime
// object refers to a libc symbol.
#include "runtime.hpp"

namespace gort::runtime {

uintptr rt_strlen(const char* s) {
  uintptr n = 0;
  while (s[n] != 0) n++;
  return n;
}

int rt_memcmp(const void* a, const void* b, uintptr n) {
  auto* x = static_cast<const unsigned char*>(a);
  auto* y = static_cast<const unsigned char*>(b);
  for (uintptr i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

void rt_memmove(void* dst, const void* src, uintptr n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (d < s) {
    for (uintptr i = 0; i < n; i++) d[i] = s[i];
  } else {
    for (uintptr i = n; i > 0; i--) d[i - 1] = s[i - 1];
  }
}

// rt_memclr zeroes n bytes (Go: memclrNoHeapPointers). rep stosb: fast
// for the large blocks it gets (calloc), and no call to libc's memset.
void rt_memclr(void* p, uintptr n) {
  asm volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(0) : "memory");
}

int rt_popcount64(uint64 x) {
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return int((x * 0x0101010101010101ull) >> 56);
}

}  // namespace gort::runtime
