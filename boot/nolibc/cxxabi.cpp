// boot/nolibc/cxxabi.cpp: what the C++ runtime (libstdc++, libsupc++,
// libgcc_eh, all linked statically) needs of the C library and its start
// code, in the nolibc flavour:
//
//   - operator new and delete over the runtime's allocator;
//   - thread-safe initialisation of function-local statics (__cxa_guard_*)
//     that parks a goroutine waiting for another's initialisation, rather
//     than its M (libsupc++'s would block the thread on a futex);
//   - __cxa_pure_virtual, __cxa_deleted_virtual, __stack_chk_fail;
//   - the program's own module for the unwinder: _dl_find_object (what
//     GCC 12's libgcc asks first) and dl_iterate_phdr over the program
//     headers that settls found;
//   - the few pthread calls libgcc and libsupc++ make (their mutexes and
//     once), and what libstdc++'s std::mutex reaches (pthread_mutex_*),
//     which park goroutines too; __libc_single_threaded, gettext.
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>

#include "../../include/gort/sync.hpp"
#include "../../runtime/malloc.hpp"
#include "../../runtime/sys_linux.hpp"
#include "nolibc.hpp"

using namespace gort::runtime;
namespace nl = gort::nolibc;

// ---- operator new and delete (replacing libsupc++'s) ----

namespace {

void* newalloc(std::size_t n, std::size_t align) {
  for (;;) {
    if (void* v = mallocgc(n, align < 8 ? 8 : align, false); v != nullptr) return v;
    std::new_handler h = std::get_new_handler();
    if (h == nullptr) throw std::bad_alloc();
    h();
  }
}

void* newnothrow(std::size_t n, std::size_t align) noexcept {
  try {
    return newalloc(n, align);
  } catch (...) {
    return nullptr;
  }
}

}  // namespace

