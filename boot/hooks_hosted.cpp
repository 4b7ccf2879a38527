// boot/hooks_hosted.cpp: the hosted flavour's libc hooks whose work is
// libc's own: getaddrinfo and the blocking pthread and semaphore calls.
// Like the hooks of runtime/syscall_linux.cpp they are defined in the crt
// object and exported from the executable, so that every caller binds to
// them; each one reaches libc's own function (dlsym(RTLD_NEXT), resolved at
// its first use: a hook may run before the runtime is up, from a shared
// library's constructor) and calls it as a goroutine should:
//   - an uncontended std::mutex (pthread_mutex_lock) or semaphore costs a
//     trylock more than in a plain program, and nothing else;
//   - a contended lock and a condition-variable wait block inside
//     entersyscall: sysmon's retake hands the P off if the wait lasts;
//   - pthread_join and getaddrinfo, which wait for long, block inside
//     entersyscallblock, which hands the P off at once.
// A thread gort does not manage, g0, a goroutine already in a system call
// or a forked child calls libc straight away (hookable). gort(7), "SYSTEM
// CALLS".
//
// And the signal calls that asynchronous preemption must see (gort(7),
// "PREEMPTION"): sigaction and signal for the preemption signal (SIGURG)
// keep the program's action aside for the signals the runtime did not
// send, without replacing the runtime's handler; pthread_sigmask and
// sigprocmask tell the runtime the thread's new mask, against which its
// handler recognises code running inside a signal handler.
#include <dlfcn.h>
#include <netdb.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>

#include <atomic>
#include <cerrno>

#include "../runtime/runtime.hpp"

namespace gort::runtime {

// real finds libc's definition of the function we interpose, once.
template <class F>
static F real(std::atomic<F>& slot, const char* name) {
  F f = slot.load(std::memory_order_acquire);
  if (__builtin_expect(f == nullptr, 0)) {
    f = reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
    if (f == nullptr) {
      print("gort: cannot find libc's ", name, " (dlsym: ", dlerror(), ")\n");
      exit_group(2);
    }
    slot.store(f, std::memory_order_release);
  }
  return f;
}

#define REAL(name) real(real_##name, #name)

// blockingcall runs f between entersyscall (entersyscallblock with block)
// and exitsyscall. Its frame stays for the whole wait, for tracebacks.
template <class F>
[[gnu::noinline]] static int blockingcall(bool block, F f) {
  if (block)
    entersyscallblock();
  else
    entersyscall();
  int r = f();
  int e = errno;
  exitsyscall();
  preemptcheck();  // a pending preemption request is honoured here
  errno = e;  // this thread's, which may not be the one f ran on
  return r;
}

static std::atomic<int (*)(pthread_mutex_t*)> real_pthread_mutex_lock;
static std::atomic<int (*)(pthread_mutex_t*)> real_pthread_mutex_trylock;
static std::atomic<int (*)(pthread_cond_t*, pthread_mutex_t*)> real_pthread_cond_wait;
static std::atomic<int (*)(pthread_cond_t*, pthread_mutex_t*, const timespec*)> real_pthread_cond_timedwait;
static std::atomic<int (*)(pthread_cond_t*, pthread_mutex_t*, clockid_t, const timespec*)> real_pthread_cond_clockwait;
static std::atomic<int (*)(pthread_t, void**)> real_pthread_join;
static std::atomic<int (*)(pthread_t, void**)> real_pthread_tryjoin_np;
static std::atomic<int (*)(sem_t*)> real_sem_wait;
static std::atomic<int (*)(sem_t*)> real_sem_trywait;
static std::atomic<int (*)(sem_t*, const timespec*)> real_sem_timedwait;
static std::atomic<int (*)(const char*, const char*, const addrinfo*, addrinfo**)> real_getaddrinfo;
static std::atomic<int (*)(int, const struct sigaction*, struct sigaction*)> real_sigaction;
static std::atomic<sighandler_t (*)(int, sighandler_t)> real_signal;
static std::atomic<int (*)(int, const sigset_t*, sigset_t*)> real_pthread_sigmask;
static std::atomic<int (*)(int, const sigset_t*, sigset_t*)> real_sigprocmask;

}  // namespace gort::runtime

