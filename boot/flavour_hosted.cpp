// boot/flavour_hosted.cpp: what the hosted flavour does around the runtime: the
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
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <link.h>
#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <cstddef>
#include <cstdlib>

#include "../include/gort/net_abi.hpp"
#include "../runtime/runtime.hpp"

extern "C" int __cxa_atexit(void (*fn)(void*), void* arg, void* dso);
// libstdc++'s per-thread exception state (the C++ ABI's __cxa_eh_globals).
extern "C" void* __cxa_get_globals() noexcept;

// Bounds of the program's .init_array, defined by the linker's default script.
extern "C" void (*__init_array_start[])(int, char**, char**) __attribute__((visibility("hidden")));
extern "C" void (*__init_array_end[])(int, char**, char**) __attribute__((visibility("hidden")));

// Referenced by runtime.main: linking libgort.a without this crt fails with
// a linker error that says what is missing.
extern "C" const gort::runtime::uintptr gort_crt_missing__link_with_gort_cxx_or_pkg_config = 0;

namespace gort::runtime {

extern "C" [[noreturn]] void rt0_nodynamic(int argc, char** argv) RUNTIME_SYM("rt0_nodynamic");

// settls: ld.so and glibc own %fs and have set it up for this thread
// before jumping to the entry, so there is nothing to set. No rtld_fini
// means that no ld.so ran: a statically linked program, whose glibc never
// initialised itself. Refuse it (os_linux.cpp says why), before %fs,
// unset in that case, is touched.
void settls(int argc, char** argv, void (*rtld_fini)()) {
  if (rtld_fini == nullptr) rt0_nodynamic(argc, argv);
}

#if GORT_TSAN
extern "C" void __tsan_init();

// tsanfind sets the runtime's [tsanlo, tsanhi) to the executable segment of
// the TSan runtime (the one holding __tsan_init), for sancaller
// (runtime/sanitizer.hpp).
static void tsanfind() {
  dl_iterate_phdr(
      [](dl_phdr_info* pi, size_t, void*) -> int {
        uintptr pc = reinterpret_cast<uintptr>(&__tsan_init);
        for (int i = 0; i < pi->dlpi_phnum; i++) {
          const ElfW(Phdr)& ph = pi->dlpi_phdr[i];
          uintptr lo = pi->dlpi_addr + ph.p_vaddr, hi = lo + ph.p_memsz;
          if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) != 0 && pc >= lo && pc < hi) {
            tsanlo = lo;
            tsanhi = hi;
            return 1;
          }
        }
        return 0;
      },
      nullptr);
}
#endif

void flavour_init(int argc, char** argv, char** envp) {
#if GORT_TSAN
  tsanfind();
  // Before TSan's own exit handler (registered at its start, so run
  // last), which reports the threads not joined by then.
  std::atexit(joinexitedms);
#endif
  if (rtld_fini_ != nullptr) __cxa_atexit(reinterpret_cast<void (*)(void*)>(rtld_fini_), nullptr, nullptr);
  // An exception that escapes a constructor, main or a goroutine is a
  // panic (runtime/api.cpp).
  installterminate();
  // fork() without exec (runtime/fork.cpp).
  pthread_atfork(beforefork, afterfork, afterforkinchild);
  std::size_t n = std::size_t(__init_array_end - __init_array_start);
  boottrace(bootstep::init, nullptr, int64(n));
  for (std::size_t i = 0; i < n; i++) __init_array_start[i](argc, argv, envp);
}

void flavour_exit(int code) { std::exit(code); }

// ---- threads ----
//
// glibc owns %fs and per-thread state (its TCB, errno, malloc arenas, stdio
// locks), so an M's thread is a glibc thread, created on the g0 stack the
// runtime mapped (HACKING.md, "The flavour seam"). glibc puts its thread descriptor
// and static TLS at the top of that stack; mstart_newthread takes the stack
// pointer it is entered with as the top of the usable g0 stack.

static void* mthread_start(void* arg) {
  auto* mp = static_cast<m*>(arg);
  mp->thread = uintptr(pthread_self());
  mstart_newthread(mp, uintptr(__builtin_frame_address(0)) - 256);
  return nullptr;  // the M has exited (mexit): glibc ends the thread
}

int flavour_newosproc(m* mp, uintptr stk, uintptr size) {
  pthread_attr_t attr;
  if (int err = pthread_attr_init(&attr); err != 0) return err;
  int err = pthread_attr_setstack(&attr, reinterpret_cast<void*>(stk), size);
  pthread_t t;
  if (err == 0) err = pthread_create(&t, &attr, mthread_start, mp);
  pthread_attr_destroy(&attr);
  return err;
}

