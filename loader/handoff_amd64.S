/* loader/handoff_amd64.S: the last code of the launcher to run.
 *
 * void gort_handoff_code(struct handoff *h)   [[noreturn]]
 *   Never called where it is assembled: load() copies the bytes between
 *   gort_handoff_code and gort_handoff_code_end to h + HO_CODE (handoff.h
 *   draws the page), and commit() jumps to that copy with
 *     rdi = h, every signal blocked, on any stack.
 *   It needs nothing of the caller: no libc, no TLS, no old stack; it
 *   reaches its data through rbx, never rip, and runs on the new
 *   program's stack, in the 64 bytes below argc.
 *
 * Registers:  rbx = h throughout;  r12 = the next hole;  r13 = holes left.
 * Nothing is saved: there is no caller to return to.
 *
 * Steps, each as exec does it:
 *   1. munmap every hole: all of user space but the new images, the new
 *      stack, the vDSO and this page (the caller's image, its libraries,
 *      heap, stacks: exec_mmap's "the old address space goes");
 *   2. sigaltstack(SS_DISABLE) (exec: sas_ss_sp = 0); possible only now,
 *      off any alternate stack;
 *   3. PR_SET_MM_MAP with exe_fd, when commit() asks for it: possible only
 *      now that no mapping of the old executable is left (else EBUSY), and
 *      only with CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE; refused
 *      silently otherwise. Then the file is closed;
 *   4. the signal mask the program is to start with (exec keeps it);
 *   5. SIGSTOP to ourselves for --stop-at-entry;
 *   6. a fresh FPU/SSE/AVX state (flush_thread): xrstor of an area whose
 *      XSTATE_BV is 0 puts every component in its initial state;
 *   7. the registers of start_thread, and the jump.
 *
 * Step 7 and the page itself. The kernel zeroes every register and leaves
 * nothing of the old image; a userland launcher must run its last
 * instruction from somewhere, and that page must go too. munmap of the
 * page that holds the syscall would fault on the next instruction, so
 * the last syscall is made from the vDSO, which stays mapped in every
 * process: load() found there a "syscall", followed only by xors that
 * clear registers (and at most one leave first), then a "ret". Kernels
 * built with CONFIG_ZERO_CALL_USED_REGS (Debian's) end the vDSO's
 * system-call fallbacks exactly so: "syscall; xor edx,edx; xor ecx,ecx;
 * xor esi,esi; xor edi,edi; xor r11d,r11d; ret". We enter it by ret with
 * rax = SYS_munmap, rdi/rsi = this page, and the entry point as the next
 * return address:
 *
 *       plain gadget               leave gadget
 *     sp-16: gadget  <- rsp      sp-24: gadget  <- rsp
 *     sp-8:  entry               sp-16: 0       <- rbp  (popped into rbp)
 *     sp:    argc                sp-8:  entry
 *                                sp:    argc
 *
 * ret -> gadget: syscall (the page goes), [leave,] xors, ret -> entry
 * with rsp = sp, rbp = 0, rdx = 0, rax = 0 (munmap's result), and rcx,
 * r11, rdi, rsi cleared by the gadget's xors (where a vDSO lacks them,
 * they keep the syscall's return address and rflags, and this page's
 * address and length: the ABI leaves them unspecified; gort-exec --trace
 * says which). rflags: 0x202 (IF) as start_thread sets it, except for
 * the ZF and PF that the gadget's xors set. With no gadget at all the
 * page stays (4 KiB, r-x) and every register is zero.
 */
#include <asm/unistd.h>
#include "handoff.h"

#define PR_SET_MM 35
#define PR_SET_MM_MAP 14
#define SS_DISABLE 2
#define SIG_SETMASK 2
#define SIGSTOP 19

	.text
	.globl	gort_handoff_code
	.globl	gort_handoff_code_end
	.type	gort_handoff_code, @function
	.p2align 4
gort_handoff_code:
	.cfi_startproc
	.cfi_undefined rip
	movq	%rdi, %rbx
	movq	HO_SP(%rbx), %rsp
	subq	$64, %rsp

	/* 1. every hole */
	leaq	HO_HOLES(%rbx), %r12
	movq	HO_NHOLES(%rbx), %r13
1:	testq	%r13, %r13
	jz	2f
	movl	$__NR_munmap, %eax
	movq	0(%r12), %rdi
	movq	8(%r12), %rsi
	syscall
	addq	$16, %r12
	decq	%r13
	jmp	1b