using namespace gort::runtime;

extern "C" int pthread_mutex_lock(pthread_mutex_t* mu) {
  if (!hookable()) return REAL(pthread_mutex_lock)(mu);
  int r = REAL(pthread_mutex_trylock)(mu);
  if (r != EBUSY) return r;
  return blockingcall(false, [mu] { return REAL(pthread_mutex_lock)(mu); });
}

extern "C" int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* mu) {
  if (!hookable()) return REAL(pthread_cond_wait)(c, mu);
  return blockingcall(false, [c, mu] { return REAL(pthread_cond_wait)(c, mu); });
}

extern "C" int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* mu, const timespec* abstime) {
  if (!hookable()) return REAL(pthread_cond_timedwait)(c, mu, abstime);
  return blockingcall(false, [c, mu, abstime] { return REAL(pthread_cond_timedwait)(c, mu, abstime); });
}

// std::condition_variable::wait_for/wait_until on the steady clock.
extern "C" int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* mu, clockid_t clk, const timespec* abstime) {
  if (!hookable()) return REAL(pthread_cond_clockwait)(c, mu, clk, abstime);
  return blockingcall(false, [c, mu, clk, abstime] { return REAL(pthread_cond_clockwait)(c, mu, clk, abstime); });
}

extern "C" int pthread_join(pthread_t t, void** retval) {
  if (!hookable()) return REAL(pthread_join)(t, retval);
  int r = REAL(pthread_tryjoin_np)(t, retval);
  if (r != EBUSY) return r;
  return blockingcall(true, [t, retval] { return REAL(pthread_join)(t, retval); });
}

extern "C" int sem_wait(sem_t* s) {
  if (!hookable()) return REAL(sem_wait)(s);
  if (REAL(sem_trywait)(s) == 0) return 0;
  if (errno != EAGAIN) return -1;
  return blockingcall(false, [s] { return REAL(sem_wait)(s); });
}

extern "C" int sem_timedwait(sem_t* s, const timespec* abstime) {
  if (!hookable()) return REAL(sem_timedwait)(s, abstime);
  if (REAL(sem_trywait)(s) == 0) return 0;
  if (errno != EAGAIN) return -1;
  return blockingcall(false, [s, abstime] { return REAL(sem_timedwait)(s, abstime); });
}

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
  if (!hookable()) return REAL(getaddrinfo)(node, service, hints, res);
  return blockingcall(true, [=] { return REAL(getaddrinfo)(node, service, hints, res); });
}

extern "C" int sigaction(int sig, const struct sigaction* act, struct sigaction* old) noexcept {
  if (sigpreemptaction(sig, act, old)) return 0;
  return REAL(sigaction)(sig, act, old);
}

// signal(3) as glibc's: BSD semantics (SA_RESTART), the old handler back.
extern "C" sighandler_t signal(int sig, sighandler_t handler) noexcept {
  struct sigaction act = {}, old = {};
  act.sa_handler = handler;
  act.sa_flags = SA_RESTART;
  if (handler != SIG_ERR && sigpreemptaction(sig, &act, &old)) return old.sa_handler;
  return REAL(signal)(sig, handler);
}

extern "C" int pthread_sigmask(int how, const sigset_t* set, sigset_t* old) noexcept {
  int r = REAL(pthread_sigmask)(how, set, old);
  if (r == 0 && set != nullptr) sigmaskchanged();
  return r;
}

extern "C" int sigprocmask(int how, const sigset_t* set, sigset_t* old) noexcept {
  int r = REAL(sigprocmask)(how, set, old);
  if (r == 0 && set != nullptr) sigmaskchanged();
  return r;
}
