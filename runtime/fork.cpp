// runtime/fork.cpp: fork() without exec (Go: syscall_runtime_BeforeFork,
// syscall_runtime_AfterFork and syscall_runtime_AfterForkInChild, which Go
// keeps in proc.go for its own forkExec).
//
// A forked child has one thread, the one that called fork; every other M,
// sysmon, the template thread and whatever they were doing are gone, while
// the scheduler's state says they are still there (idle Ms parked on
// notes nobody will wake, Ps held by Ms that do not exist, goroutines
// running on them). Go never forks without exec. gort cannot make such a
// child work either, so the child may run plain code on its thread (and
// exec or _exit), but the first time it would switch goroutines (block,
// yield, wait for a goroutine it started) it ends with a fatal error,
// rather than hang as it did. The hosted flavour registers these with
// pthread_atfork (flavour_init); a raw clone or vfork runs none of them.
#include "runtime.hpp"

namespace gort::runtime {

// Set in a forked child (afterforkinchild); read by schedule and gosched.
constinit bool forkedchild = false;

// beforefork runs in the parent just before fork: it holds sched.lock
// across the fork, so that the child's copy of it is free (the lock every
// goroutine start and wake-up takes) and the scheduler's state it guards
// is not copied halfway through a change.
void beforefork() { lock(&sched.lock); }

// afterfork runs in the parent after fork.
void afterfork() { unlock(&sched.lock); }

// afterforkinchild runs in the child after fork, on its only thread.
void afterforkinchild() {
  forkedchild = true;
  unlock(&sched.lock);
}

void forkedchildfatal() {
  fatal("fork() without exec: a forked child has only the forking thread and cannot schedule "
        "goroutines; exec or _exit before blocking or yielding");
}

}  // namespace gort::runtime
