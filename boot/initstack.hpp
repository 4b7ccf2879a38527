// boot/initstack.hpp: the process's initial stack, as the Linux kernel builds
// it for a new program (System V ABI, x86-64 supplement, "Process Initial
// Stack and Register State"; fs/binfmt_elf.c create_elf_tables).
//
// One description for both sides of the boot: the crt (rt0_go and args in
// runtime/os_linux.cpp) reads this layout, and the userland launcher
// (loader/) writes it. Header only, no libc: the runtime includes it.
//
//     high addresses
//             NULL word                    top of the stack mapping
//             execfn string                the path given to execve (AT_EXECFN)
//             envp strings, argv strings   packed, argv[0]'s lowest
//             random gap                   0-8 KiB, then aligned to 16
//             "x86_64"                     AT_PLATFORM's string
//             16 random bytes              AT_RANDOM's
//             padding                      so that argc lands 16-aligned
//             AT_NULL, 0                   auxv: (type, value) pairs, in
//             ...                          kernelAuxvOrder's order
//             auxv[0]
//             NULL
//             envp[envc-1] ... envp[0]     pointers to "NAME=value"
//             NULL
//             argv[argc-1] ... argv[0]
//     rsp ->  argc                         8 bytes, rsp % 16 == 0
//     low addresses
//
// Registers at the entry: rsp as above, rdx = the function to register with
// atexit (ld.so's rtld_fini) or 0 when the kernel jumped to the program
// directly; the kernel zeroes every other general register.
#pragma once

#include <elf.h>

namespace gort::boot {

// The pointers of the initial stack, given argc and argv (the two words at
// and above the entry's rsp).
struct initstack {
  int argc;
  char** argv;
  char** envp;
  Elf64_auxv_t* auxv;
};

inline char** initstack_envp(int argc, char** argv) { return argv + argc + 1; }

inline Elf64_auxv_t* initstack_auxv(char** envp) {
  char** e = envp;
  while (*e != nullptr) e++;
  return reinterpret_cast<Elf64_auxv_t*>(e + 1);
}

inline initstack initstack_read(int argc, char** argv) {
  char** envp = initstack_envp(argc, argv);
  return {argc, argv, envp, initstack_auxv(envp)};
}

// initstack_at reads the layout from the entry's rsp (&argc).
inline initstack initstack_at(const unsigned long* sp) {
  return initstack_read(int(sp[0]), reinterpret_cast<char**>(const_cast<unsigned long*>(sp + 1)));
}

// The value of one auxv entry, or def when the kernel gave none.
inline unsigned long initstack_getauxval(const Elf64_auxv_t* auxv, unsigned long type, unsigned long def = 0) {
  for (const Elf64_auxv_t* a = auxv; a->a_type != AT_NULL; a++)
    if (a->a_type == type) return a->a_un.a_val;
  return def;
}

// The order in which Linux 6.x on x86-64 emits the auxiliary vector
// (create_elf_tables; ARCH_DLINFO's two first). A launcher that builds the
// stack itself emits the entries it has in this order, then AT_NULL.
inline constexpr unsigned long kernelAuxvOrder[] = {
    AT_SYSINFO_EHDR, AT_MINSIGSTKSZ, AT_HWCAP,  AT_PAGESZ, AT_CLKTCK, AT_PHDR,
    AT_PHENT,        AT_PHNUM,       AT_BASE,   AT_FLAGS,  AT_ENTRY,  AT_UID,
    AT_EUID,         AT_GID,         AT_EGID,   AT_SECURE, AT_RANDOM, AT_HWCAP2,
    AT_EXECFN,       AT_PLATFORM,    AT_RSEQ_FEATURE_SIZE, AT_RSEQ_ALIGN,
};

// The writer's side (loader/): where each part goes, as distances below the
// top of the stack mapping (a page boundary, so distances and addresses
// have the same alignment), exactly as create_elf_tables places them.
//   strings   bytes of the argv and envp strings, the execfn string (all
//             with their NULs) and the NULL word at the very top
//   nauxv     auxv entries, AT_NULL included
//   gap       the random shift below the strings (0 to 8191; 0 when the
//             kernel would not randomize: setarch -R, randomize_va_space=0)
struct initstack_layout {
  unsigned long strings;   // [top - strings, top): argv[0] lowest, then envp, execfn, NULL word
  unsigned long platform;  // "x86_64" (AT_PLATFORM), 16-aligned from below the gap
  unsigned long random;    // AT_RANDOM's 16 bytes, right below the platform string
  unsigned long auxv;      // auxv[0]; the padding lies between AT_NULL and the random bytes
  unsigned long envp;      // envp[0]
  unsigned long argv;      // argv[0]
  unsigned long sp;        // &argc: the entry's rsp, 16-aligned
};

inline constexpr initstack_layout initstack_plan(unsigned long argc, unsigned long envc, unsigned long strings,
                                                 unsigned long nauxv, unsigned long gap,
                                                 unsigned long platform_len = sizeof "x86_64") {
  initstack_layout l{};
  l.strings = strings;
  unsigned long p = (strings + gap + 15) & ~15UL;         // arch_align_stack: p -= gap; p &= ~15
  l.platform = p + platform_len;                          // STACK_ALLOC(p, len)
  l.random = l.platform + 16;                             // STACK_ALLOC(p, 16)
  unsigned long words = 2 * nauxv + (argc + 1) + (envc + 1) + 1;
  l.sp = (l.random + 8 * words + 15) & ~15UL;              // STACK_ROUND(sp, items)
  l.argv = l.sp - 8;
  l.envp = l.argv - 8 * (argc + 1);
  l.auxv = l.envp - 8 * (envc + 1);
  return l;
}

}  // namespace gort::boot
