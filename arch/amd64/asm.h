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

/* The g0 stack of m0 is carved out of the OS stack: [SP-64KiB+104, SP], as
 * Go's rt0_go does. */
#define G0_STACK_SIZE  (64 * 1024)
#define G0_STACK_SLACK 104

/* Default x87 control word and MXCSR (all exceptions masked, round to nearest),
 * as the kernel gives a new process. */
#define DEFAULT_FPCW   0x037f
#define DEFAULT_MXCSR  0x1f80

#endif
