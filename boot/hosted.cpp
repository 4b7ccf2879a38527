// boot/hosted.cpp: what the hosted flavour does around the runtime: the
// parts of glibc's __libc_start_main that ld.so does not do for us.
//
// When ld.so jumps to _rt0_amd64_linux it has initialised libc and run the
// constructors of every shared library and the program's .preinit_array, but
// not the program's own .init_array (glibc's start code normally runs it).
// runtime.main calls flavour_init for that: it registers ld.so's rtld_fini
// with __cxa_atexit first, so it runs last, after the destructors that the
// constructors register; then runs .init_array in order. flavour_exit is
// libc's exit: atexit handlers and static destructors, in reverse order, then
// rtld_fini, which runs .fini_array of the program and its libraries.
//
// This file is linked into the crt object (lib/gort/crt-hosted.o), not into
// the runtime core, which never calls libc.
#include <cstdlib>

#include "../runtime/runtime.hpp"

extern "C" int __cxa_atexit(void (*fn)(void*), void* arg, void* dso);

// Bounds of the program's .init_array, defined by the linker's default script.
extern "C" void (*__init_array_start[])(int, char**, char**) __attribute__((visibility("hidden")));
extern "C" void (*__init_array_end[])(int, char**, char**) __attribute__((visibility("hidden")));

// Referenced by runtime.main: linking libgort.a without this crt fails with
// a linker error that says what is missing.
extern "C" const gort::runtime::uintptr gort_crt_missing__link_with_gort_cxx_or_pkg_config = 0;

namespace gort::runtime {

void flavour_init(int argc, char** argv, char** envp) {
  if (rtld_fini_ != nullptr) __cxa_atexit(reinterpret_cast<void (*)(void*)>(rtld_fini_), nullptr, nullptr);
  std::size_t n = std::size_t(__init_array_end - __init_array_start);
  boottrace(bootstep::init, nullptr, int64(n));
  for (std::size_t i = 0; i < n; i++) __init_array_start[i](argc, argv, envp);
}

void flavour_exit(int code) { std::exit(code); }

}  // namespace gort::runtime