2:	/* 2. no alternate signal stack: stack_t {ss_sp 0, ss_flags SS_DISABLE, ss_size 0} at rsp */
	movq	$0, 0(%rsp)
	movq	$SS_DISABLE, 8(%rsp)
	movq	$0, 16(%rsp)
	movl	$__NR_sigaltstack, %eax
	movq	%rsp, %rdi
	xorl	%esi, %esi
	syscall

	/* 3. /proc/self/exe, where permitted */
	cmpl	$-1, HO_MM_EXE_FD(%rbx)
	je	3f
	movl	$__NR_prctl, %eax
	movl	$PR_SET_MM, %edi
	movl	$PR_SET_MM_MAP, %esi
	leaq	HO_MM(%rbx), %rdx
	movl	$HO_MM_SIZE, %r10d
	xorl	%r8d, %r8d
	syscall
	movl	$__NR_close, %eax
	movl	HO_MM_EXE_FD(%rbx), %edi
	syscall

3:	/* 4. the program's signal mask: rt_sigprocmask(SIG_SETMASK, &mask, NULL, 8) */
	movl	$__NR_rt_sigprocmask, %eax
	movl	$SIG_SETMASK, %edi
	leaq	HO_SIGMASK(%rbx), %rsi
	xorl	%edx, %edx
	movl	$8, %r10d
	syscall

	/* 5. --stop-at-entry: kill(getpid(), SIGSTOP) */
	testq	$HO_F_STOP, HO_FLAGS(%rbx)
	jz	4f
	movl	$__NR_getpid, %eax
	syscall
	movl	%eax, %edi
	movl	$SIGSTOP, %esi
	movl	$__NR_kill, %eax
	syscall

4:	/* 6. fresh FPU/SSE/AVX state */
	movq	HO_XCR0(%rbx), %rax
	testq	%rax, %rax
	jz	5f
	movq	%rax, %rdx
	shrq	$32, %rdx
	xrstor	HO_XSAVE(%rbx)		/* edx:eax = the components; all initial */
	jmp	6f
5:	fninit
	pxor	%xmm0, %xmm0
	pxor	%xmm1, %xmm1
	pxor	%xmm2, %xmm2
	pxor	%xmm3, %xmm3
	pxor	%xmm4, %xmm4
	pxor	%xmm5, %xmm5
	pxor	%xmm6, %xmm6
	pxor	%xmm7, %xmm7
	pxor	%xmm8, %xmm8
	pxor	%xmm9, %xmm9
	pxor	%xmm10, %xmm10
	pxor	%xmm11, %xmm11
	pxor	%xmm12, %xmm12
	pxor	%xmm13, %xmm13
	pxor	%xmm14, %xmm14
	pxor	%xmm15, %xmm15
	pushq	$0x1f80			/* MXCSR's initial value */
	ldmxcsr	(%rsp)
	popq	%rax

6:	/* 7. the jump. rcx = sp; write the words of the drawing above */
	movq	HO_SP(%rbx), %rcx
	movq	HO_ENTRY(%rbx), %rax
	movq	%rax, -8(%rcx)		/* entry, the last return address */
	movq	HO_GADGET(%rbx), %rdx
	testq	%rdx, %rdx
	jz	8f
	movq	HO_SELF(%rbx), %rdi	/* munmap(self, self_len) */
	movq	HO_SELF_LEN(%rbx), %rsi
	cmpq	$0, HO_GADGET_LEAVE(%rbx)
	jne	7f
	movq	%rdx, -16(%rcx)		/* plain gadget */
	leaq	-16(%rcx), %rsp
	xorl	%ebp, %ebp
	jmp	9f
7:	movq	$0, -16(%rcx)		/* leave gadget: leave pops this into rbp */
	movq	%rdx, -24(%rcx)
	leaq	-24(%rcx), %rsp
	leaq	-16(%rcx), %rbp
9:	movl	$__NR_munmap, %eax
	jmp	10f
8:	leaq	-8(%rcx), %rsp		/* no gadget: this page stays */
	xorl	%ebp, %ebp
	xorl	%eax, %eax
	xorl	%edi, %edi
	xorl	%esi, %esi
10:	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
	pushq	$0x202			/* rflags: IF, as start_thread; nothing after this changes them */
	popfq
	ret
	.cfi_endproc
gort_handoff_code_end:
	.size	gort_handoff_code, .-gort_handoff_code

	.section .note.GNU-stack,"",@progbits
