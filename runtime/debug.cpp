// runtime/debug.cpp: the knobs a program turns at run time (Go: debug.go).
#include "runtime.hpp"

namespace gort::runtime {

// GOMAXPROCS sets the number of Ps and returns the previous setting; n <= 0
// only queries (Go: runtime.GOMAXPROCS). Called on a goroutine. As in Go,
// any n is taken (the GOMAXPROCS variable is limited to 1024 only to catch
// typos at start).
int32 GOMAXPROCS(int32 n) {
  lock(&sched.lock);
  int32 ret = gomaxprocs;
  unlock(&sched.lock);
  if (n <= 0 || n == ret) return ret;

  stopTheWorld();
  // newprocs will be processed by startTheWorld
  newprocs = n;
  startTheWorld();
  return ret;
}

}  // namespace gort::runtime
