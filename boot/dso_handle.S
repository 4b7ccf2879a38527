/* boot/dso_handle.S: symbols that crtbegin.o and crt1.o normally provide and
 * that -nostartfiles drops.
 *
 * __dso_handle identifies this module to __cxa_atexit: every static
 * destructor the compiler registers passes it. Hidden, as in crtbegin.o, so
 * each module has its own. For an executable any unique address will do; we
 * use its own, as crtbeginS.o does.
 *
 * _IO_stdin_used is crt1.o's marker that the program uses glibc's current
 * stdio ABI (version 2.1+); defined for fidelity with crt1.o. */
	.section .data.rel.ro,"aw"
	.p2align 3
	.globl	__dso_handle
	.hidden	__dso_handle
	.type	__dso_handle, @object
	.size	__dso_handle, 8
__dso_handle:
	.quad	__dso_handle

	.section .rodata
	.p2align 2
	.globl	_IO_stdin_used
	.type	_IO_stdin_used, @object
	.size	_IO_stdin_used, 4
_IO_stdin_used:
	.long	0x20001

	.section .note.GNU-stack,"",@progbits
