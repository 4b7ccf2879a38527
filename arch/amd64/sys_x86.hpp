// arch/amd64/sys_x86.hpp: what the portable runtime needs of the CPU
// (Go: sys_x86.go's gostartcall, stubs' getg, and the floating-point control
// words that a gort context switch keeps besides Go's). Included by
// runtime/runtime.hpp once g and gobuf are defined.
#pragma once

#include "go_tls.h"

namespace gort::runtime {

extern "C" char runtime_goexit[] asm("runtime.goexit");
extern "C" char runtime_gostart[] asm("runtime.gostart");

// getg returns the running goroutine (g0 when on the scheduler stack).
// It is an asm volatile so the compiler re-reads it every time: after any call
// that may switch goroutines the code may be on another thread, and a TLS
// address computed before would be the old thread's. Never keep the address
// of a thread-local across such a call.
inline g* getg() {
  g* gp;
  asm volatile("movq " TLSG_ASM ", %0" : "=r"(gp));
  return gp;
}

// gostartcall makes buf start fn(arg) on the stack whose top is sp (16-byte
// aligned), as if called from runtime.goexit (Go: gostartcall): gogo enters
// runtime.gostart with rbx = arg and r12 = fn (asm_amd64.S says why), which
// calls fn with goexit+1 as its return address already on the stack.
inline void gostartcall(gobuf* buf, uintptr sp, void (*fn)(void*), void* arg) {
  sp -= sizeof(uintptr);  // as if called: sp = 8 mod 16
  *reinterpret_cast<uintptr*>(sp) = reinterpret_cast<uintptr>(runtime_goexit) + 1;
  buf->sp = sp;
  buf->pc = reinterpret_cast<uintptr>(runtime_gostart);
  buf->bp = 0;
  buf->rbx = reinterpret_cast<uintptr>(arg);
  buf->r12 = reinterpret_cast<uintptr>(fn);
}

// savefpcontrol records the running thread's floating-point control words
// (MXCSR, x87 control word) in buf: a new goroutine inherits its creator's
// rounding and exception masks, as a new thread does.
inline void savefpcontrol(gobuf* buf) {
  asm volatile("stmxcsr %0" : "=m"(buf->mxcsr));
  asm volatile("fnstcw %0" : "=m"(buf->fpcw));
}

}  // namespace gort::runtime
