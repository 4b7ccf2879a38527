/* bench/floor/switch.S: the cheapest symmetric context switch that keeps
 * what a goroutine switch in gort must keep (gort(7), "THREADS AND TLS"), for measuring the
 * floor under gort's Gosched switch. Not part of the runtime.
 *
 * void floor_switch_cw(void **save_sp, void *load_sp)
 * void floor_switch_nocw(void **save_sp, void *load_sp)
 *   rdi = where to store the current stack pointer,
 *   rsi = the stack pointer of the context to resume.
 * Pushes rbp, rbx, r12-r15, then (the _cw variant) the MXCSR and x87
 * control words into a 16-byte slot, stores rsp at *rdi, loads rsi into rsp
 * and pops the same layout from the other stack, then returns into it.
 * Stack of a saved context, from its saved rsp upwards:
 *   [rsp+0]  MXCSR (4 bytes)   [rsp+4] x87 control word (2 bytes)
 *   [rsp+16] r15  [rsp+24] r14  [rsp+32] r13  [rsp+40] r12
 *   [rsp+48] rbx  [rsp+56] rbp  [rsp+64] return address
 * The _nocw variant leaves the slot untouched (same layout, so one context
 * can be started for either). Clobbers nothing else; rax, rcx, rdx are free
 * (caller-saved) and unused. */
.macro FLOOR_SWITCH name, cw
	.globl	\name
	.type	\name, @function
	.p2align 4
\name:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$16, %rsp
.if \cw
	stmxcsr	(%rsp)
	fnstcw	4(%rsp)
.endif
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
.if \cw
	ldmxcsr	(%rsp)
	fldcw	4(%rsp)
.endif
	addq	$16, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
	.size	\name, .-\name
.endm

	.text
	FLOOR_SWITCH floor_switch_cw, 1
	FLOOR_SWITCH floor_switch_nocw, 0

/* floor_start: where a new context begins (the return address planted by
 * floor_context): calls floor_body(), which never returns. rsp = 0 mod 16
 * here (the planted layout puts it so), as a call needs. */
	.globl	floor_start
	.type	floor_start, @function
floor_start:
	call	floor_body
	ud2
	.size	floor_start, .-floor_start

	.section .note.GNU-stack,"",@progbits
