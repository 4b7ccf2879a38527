/* boot/rt0_linux_amd64.S: the ELF entry point of every gort program
 * (Go: rt0_linux_amd64.s and rt0_go in asm_amd64.s).
 *
 * The process stack at entry is the kernel's (ld.so has run the program's
 * dependencies' constructors and jumps here with the same stack): rsp points
 * at argc, then argv[], NULL, envp[], NULL, the auxiliary vector. The whole
 * layout is drawn once, in boot/initstack.hpp, which args (os_linux.cpp)
 * reads and the loader writes.
 *
 *     rdx  =  the function to register with atexit (ld.so's rtld_fini), or 0
 *             when no dynamic loader ran (a statically linked program: the
 *             nolibc flavour's, or a hosted program linked wrongly).
 *
 * The steps, in Go's order:  _rt0_amd64_linux -> _rt0_amd64 -> rt0_go:
 *   1. argc/argv; the g0 stack, the top 64 KiB of the OS stack;
 *   2. settls (the flavour's), then bind m0 and g0 through TLS, checked
 *      with a random value;
 *   3. args, osinit, schedinit;
 *   4. newproc(runtime.main), then mstart, which never returns.
 */
#include "asm.h"
#include "go_tls.h"


	.text

/* _rt0_amd64_linux: the ELF entry (the linker is told -e _rt0_amd64_linux).
 * rbp is zeroed and rip marked undefined: this is the outermost frame. */
	.globl	_rt0_amd64_linux
	.type	_rt0_amd64_linux, @function
	.p2align 4
_rt0_amd64_linux:
	.cfi_startproc
	.cfi_undefined rip
	xorl	%ebp, %ebp
	jmp	_rt0_amd64
	.cfi_endproc
	.size	_rt0_amd64_linux, .-_rt0_amd64_linux

/* _rt0_amd64: common amd64 entry. rdi = argc, rsi = argv; rdx passes through. */
	.globl	_rt0_amd64
	.type	_rt0_amd64, @function
	.p2align 4
_rt0_amd64:
	.cfi_startproc
	.cfi_undefined rip
	movq	0(%rsp), %rdi		/* argc */
	leaq	8(%rsp), %rsi		/* argv */
	jmp	runtime.rt0_go
	.cfi_endproc
	.size	_rt0_amd64, .-_rt0_amd64

/* void runtime.rt0_go(int argc, char **argv, void (*rtld_fini)(void))  [[noreturn]]
 *   rdi = argc, rsi = argv, rdx = rtld_fini; rsp = &argc.
 * Registers kept across the C++ calls below (all callee-saved):
 *   r12 = argc, r13 = argv, r14 = rtld_fini, r15 = the TLS test value.
 * Stack: rsp is lowered by 40 and aligned to 16 exactly as Go's rt0_go does
 * ("3 args 2 auto"), and g0 takes [rsp - 64 KiB + 104, rsp] of it. */
	.globl	runtime.rt0_go
	.type	runtime.rt0_go, @function
	.p2align 4
runtime.rt0_go:
	.cfi_startproc
	.cfi_undefined rip
	movq	%rdi, %r12
	movq	%rsi, %r13
	movq	%rdx, %r14
	subq	$(5*8), %rsp
	andq	$~15, %rsp

	/* create istack out of the given (operating system) stack */
	leaq	runtime.g0(%rip), %rdi
	leaq	(-G0_STACK_SIZE+G0_STACK_SLACK)(%rsp), %rbx
	movq	%rbx, g_stackguard0(%rdi)
	movq	%rbx, g_stack_lo(%rdi)
	movq	%rsp, g_stack_hi(%rdi)

	call	runtime.boottrace_rt0	/* timestamp of this step (GODEBUG=boottrace=1) */

	/* settls(argc, argv, rtld_fini): the flavour makes %fs usable for m0
	 * (Go: settls, taken when there is no _cgo_init). Hosted
	 * (boot/flavour_hosted.cpp): ld.so and glibc own %fs and have set it
	 * up; a static program (no rtld_fini) is refused here, before %fs is
	 * touched. nolibc (boot/flavour_nolibc.cpp): relocate a static PIE, lay
	 * out m0's TLS block from PT_TLS with the canary, arch_prctl(ARCH_SET_FS).
	 * Nothing before this point reads a relocated pointer or %fs. */
	movq	%r12, %rdi
	movq	%r13, %rsi
	movq	%r14, %rdx
	call	runtime.settls

	/* Check that TLS works: write a random value through %fs and read it
	 * back through the thread pointer's linear address (%fs:0 holds it,
	 * x86-64 TLS ABI). */
	movq	%r12, %rdi
	movq	%r13, %rsi
	call	runtime.rt0_random	/* rax = 8 bytes of AT_RANDOM, never 0 */
	movq	%rax, %r15
	movq	%r15, TLSG
	movq	%fs:0, %rcx
	leaq	TLSG_OFF(%rcx), %rcx
	movq	%rcx, (runtime.m0+m_tls)(%rip)	/* m0.tls = the slot's address */
	cmpq	(%rcx), %r15
	je	2f
	call	runtime.rt0_badtls	/* fatal error, exits 2 */
	ud2
2:
	/* set the per-goroutine and per-mach "registers" */
	leaq	runtime.g0(%rip), %rcx
	movq	%rcx, TLSG		/* g = &g0 */
	leaq	runtime.m0(%rip), %rax
	movq	%rcx, m_g0(%rax)	/* m0.g0 = &g0 */
	movq	%rax, g_m(%rcx)		/* g0.m = &m0 */

	movq	%r12, %rdi
	movq	%r13, %rsi
	movq	%r14, %rdx
	call	runtime.args		/* args(argc, argv, rtld_fini) */
	call	runtime.osinit
	call	runtime.schedinit

	/* create a new goroutine to start program */
	leaq	runtime.main(%rip), %rdi
	xorl	%esi, %esi
	call	runtime.newproc		/* newproc(runtime.main, nullptr) */

	/* start this M */
	call	runtime.mstart

	call	runtime.abort		/* mstart should never return */
	ud2
	.cfi_endproc
	.size	runtime.rt0_go, .-runtime.rt0_go

	.section .note.GNU-stack,"",@progbits
