// runtime/stubs.cpp: small helpers that Go keeps in stubs.go.
#include "runtime.hpp"

namespace gort::runtime {

// fastrand: per-M wyrand (Go 1.19's fastrand on 64-bit).
uint32 fastrand() {
  g* gp = getg();
  if (__builtin_expect(gp == nullptr, 0)) return fastrandforeign();  // foreign.cpp
  m* mp = gp->m;
  mp->fastrand += 0xa0761d6478bd642f;
  unsigned __int128 r = (unsigned __int128)mp->fastrand * (mp->fastrand ^ 0xe7037ed1a0b428db);
  return uint32(uint64(r >> 64) ^ uint64(r));
}

}  // namespace gort::runtime