void* operator new(std::size_t n) { return newalloc(n, 16); }
void* operator new[](std::size_t n) { return newalloc(n, 16); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return newnothrow(n, 16); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return newnothrow(n, 16); }
void* operator new(std::size_t n, std::align_val_t a) { return newalloc(n, std::size_t(a)); }
void* operator new[](std::size_t n, std::align_val_t a) { return newalloc(n, std::size_t(a)); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return newnothrow(n, std::size_t(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return newnothrow(n, std::size_t(a));
}
void operator delete(void* p) noexcept { mfree(p); }
void operator delete[](void* p) noexcept { mfree(p); }
void operator delete(void* p, std::size_t) noexcept { mfree(p); }
void operator delete[](void* p, std::size_t) noexcept { mfree(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { mfree(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { mfree(p); }
void operator delete(void* p, std::align_val_t) noexcept { mfree(p); }
void operator delete[](void* p, std::align_val_t) noexcept { mfree(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { mfree(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { mfree(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { mfree(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { mfree(p); }

// ---- function-local statics (the Itanium C++ ABI's guards) ----
//
// A guard is 64 bits; the compiler's inline check reads its first byte
// (non-zero: initialised) with an acquire load, and calls
// __cxa_guard_acquire otherwise. Byte 1 here means "being initialised",
// byte 2 "someone waits". A goroutine that finds the initialisation in
// progress parks on the list of guard waiters (Go's sync.Once makes its
// waiters park the same way, on a mutex's semaphore); the initialiser's
// release or abort readies them. Code that may not park (g0) yields the
// thread until the initialisation is over.

namespace {

struct guardwaiter {
  g* gp;
  const unsigned char* guard;
  guardwaiter* next;
};

constinit mutex guardlock;
constinit guardwaiter* guardwaiters = nullptr;

// guardtake takes the goroutines waiting on guard (guardlock held);
// they are returned to be readied once the lock is released.
guardwaiter* guardtake(const unsigned char* guard) {
  guardwaiter* woken = nullptr;
  for (guardwaiter** pp = &guardwaiters; *pp != nullptr;) {
    guardwaiter* w = *pp;
    if (w->guard == guard) {
      *pp = w->next;
      w->next = woken;
      woken = w;
    } else {
      pp = &w->next;
    }
  }
  return woken;
}

void guardready(guardwaiter* w) {
  while (w != nullptr) {
    guardwaiter* next = w->next;  // w lives on the waiter's stack: read before it runs
    goready(w->gp);
    w = next;
  }
}

// guardacquire and guardrelease work on the guard's first bytes.
int guardacquire(unsigned char* b) {
  for (;;) {
    if (__atomic_load_n(&b[0], __ATOMIC_ACQUIRE) != 0) return 0;
    bool canpark = nl::ongoroutine();
    lock(&guardlock);
    if (__atomic_load_n(&b[0], __ATOMIC_RELAXED) != 0) {
      unlock(&guardlock);
      return 0;
    }
    if (b[1] == 0) {
      b[1] = 1;
      unlock(&guardlock);
      return 1;  // the caller initialises, then calls release (or abort)
    }
    if (!canpark) {
      unlock(&guardlock);
      osyield();
      continue;
    }
    b[2] = 1;
    guardwaiter w{getg(), b, guardwaiters};
    guardwaiters = &w;
    goparkunlock(&guardlock, waitReason::semacquire);  // as a sync.Once's waiters show
  }
}

void guardrelease(unsigned char* b, bool done) {
  lock(&guardlock);
  if (done) __atomic_store_n(&b[0], 1, __ATOMIC_RELEASE);
  b[1] = 0;
  guardwaiter* w = b[2] != 0 ? guardtake(b) : nullptr;
  b[2] = 0;
  unlock(&guardlock);
  guardready(w);
}

}  // namespace

extern "C" {

int __cxa_guard_acquire(std::uint64_t* g) { return guardacquire(reinterpret_cast<unsigned char*>(g)); }
void __cxa_guard_release(std::uint64_t* g) noexcept { guardrelease(reinterpret_cast<unsigned char*>(g), true); }
// The initialiser threw: the next caller tries again.
void __cxa_guard_abort(std::uint64_t* g) noexcept { guardrelease(reinterpret_cast<unsigned char*>(g), false); }

// ---- fatal conditions of the C++ ABI ----

[[noreturn]] void __cxa_pure_virtual() { fatal("pure virtual method called"); }
[[noreturn]] void __cxa_deleted_virtual() { fatal("deleted virtual method called"); }

// The canary at %fs:0x28 did not match: glibc's message, then SIGABRT.
[[noreturn]] void __stack_chk_fail() noexcept {
  static const char msg[] = "*** stack smashing detected ***: terminated\n";
  sys_write(2, msg, sizeof msg - 1);
  abort();
}

// ---- the program's module, for the unwinder ----

// _dl_find_object (glibc 2.35): the module holding pc and its
// PT_GNU_EH_FRAME. There is one module, the program (the vDSO has no
// unwind tables anyone needs).
int _dl_find_object(void* pc, struct dl_find_object* r) {
  auto a = reinterpret_cast<uintptr>(pc);
  if (a < nl::self.start || a >= nl::self.end) return -1;
  r->dlfo_flags = 0;
  r->dlfo_map_start = reinterpret_cast<void*>(nl::self.start);
  r->dlfo_map_end = reinterpret_cast<void*>(nl::self.end);
  r->dlfo_link_map = nullptr;
  r->dlfo_eh_frame = const_cast<unsigned char*>(nl::self.ehframehdr);
  return 0;
}

// dl_iterate_phdr: the program's own headers, under a lock held across the
// callback, as glibc holds its loader lock (libgcc's unwinder relies on it
// for its caches).
constinit static mutex phdrlock;
int dl_iterate_phdr(int (*cb)(struct dl_phdr_info*, size_t, void*), void* data) {
  struct dl_phdr_info info {};
  info.dlpi_addr = nl::self.bias;
  info.dlpi_name = "";
  info.dlpi_phdr = nl::self.phdr;
  info.dlpi_phnum = Elf64_Half(nl::self.phnum);
  info.dlpi_adds = 1;
  info.dlpi_subs = 0;
  info.dlpi_tls_modid = 1;
  lock(&phdrlock);
  int r = cb(&info, sizeof info, data);
  unlock(&phdrlock);
  return r;
}

// ---- what libstdc++ asks of glibc besides ----

// libstdc++ skips atomic reference counting (shared_ptr, exception_ptr)
// when this says the process has one thread: never, here.
char __libc_single_threaded = 0;

// No message catalogues: messages are the program's own.
char* gettext(const char* s) { return const_cast<char*>(s); }
char* dgettext(const char*, const char* s) { return const_cast<char*>(s); }
char* dcgettext(const char*, const char* s, int) { return const_cast<char*>(s); }

// ---- pthread: mutexes and once (libgcc, libsupc++, std::mutex) ----
//
// A pthread_mutex_t holds a gort::mutex: a goroutine that finds it locked
// parks. Code that may not park spins on try_lock, yielding the thread.
// Recursive and error-checking kinds are not told apart from the default.

static_assert(sizeof(pthread_mutex_t) >= sizeof(gort::mutex));

static gort::mutex* gmutex(pthread_mutex_t* m) { return reinterpret_cast<gort::mutex*>(m); }

int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t*) {
  memset(m, 0, sizeof *m);
  return 0;
}
int pthread_mutex_destroy(pthread_mutex_t*) { return 0; }

int pthread_mutex_lock(pthread_mutex_t* m) {
  if (nl::ongoroutine()) {
    gmutex(m)->lock();
    return 0;
  }
  while (!gmutex(m)->try_lock()) osyield();
  return 0;
}

int pthread_mutex_trylock(pthread_mutex_t* m) { return gmutex(m)->try_lock() ? 0 : EBUSY; }

int pthread_mutex_unlock(pthread_mutex_t* m) {
  gmutex(m)->unlock();
  return 0;
}

int pthread_mutexattr_init(pthread_mutexattr_t* a) {
  memset(a, 0, sizeof *a);
  return 0;
}
int pthread_mutexattr_destroy(pthread_mutexattr_t*) { return 0; }
int pthread_mutexattr_settype(pthread_mutexattr_t*, int) { return 0; }

// pthread_once: *once (4 bytes, zero at first) is a guard's first bytes.
int pthread_once(pthread_once_t* once, void (*fn)()) {
  static_assert(sizeof(pthread_once_t) >= 3);
  auto* b = reinterpret_cast<unsigned char*>(once);
  if (guardacquire(b) != 0) {
    fn();
    guardrelease(b, true);
  }
  return 0;
}

}  // extern "C"
