// boot/pthread_exit_hosted.cpp: pthread_exit on a goroutine (hosted
// flavour).
//
// glibc's pthread_exit unwinds the calling thread's stack (destructors and
// cleanup handlers run: a forced unwind) and stops at the buffer that the
// thread's start function set up: start_thread's for a thread, and for the
// main thread __libc_start_call_main's, after which the main thread ends
// and the process lives on until its last thread ends (then exit(0)). On a
// goroutine neither buffer exists (gort's crt replaces
// __libc_start_call_main, and an M's thread is not the goroutine's), so
// glibc's unwinder crashed in unwind_stop.
//
// This definition is in the crt, so the program's calls bind to it; on a
// thread that gort does not run it hands over to glibc's. On a goroutine it
// does glibc's forced unwind itself, through _Unwind_ForcedUnwind, with a
// stop function that lets every frame of the goroutine run its cleanups and
// acts at the end of its stack (runtime.goexit, whose CFI ends the chain):
//  - a goroutine ends there, as if its function had returned: Go's
//    runtime.Goexit;
//  - the main goroutine (main called pthread_exit) ends as glibc's main
//    thread does: the program goes on, and the process exits with status
//    0, running atexit handlers and destructors, once no other goroutine
//    and no other thread is left. Difference from Go, where Goexit on the
//    main goroutine ends in "fatal error: no goroutines (main called
//    runtime.Goexit) - deadlock!": the program here is a C++ program,
//    which says "the process ends when the last thread ends". What is left
//    is checked every 10 ms by goroutine 1 itself (other goroutines:
//    gcount; other threads: /proc/self/task against the runtime's Ms).
// A catch (...) that catches the unwinding must rethrow it, as with glibc;
// one that does not is a fatal error ("exception not rethrown").
#include <dlfcn.h>
#include <unwind.h>

#include <cstdlib>
#include <cstring>

#include "../runtime/runtime.hpp"

namespace gort::runtime {

// Threads of the process that are not Ms: threadcount (foreign.cpp) less
// mcount(). Transiently off while an M's thread starts or ends.
static int64 nonmthreads() { return threadcount() - mcount(); }

// mainexited is the rest of goroutine 1 once main has called pthread_exit
// and its frames are unwound: it waits for the last goroutine and thread
// to end, then exits with status 0. Never returns.
[[noreturn]] static void mainexited() {
  for (int quiet = 0;;) {
    quiet = gcount() <= 1 && nonmthreads() <= 0 ? quiet + 1 : 0;
    if (quiet == 2) flavour_exit(0);  // twice 10 ms apart: not a transient
    timeSleep(10 * 1000 * 1000);
  }
}

constexpr uint64 kExitClass = 0x474f525445584954ull;  // "GORTEXIT"

// A catch that ended the unwinding without rethrowing it deletes it.
static void exitcleanup(_Unwind_Reason_Code, _Unwind_Exception*) {
  fatal("pthread_exit: the unwinding of the goroutine was caught and not rethrown (exception not rethrown)");
}

static _Unwind_Reason_Code exitstop(int, _Unwind_Action actions, _Unwind_Exception_Class, _Unwind_Exception* exc,
                                    _Unwind_Context*, void*) {
  if ((actions & _UA_END_OF_STACK) == 0) return _URC_NO_REASON;  // unwind this frame too
  // The goroutine's frames are gone; we stand below them, on its stack.
  std::free(exc);
  g* gp = getg();
  if (gp->startfn == &main) mainexited();
  goexit1();
}

}  // namespace gort::runtime

extern "C" [[noreturn]] void pthread_exit(void* retval) {
  using namespace gort::runtime;
  g* gp = getg();
  if (gp == nullptr || gp->m == nullptr || gp != gp->m->curg) {
    // A thread that gort does not run (or, impossibly, runtime code).
    using fn = void (*)(void*);
    static fn next;
    if (next == nullptr) next = reinterpret_cast<fn>(dlsym(RTLD_NEXT, "pthread_exit"));
    if (next == nullptr) fatal("pthread_exit: glibc's pthread_exit not found");
    next(retval);
    __builtin_unreachable();
  }
  // Not on this frame: the landing pads that run the cleanups reuse the
  // stack below the frame they belong to.
  auto* exc = static_cast<_Unwind_Exception*>(std::calloc(1, sizeof(_Unwind_Exception)));
  if (exc == nullptr) fatal("pthread_exit: out of memory");
  exc->exception_class = kExitClass;
  exc->exception_cleanup = exitcleanup;
  _Unwind_ForcedUnwind(exc, exitstop, nullptr);
  fatal("pthread_exit: cannot unwind the goroutine's stack");
}
