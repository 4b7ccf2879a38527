// tests/bare.hpp: what the bare-structure tests share (tests/tests.mk). They
// call the runtime's internals on structures they build, with no scheduler
// running (Go's export_test.go idea): Ps and Gs made by hand, the globals
// that osinit and schedinit would have set, and a stand-in M for the code
// that reads getg()->m. Criterion runs each test in a process of its own,
// so the globals start fresh in every test.
#pragma once

#include <vector>

#include "runtime/runtime.hpp"

using namespace gort::runtime;

// newp makes a P in the state its M sees it in: _Prunning.
inline p* newp(int32 id = 0) {
  p* pp = new p();
  pp->id = id;
  pp->status = _Prunning;
  return pp;
}

// newgs makes n Gs with goids 1..n.
inline std::vector<g*> newgs(int n) {
  std::vector<g*> v;
  for (int i = 0; i < n; i++) {
    g* gp = new g();
    gp->goid = i + 1;
    v.push_back(gp);
  }
  return v;
}

// bare_setup sets the globals that boot sets and these structures read.
inline void bare_setup() {
  gomaxprocs = 1;
  physPageSize = 4096;
  ncpu = 2;
}

// fakem binds a fake g0 and m in this thread's tlsg for its lifetime, with
// m->p set to pp (may be null): the state of an M on its g0, for code that
// uses getg()->m (lock's M accounting, fastrand, acquirem). A thread
// without a g would crash there instead of testing anything.
struct fakem {
  g g0;
  m mm;
  explicit fakem(p* pp) {
    g0.m = &mm;
    mm.g0 = &g0;
    mm.p = pp;
    mm.id = pp != nullptr ? pp->id + 100 : 100;
    tlsg = &g0;
  }
  ~fakem() { tlsg = nullptr; }
  fakem(const fakem&) = delete;
  fakem& operator=(const fakem&) = delete;
};
