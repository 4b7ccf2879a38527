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
// The bytes the thread library keeps for itself at the top of the stack
// that flavour_newosproc gives a thread (hosted: glibc's thread descriptor
// and the static TLS of the program and its libraries, which can be large:
// `thread_local char buf[1 << 20]`, or ThreadSanitizer's per-thread state).
// allocm maps that much more than the g0 stack, so that the g0 stack keeps
// its size whatever the program's TLS.
uintptr flavour_threadreserve();
// Reports whether the thread of an M that exited has finished with its
// stack, which may then be freed.
bool flavour_threadgone(m* mp);
// joinexitedms joins the threads of the Ms that have exited and are not
// reaped yet (proc.cpp), at exit, for TSan's thread-leak check.
void joinexitedms();
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
// Looks up the IP addresses of a host name that is neither numeric nor
// "localhost" (gort::net's dial and listen, runtime/net.cpp): up to max
// 16-byte addresses (IPv4 as ::ffff:a.b.c.d), IPv4 ones if want4, IPv6
// ones if want6, into out. Returns how many, or minus an error code of
// <gort/net_abi.hpp> (the hosted flavour asks getaddrinfo).
int flavour_lookuphost(const char* host, bool want4, bool want6, std::uint8_t (*out)[16], int max);
// The traceback helper's path, where the installation that linked this
// program put it (runtime/tbhelper.hpp).
const char* flavour_tracebackhelper();

}  // namespace gort::runtime
