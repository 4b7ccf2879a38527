// tests/loader/progs/probe.c: prints what a program observes of its own
// start, as address-free facts, so that a run under execve and a run under
// gort-exec can be compared line by line (tests/loader/loader_test.cpp).
// Built static, static-pie and dynamic, with probe_entry (regs_entry.S) as
// its ELF entry, which saved the registers it arrived with.
#define _GNU_SOURCE
#include <elf.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/rseq.h>
#include <unistd.h>

extern char _end[];
extern const ElfW(Ehdr) __ehdr_start;
extern uint64_t probe_regs[17];
extern void probe_entry(void);

static const char* auxname(unsigned long t) {
  static const struct { unsigned long t; const char* n; } names[] = {
      {AT_SYSINFO_EHDR, "SYSINFO_EHDR"}, {AT_MINSIGSTKSZ, "MINSIGSTKSZ"}, {AT_HWCAP, "HWCAP"}, {AT_PAGESZ, "PAGESZ"},
      {AT_CLKTCK, "CLKTCK"}, {AT_PHDR, "PHDR"}, {AT_PHENT, "PHENT"}, {AT_PHNUM, "PHNUM"}, {AT_BASE, "BASE"},
      {AT_FLAGS, "FLAGS"}, {AT_ENTRY, "ENTRY"}, {AT_UID, "UID"}, {AT_EUID, "EUID"}, {AT_GID, "GID"},
      {AT_EGID, "EGID"}, {AT_SECURE, "SECURE"}, {AT_RANDOM, "RANDOM"}, {AT_HWCAP2, "HWCAP2"},
      {AT_EXECFN, "EXECFN"}, {AT_PLATFORM, "PLATFORM"}, {27, "RSEQ_FEATURE_SIZE"}, {28, "RSEQ_ALIGN"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].t == t) return names[i].n;
  return "?";
}

static size_t readfile(const char* path, char* buf, size_t n) {
  FILE* f = fopen(path, "r");
  if (f == NULL) return 0;
  size_t k = fread(buf, 1, n, f);
  fclose(f);
  return k;
}

static uintptr_t vdso_start, stack_top;
static char maps_summary[8192];

