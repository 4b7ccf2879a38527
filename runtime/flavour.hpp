// runtime/flavour.hpp: the seam between the runtime and its flavour.
//
// One runtime core serves two flavours (HACKING.md, "The flavour
// seam"); what differs between them is only this: how %fs is made usable
// at boot, how the program's constructors and exit run, how an M's thread
// is made and reaped, what per-thread C++ state a thread has, and where
// general-purpose memory comes from. Each flavour is one file that defines every function below:
//
//   boot/flavour_hosted.cpp  glibc and libstdc++ underneath: Ms are glibc
//                            threads on our own g0 stacks; memory is malloc.
//   boot/flavour_nolibc.cpp  nothing underneath: the crt relocates the
//                            program and lays out TLS itself, Ms are raw
//                            clone threads, memory is the runtime's
//                            allocator (mheap.cpp); boot/nolibc/ supplies
//                            what libc would.
//
// The runtime core calls nothing else of its flavour, and the flavour calls
// the runtime only through runtime.hpp.
#pragma once

#include "runtime2.hpp"

namespace gort::runtime {

// rt0_go's settls step (Go: settls): make %fs usable on m0, before anything
// reads it or a relocated pointer. Runs on the OS stack with nothing of the
// runtime set up: no TLS, no stack protector, no libc.
extern "C" void settls(int argc, char** argv, void (*rtld_fini)()) asm("runtime.settls");
// Runs the program's constructors (Go: doInit of the main package).
void flavour_init(int argc, char** argv, char** envp);
// Ends the process with atexit handlers and destructors run once.
[[noreturn]] void flavour_exit(int code);
// Starts the thread of a new M on the stack [stk, stk+size) (its lowest
// part is a guard): the thread calls mstart_newthread(mp, sp). Returns 0 or
// an errno (newosproc reports it).
int flavour_newosproc(m* mp, uintptr stk, uintptr size);
// The bytes the thread library keeps at the top of a thread's stack that
// it is given (its thread descriptor and the static TLS block): allocm maps
// them on top of each g0 stack, so that the g0 stack keeps its size (large
// static TLS: ThreadSanitizer's per-thread state lives there).
uintptr flavour_threadreserve();
// Reports whether the thread of an M that exited has finished with its
// stack, which may then be freed.
bool flavour_threadgone(m* mp);
// Called by minit on the new thread: returns this thread's C++ exception
// globals (struct __cxa_eh_globals), or null where there are none.
void* flavour_minit();
// The calling thread's errno (C's errno location). minit caches it in
// m::errnoloc; the libc hooks set it through this.
int* flavour_errno();
// General-purpose memory for runtime objects that are freed again
// (channels): the hosted flavour's malloc. Null when out of memory.
void* flavour_malloc(uintptr size, uintptr align);
void flavour_free(void* v);
// The traceback helper's path, where the installation that linked this
// program put it (runtime/tbhelper.hpp).
const char* flavour_tracebackhelper();

}  // namespace gort::runtime
