/* arch/amd64/preempt_amd64.S: the call that asynchronous preemption injects
 * into a running goroutine (Go: preempt_amd64.s).
 *
 * void runtime.asyncPreempt()
 *
 * Nobody calls it. The preemption signal's handler (doSigPreempt,
 * runtime/preempt.cpp) finds the goroutine at a safe point and edits the
 * interrupted context so that, when the handler returns, the goroutine
 * seems to have called asyncPreempt from the interrupted instruction:
 *
 *     rsp -= AP_PUSH          skip the 128-byte red zone, room for the pc
 *     *rsp = interrupted rip  the "return address"
 *     rip  = runtime.asyncPreempt
 *
 * So on entry EVERY register is live: the 15 general registers other than
 * rsp, rflags (DF may be 1, in the middle of `std; rep movs`), the x87,
 * SSE, AVX, AVX-512 and whatever other user state XCR0 enables, MXCSR and
 * the x87 control word. All of it is saved here, asyncPreempt2 parks the
 * goroutine (mcall), and when the scheduler runs it again, on this M or
 * another, all of it is restored and `ret $128` returns to the interrupted
 * instruction with the interrupted rsp: the goroutine goes on bit-exact.
 *
 * Register roles:
 *   rbp       the frame pointer from the prologue on: a frame-pointer chain
 *             through the interrupted code, and the base of the restore
 *             (callee-saved, so asyncPreempt2 keeps it)
 *   eax:edx   the XSAVE requested-feature bitmap (runtime.xsaveMask)
 *   rsp       64-byte aligned XSAVE area during the call
 * Not saved, on purpose: rsp and rip (the frame holds them), the fs and gs
 * bases (they belong to the thread: the goroutine uses whichever M runs
 * it, as after any other switch), segment and debug registers.
 *
 * Frame, from the frame pointer (offsets in asm.h, checked in preempt.cpp):
 *
 *   rbp+AP_CFA (144)    the interrupted rsp (CFA)
 *   rbp+16 .. rbp+143   the interrupted code's red zone: never touched
 *   rbp+8               resume pc (the interrupted instruction)
 *   rbp+0               the interrupted rbp
 *   rbp-8               rflags
 *   rbp-16 .. rbp-120   rax rcx rdx rbx rsi rdi r8 r9 r10 r11 r12 r13 r14 r15
 *   [rsp, rsp+xsaveSize)  XSAVE/XSAVEC (or FXSAVE) area, 64-byte aligned,
 *                       header zeroed first (XRSTOR faults on a dirty one)
 *
 * The stack this needs below the interrupted rsp (AP_PUSH + 128 + 63 +
 * xsaveSize, and asyncPreempt2's frames up to mcall) is checked by the
 * handler against g->stackguard0 before it injects the call.
 *
 * Unwinding: the CFI below describes the frame exactly, and marks it as a
 * signal frame, so that unwinders (libunwind for gort's tracebacks, gdb,
 * libgcc) take the resume pc as the interrupted instruction itself rather
 * than as a return address to back up from.
 */
#include "asm.h"

/* The mode and size come from preemptinit (runtime/preempt.cpp): CPUID
 * leaf 0xD and XCR0. */
#define XSAVE_MODE_FX    0	/* FXSAVE64: no XSAVE (so no AVX either) */
#define XSAVE_MODE_XSAVE 1	/* XSAVE64, standard format */
#define XSAVE_MODE_XSAVEC 2	/* XSAVEC64, compacted, skips unused state */

	.text			/* gort_rt once built: see the Makefile */

	.globl	runtime.asyncPreempt
	.type	runtime.asyncPreempt, @function
	.p2align 4
