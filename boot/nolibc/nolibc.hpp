// boot/nolibc/nolibc.hpp: what the parts of the nolibc crt share.
//
// The nolibc flavour is a static program with nothing underneath: no ld.so,
// no libc. boot/flavour_nolibc.cpp is the flavour (runtime/flavour.hpp):
// the start-up steps that glibc's start code would do (self-relocation,
// TLS, the canary), the constructors and exit, Ms as raw clone threads.
// The files of boot/nolibc/ supply what a C++ program and libstdc++ expect
// of a C library, written for goroutines:
//
//   string.cpp   mem*, str*: what the compiler emits calls to
//   stdio.cpp    printf and friends, FILE, over write(2): unbuffered, one
//                write per call, so that lines of goroutines never mix
//   format.cpp   the printf engine (vformat), floating point included
//   stdlib.cpp   malloc and friends over the runtime's allocator (mheap.cpp),
//                exit/abort/atexit, getenv, strto*, qsort, ...
//   unistd.cpp   the plain system calls (close, pipe, getpid, clock_gettime,
//                ...); the blocking ones are runtime/syscall_linux.cpp's
//   cxxabi.cpp   what libsupc++ and libgcc_eh need: __cxa_guard_* (parking
//                the goroutine), __cxa_atexit, operator new/delete, the
//                program's own dl_iterate_phdr and _dl_find_object, the few
//                pthread calls they make, __stack_chk_fail
//   clone_linux_amd64.S   the clone system call and a new thread's first frame
//
// None of it may be used before settls has run (the stack protector, TLS),
// except what settls itself calls: memcpy, memset.
#pragma once

#include <elf.h>

#include "../../runtime/runtime.hpp"

namespace gort::nolibc {

using runtime::uintptr;
using runtime::int64;
using runtime::uint64;
using runtime::uint32;
using runtime::int32;

// ---- the program's own ELF image (flavour_nolibc.cpp, filled by settls) ----
struct selfimage {
  uintptr bias = 0;                   // load address minus link address (0 unless static PIE)
  const Elf64_Phdr* phdr = nullptr;   // AT_PHDR
  int phnum = 0;
  uintptr start = 0, end = 0;         // lowest and highest address of the PT_LOAD segments
  const unsigned char* ehframehdr = nullptr;  // PT_GNU_EH_FRAME, or null
  const char* path = nullptr;         // AT_EXECFN, for messages
  // PT_TLS: the initialisation image and the size of the block.
  uintptr tlsimage = 0, tlsfilesz = 0, tlsmemsz = 0, tlsalign = 1;
  uintptr tlsoff = 0;   // align_up(tlsmemsz, tlsalign): the block sits at tp - tlsoff
};
extern selfimage self;

// The x86-64 thread control block: what glibc's tcbhead_t puts at the thread
// pointer and compiled code reads at fixed offsets from %fs (TLS ABI
// variant II: the TLS block lies below it).
struct tcbhead {
  void* tcb;              // 0x00: the thread pointer itself (TLS address arithmetic)
  void* dtv;              // 0x08: no dynamic TLS here
  void* self;             // 0x10
  int multiple_threads;   // 0x18
  int gscope_flag;        // 0x1c
  uintptr sysinfo;        // 0x20
  uintptr stack_guard;    // 0x28: the -fstack-protector canary
  uintptr pointer_guard;  // 0x30
  uintptr unused[2];      // 0x38
  uint32 feature_1;       // 0x48: CET
  int unused1;            // 0x4c
  void* private_tm[4];    // 0x50
  void* private_ss;       // 0x70: -fsplit-stack's stack limit
  uintptr ssp_base;       // 0x78
};
static_assert(offsetof(tcbhead, stack_guard) == 0x28 && offsetof(tcbhead, private_ss) == 0x70);

// tlsblocksize: bytes a thread's TLS block and TCB take, alignment slack
// included. tlsblockinit lays them out in [lo, lo+tlsblocksize()) with the
// TCB at the highest aligned place: .tdata copied, .tbss zeroed, the self
// pointers and the canary set. Returns the thread pointer.
uintptr tlsblocksize();
uintptr tlsblockinit(uintptr lo, uintptr canary);
// The canary of every thread (AT_RANDOM's first 8 bytes, low byte zeroed).
extern uintptr stackguard;

// threadjoin waits until the thread whose child-tid word is *tidword has
// exited (the kernel clears the word and wakes it: CLONE_CHILD_CLEARTID),
// at most ns nanoseconds. It says how: joinWoken, the kernel's wake-up
// ended a wait; joinGone, it had exited without a wait seeing the wake-up;
// joinNot, it has not exited.
enum : int { joinNot = 0, joinWoken = 1, joinGone = 2 };
int threadjoin(int* tidword, int64 ns);

// ---- clone_linux_amd64.S ----
// clone makes a thread that starts fn(mp) on stack stk with thread pointer
// tls; ptid and ctid are set to its tid, and ctid is cleared (and woken,
// futex) when it exits. Returns the tid or -errno.
extern "C" long clone(unsigned long flags, uintptr stk, int* ptid, int* ctid, uintptr tls, runtime::m* mp,
                      void (*fn)(runtime::m*)) asm("runtime.clone");

// ongoroutine: the caller runs on a goroutine's stack, holding no runtime
// lock: it may park (gopark, semacquire). Elsewhere (g0, a runtime
// callback) a wait must spin or block the M.
inline bool ongoroutine() {
  runtime::g* gp = runtime::getg();
  return gp != nullptr && gp == gp->m->curg && gp->m->locks == 0;
}

// ---- stdlib.cpp ----
// The handlers of atexit and __cxa_atexit, last first; then .fini_array.
void runexithandlers();
// The calling thread's thread_local destructors (__cxa_thread_atexit_impl).
void runthreadatexit();
extern "C" char** environ;

// ---- stdio.cpp ----
// writeall writes all n bytes to fd (through the write hook); false on error.
bool writeall(int fd, const char* p, uintptr n);

// ---- unistd.cpp ----
// ret: a raw system call's result as libc returns it (-1 and errno).
long ret(long r);

}  // namespace gort::nolibc
