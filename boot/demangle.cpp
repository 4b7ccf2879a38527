// boot/demangle.cpp: runtime/symtab.hpp's demangle, for both flavours'
// crts: the C++ runtime's own demangler (libsupc++'s __cxa_demangle, over
// malloc, glibc's or the runtime's).
#include <cxxabi.h>

#include <cstdlib>

#include "../runtime/runtime.hpp"
#include "../runtime/symtab.hpp"

namespace gort::runtime {

const char* demangle(const char* raw, char* buf, uintptr n) {
  // The demangler allocates: not while this M is inside the allocator (a
  // fault there is being reported), whose locks it may hold.
  if (g* gp = getg(); gp != nullptr && gp->m != nullptr && gp->m->mallocing != 0) return nullptr;
  int status = 0;
  char* d = abi::__cxa_demangle(raw, nullptr, nullptr, &status);
  if (d == nullptr || status != 0 || n == 0) {
    std::free(d);
    return nullptr;
  }
  uintptr k = 0;
  for (; d[k] != 0 && k < n - 1; k++) buf[k] = d[k];
  buf[k] = 0;
  std::free(d);
  return buf;
}

}  // namespace gort::runtime
