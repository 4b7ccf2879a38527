/* arch/amd64/vfork_amd64.S: starting a program from a dying process.
 *
 * A fatal report starts the traceback helper (runtime/tbhelper.hpp) from
 * wherever the program failed: inside malloc, out of memory, on a signal
 * stack. posix_spawn and fork need libc's locks and memory; a vfork-like
 * clone needs neither. Its child shares our memory and runs on our stack
 * until it calls execve, and this thread waits meanwhile, so the child may
 * run only code that writes no memory: the few instructions below, all
 * register moves and system calls.
 */

	.text

/* long runtime.vforkexec(const char *path, char *const argv[],
 *                        char *const envp[], int keep1, int keep2)
 *   rdi = path, rsi = argv, rdx = envp, ecx = keep1, r8d = keep2.
 * Returns in rax the child's pid, or -errno when clone failed.
 * clone(CLONE_VM | CLONE_VFORK), with no exit signal: the program gets no
 * SIGCHLD from the helper (reap it with wait4 and __WCLONE). The child
 * clears FD_CLOEXEC on keep1 and keep2 (its own descriptor table: ours is
 * unchanged), runs execve(path, argv, envp), and if that fails exits with
 * the errno as its status. The caller blocks every signal around the
 * call: a handler run by the child would write our stack.
 * Registers: the arguments move to rbx and r12-r15, which the parent saves
 * on its stack first (5 pushes) and restores after; the child, whose
 * registers are its own, uses them and writes nothing, the stack included. */
	.p2align 4
	.globl	runtime.vforkexec
	.type	runtime.vforkexec, @function
runtime.vforkexec:
	.cfi_startproc
	pushq	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rbx, 0
	pushq	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r12, 0
	pushq	%r13
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r13, 0
	pushq	%r14
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r14, 0
	pushq	%r15
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset r15, 0
	movq	%rdi, %rbx		/* rbx = path */
	movq	%rsi, %r12		/* r12 = argv */
	movq	%rdx, %r13		/* r13 = envp */
	movl	%ecx, %r14d		/* r14 = keep1 */
	movl	%r8d, %r15d		/* r15 = keep2 */
	movl	$56, %eax		/* SYS_clone(CLONE_VM|CLONE_VFORK, sp 0: ours, 0, 0, 0) */
	movl	$0x4100, %edi
	xorl	%esi, %esi
	xorl	%edx, %edx
	xorl	%r10d, %r10d
	xorl	%r8d, %r8d
	syscall
	testq	%rax, %rax
	jz	1f			/* the child */
	popq	%r15			/* the parent, resumed: rax = pid or -errno */
	.cfi_adjust_cfa_offset -8
	.cfi_restore r15
	popq	%r14
	.cfi_adjust_cfa_offset -8
	.cfi_restore r14
	popq	%r13
	.cfi_adjust_cfa_offset -8
	.cfi_restore r13
	popq	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore r12
	popq	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore rbx
	ret
1:
	.cfi_adjust_cfa_offset 40
	movl	$72, %eax		/* SYS_fcntl(keep1, F_SETFD, 0) */
	movl	%r14d, %edi
	movl	$2, %esi
	xorl	%edx, %edx
	syscall
	movl	$72, %eax		/* SYS_fcntl(keep2, F_SETFD, 0) */
	movl	%r15d, %edi
	movl	$2, %esi
	xorl	%edx, %edx
	syscall
	movl	$59, %eax		/* SYS_execve(path, argv, envp) */
	movq	%rbx, %rdi
	movq	%r12, %rsi
	movq	%r13, %rdx
	syscall
	movl	%eax, %edi		/* it returned: exit_group(errno) */
	negl	%edi
	movl	$231, %eax		/* SYS_exit_group: the child only (no CLONE_THREAD) */
	syscall
	ud2
	.cfi_endproc
	.size	runtime.vforkexec, .-runtime.vforkexec

	.section .note.GNU-stack,"",@progbits
