/* boot/nolibc/clone_linux_amd64.S: a new M's thread in the nolibc flavour
 * (Go: clone in sys_linux_amd64.s). */

	.text

/* long runtime.clone(unsigned long flags, void *stk, int *ptid, int *ctid,
 *                    void *tls, m *mp, void (*fn)(m *))
 *   rdi = flags, rsi = stk (the child's first rsp, 16-byte aligned),
 *   rdx = ptid, rcx = ctid, r8 = tls, r9 = mp, 8(%rsp) = fn.
 * Returns (parent): the child's tid, or -errno.
 * The kernel's clone takes flags, stack, ptid, ctid, tls in rdi, rsi, rdx,
 * r10, r8. The child returns from the same syscall instruction on stk with
 * the parent's registers but rax = 0, so mp and fn travel to it in r12 and
 * r13 (callee-saved: the parent saves them on its stack and restores them;
 * the child's stack is new and empty, it restores nothing). */
	.globl	runtime.clone
	.type	runtime.clone, @function
	.p2align 4
runtime.clone:
	.cfi_startproc
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r12, 0
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r13, 0
	movq	%r9, %r12		/* mp */
	movq	24(%rsp), %r13		/* fn: 8(%rsp) at entry, 16 bytes pushed since */
	movq	%rcx, %r10		/* ctid */
	movl	$56, %eax		/* SYS_clone */
	syscall
	testq	%rax, %rax
	jz	runtime.mstart_clone	/* the child */
	popq	%r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore r13
	popq	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore r12
	ret
	.cfi_endproc
	.size	runtime.clone, .-runtime.clone

/* runtime.mstart_clone: the child's first instructions       [[noreturn]]
 *   rsp = stk (16-byte aligned, empty), r12 = mp, r13 = fn, %fs = its TLS.
 * Calls fn(mp), which returns when the M has exited, then ends this thread
 * (SYS_exit, not exit_group). The kernel then clears *ctid and wakes it:
 * from that moment the thread touches none of its memory, and the stack may
 * be freed. Outermost frame: rbp zeroed, rip undefined, so that unwinders
 * and gdb stop here. */
	.globl	runtime.mstart_clone
	.type	runtime.mstart_clone, @function
	.p2align 4
runtime.mstart_clone:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%r12, %rdi
	call	*%r13
	xorl	%edi, %edi
	movl	$60, %eax		/* SYS_exit: this thread only */
	syscall
	ud2
	.cfi_endproc
	.size	runtime.mstart_clone, .-runtime.mstart_clone

	.section .note.GNU-stack,"",@progbits
