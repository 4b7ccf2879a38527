// runtime/fork.cpp: fork() without exec (Go: syscall_runtime_BeforeFork,
// syscall_runtime_AfterFork and syscall_runtime_AfterForkInChild, which Go
// keeps in proc.go for its own forkExec).
//
// A forked child has one thread, the one that called fork; every other M,
// sysmon, the template thread and whatever they were doing are gone, while
// the scheduler's state says they are still there (idle Ms parked on
// notes nobody will wake, Ps held by Ms that do not exist, goroutines
// running on them). Go never forks without exec. gort cannot make such a
// child schedule goroutines, so it makes the child what the child of a
// multi-threaded fork is in C: a single-threaded process. The forking
// goroutine runs on the only thread, and its system calls block that
// thread as they would without gort (cansyscall is false in the child:
// the libc hooks and gort::syscall make plain calls), so it may sleep,
// read, wait for its own children, start std::threads, exit or die by a
// signal: what googletest's "fast" death tests do in their child. But the
// first time it would switch goroutines (go and wait, a channel operation
// or gort::sleep that waits, gosched) it ends with a fatal error, rather
// than hang as it did. gort(7), "FORK". The hosted flavour registers
// these with pthread_atfork (flavour_init); a raw clone or vfork runs none
// of them (googletest's "threadsafe" death tests clone and exec at once:
// what runs before the exec must be plain code).
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
  // A preemption request sysmon made before the fork would park the
  // goroutine at its next check (preemptcheck); no sysmon enforces it here.
  if (g* gp = getg(); gp != nullptr && gp->m->curg != nullptr)
    gp->m->curg->preempt.store(false, std::memory_order_relaxed);
  unlock(&sched.lock);
}

void forkedchildfatal() {
  fatal("fork() without exec: a forked child has only the forking thread and cannot schedule "
        "goroutines; exec or _exit before starting, waiting for or yielding to one");
}

}  // namespace gort::runtime
