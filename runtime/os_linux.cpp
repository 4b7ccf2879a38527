// runtime/os_linux.cpp: Linux specifics (Go: os_linux.go, vdso_linux.go).
// args reads the auxiliary vector, osinit the CPU count; futexes, time and
// thread ids are here. Raw system calls only: this runs before libc is known
// to be usable, and in the libc-free flavour.
#include <elf.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>

#include "../boot/initstack.hpp"
#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

int argc_;
char** argv_;
char** envp_;
void (*rtld_fini_)();
uint64 startupRandom;
uint64 hwcap;
uintptr vdsoBase;
uintptr execPhdr, execPhnum;
uintptr physPageSize;
int32 ncpu;
static Elf64_auxv_t* auxv_;
static const unsigned char* atRandom;  // AT_RANDOM: 16 random bytes from the kernel

using clock_gettime_fn = int (*)(clockid_t, kernel_timespec*);
static clock_gettime_fn vdsoClockGettime;

// vdsoFindSymbol looks a symbol up in the vDSO's dynamic symbol table
// (Go: vdso_linux.go). The vDSO is a complete ELF image mapped by the kernel.
static void* vdsoFindSymbol(uintptr base, const char* name) {
  auto* eh = reinterpret_cast<const Elf64_Ehdr*>(base);
  auto* ph = reinterpret_cast<const Elf64_Phdr*>(base + eh->e_phoff);
  uintptr loadOffset = 0;
  const Elf64_Dyn* dyn = nullptr;
  bool haveLoad = false;
  for (int i = 0; i < eh->e_phnum; i++) {
    if (ph[i].p_type == PT_LOAD && !haveLoad) {
      haveLoad = true;
      loadOffset = base + ph[i].p_offset - ph[i].p_vaddr;
    } else if (ph[i].p_type == PT_DYNAMIC) {
      dyn = reinterpret_cast<const Elf64_Dyn*>(base + ph[i].p_offset);
    }
  }
  if (!haveLoad || dyn == nullptr) return nullptr;
  const Elf64_Sym* symtab = nullptr;
  const char* strtab = nullptr;
  const Elf32_Word* hash = nullptr;
  const Elf32_Word* gnuhash = nullptr;
  for (; dyn->d_tag != DT_NULL; dyn++) {
    uintptr ptr = loadOffset + dyn->d_un.d_ptr;
    switch (dyn->d_tag) {
      case DT_SYMTAB: symtab = reinterpret_cast<const Elf64_Sym*>(ptr); break;
      case DT_STRTAB: strtab = reinterpret_cast<const char*>(ptr); break;
      case DT_HASH: hash = reinterpret_cast<const Elf32_Word*>(ptr); break;
      case DT_GNU_HASH: gnuhash = reinterpret_cast<const Elf32_Word*>(ptr); break;
    }
  }
  if (symtab == nullptr || strtab == nullptr) return nullptr;
  uint32 nsym = 0;
  if (hash != nullptr) {
    nsym = hash[1];  // nchain
  } else if (gnuhash != nullptr) {
    // The symbol count is one past the highest index in any chain.
    uint32 nbucket = gnuhash[0], symoffset = gnuhash[1], bloomsize = gnuhash[2];
    auto* buckets = gnuhash + 4 + bloomsize * 2;  // bloom words are 64-bit
    auto* chain = buckets + nbucket;
    uint32 last = 0;
    for (uint32 i = 0; i < nbucket; i++)
      if (buckets[i] > last) last = buckets[i];
    if (last >= symoffset) {
      while ((chain[last - symoffset] & 1) == 0) last++;
      nsym = last + 1;
    }
  }
  for (uint32 i = 0; i < nsym; i++) {
    const Elf64_Sym& s = symtab[i];
    if (s.st_shndx == SHN_UNDEF || ELF64_ST_TYPE(s.st_info) != STT_FUNC) continue;
    const char* a = strtab + s.st_name;
    const char* b = name;
    while (*a != 0 && *a == *b) a++, b++;
    if (*a == 0 && *b == 0) return reinterpret_cast<void*>(loadOffset + s.st_value);
  }
  return nullptr;
}

// args records argc/argv/envp and reads the auxiliary vector (Go: args and
// sysargs). Called by rt0_go on g0 before anything else of the runtime.
uintptr initStackTop;

