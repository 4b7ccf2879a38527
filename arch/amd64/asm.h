/* arch/amd64/asm.h: offsets of the runtime structures that assembly touches.
 *
 * This is the single source of truth for every offset used by a .S file (Go
 * generates the same thing as go_asm.h). It is included by the assembly and by
 * runtime/runtime2.hpp, which checks each value with static_assert(offsetof(...)),
 * so a field moved in C++ without updating this file fails to compile.
 * Plain #defines only: this file must be valid in both C++ and GAS.
 */
#ifndef GORT_ARCH_AMD64_ASM_H
#define GORT_ARCH_AMD64_ASM_H

/* struct gobuf: the saved context of a goroutine that is not running.
 * Go's gobuf holds sp, pc, g, ctxt, ret, bp; C++ code additionally needs the
 * SysV callee-saved registers and the floating-point control words. */
#define gobuf_sp     0
#define gobuf_pc     8
#define gobuf_g      16
#define gobuf_ret    24
#define gobuf_bp     32
#define gobuf_rbx    40
#define gobuf_r12    48
#define gobuf_r13    56
#define gobuf_r14    64
#define gobuf_r15    72
#define gobuf_mxcsr  80   /* 32-bit SSE control/status word */
#define gobuf_fpcw   84   /* 16-bit x87 control word */
#define gobuf_size   88

/* struct g */
#define g_stack_lo     0
#define g_stack_hi     8
#define g_stackguard0  16
#define g_m            24
#define g_sched        32

/* struct m */
#define m_g0       0
#define m_curg     8
#define m_gsignal  16
#define m_tls      24

/* The frame of runtime.asyncPreempt (preempt_amd64.S), the call that the
 * preemption signal's handler injects into a running goroutine. Offsets
 * from its frame pointer (rbp once the prologue has run); struct
 * asyncPreemptFrame in runtime/preempt.cpp checks them. From the top:
 *
 *   AP_CFA      the interrupted rsp: the frame's CFA for unwinders
 *   AP_REDZONE  the interrupted code's red zone (AP_REDZONE_SIZE bytes),
 *               which SysV lets leaf code use below its rsp: left as it is
 *   AP_PC       the resume pc (the interrupted instruction), pushed by the
 *               handler as if asyncPreempt had been called from there
 *   AP_RBP      the interrupted rbp (rbp points here)
 *   AP_RFLAGS   rflags, then the other 14 general registers below it
 *   ...         the XSAVE area, 64-byte aligned, below AP_R15
 */
#define AP_CFA          144
#define AP_REDZONE      16
#define AP_REDZONE_SIZE 128
#define AP_PC           8
#define AP_RBP          0
#define AP_RFLAGS       (-8)
#define AP_RAX          (-16)
#define AP_RCX          (-24)
#define AP_RDX          (-32)
#define AP_RBX          (-40)
#define AP_RSI          (-48)
#define AP_RDI          (-56)
#define AP_R8           (-64)
#define AP_R9           (-72)
#define AP_R10          (-80)
#define AP_R11          (-88)
#define AP_R12          (-96)
#define AP_R13          (-104)
#define AP_R14          (-112)
#define AP_R15          (-120)
/* The handler lowers rsp by this much before storing the resume pc:
 * the red zone plus the pc's own slot. The trampoline ends in
 * `ret $AP_REDZONE_SIZE`, which pops the pc and gives the red zone back. */
#define AP_PUSH         (AP_REDZONE_SIZE + 8)
/* The XSAVE header (XSTATE_BV, XCOMP_BV, reserved) follows the 512-byte
 * legacy area and must be zero before XSAVE/XSAVEC, or XRSTOR faults. */
#define XSAVE_HDR       512
#define XSAVE_HDR_SIZE  64

/* The g0 stack of m0 is carved out of the OS stack: [SP-64KiB+104, SP], as
 * Go's rt0_go does. */
#define G0_STACK_SIZE  (64 * 1024)
#define G0_STACK_SLACK 104

/* Default x87 control word and MXCSR (all exceptions masked, round to nearest),
 * as the kernel gives a new process. */
#define DEFAULT_FPCW   0x037f
#define DEFAULT_MXCSR  0x1f80

#endif
