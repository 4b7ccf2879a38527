/* arch/amd64/asm_amd64.S: goroutine context switching (Go: asm_amd64.s).
 *
 * The current g lives in one thread-local slot, TLSG (go_tls.h). Every
 * routine here that changes goroutine also changes that slot.
 *
 * A goroutine stops running only at a call (mcall, gosave), so only the SysV
 * callee-saved state has to survive a switch: rbx, rbp, r12-r15, rsp, the
 * resume rip, and the MXCSR and x87 control words. Everything else is
 * caller-saved and dead at the call. Offsets come from asm.h, checked against
 * the C++ structures by static_assert in runtime/runtime2.hpp.
 */
#include "asm.h"
#include "go_tls.h"

/* save_gobuf BUF: store the caller's context in the gobuf at BUF, as seen
 * from the first instruction of a routine entered by `call`: resume pc =
 * the return address at (%rsp), sp = %rsp + 8 (after the return), the
 * callee-saved registers and the control words, ret = RET.
 * Clobbers rcx and rdx. */
.macro save_gobuf buf, ret
	movq	(%rsp), %rcx
	leaq	8(%rsp), %rdx
	movq	%rcx, gobuf_pc+\buf
	movq	%rdx, gobuf_sp+\buf
	movq	%rbp, gobuf_bp+\buf
	movq	%rbx, gobuf_rbx+\buf
	movq	%r12, gobuf_r12+\buf
	movq	%r13, gobuf_r13+\buf
	movq	%r14, gobuf_r14+\buf
	movq	%r15, gobuf_r15+\buf
	stmxcsr	gobuf_mxcsr+\buf
	fnstcw	gobuf_fpcw+\buf
	movq	$\ret, gobuf_ret+\buf
.endm

	.text

/* void runtime.gogo(gobuf *buf)                          [[noreturn]]
 *   rdi = buf.
 * Switches to the context saved in buf: sets the current g to buf->g, loads
 * the control words, rbx, rbp, r12-r15 and rsp, puts buf->ret in rax and
 * jumps to buf->pc. Nothing of the caller is saved. (Loading the control
 * words unconditionally is cheaper than reading them to compare: on the
 * AMD EPYC we measure on, stmxcsr costs ~6 ns, ldmxcsr + fldcw ~1 ns.) */
	.globl	runtime.gogo
	.type	runtime.gogo, @function
	.p2align 4
runtime.gogo:
	.cfi_startproc
	movq	gobuf_g(%rdi), %rdx
	movq	%rdx, TLSG
	ldmxcsr	gobuf_mxcsr(%rdi)
	fldcw	gobuf_fpcw(%rdi)
	movq	gobuf_rbx(%rdi), %rbx
	movq	gobuf_bp(%rdi), %rbp
	movq	gobuf_r12(%rdi), %r12
	movq	gobuf_r13(%rdi), %r13
	movq	gobuf_r14(%rdi), %r14
	movq	gobuf_r15(%rdi), %r15
	movq	gobuf_ret(%rdi), %rax
	movq	gobuf_sp(%rdi), %rsp
	jmp	*gobuf_pc(%rdi)
	.cfi_endproc
	.size	runtime.gogo, .-runtime.gogo

/* uintptr_t runtime.gosave(gobuf *buf)
 *   rdi = buf.  Returns 0 in rax.
 * Saves the caller's context in buf (sp and pc as they will be after this
 * returns). A later gogo(buf) returns from this call a second time, with
 * rax = buf->ret. buf->g is left as it is. */
	.globl	runtime.gosave
	.type	runtime.gosave, @function
	.p2align 4
runtime.gosave:
	.cfi_startproc
	save_gobuf 0(%rdi), 1	/* ret: what the second return sees */
	xorl	%eax, %eax
	ret
	.cfi_endproc
	.size	runtime.gosave, .-runtime.gosave

