/* arch/amd64/go_tls.h: where the current g lives (Go: go_tls.h).
 *
 * One thread-local slot, runtime.tlsg, an initial-exec TLS variable of the
 * executable, reached at a fixed offset from %fs (the hosted flavour shares
 * %fs with glibc; the nolibc flavour sets it itself). Every reference to it,
 * from assembly or from C++'s getg(), is spelled from TLSG_OFF. Plain
 * #defines only: valid in both C++ and GAS.
 */
#ifndef GORT_ARCH_AMD64_GO_TLS_H
#define GORT_ARCH_AMD64_GO_TLS_H

#define TLSG_OFF runtime.tlsg@tpoff

/* Assembly: `movq TLSG, %rax` loads g, `movq %rax, TLSG` stores it. */
#define TLSG %fs:TLSG_OFF

/* C++ inline asm: the same operand as a string, '%' doubled. */
#define GORT_STR1(x) #x
#define GORT_STR(x) GORT_STR1(x)
#define TLSG_ASM "%%fs:" GORT_STR(TLSG_OFF)

#endif
