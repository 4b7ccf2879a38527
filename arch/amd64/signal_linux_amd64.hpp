// arch/amd64/signal_linux_amd64.hpp: a signal's saved machine state on
// linux/amd64 (Go: signal_linux_amd64.go's sigctxt and signal_amd64.go's
// dumpregs order). The portable signal and traceback code reach registers
// only through this.
#pragma once

#include <signal.h>
#include <sys/ucontext.h>

namespace gort::runtime {

struct sigctxt {
  ucontext_t* uc;
  explicit sigctxt(void* ctx) : uc(static_cast<ucontext_t*>(ctx)) {}
  greg_t* regs() const { return uc->uc_mcontext.gregs; }
  uintptr pc() const { return uintptr(regs()[REG_RIP]); }
  uintptr sp() const { return uintptr(regs()[REG_RSP]); }
  uintptr fp() const { return uintptr(regs()[REG_RBP]); }
  uint64 cs() const { return uint64(regs()[REG_CSGSFS]) & 0xffff; }
  uint64 gs() const { return (uint64(regs()[REG_CSGSFS]) >> 16) & 0xffff; }
  uint64 fs() const { return (uint64(regs()[REG_CSGSFS]) >> 32) & 0xffff; }
};

// The general registers in the order of Go's dumpregs, with their names
// padded as Go prints them.
struct sigreg {
  const char* name;
  int reg;
};
inline constexpr sigreg sigregs[] = {
    {"rax    ", REG_RAX}, {"rbx    ", REG_RBX}, {"rcx    ", REG_RCX}, {"rdx    ", REG_RDX},
    {"rdi    ", REG_RDI}, {"rsi    ", REG_RSI}, {"rbp    ", REG_RBP}, {"rsp    ", REG_RSP},
    {"r8     ", REG_R8},  {"r9     ", REG_R9},  {"r10    ", REG_R10}, {"r11    ", REG_R11},
    {"r12    ", REG_R12}, {"r13    ", REG_R13}, {"r14    ", REG_R14}, {"r15    ", REG_R15},
    {"rip    ", REG_RIP}, {"rflags ", REG_EFL},
};

// gobufcontext fills a machine context from a parked goroutine's saved
// registers (what gogo would restore), for an unwinder to start from.
inline void gobufcontext(const gobuf& b, mcontext_t* mc) {
  greg_t* r = mc->gregs;
  r[REG_RIP] = greg_t(b.pc);
  r[REG_RSP] = greg_t(b.sp);
  r[REG_RBP] = greg_t(b.bp);
  r[REG_RBX] = greg_t(b.rbx);
  r[REG_R12] = greg_t(b.r12);
  r[REG_R13] = greg_t(b.r13);
  r[REG_R14] = greg_t(b.r14);
  r[REG_R15] = greg_t(b.r15);
}

}  // namespace gort::runtime