/* void runtime.mcall(void (*fn)(g *))
 *   rdi = fn.
 * Saves the current goroutine's context in g->sched (as gosave would, with
 * ret = 0), switches to the M's g0 and to the g0 stack at g0->sched.sp (which
 * must be 16-byte aligned), and calls fn(g) there with rbp = 0. fn must not
 * return: it ends in schedule() or gogo. When the goroutine is resumed by
 * gogo(&g->sched), mcall appears to return to its caller.
 * Stack on g0 while fn runs: [g0->sched.sp - 8] = the return address below,
 * which is marked as the outermost frame for unwinders. */
	.globl	runtime.mcall
	.type	runtime.mcall, @function
	.p2align 4
runtime.mcall:
	.cfi_startproc
	movq	%rdi, %r11		/* r11 = fn */
	movq	TLSG, %rax		/* rax = g */
	save_gobuf g_sched(%rax), 0
	movq	g_m(%rax), %rcx		/* rcx = g->m */
	movq	m_g0(%rcx), %rsi	/* rsi = g0 */
	cmpq	%rsi, %rax
	jne	1f
	call	runtime.badmcall	/* mcall from g0: no goroutine to save */
	ud2
1:
	movq	%rsi, TLSG		/* g = g0 */
	movq	(g_sched+gobuf_sp)(%rsi), %rsp
	xorl	%ebp, %ebp
	movq	%rax, %rdi		/* fn(old g) */
	call	*%r11
	.cfi_undefined rip		/* on g0 from here: the outermost frame */
	call	runtime.badmcall2	/* fn returned */
	ud2
	.cfi_endproc
	.size	runtime.mcall, .-runtime.mcall

/* void runtime.systemstack(void (*fn)(void *), void *arg)
 *   rdi = fn, rsi = arg.
 * Runs fn(arg) on the M's g0 stack and returns. Called on g0 (or on the
 * signal g) it simply tail-calls fn. Otherwise the goroutine's position is
 * recorded in g->sched (sp, pc, bp) for tracebacks, and the frame is rbp-based
 * so unwinders walk from fn on g0 back onto the goroutine's stack.
 * Frame on the goroutine stack:  [rbp+8] return address, [rbp] caller's rbp,
 * [rbp-8] caller's rbx. rbx holds the goroutine across the call. */
	.globl	runtime.systemstack
	.type	runtime.systemstack, @function
	.p2align 4
runtime.systemstack:
	.cfi_startproc
	movq	%rdi, %r11		/* r11 = fn */
	movq	%rsi, %rdi		/* rdi = arg */
	movq	TLSG, %rax		/* rax = g */
	movq	g_m(%rax), %rcx
	cmpq	m_g0(%rcx), %rax
	je	2f
	cmpq	m_gsignal(%rcx), %rax
	je	2f
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbp, 0
	movq	%rsp, %rbp
	.cfi_def_cfa_register rbp
	pushq	%rbx
	.cfi_offset rbx, -24
	movq	%rax, %rbx		/* rbx = the goroutine */
	movq	8(%rbp), %rdx
	movq	%rdx, (g_sched+gobuf_pc)(%rax)
	leaq	16(%rbp), %rdx
	movq	%rdx, (g_sched+gobuf_sp)(%rax)
	movq	0(%rbp), %rdx
	movq	%rdx, (g_sched+gobuf_bp)(%rax)
	movq	m_g0(%rcx), %rdx
	movq	%rdx, TLSG		/* g = g0 */
	movq	(g_sched+gobuf_sp)(%rdx), %rsp
	call	*%r11
	movq	%rbx, TLSG		/* back to the goroutine */
	leaq	-8(%rbp), %rsp
	popq	%rbx
	.cfi_restore rbx
	popq	%rbp
	.cfi_def_cfa rsp, 8
	.cfi_restore rbp
	ret
2:
	jmp	*%r11
	.cfi_endproc
	.size	runtime.systemstack, .-runtime.systemstack

