// boot/flavour_nolibc.cpp: the nolibc flavour (runtime/flavour.hpp): a
// static program whose only start-up code is gort's, whose threads come
// from the clone system call, and under which there is no C library.
//
// The kernel jumps to _rt0_amd64_linux with nothing set up: the program is
// not relocated (a static PIE), %fs is 0, so neither TLS nor a
// stack-protected function works yet. rt0_go's settls does what glibc's
// static start code would, in this order:
//
//   1. find the program headers (AT_PHDR) and the load bias, and apply the
//      static PIE's own relocations (R_X86_64_RELATIVE, and RELR when the
//      link packed them); until then nothing may read a pointer from data;
//   2. lay out m0's TLS block from PT_TLS (.tdata copied, .tbss zeroed)
//      with the thread control block above it: its self pointers, and the
//      stack-protector canary from AT_RANDOM;
//   3. arch_prctl(ARCH_SET_FS): from here on TLS and the canary work;
//   4. the IFUNC relocations (R_X86_64_IRELATIVE), last, since a resolver
//      is ordinary (maybe stack-protected) code.
//
// runtime.main calls flavour_init for the program's constructors
// (.preinit_array, then .init_array: Go's package init), and flavour_exit
// ends the process: atexit and __cxa_atexit handlers (static destructors)
// last first, then .fini_array backwards, then exit_group.
//
// Each M is a thread made by clone (Go: newosproc), on the g0 stack that
// allocm mapped, with its own TLS block at the top of that mapping. The
// kernel writes its tid to the M's tid word at creation and clears it, with
// a futex wake, when the thread has exited: the runtime frees the mapping
// only then (flavour_threadgone joins on that word).
//
// What libc would supply (memory, output, mem*/str*, exit, the C++ ABI's
// needs) is in boot/nolibc/; boot/nolibc/nolibc.hpp lists it.
#include <asm/prctl.h>
#include <sched.h>
#include <sys/mman.h>

#include <utility>

#include "../include/gort/net_abi.hpp"
#include "../runtime/malloc.hpp"
#include "../runtime/sys_linux.hpp"
#include "initstack.hpp"
#include "nolibc/nolibc.hpp"

// The current M's errno (C's errno is *__errno_location(), stdlib.cpp).
__thread int gort_errno __attribute__((tls_model("initial-exec")));

// libsupc++'s per-thread exception state (the C++ ABI's __cxa_eh_globals).
extern "C" void* __cxa_get_globals() noexcept;

// Referenced by runtime.main: linking libgort.a without a crt fails with a
// linker error that says what is missing.
extern "C" const gort::runtime::uintptr gort_crt_missing__link_with_gort_cxx_or_pkg_config = 0;

// What the linker defines for a static program. __ehdr_start is hidden:
// reached PC-relative, so usable before relocation. __rela_iplt_* exist
// only in a non-PIE static program, so they are weak, and a weak symbol
// is reached through the GOT, which a static PIE must relocate first:
// they are read only after relocate (the dynamic section is found through
// PT_DYNAMIC, not _DYNAMIC, for the same reason).
extern "C" {
extern const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));
extern const Elf64_Rela __rela_iplt_start[] __attribute__((weak, visibility("hidden")));
extern const Elf64_Rela __rela_iplt_end[] __attribute__((weak, visibility("hidden")));
using initfn = void (*)(int, char**, char**);
extern initfn __preinit_array_start[] __attribute__((visibility("hidden")));
extern initfn __preinit_array_end[] __attribute__((visibility("hidden")));
extern initfn __init_array_start[] __attribute__((visibility("hidden")));
extern initfn __init_array_end[] __attribute__((visibility("hidden")));
}