void args(int argc, char** argv, void (*rtld_fini)()) {
  const char* execfn = nullptr;
  boot::initstack st = boot::initstack_read(argc, argv);
  argc_ = st.argc;
  argv_ = st.argv;
  envp_ = st.envp;
  rtld_fini_ = rtld_fini;
  auxv_ = st.auxv;
  for (Elf64_auxv_t* a = auxv_; a->a_type != AT_NULL; a++) {
    switch (a->a_type) {
      case AT_PAGESZ: physPageSize = a->a_un.a_val; break;
      case AT_RANDOM: atRandom = reinterpret_cast<const unsigned char*>(a->a_un.a_val); break;
      case AT_HWCAP: hwcap = a->a_un.a_val; break;
      case AT_SYSINFO_EHDR: vdsoBase = a->a_un.a_val; break;
      case AT_EXECFN: execfn = reinterpret_cast<const char*>(a->a_un.a_val); break;
      case AT_PHDR: execPhdr = a->a_un.a_val; break;
      case AT_PHNUM: execPhnum = a->a_un.a_val; break;
    }
  }
  if (physPageSize == 0) physPageSize = 4096;
  // The kernel copies the path it executed first, just below a NULL word
  // that ends the stack mapping (boot/initstack.hpp).
  if (execfn != nullptr) initStackTop = reinterpret_cast<uintptr>(execfn) + rt_strlen(execfn) + 1 + 8;
  if (initStackTop % physPageSize != 0 || initStackTop <= reinterpret_cast<uintptr>(argv)) initStackTop = 0;
  if (atRandom != nullptr) rt_memmove(&startupRandom, atRandom + 8, sizeof startupRandom);
  if (vdsoBase != 0)
    vdsoClockGettime = reinterpret_cast<clock_gettime_fn>(vdsoFindSymbol(vdsoBase, "__vdso_clock_gettime"));
  boottrace(bootstep::args, nullptr, argc);
}

// getproccount counts the CPUs this process may run on (Go: getproccount).
int32 getproccount() {
  // Room for 64K CPUs, as Go has: the kernel refuses a mask smaller than its
  // own CPU count with EINVAL.
  uint64 buf[65536 / 64] = {};
  long r = sys_sched_getaffinity(0, sizeof buf, buf);
  if (r < 0) return 1;
  int32 n = 0;
  for (long i = 0; i < r / 8; i++) n += rt_popcount64(buf[i]);
  return n > 0 ? n : 1;
}

void osinit() {
  ncpu = getproccount();
  lockinit();
  boottrace(bootstep::osinit, nullptr, ncpu);
}

// clockgettime reads clock clk through the vDSO where it can (0 or
// -errno): for the nolibc flavour's clock_gettime.
long clockgettime(int clk, void* ts) {
  if (vdsoClockGettime != nullptr) return vdsoClockGettime(clk, static_cast<kernel_timespec*>(ts));
  return sys_clock_gettime(clk, static_cast<kernel_timespec*>(ts));
}