/* void runtime.callonstack(void (*fn)(void *), void *arg, uintptr sp)
 *   rdi = fn, rsi = arg, rdx = the top of the stack to run on (16-byte
 *   aligned; fn is entered with rsp = sp - 8, as after a call).
 * Calls fn(arg) on another stack and returns: the fatal reports' stack
 * (runtime/panic.cpp). Unlike systemstack, the current g stays as it is;
 * only rsp moves. The frame is rbp-based on the caller's stack, so
 * unwinders walk from fn back onto it:
 *   [rbp+8] return address, [rbp] caller's rbp. Clobbers rax. */
	.globl	runtime.callonstack
	.type	runtime.callonstack, @function
	.p2align 4
runtime.callonstack:
	.cfi_startproc
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbp, 0
	movq	%rsp, %rbp
	.cfi_def_cfa_register rbp
	movq	%rdi, %rax		/* rax = fn */
	movq	%rsi, %rdi		/* rdi = arg */
	movq	%rdx, %rsp		/* the other stack */
	call	*%rax
	movq	%rbp, %rsp		/* back on the caller's stack */
	popq	%rbp
	.cfi_def_cfa rsp, 8
	.cfi_restore rbp
	ret
	.cfi_endproc
	.size	runtime.callonstack, .-runtime.callonstack

/* runtime.gostart: the first instruction of every goroutine.
 * Entered by gogo from a gobuf prepared by gostartcall:
 *   rbx = the entry's argument, r12 = the entry function, rbp = 0,
 *   [rsp] = runtime.goexit+1, rsp = 8 mod 16 (as after a call).
 * Tail-jumps to entry(arg), so the entry's caller appears to be goexit. */
	.globl	runtime.gostart
	.type	runtime.gostart, @function
	.p2align 4
runtime.gostart:
	.cfi_startproc
	.cfi_undefined rip
	movq	%rbx, %rdi
	jmp	*%r12
	.cfi_endproc
	.size	runtime.gostart, .-runtime.gostart

/* runtime.goexit: the return address planted below every goroutine's entry
 * (Go's gostartcall plants goexit+PCQuantum the same way). When the entry
 * returns, goexit1 finishes the goroutine; it never returns.
 * It begins with a nop so that the planted address goexit+1, and that minus
 * one (where unwinders look up a return address), both lie inside goexit.
 * rip is undefined in its CFI: it is the bottom frame of every goroutine,
 * where gdb, libunwind and glibc's backtrace() stop. */
	.globl	runtime.goexit
	.type	runtime.goexit, @function
	.p2align 4
runtime.goexit:
	.cfi_startproc
	.cfi_undefined rip
	nop
	call	runtime.goexit1
	ud2
	.cfi_endproc
	.size	runtime.goexit, .-runtime.goexit

/* runtime.sigreturn__sigaction: the restorer of every signal handler that
 * the runtime installs (SA_RESTORER; Go: sigreturn__sigaction). The kernel
 * makes it the handler's return address; when the handler returns, rsp
 * points at the kernel's signal frame (struct rt_sigframe, which begins
 * with the ucontext), and rt_sigreturn restores every register from it.
 * Its two instructions are exactly glibc's __restore_rt: libunwind and gdb
 * recognise a signal frame by these bytes (48 c7 c0 0f 00 00 00 0f 05) and
 * unwind through it into the interrupted code. No CFI: the unwinders'
 * signal-frame rule describes it. */
	.globl	runtime.sigreturn__sigaction
	.type	runtime.sigreturn__sigaction, @function
	.p2align 4
	nop			/* unwinders look up return address - 1: keep it in here */
runtime.sigreturn__sigaction:
	movq	$15, %rax	/* SYS_rt_sigreturn */
	syscall
	ud2
	.size	runtime.sigreturn__sigaction, .-runtime.sigreturn__sigaction

	.section .note.GNU-stack,"",@progbits
