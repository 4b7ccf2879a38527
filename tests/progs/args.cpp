// tests/progs/args.cpp: prints what main received, and checks the layout of
// the initial stack: argv < envp < auxv, contiguous, envp == environ, and the
// auxiliary vector found after envp agrees with glibc's getauxval.
#include <elf.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

extern char** environ;

int main(int argc, char** argv, char** envp) {
  std::printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) std::printf("argv[%d]=%zu:%s\n", i, std::strlen(argv[i]), argv[i]);
  int n = 0;
  for (char** e = envp; *e != nullptr; e++, n++) std::printf("envp[%d]=%zu:%s\n", n, std::strlen(*e), *e);
  bool ok = true;
  auto check = [&](bool c, const char* what) {
    if (!c) std::printf("FAIL %s\n", what), ok = false;
  };
  check(argv[argc] == nullptr, "argv[argc] == NULL");
  check(envp == argv + argc + 1, "envp == argv + argc + 1");
  check(envp == environ, "envp == environ");
  auto* auxv = reinterpret_cast<Elf64_auxv_t*>(envp + n + 1);
  check(reinterpret_cast<void*>(argv) < reinterpret_cast<void*>(envp), "argv < envp");
  check(reinterpret_cast<void*>(envp) < reinterpret_cast<void*>(auxv), "envp < auxv");
  bool pagesz = false, random = false;
  for (Elf64_auxv_t* a = auxv; a->a_type != AT_NULL; a++) {
    if (a->a_type == AT_PAGESZ) pagesz = a->a_un.a_val == getauxval(AT_PAGESZ);
    if (a->a_type == AT_RANDOM) random = a->a_un.a_val == getauxval(AT_RANDOM);
  }
  check(pagesz, "auxv AT_PAGESZ matches getauxval");
  check(random, "auxv AT_RANDOM matches getauxval");
  std::printf("layout %s\n", ok ? "ok" : "BAD");
  return ok ? 0 : 1;
}