int64 nanotime() {
  kernel_timespec ts;
  if (vdsoClockGettime != nullptr)
    vdsoClockGettime(CLOCK_MONOTONIC, &ts);
  else
    sys_clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64 gettid() { return sys_gettid(); }
void osyield() { sys_sched_yield(); }

void usleep(uint32 usec) {
  kernel_timespec ts{long(usec / 1000000), long(usec % 1000000) * 1000};
  sys_nanosleep(&ts, nullptr);
}

// The signal mask of the thread that booted (Go: initSigmask); new Ms
// take theirs from newmSigmask (signal_unix.cpp).
uint64 initSigmask;

void sigsave(uint64* mask) { sys_rt_sigprocmask(SIG_SETMASK, nullptr, mask); }
void sigprocmask_set(uint64 mask, uint64* old) { sys_rt_sigprocmask(SIG_SETMASK, &mask, old); }
[[noreturn]] void exit_group(int code) { sys_exit_group(code); }

// The soft RLIMIT_STACK, or 0 if unlimited or unknown.
uintptr stack_rlimit() {
  struct rlimit rl;
  if (sys_prlimit64(0, RLIMIT_STACK, nullptr, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY) return 0;
  return rl.rlim_cur;
}

// futexsleep sleeps while *addr == val, at most ns nanoseconds (ns < 0:
// forever). It may wake spuriously. Private futexes: all waiters share our
// address space.
void futexsleep(std::atomic<uint32>* addr, uint32 val, int64 ns) {
  if (ns < 0) {
    sys_futex(addr, FUTEX_WAIT_PRIVATE, val, nullptr);
    return;
  }
  kernel_timespec ts{long(ns / 1000000000), long(ns % 1000000000)};
  sys_futex(addr, FUTEX_WAIT_PRIVATE, val, &ts);
}

void futexwakeup(std::atomic<uint32>* addr, uint32 cnt) {
  long r = sys_futex(addr, FUTEX_WAKE_PRIVATE, cnt, nullptr);
  if (r < 0) throw_("futexwakeup failed");
}

// ---- threads (Go: os_linux.go) ----

// newosproc starts the thread of mp (Go: newosproc). All signals are
// masked while the thread is being created, and it inherits that mask, so
// it begins with every signal masked; minit gives it mp->sigmask once the
// thread has a g.
void newosproc(m* mp) {
  uint64 all = ~uint64(0), old;
  sigprocmask_set(all, &old);
  int err = flavour_newosproc(mp, mp->g0mem, mp->g0memsize);
  sigprocmask_set(old, nullptr);
  if (err != 0) {
    print("runtime: failed to create new OS thread (have ", mcount(), " already; errno=", err, ")\n");
    if (err == 11 /* EAGAIN */) print("runtime: may need to increase max user processes (ulimit -u)\n");
    throw_("newosproc");
  }
}

// mstart_newthread is where a new M's thread begins, on the g0 stack that
// allocm mapped (called by the flavour's thread entry, from newosproc).
// sp is the thread's stack pointer at entry: the hosted flavour's thread
// library keeps its own per-thread data at the top of the stack we gave it,
// so the usable g0 stack ends there. Returns when the M exits.
void mstart_newthread(m* mp, uintptr sp) {
  tlsg = mp->g0;
  mp->tls = reinterpret_cast<uintptr>(&tlsg);  // this thread's slot, for sysmon's reads
  g* g0p = mp->g0;
  g0p->stack.hi = sp;
  g0p->stack.lo = mp->g0mem + kM0GuardSize;
  // allocm sized the mapping for what the thread library keeps; if it kept
  // more (a glibc tunable that enlarges the static TLS surplus), the g0
  // stack would be smaller than the runtime counts on: say so, never
  // shrink in silence.
  if (sp < g0p->stack.lo + kM0StackSize) {
    print("runtime: g0 stack of a new M is ", sp > g0p->stack.lo ? sp - g0p->stack.lo : 0, " bytes, want ",
          kM0StackSize, ": the thread library kept ", mp->g0mem + mp->g0memsize - sp, " bytes of ",
          mp->g0memsize - kM0GuardSize, " for itself (static TLS)\n");
    throw_("newosproc: g0 stack too small");
  }
  mstart0();
}

// minit is called to initialise a new m, on the new thread (Go: minit):
// record the thread id, find this thread's C++ exception state (hosted
// flavour), give it its signal stack and then its signal mask (the one
// newmSigmask chose, in place of the full mask that newosproc blocked),
// which the preemption handler checks against.
void minit() {
  g* gp = getg();
  gp->m->procid = gettid();
  __atomic_store_n(&gp->m->ehglobals, flavour_minit(), __ATOMIC_RELEASE);  // throwsInFlight reads it from other Ms
  gp->m->errnoloc = flavour_errno();
  minitSignalStack();
  minitSignalMask();
  santhread(gp->m->g0);  // sanitizer.hpp
}

// ---- what sysmon reads of other threads ----

// taskpath writes "/proc/self/task/<tid>/<file>" into buf.
static void taskpath(char* buf, int64 tid, const char* file) {
  const char* pre = "/proc/self/task/";
  char* q = buf;
  for (const char* s = pre; *s != 0; s++) *q++ = *s;
  char digits[24];
  int n = 0;
  do digits[n++] = char('0' + tid % 10); while ((tid /= 10) > 0);
  while (n > 0) *q++ = digits[--n];
  *q++ = '/';
  for (const char* s = file; *s != 0; s++) *q++ = *s;
  *q = 0;
}

// threadstate returns the kernel's scheduling state of mp's thread, the
// third field of /proc/self/task/<tid>/stat: 'R' running or runnable, 'S'
// asleep (interruptibly), 'D' asleep (uninterruptibly), ... or 0 when it
// cannot be read. The file stays open in m::statfd, so a read costs one
// pread (about 3 us here). sysmon, and a stopper of the world (preemptone);
// a pread at offset 0 needs no lock, and of two opens the loser closes its
// own.
int32 threadstate(m* mp) {
  if (mp->procid == 0) return 0;
  int32 fd = mp->statfd.load(std::memory_order_acquire);
  if (fd < 0) {
    char path[64];
    taskpath(path, mp->procid, "stat");
    long nfd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
    if (nfd < 0) return 0;
    fd = int32(nfd);
    int32 none = -1;
    if (!mp->statfd.compare_exchange_strong(none, fd)) {
      sys_close(fd);
      fd = none;
    }
  }
  // "tid (comm) S ...": comm may hold spaces and parentheses, so the state
  // follows the last ')'.
  char buf[512];
  long n = sys_pread64(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  for (long i = n - 1; i > 0; i--)
    if (buf[i] == ')') return i + 2 < n ? buf[i + 2] : 0;
  return 0;
}

// threadsyscallsp reads the user stack and instruction pointers of mp's
// thread, blocked in a system call, from /proc/self/task/<tid>/syscall
// ("nr a1 ... a6 sp pc", hex); false if it is not blocked in one.
bool threadsyscallsp(m* mp, uintptr* sp, uintptr* pc) {
  char path[64];
  taskpath(path, mp->procid, "syscall");
  long fd = sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return false;
  char buf[256];
  long n = sys_pread64(int(fd), buf, sizeof buf - 1, 0);
  sys_close(int(fd));
  if (n <= 0 || buf[0] < '0' || buf[0] > '9') return false;  // "running", or unreadable
  buf[n] = 0;
  uintptr v[9] = {};
  int k = 0;
  for (long i = 0; i < n && k < 9;) {
    while (i < n && (buf[i] == ' ' || buf[i] == '\n')) i++;
    if (i >= n) break;
    if (buf[i] == '0' && buf[i + 1] == 'x') i += 2;
    uintptr x = 0;
    for (; i < n && buf[i] != ' ' && buf[i] != '\n'; i++) {
      char c = buf[i];
      x = x * 16 + uintptr(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
    }
    v[k++] = x;
  }
  if (k != 9) return false;
  *sp = v[7];
  *pc = v[8];
  return true;
}

// ---- helpers of rt0_go (boot/rt0_linux_amd64.S). They run before TLS is
// checked, so they use no thread-local state and no libc. ----

// rt0_random returns 8 bytes of AT_RANDOM for the TLS self-test; never 0.
extern "C" uint64 rt0_random(int argc, char** argv) RUNTIME_SYM("rt0_random");
uint64 rt0_random(int argc, char** argv) {
  uint64 v = arch::cputicks();
  if (uintptr r = boot::initstack_getauxval(boot::initstack_read(argc, argv).auxv, AT_RANDOM); r != 0)
    rt_memmove(&v, reinterpret_cast<void*>(r), sizeof v);
  return v | 1;
}

static void rawprint(const char* s) { sys_write(2, s, rt_strlen(s)); }

extern "C" [[noreturn]] void rt0_badtls() RUNTIME_SYM("rt0_badtls");
void rt0_badtls() {
  rawprint("fatal error: TLS self-test failed: a value written through %fs did not read back\n"
           "(the thread pointer does not point at this thread's TLS block)\n");
  sys_exit_group(2);
}

// rt0_nodynamic: rt0_go found no rtld_fini, so no dynamic loader ran and
// glibc was never initialised: the program was linked statically (or its
// entry was called by something other than the kernel and ld.so).
extern "C" [[noreturn]] void rt0_nodynamic(int argc, char** argv) RUNTIME_SYM("rt0_nodynamic");
void rt0_nodynamic(int argc, char** argv) {
  bool interp = true;
  for (Elf64_auxv_t* a = boot::initstack_read(argc, argv).auxv; a->a_type != AT_NULL; a++)
    if (a->a_type == AT_BASE && a->a_un.a_val == 0) interp = false;
  rawprint("gort: ");
  rawprint(argc > 0 && argv[0] != nullptr ? argv[0] : "program");
  rawprint(interp ? ": started without the dynamic loader's rtld_fini\n"
                  : ": statically linked, which the hosted flavour cannot run\n");
  rawprint("gort: glibc initialises itself only through ld.so or its own start code, which gort\n"
           "      replaces; link dynamically (gort-c++ does unless given -static)\n");
  sys_exit_group(2);
}

}  // namespace gort::runtime