// One line per kind of mapping: a file's basename, [label], or anon.
static void read_maps(uintptr_t inside_stack) {
  static char buf[65536];
  size_t n = readfile("/proc/self/maps", buf, sizeof buf - 1);
  buf[n] = 0;
  char names[128][64];
  int counts[128], kinds = 0;
  for (char* line = strtok(buf, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    unsigned long lo, hi;
    sscanf(line, "%lx-%lx", &lo, &hi);
    char* path = strchr(line, '/');
    char* label = strchr(line, '[');
    char name[64];
    if (path != NULL) snprintf(name, sizeof name, "%s", strrchr(path, '/') + 1);
    else if (label != NULL) snprintf(name, sizeof name, "%s", label);
    else snprintf(name, sizeof name, "anon");
    if (strcmp(name, "[vdso]") == 0) vdso_start = lo;
    if (inside_stack >= lo && inside_stack < hi) {
      stack_top = hi;
      printf("stack-labelled=%d\n", strcmp(name, "[stack]") == 0);
    }
    int i = 0;
    while (i < kinds && strcmp(names[i], name) != 0) i++;
    if (i == kinds && kinds < 128) strcpy(names[kinds], name), counts[kinds++] = 0;
    counts[i]++;
  }
  // By name: where things lie differs from run to run (ASLR).
  for (int i = 0; i < kinds; i++)
    for (int j = i + 1; j < kinds; j++)
      if (strcmp(names[j], names[i]) < 0) {
        char t[64];
        strcpy(t, names[i]), strcpy(names[i], names[j]), strcpy(names[j], t);
        int c = counts[i];
        counts[i] = counts[j], counts[j] = c;
      }
  size_t k = 0;
  for (int i = 0; i < kinds; i++) k += snprintf(maps_summary + k, sizeof maps_summary - k, "map %s x%d\n", names[i], counts[i]);
}

int main(int argc, char** argv, char** envp) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  int envc = 0;
  for (char** e = envp; *e != NULL; e++) printf("envp[%d]=%s\n", envc++, *e);
  read_maps((uintptr_t)argv);
  fputs(maps_summary, stdout);

  ElfW(auxv_t)* av = (ElfW(auxv_t)*)(envp + envc + 1);
  int nav = 0;
  for (ElfW(auxv_t)* a = av; a->a_type != AT_NULL; a++, nav++) {
    unsigned long v = a->a_un.a_val;
    const char* n = auxname(a->a_type);
    switch (a->a_type) {
      case AT_SYSINFO_EHDR: printf("auxv %s=%s\n", n, v == vdso_start ? "the [vdso]" : "elsewhere"); break;
      case AT_PHDR: printf("auxv %s=ehdr+%#lx\n", n, v - (uintptr_t)&__ehdr_start); break;
      case AT_ENTRY: printf("auxv %s=%s\n", n, v == (uintptr_t)probe_entry ? "probe_entry" : "elsewhere"); break;
      case AT_BASE: printf("auxv %s=%s\n", n, v == 0 ? "0" : "nonzero"); break;
      case AT_RANDOM: printf("auxv %s=%s\n", n, v > (uintptr_t)av && v < stack_top ? "on the stack" : "elsewhere"); break;
      case AT_EXECFN: case AT_PLATFORM: printf("auxv %s=\"%s\"\n", n, (const char*)v); break;
      default: printf("auxv %s=%#lx\n", n, v);
    }
  }
  printf("auxv entries=%d\n", nav);

  // The stack's shape (boot/initstack.hpp).
  const char* execfn = (const char*)getauxval(AT_EXECFN);
  const char* platform = (const char*)getauxval(AT_PLATFORM);
  const unsigned char* rnd = (const unsigned char*)getauxval(AT_RANDOM);
  printf("top - end of execfn=%lu\n", (unsigned long)(stack_top - (uintptr_t)(execfn + strlen(execfn) + 1)));
  printf("AT_RANDOM + 16 == AT_PLATFORM: %d\n", rnd + 16 == (const unsigned char*)platform);
  printf("padding between AT_NULL and AT_RANDOM=%lu\n", (unsigned long)((uintptr_t)rnd - (uintptr_t)(av + nav + 1)));
  printf("&argc %% 16=%lu\n", (unsigned long)((uintptr_t)(argv - 1) % 16));
  int contiguous = 1;
  const char* next = argv[0];
  for (int i = 0; i < argc; i++) contiguous &= argv[i] == next, next = argv[i] + strlen(argv[i]) + 1;
  for (int i = 0; i < envc; i++) contiguous &= envp[i] == next, next = envp[i] + strlen(envp[i]) + 1;
  contiguous &= execfn == next;
  printf("strings contiguous, argv[0] lowest, execfn last=%d\n", contiguous);
  printf("platform below the strings=%d\n", platform + 7 <= argv[0]);
  int nonzero = 0;
  for (int i = 0; i < 16; i++) nonzero |= rnd[i];
  printf("AT_RANDOM bytes nonzero=%d\n", nonzero != 0);
  uint64_t canary, want;
  __asm__ volatile("movq %%fs:0x28, %0" : "=r"(canary));
  memcpy(&want, rnd, 8);
  printf("canary from AT_RANDOM=%d\n", canary == (want & ~0xffULL));

  // What /proc shows (PR_SET_MM_MAP).
  static char buf[65536];
  size_t n = readfile("/proc/self/cmdline", buf, sizeof buf), k = 0;
  int ok = 1;
  for (int i = 0; i < argc; k += strlen(argv[i]) + 1, i++) ok &= k < n && strcmp(buf + k, argv[i]) == 0;
  printf("/proc/self/cmdline is argv=%d\n", ok && k == n);
  n = readfile("/proc/self/environ", buf, sizeof buf), k = 0, ok = 1;
  for (int i = 0; i < envc; k += strlen(envp[i]) + 1, i++) ok &= k < n && strcmp(buf + k, envp[i]) == 0;
  printf("/proc/self/environ is envp=%d\n", ok && k == n);
  n = readfile("/proc/self/auxv", buf, sizeof buf);
  printf("/proc/self/auxv is the stack's=%d\n", n == (size_t)(nav + 1) * 16 && memcmp(buf, av, n) == 0);
  n = readfile("/proc/self/comm", buf, sizeof buf - 1);
  buf[n] = 0;
  printf("comm=%s", buf);
  n = readfile("/proc/self/stat", buf, sizeof buf - 1);
  buf[n] = 0;
  char* s = strrchr(buf, ')') + 2;
  unsigned long startstack = 0;
  for (int field = 3; field <= 28 && s != NULL; field++, s = strchr(s, ' ') ? strchr(s, ' ') + 1 : NULL)
    if (field == 28) startstack = strtoul(s, NULL, 10);
  printf("startstack is &argc=%d\n", startstack == (uintptr_t)(argv - 1));
  ssize_t m = readlink("/proc/self/exe", buf, sizeof buf - 1);
  buf[m > 0 ? m : 0] = 0;
  printf("exe=%s\n", strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf);
  n = readfile("/proc/self/status", buf, sizeof buf - 1);
  buf[n] = 0;
  printf("threads=%d\n", strstr(buf, "Threads:") ? atoi(strstr(buf, "Threads:") + 8) : -1);
  printf("brk after the image=%d\n", (uintptr_t)sbrk(0) >= (uintptr_t)_end);

  // bss: zeroed up to the end of its page (padzero).
  ok = 1;
  for (char* p = _end; (uintptr_t)p % 4096 != 0; p++) ok &= *p == 0;
  printf("bytes after _end to the page end zero=%d\n", ok);

  // rseq: glibc registered it (it cannot if the launcher left its own).
  printf("rseq registered=%d\n", __rseq_size > 0);

  // Signals: dispositions and mask as exec leaves them.
  for (int sig = 1; sig < 65; sig++) {
    struct sigaction sa;
    if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) != 0) continue;
    if (sa.sa_handler == SIG_IGN) printf("signal %d ignored\n", sig);
    else if (sa.sa_handler != SIG_DFL) printf("signal %d caught\n", sig);
  }
  sigset_t mask;
  sigprocmask(SIG_BLOCK, NULL, &mask);
  printf("blocked:");
  for (int sig = 1; sig < 65; sig++)
    if (sigismember(&mask, sig) == 1) printf(" %d", sig);
  printf("\n");

  // Registers at the ELF entry (probe_entry).
  static const char* rn[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9",
                             "r10", "r11", "r12", "r13", "r14", "r15"};
  for (int i = 0; i < 15; i++)
    printf("entry %s=%s\n", rn[i], probe_regs[i] == 0 ? "0" : "nonzero");
  printf("entry rflags=%#lx\n", (unsigned long)probe_regs[15]);
  printf("entry rsp is &argc=%d\n", probe_regs[16] == (uintptr_t)(argv - 1));
  fflush(stdout);
  return 42;
}