// What glibc keeps at the top of a thread's stack when it is given one
// (pthread_attr_setstack; nptl/allocatestack.c): its static TLS block,
// laid out below the thread descriptor, and it refuses (EINVAL) a stack
// smaller than that plus 16 KiB. Their size is what ld.so's
// _dl_get_tls_static_info says (GLIBC_PRIVATE, hence dlsym; the
// sanitizers' runtimes read it the same way): the PT_TLS segments of the
// program and of the libraries loaded with it, glibc's descriptor (struct
// pthread, 2.3 KiB in 2.36) and its surplus for libraries dlopen'd later
// with initial-exec TLS (the glibc.rtld.optional_static_tls tunable
// included). 16 KiB more hold start_thread's and mthread_start's frames.
// Where that symbol is missing, the PT_TLS segments are found with
// dl_iterate_phdr (at the first call, before any dlopen) and 64 KiB cover
// the rest; a tunable beyond that is caught by mstart_newthread, which
// checks the g0 stack it is left with.
constinit static std::atomic<uintptr> threadreserve{0};

uintptr flavour_threadreserve() {
  uintptr r = threadreserve.load(std::memory_order_relaxed);
  if (r != 0) return r;
  using fn = void (*)(std::size_t*, std::size_t*);
  std::size_t size = 0, align = 0;
  if (auto f = reinterpret_cast<fn>(dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info")); f != nullptr) f(&size, &align);
  if (size != 0) {
    r = size + (16 << 10);
  } else {
    uintptr tls = 0;
    dl_iterate_phdr(
        [](dl_phdr_info* info, std::size_t, void* arg) {
          for (int i = 0; i < info->dlpi_phnum; i++) {
            const ElfW(Phdr)& ph = info->dlpi_phdr[i];
            if (ph.p_type != PT_TLS) continue;
            uintptr a = ph.p_align > 0 ? ph.p_align : 1;
            *static_cast<uintptr*>(arg) += (ph.p_memsz + a - 1) / a * a + a;
          }
          return 0;
        },
        &tls);
    r = tls + (64 << 10);
  }
  r = (r + 4095) & ~uintptr(4095);
  threadreserve.store(r, std::memory_order_relaxed);
  return r;
}

// The stack is ours, so glibc never frees it: join the thread (it is
// joinable) once it has ended, and then the mapping can go.
bool flavour_threadgone(m* mp) {
  if (mp->thread == 0) return false;  // not even started its entry
  return pthread_tryjoin_np(pthread_t(mp->thread), nullptr) == 0;
}

void* flavour_minit() { return __cxa_get_globals(); }

int* flavour_errno() { return &errno; }

void* flavour_malloc(uintptr size, uintptr align) {
  if (align <= alignof(std::max_align_t)) return std::malloc(size);
  return std::aligned_alloc(align, (size + align - 1) & ~(align - 1));
}

void flavour_free(void* v) { std::free(v); }

// The Makefile compiles this file twice: with the build tree's helper for
// the crt that build/bin/gort-c++ links, with PREFIX's for the installed
// crt.
#ifndef GORT_TRACEBACK_HELPER
#error "GORT_TRACEBACK_HELPER (the traceback helper's installed path) comes from the Makefile"
#endif
const char* flavour_tracebackhelper() { return GORT_TRACEBACK_HELPER; }

// ---- names (gort::net) ----

// freeaddrinfo is reached through dlsym: glibc defines it in the object
// that defines getaddrinfo, so a direct call would pull that object into a
// static link, where its getaddrinfo clashes with the hook's
// (boot/hooks_hosted.cpp), and tests/wrong/static_hello, linked so to be
// refused at boot, would not link. getaddrinfo itself binds to the hook.
static void freeaddrinfo1(addrinfo* res) {
  using F = void (*)(addrinfo*);
  static constinit std::atomic<F> f{nullptr};
  F fn = f.load(std::memory_order_acquire);
  if (fn == nullptr) {
    fn = reinterpret_cast<F>(dlsym(RTLD_DEFAULT, "freeaddrinfo"));
    if (fn == nullptr) return;  // leak rather than crash
    f.store(fn, std::memory_order_release);
  }
  fn(res);
}

int flavour_lookuphost(const char* host, bool want4, bool want6, std::uint8_t (*out)[16], int max) {
  addrinfo hints{};
  hints.ai_family = want4 && want6 ? AF_UNSPEC : want4 ? AF_INET : AF_INET6;
  hints.ai_socktype = SOCK_STREAM;  // one entry per address, not one per socket type
  addrinfo* res = nullptr;
  // getaddrinfo is hooked (boot/hooks_hosted.cpp): the goroutine waits in
  // entersyscallblock, its P goes on.
  int r = getaddrinfo(host, nullptr, &hints, &res);
  if (r != 0) {
    if (r == EAI_SYSTEM) return -errno;
    if (r == EAI_MEMORY) return -ENOMEM;
    return -gort::detail::net_error(gort::net::errc::no_such_host);
  }
  int n = 0;
  for (addrinfo* ai = res; ai != nullptr && n < max; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      static constexpr std::uint8_t v4prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      std::memcpy(out[n], v4prefix, 12);
      std::memcpy(out[n] + 12, &reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_addr, 4);
      n++;
    } else if (ai->ai_family == AF_INET6) {
      std::memcpy(out[n], &reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_addr, 16);
      n++;
    }
  }
  freeaddrinfo1(res);
  return n > 0 ? n : -gort::detail::net_error(gort::net::errc::no_such_host);
}

}  // namespace gort::runtime