namespace gort::nolibc {

using namespace runtime;

constinit selfimage self;
constinit uintptr stackguard;

// ---- before TLS: plain code, no relocated data, no %fs ----

[[noreturn]] static void bootfail(const char* what, uint64 n) {
  char buf[160];
  uintptr k = 0;
  for (const char* s = "gort: nolibc start: "; *s != 0; s++) buf[k++] = *s;
  for (const char* s = what; *s != 0 && k < 120; s++) buf[k++] = *s;
  char d[20];
  int nd = 0;
  do d[nd++] = char('0' + n % 10); while ((n /= 10) > 0);
  while (nd > 0) buf[k++] = d[--nd];
  buf[k++] = '\n';
  sys_write(2, buf, k);
  sys_exit_group(127);
}

static inline uintptr alignup(uintptr v, uintptr a) { return (v + a - 1) & ~(a - 1); }

// relocate applies a static PIE's relocations to itself (glibc:
// _dl_relocate_static_pie): every R_X86_64_RELATIVE of DT_RELA and every
// entry of DT_RELR. IRELATIVE waits for TLS (irelocate). A non-PIE program
// has no dynamic section and nothing to do.
// The RELA tables of a static PIE: DT_RELA, and DT_JMPREL, where the
// linker puts the IRELATIVE relocations of IFUNCs called through the PLT.
struct relatables {
  const Elf64_Rela* rela = nullptr;
  uintptr nrela = 0;
  const Elf64_Rela* jmprel = nullptr;
  uintptr njmprel = 0;
  const uintptr* relr = nullptr;
  uintptr nrelr = 0;
};

static relatables readdynamic(const Elf64_Dyn* dyn, uintptr bias) {
  relatables t;
  for (; dyn != nullptr && dyn->d_tag != DT_NULL; dyn++) {
    uintptr v = dyn->d_un.d_val;
    if (dyn->d_tag == DT_RELA) t.rela = reinterpret_cast<const Elf64_Rela*>(v + bias);
    else if (dyn->d_tag == DT_RELASZ) t.nrela = v / sizeof(Elf64_Rela);
    else if (dyn->d_tag == DT_JMPREL) t.jmprel = reinterpret_cast<const Elf64_Rela*>(v + bias);
    else if (dyn->d_tag == DT_PLTRELSZ) t.njmprel = v / sizeof(Elf64_Rela);
    else if (dyn->d_tag == DT_RELR) t.relr = reinterpret_cast<const uintptr*>(v + bias);
    else if (dyn->d_tag == DT_RELRSZ) t.nrelr = v / sizeof(uintptr);
  }
  return t;
}

static void relocate(const Elf64_Dyn* dyn, uintptr bias) {
  if (dyn == nullptr) return;
  relatables t = readdynamic(dyn, bias);
  for (const auto& [r, n] : {std::pair{t.rela, t.nrela}, std::pair{t.jmprel, t.njmprel}})
    for (uintptr i = 0; i < n; i++) {
      uint32 type = ELF64_R_TYPE(r[i].r_info);
      if (type == R_X86_64_RELATIVE)
        *reinterpret_cast<uintptr*>(bias + r[i].r_offset) = bias + uintptr(r[i].r_addend);
      else if (type != R_X86_64_IRELATIVE && type != R_X86_64_NONE)
        bootfail("unsupported relocation type ", type);
    }
  uintptr relrsz = t.nrelr * sizeof(uintptr);
  uintptr relr = reinterpret_cast<uintptr>(t.relr);
  // RELR: an even word is an address to relocate (and the base of what
  // follows); an odd word is a bitmap of the 63 words after the base.
  auto* w = reinterpret_cast<const uintptr*>(relr);
  uintptr base = 0;
  for (uintptr i = 0; i < relrsz / sizeof(uintptr); i++) {
    if ((w[i] & 1) == 0) {
      auto* p = reinterpret_cast<uintptr*>(bias + w[i]);
      *p += bias;
      base = bias + w[i] + sizeof(uintptr);
    } else {
      uintptr bits = w[i] >> 1;
      for (uintptr j = 0; bits != 0; j++, bits >>= 1)
        if (bits & 1) *reinterpret_cast<uintptr*>(base + j * sizeof(uintptr)) += bias;
      base += 63 * sizeof(uintptr);
    }
  }
}

// irelocate calls the IFUNC resolvers and stores what they return: the
// IRELATIVE entries of a static PIE's DT_RELA and DT_JMPREL, or of a
// non-PIE program's .rela.iplt (__rela_iplt_start..end). Resolvers take no argument on
// x86-64, as under glibc.
static void irelocate(const Elf64_Dyn* dyn, uintptr bias) {
  auto apply = [bias](const Elf64_Rela* r, uintptr n) {
    for (uintptr i = 0; i < n; i++)
      if (ELF64_R_TYPE(r[i].r_info) == R_X86_64_IRELATIVE) {
        auto resolver = reinterpret_cast<uintptr (*)()>(bias + uintptr(r[i].r_addend));
        *reinterpret_cast<uintptr*>(bias + r[i].r_offset) = resolver();
      }
  };
  if (dyn != nullptr) {
    relatables t = readdynamic(dyn, bias);
    apply(t.rela, t.nrela);
    apply(t.jmprel, t.njmprel);
  }
  apply(__rela_iplt_start, uintptr(__rela_iplt_end - __rela_iplt_start));
}

static constexpr uintptr kTcbAlign = 64;

uintptr tlsblocksize() {
  uintptr a = self.tlsalign > kTcbAlign ? self.tlsalign : kTcbAlign;
  return self.tlsoff + sizeof(tcbhead) + a;
}

uintptr tlsblockinit(uintptr lo, uintptr canary) {
  uintptr a = self.tlsalign > kTcbAlign ? self.tlsalign : kTcbAlign;
  uintptr tp = alignup(lo + self.tlsoff, a);
  auto* block = reinterpret_cast<unsigned char*>(tp - self.tlsoff);
  auto* image = reinterpret_cast<const unsigned char*>(self.tlsimage);
  for (uintptr i = 0; i < self.tlsfilesz; i++) block[i] = image[i];
  for (uintptr i = self.tlsfilesz; i < self.tlsoff; i++) block[i] = 0;
  auto* tcb = reinterpret_cast<tcbhead*>(tp);
  *tcb = tcbhead{};
  tcb->tcb = tcb;
  tcb->self = tcb;
  tcb->stack_guard = canary;
  return tp;
}

// m0's TLS block: here when it fits (almost always: the runtime's slot,
// errno and libsupc++'s exception globals), else mapped.
alignas(kTcbAlign) static unsigned char m0tls[2048];

void settls(int argc, char** argv, void (*)()) {
  boot::initstack st = boot::initstack_read(argc, argv);
  uintptr phdr = 0, phnum = 0, random = 0;
  for (const Elf64_auxv_t* a = st.auxv; a->a_type != AT_NULL; a++) {
    if (a->a_type == AT_PHDR) phdr = a->a_un.a_val;
    else if (a->a_type == AT_PHNUM) phnum = a->a_un.a_val;
    else if (a->a_type == AT_RANDOM) random = a->a_un.a_val;
    else if (a->a_type == AT_EXECFN) self.path = reinterpret_cast<const char*>(a->a_un.a_val);
  }
  if (phdr == 0) bootfail("no AT_PHDR in the auxiliary vector; auxv entries: ", 0);
  auto* ph = reinterpret_cast<const Elf64_Phdr*>(phdr);
  // The bias: 0 for ET_EXEC; for a PIE, where the ELF header (the start of
  // the segment at file offset 0) was loaded minus where it was linked.
  uintptr bias = 0;
  const Elf64_Dyn* dyn = nullptr;
  if (__ehdr_start.e_type == ET_DYN) {
    for (uintptr i = 0; i < phnum; i++)
      if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
        bias = reinterpret_cast<uintptr>(&__ehdr_start) - ph[i].p_vaddr;
    for (uintptr i = 0; i < phnum; i++)
      if (ph[i].p_type == PT_DYNAMIC) dyn = reinterpret_cast<const Elf64_Dyn*>(ph[i].p_vaddr + bias);
  }
  relocate(dyn, bias);

  self.bias = bias;
  self.phdr = ph;
  self.phnum = int(phnum);
  self.start = ~uintptr(0);
  for (uintptr i = 0; i < phnum; i++) {
    const Elf64_Phdr& p = ph[i];
    if (p.p_type == PT_LOAD) {
      if (p.p_vaddr + bias < self.start) self.start = p.p_vaddr + bias;
      if (p.p_vaddr + bias + p.p_memsz > self.end) self.end = p.p_vaddr + bias + p.p_memsz;
    } else if (p.p_type == PT_TLS) {
      self.tlsimage = p.p_vaddr + bias;
      self.tlsfilesz = p.p_filesz;
      self.tlsmemsz = p.p_memsz;
      self.tlsalign = p.p_align > 0 ? p.p_align : 1;
    } else if (p.p_type == PT_GNU_EH_FRAME) {
      self.ehframehdr = reinterpret_cast<const unsigned char*>(p.p_vaddr + bias);
    }
  }
  if (self.tlsmemsz == 0) bootfail("no PT_TLS segment (the crt's own TLS variables are missing?) ", 0);
  self.tlsoff = alignup(self.tlsmemsz, self.tlsalign);

  // The canary: AT_RANDOM's first 8 bytes, low byte zeroed so that a string
  // overflow cannot reproduce it (glibc's _dl_setup_stack_chk_guard).
  uintptr canary = 0;
  if (random != 0) {
    auto* r = reinterpret_cast<const unsigned char*>(random);
    for (int i = 7; i >= 0; i--) canary = canary << 8 | r[i];
  }
  stackguard = canary & ~uintptr(0xff);

  uintptr mem = reinterpret_cast<uintptr>(m0tls);
  if (tlsblocksize() > sizeof m0tls) {
    long v = sys_mmap(nullptr, tlsblocksize(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (v < 0 && v > -4096) bootfail("cannot map m0's TLS block: errno ", uint64(-v));
    mem = uintptr(v);
  }
  uintptr tp = tlsblockinit(mem, stackguard);
  long r = arch::syscall2(SYS_arch_prctl, ARCH_SET_FS, long(tp));
  if (r != 0) bootfail("arch_prctl(ARCH_SET_FS) failed: errno ", uint64(-r));

  irelocate(dyn, bias);
}

}  // namespace gort::nolibc

namespace gort::runtime {

void settls(int argc, char** argv, void (*rtld_fini)()) { nolibc::settls(argc, argv, rtld_fini); }

// ---- constructors and exit ----

void flavour_init(int argc, char** argv, char** envp) {
  nolibc::environ = envp;
  // An exception that escapes a constructor, main or a goroutine is a
  // panic (runtime/api.cpp).
  installterminate();
  auto n1 = std::size_t(__preinit_array_end - __preinit_array_start);
  auto n2 = std::size_t(__init_array_end - __init_array_start);
  boottrace(bootstep::init, nullptr, int64(n1 + n2));
  for (std::size_t i = 0; i < n1; i++) __preinit_array_start[i](argc, argv, envp);
  for (std::size_t i = 0; i < n2; i++) __init_array_start[i](argc, argv, envp);
}

void flavour_exit(int code) {
  nolibc::runexithandlers();
  exit_group(code);
}

// ---- threads ----

// The thread's first C++ frame (clone_linux_amd64.S calls it on the new
// stack): the M runs until it exits, then the thread's thread_local
// destructors run and the assembly ends the thread with SYS_exit.
static void mthread_start(m* mp) {
  mstart_newthread(mp, uintptr(__builtin_frame_address(0)) - 256);
  nolibc::runthreadatexit();
}

// The word the kernel writes the thread's id to, and clears at its exit
// (CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID): the low half of m::thread.
static int* tidword(m* mp) { return reinterpret_cast<int*>(&mp->thread); }

// What flavour_newosproc takes from the top of each g0 mapping: the TLS
// block and TCB, aligned, in whole pages; allocm maps that much more, so
// the g0 stack keeps its size.
uintptr flavour_threadreserve() { return nolibc::alignup(nolibc::tlsblocksize() + 63, 4096); }

int flavour_newosproc(m* mp, uintptr stk, uintptr size) {
  // The TLS block and TCB at the top of the mapping, the stack below.
  uintptr top = stk + size;
  uintptr lo = (top - nolibc::tlsblocksize()) & ~uintptr(63);
  uintptr tp = nolibc::tlsblockinit(lo, nolibc::stackguard);
  uintptr sp = lo & ~uintptr(15);
  constexpr unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_SYSVSEM | CLONE_THREAD |
                                  CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
  mp->thread = 0;
  long r = nolibc::clone(flags, sp, tidword(mp), tidword(mp), tp, mp, mthread_start);
  return r < 0 ? int(-r) : 0;
}

// The thread has gone once the kernel has cleared its tid word. An M that
// has left mexit has only its final SYS_exit ahead: join it there, as
// pthread_join does, with a futex wait on the word. It must be a shared
// wait (FUTEX_WAIT, not FUTEX_WAIT_PRIVATE): the kernel's wake-up at
// CLONE_CHILD_CLEARTID is a shared-key wake, which a private waiter never
// receives (research/bootlab.md, section 3). Bounded, since the caller
// (allocm) holds sched.lock: a thread not yet gone is reaped later.
bool flavour_threadgone(m* mp) {
  int* w = tidword(mp);
  if (__atomic_load_n(w, __ATOMIC_ACQUIRE) == 0) return true;
  if (!mp->exiting) return false;
  return nolibc::threadjoin(w, 1000000) != nolibc::joinNot;
}

void* flavour_minit() { return __cxa_get_globals(); }

int* flavour_errno() { return &gort_errno; }

}  // namespace gort::runtime

namespace gort::nolibc {

int threadjoin(int* tidword, int64 ns) {
  int64 deadline = nanotime() + ns;
  bool woken = false;
  for (;;) {
    int tid = __atomic_load_n(tidword, __ATOMIC_ACQUIRE);
    if (tid == 0) return woken ? joinWoken : joinGone;
    int64 left = deadline - nanotime();
    if (left <= 0) return joinNot;
    kernel_timespec ts{long(left / 1000000000), long(left % 1000000000)};
    if (sys_futex(tidword, FUTEX_WAIT, uint32(tid), &ts) == 0) woken = true;  // shared: see flavour_threadgone
  }
}

}  // namespace gort::nolibc

namespace gort::runtime {

void* flavour_malloc(uintptr size, uintptr align) { return mallocgc(size, align, true); }

void flavour_free(void* v) { mfree(v); }

// A host name is looked up in /etc/hosts, as Go's own resolver does first;
// a name not there is an error that says why (errc::no_resolver): DNS, and
// NSS's other sources, are glibc's (getaddrinfo, the hosted flavour).
int flavour_lookuphost(const char* host, bool want4, bool want6, std::uint8_t (*out)[16], int max) {
  int n = lookupStaticHost(host, want4, want6, out, max);
  return n > 0 ? n : -gort::detail::net_error(gort::net::errc::no_resolver);
}

}  // namespace gort::runtime

namespace gort::runtime {

// The frames of crash reports come from the traceback helper, as in the
// hosted flavour (runtime/tbhelper.hpp): the program carries no unwinder
// of its own for them. As there, the Makefile compiles this file twice,
// with the build tree's helper and with PREFIX's.
#ifndef GORT_TRACEBACK_HELPER
#error "GORT_TRACEBACK_HELPER (the traceback helper's installed path) comes from the Makefile"
#endif
const char* flavour_tracebackhelper() { return GORT_TRACEBACK_HELPER; }

}  // namespace gort::runtime