runtime.asyncPreempt:
	.cfi_startproc
	.cfi_signal_frame
	.cfi_def_cfa rsp, AP_PUSH
	.cfi_offset rip, -AP_PUSH
	pushq	%rbp
	.cfi_def_cfa_offset AP_CFA
	.cfi_offset rbp, -AP_CFA
	movq	%rsp, %rbp
	.cfi_def_cfa_register rbp
	pushfq				/* before anything clobbers the flags */
	/* (No CFI rule for rflags, DWARF register 49: libunwind knows no such
	 * register and fails the whole step, UNW_EBADREG.) */
	pushq	%rax
	.cfi_offset rax, AP_RAX-AP_CFA
	pushq	%rcx
	.cfi_offset rcx, AP_RCX-AP_CFA
	pushq	%rdx
	.cfi_offset rdx, AP_RDX-AP_CFA
	pushq	%rbx
	.cfi_offset rbx, AP_RBX-AP_CFA
	pushq	%rsi
	.cfi_offset rsi, AP_RSI-AP_CFA
	pushq	%rdi
	.cfi_offset rdi, AP_RDI-AP_CFA
	pushq	%r8
	.cfi_offset r8, AP_R8-AP_CFA
	pushq	%r9
	.cfi_offset r9, AP_R9-AP_CFA
	pushq	%r10
	.cfi_offset r10, AP_R10-AP_CFA
	pushq	%r11
	.cfi_offset r11, AP_R11-AP_CFA
	pushq	%r12
	.cfi_offset r12, AP_R12-AP_CFA
	pushq	%r13
	.cfi_offset r13, AP_R13-AP_CFA
	pushq	%r14
	.cfi_offset r14, AP_R14-AP_CFA
	pushq	%r15
	.cfi_offset r15, AP_R15-AP_CFA

	/* The extended state, below the general registers. */
	subq	runtime.xsaveSize(%rip), %rsp
	andq	$-64, %rsp
	xorl	%eax, %eax
	movq	%rax, XSAVE_HDR+0(%rsp)
	movq	%rax, XSAVE_HDR+8(%rsp)
	movq	%rax, XSAVE_HDR+16(%rsp)
	movq	%rax, XSAVE_HDR+24(%rsp)
	movq	%rax, XSAVE_HDR+32(%rsp)
	movq	%rax, XSAVE_HDR+40(%rsp)
	movq	%rax, XSAVE_HDR+48(%rsp)
	movq	%rax, XSAVE_HDR+56(%rsp)
	movl	runtime.xsaveMask(%rip), %eax
	movl	runtime.xsaveMask+4(%rip), %edx
	cmpl	$XSAVE_MODE_XSAVEC, runtime.xsaveMode(%rip)
	jne	1f
	xsavec64 (%rsp)
	jmp	3f
1:	cmpl	$XSAVE_MODE_XSAVE, runtime.xsaveMode(%rip)
	jne	2f
	xsave64	(%rsp)
	jmp	3f
2:	fxsave64 (%rsp)
3:
	/* What C++ code may assume at a call (SysV): DF clear, an empty x87
	 * stack with the default control word, the default MXCSR, and (for
	 * speed, not correctness) clean upper vector halves. */
	cld
	fninit
	ldmxcsr	runtime.defaultMxcsr(%rip)
	testb	$4, runtime.xsaveMask(%rip)	/* XCR0 bit 2: AVX state */
	jz	4f
	vzeroupper
4:
	call	runtime.asyncPreempt2	/* parks; returns when run again */

	movl	runtime.xsaveMask(%rip), %eax
	movl	runtime.xsaveMask+4(%rip), %edx
	cmpl	$XSAVE_MODE_FX, runtime.xsaveMode(%rip)
	je	5f
	xrstor64 (%rsp)		/* XCOMP_BV tells it the format XSAVEC wrote */
	jmp	6f
5:	fxrstor64 (%rsp)
6:
	leaq	AP_R15(%rbp), %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdi
	popq	%rsi
	popq	%rbx
	popq	%rdx
	popq	%rcx
	popq	%rax
	popfq
	popq	%rbp
	.cfi_def_cfa rsp, AP_PUSH
	ret	$AP_REDZONE_SIZE	/* to the interrupted pc and rsp */
	.cfi_endproc
	.size	runtime.asyncPreempt, .-runtime.asyncPreempt

	.section .note.GNU-stack,"",@progbits
