/* tests/loader/progs/regs_entry.S: the probe's ELF entry (-e probe_entry).
 *
 * void probe_entry(void)   [[noreturn]]
 *   Entered from the kernel (or ld.so, or gort-exec) with rsp = &argc.
 *   Saves every general register, rflags and rsp as they arrived into
 *   probe_regs (rax, rbx, rcx, rdx, rsi, rdi, rbp, r8..r15, rflags, rsp),
 *   then restores rax and the flags it used and goes on to glibc's _start
 *   with everything else as it was (rdx = rtld_fini in particular).
 * Stack: pushfq/popq use the 8 bytes below argc, free at the entry. */
	.text
	.globl	probe_entry
	.type	probe_entry, @function
probe_entry:
	.cfi_startproc
	.cfi_undefined rip
	movq	%rax, probe_regs+0(%rip)
	movq	%rbx, probe_regs+8(%rip)
	movq	%rcx, probe_regs+16(%rip)
	movq	%rdx, probe_regs+24(%rip)
	movq	%rsi, probe_regs+32(%rip)
	movq	%rdi, probe_regs+40(%rip)
	movq	%rbp, probe_regs+48(%rip)
	movq	%r8, probe_regs+56(%rip)
	movq	%r9, probe_regs+64(%rip)
	movq	%r10, probe_regs+72(%rip)
	movq	%r11, probe_regs+80(%rip)
	movq	%r12, probe_regs+88(%rip)
	movq	%r13, probe_regs+96(%rip)
	movq	%r14, probe_regs+104(%rip)
	movq	%r15, probe_regs+112(%rip)
	pushfq
	popq	%rax
	movq	%rax, probe_regs+120(%rip)
	movq	%rsp, probe_regs+128(%rip)
	movq	probe_regs+0(%rip), %rax
	jmp	_start
	.cfi_endproc
	.size	probe_entry, .-probe_entry

	.bss
	.globl	probe_regs
	.p2align 3
probe_regs:
	.zero	8*17
	.size	probe_regs, 8*17

	.section .note.GNU-stack,"",@progbits
