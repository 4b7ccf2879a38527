/* arch/amd64/vfork_amd64.S: starting a program from a dying process.
 *
 * A fatal report starts the traceback helper (runtime/tbhelper.hpp) from
 * wherever the program failed: inside malloc, out of memory, on a signal
 * stack. posix_spawn and fork need libc's locks and memory; vfork needs
 * neither. The child of vfork shares our memory and our stack until it
 * calls execve, and this thread waits meanwhile, so the child may run only
 * code that writes no memory: the few instructions below, all register
 * moves and system calls.
 */

	.text

/* long runtime.vforkexec(const char *path, char *const argv[],
 *                        char *const envp[], int keep1, int keep2)
 *   rdi = path, rsi = argv, rdx = envp, ecx = keep1, r8d = keep2.
 * Returns in rax the child's pid, or -errno when vfork failed.
 * The child clears FD_CLOEXEC on keep1 and keep2 (its own descriptor table:
 * ours is unchanged), runs execve(path, argv, envp), and if that fails
 * exits with the errno as its status. The caller blocks every signal around
 * the call: a handler run by the child would write our stack.
 * Registers: syscall preserves all but rax, rcx and r11, so the arguments
 * stay in rdi, rsi, rdx and r8 across vfork; keep1 moves to r9 first. The
 * child, whose registers are its own, keeps path, argv and envp in r12-r14
 * while it calls fcntl. No stack is used: the return address is read by
 * the parent's ret only. */
	.p2align 4
	.globl	runtime.vforkexec
	.type	runtime.vforkexec, @function
runtime.vforkexec:
	.cfi_startproc
	movl	%ecx, %r9d		/* r9 = keep1 */
	movl	$58, %eax		/* SYS_vfork */
	syscall
	testq	%rax, %rax
	jnz	1f			/* the parent, resumed: rax = pid or -errno */
	/* The child. */
	movq	%rdi, %r12		/* r12 = path */
	movq	%rsi, %r13		/* r13 = argv */
	movq	%rdx, %r14		/* r14 = envp */
	movl	$72, %eax		/* SYS_fcntl(keep1, F_SETFD, 0) */
	movl	%r9d, %edi
	movl	$2, %esi
	xorl	%edx, %edx
	syscall
	movl	$72, %eax		/* SYS_fcntl(keep2, F_SETFD, 0) */
	movl	%r8d, %edi
	movl	$2, %esi
	xorl	%edx, %edx
	syscall
	movl	$59, %eax		/* SYS_execve(path, argv, envp) */
	movq	%r12, %rdi
	movq	%r13, %rsi
	movq	%r14, %rdx
	syscall
	movl	%eax, %edi		/* it returned: exit_group(errno) */
	negl	%edi
	movl	$231, %eax		/* SYS_exit_group: the child only (no CLONE_THREAD) */
	syscall
	ud2
1:
	ret
	.cfi_endproc
	.size	runtime.vforkexec, .-runtime.vforkexec

	.section .note.GNU-stack,"",@progbits
