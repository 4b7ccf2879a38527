// <gort/gort.hpp>: goroutines for C++ programs, on Go's scheduler.
//
// gort is a runtime that boots a C++ program the way Go boots a Go program
// (the ELF entry is _rt0_amd64_linux, then rt0_go, schedinit, mstart) and
// runs it on Go's G/M/P scheduler. main() is goroutine 1; gort::go starts
// more. It is not a library to call from an ordinary program: the program
// must be linked through the runtime's start code. Hello, in two lines:
//
//     $ gort-c++ -O2 hello.cpp -o hello      # or: g++ ... $(pkg-config --cflags --libs gort)
//     $ ./hello
//
// Names follow Go's runtime package (goid, gosched, num_goroutine, num_cpu).
// See gort(7) for the model and how it differs from Go.
//
// Caution (gort(7), "THREADS AND TLS"): thread_local variables and errno
// belong to the OS thread, and a goroutine may resume on another thread after
// any call that can switch goroutines. Do not keep the address of a thread_local
// across gort::gosched() or any blocking gort call. (A goroutine preempted
// between two calls resumes on the same thread: gort(7), "PREEMPTION".)
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gort {

namespace detail {
inline constexpr std::size_t closure_size = 48;  // bytes of closure space in each goroutine
inline constexpr std::size_t closure_align = 16;

struct spawn {
  void* g;        // the new goroutine, not yet runnable
  void* closure;  // closure_size bytes in it, for the entry's state
};
// The two halves of Go's newproc: take a goroutine whose entry will be
// entry(closure), then make it runnable. newproc_cancel returns an unused one.
spawn newproc_begin(void (*entry)(void*)) noexcept;
void newproc_end(void* g) noexcept;
void newproc_cancel(void* g) noexcept;
// go_nil ends the program: a go of a nil function (Go: newproc1's
// "go of nil func value", a fatal error).
[[noreturn]] void go_nil() noexcept;

// isnil: f is a null function pointer, member pointer or an empty
// std::function (anything with target_type()); other callables never are.
template <class F, class = void>
struct has_target_type : std::false_type {};
template <class F>
struct has_target_type<F, std::void_t<decltype(std::declval<const F&>().target_type())>> : std::true_type {};
template <class F>
bool isnil(const F& f) {
  if constexpr (std::is_pointer_v<F> || std::is_member_pointer_v<F>)
    return f == nullptr;
  else if constexpr (has_target_type<F>::value)
    return !f;
  else
    return false;
}

template <class F, class... A>
struct closure {
  F f;
  std::tuple<A...> args;
  void operator()() { std::apply(std::move(f), std::move(args)); }
};

// Goroutine entries. An exception that escapes a goroutine ends the program
// as a Go panic does, with the stack at the throw point (gort-debug(7)).
// They are deliberately not noexcept, and nothing between them and the
// bottom frame (runtime.goexit, whose CFI ends the chain) catches: so the
// C++ runtime's search for a handler reaches the end of the stack, and
// std::terminate is called from inside the throw, with the throwing frames
// still there for the report. A noexcept frame here would count as a
// handler: GCC would first unwind to it, destroying those frames.
template <class C>
void entry_inline(void* p) {
  C* c = static_cast<C*>(p);
  (*c)();
  c->~C();
}
template <class C>
void entry_heap(void* p) {
  C* c = *static_cast<C**>(p);
  (*c)();
  delete c;
}
}  // namespace detail

// go starts a new goroutine running f(args...), like Go's `go f(args...)`.
// f and args are decay-copied (moved where possible) into the new goroutine,
// as std::thread does; their destructors run on it when f returns. The new
// goroutine is queued to run next on the caller's P (after the caller yields
// or blocks); when a P is idle, another thread may take it and run it at
// once.
//
// go is always inlined, so that the goroutine's "created by" line in a
// traceback names the function with the go call (gort-debug(7)).
template <class F, class... Args>
[[gnu::always_inline]] inline void go(F&& f, Args&&... args) {
  using C = detail::closure<std::decay_t<F>, std::decay_t<Args>...>;
  static_assert(std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>,
                "gort::go: f is not callable with these arguments");
  if (detail::isnil<std::decay_t<F>>(f)) detail::go_nil();
  if constexpr (sizeof(C) <= detail::closure_size && alignof(C) <= detail::closure_align) {
    detail::spawn s = detail::newproc_begin(&detail::entry_inline<C>);
    try {
      ::new (s.closure) C{std::forward<F>(f), {std::forward<Args>(args)...}};
    } catch (...) {
      detail::newproc_cancel(s.g);
      throw;
    }
    detail::newproc_end(s.g);
  } else {
    C* c = new C{std::forward<F>(f), {std::forward<Args>(args)...}};
    detail::spawn s = detail::newproc_begin(&detail::entry_heap<C>);
    ::new (s.closure) C*(c);
    detail::newproc_end(s.g);
  }
}

// panic_error is what gort::panic throws: a std::runtime_error carrying the
// message.
class panic_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// panic is Go's panic with a string value, in C++ terms: it throws
// panic_error(msg), so destructors run as the stack unwinds (Go's deferred
// calls) and a catch recovers it (Go's recover). If nothing catches it, the
// program ends as for any uncaught exception: "panic: <msg>", the
// goroutine's stack at the panic, exit status 2 (gort-debug(7)).
[[noreturn]] void panic(const char* msg);
[[noreturn]] void panic(const std::string& msg);

// gosched yields the processor, letting other goroutines run; the caller
// resumes later by itself (Go: runtime.Gosched).
void gosched() noexcept;

// goid returns the running goroutine's id; main runs as goroutine 1.
std::int64_t goid() noexcept;

// num_goroutine returns the number of goroutines that currently exist (Go:
// runtime.NumGoroutine).
int num_goroutine() noexcept;

// num_cpu returns the number of CPUs this process may use, as read at start
// from the affinity mask (Go: runtime.NumCPU).
int num_cpu() noexcept;

// version returns the runtime's version string (Go: runtime.Version).
const char* version() noexcept;

// gomaxprocs sets the number of processors (Ps) that may run goroutines at
// the same time and returns the previous setting. n <= 0 only queries.
// Changing it stops the world: the goroutine running on each P is
// preempted (gort(7), "PREEMPTION"), or, if it is inside a library call or
// a no_preempt region, stops when it returns to the program's code or
// enters the scheduler (Go: runtime.GOMAXPROCS).
int gomaxprocs(int n) noexcept;

namespace detail {
void no_preempt_enter() noexcept;
void no_preempt_exit() noexcept;
}  // namespace detail

// no_preempt keeps the running goroutine from being preempted
// asynchronously while it lives: the goroutine still yields where it
// calls the scheduler itself (a channel, a gort::mutex, gosched), but
// sysmon cannot stop it in between. A request made meanwhile is honoured
// when the outermost guard ends. For code that must not be interleaved
// with other goroutines on the same thread although it makes no library
// call: work under a pthread or std mutex that other goroutines take too,
// a callback that a library calls while holding its own lock (gort(7),
// "PREEMPTION"). Nests; per goroutine.
class no_preempt {
 public:
  no_preempt() noexcept { detail::no_preempt_enter(); }
  ~no_preempt() { detail::no_preempt_exit(); }
  no_preempt(const no_preempt&) = delete;
  no_preempt& operator=(const no_preempt&) = delete;
};

// lock_os_thread wires the calling goroutine to its current OS thread: it
// always runs on that thread, and no other goroutine runs there, until it
// has called unlock_os_thread as many times as lock_os_thread. A goroutine
// that exits while locked takes its thread with it: the thread ends (Go:
// runtime.LockOSThread). Use it around thread-local state: thread_local,
// errno, thread ids, per-thread signal masks.
void lock_os_thread() noexcept;
void unlock_os_thread() noexcept;

namespace detail {
// The two halves of the system-call protocol for gort::syscall and
// gort::blocking. syscall_enter returns false when the caller cannot take
// part (not a goroutine, or already inside a system call): the call is then
// made as it is, and syscall_exit must not be called.
bool syscall_enter(bool block) noexcept;
void syscall_exit() noexcept;
struct syscall_scope {
  bool entered;
  ~syscall_scope() {
    if (entered) syscall_exit();
  }
};
}  // namespace detail

// syscall calls f(args...) as a system call that may block, and returns
// what it returns (Go: syscall.Syscall): while f runs, the goroutine's P is
// free for other goroutines, and sysmon hands it to another thread if f
// takes longer than a sysmon tick (20 us to 10 ms). An exception from f
// passes through, with the P taken back first. Inside f, make only calls
// that need no P: system calls, libc, computation; no gort call that may
// park (a channel, gort::sleep, a gort::mutex).
//
// Most programs never need it: libc's blocking calls (read, write, sleep,
// waitpid, std::mutex, ...) already go through the same protocol (gort(7),
// "SYSTEM CALLS"). It is for blocking code gort cannot see: a raw
// syscall(2), an inline futex, a library that talks to the kernel itself.
template <class F, class... Args>
decltype(auto) syscall(F&& f, Args&&... args) {
  detail::syscall_scope s{detail::syscall_enter(false)};
  return std::forward<F>(f)(std::forward<Args>(args)...);
}

// blocking is syscall for a call known to block for a long time (Go:
// entersyscallblock): the P is handed to another thread at once, without
// waiting for sysmon.
template <class F, class... Args>
decltype(auto) blocking(F&& f, Args&&... args) {
  detail::syscall_scope s{detail::syscall_enter(true)};
  return std::forward<F>(f)(std::forward<Args>(args)...);
}

// set_max_threads sets the most OS threads (Ms) the program may use and
// returns the previous limit (default 10000). A program that needs more
// dies with "fatal error: thread exhaustion", as does setting a limit below
// the number in use (Go: runtime/debug.SetMaxThreads).
int set_max_threads(int n) noexcept;

// exec replaces the running program with the one at path, as execve(2)
// does (same process id, open descriptors kept except close-on-exec ones,
// caught signals reset, the signal mask kept, every other thread ended),
// but without execve: gort's own userland exec starts it, exactly as
// gort-exec(1) does. argv as execve's (nullptr: the kernel's [""]); envp
// nullptr means the current environment. Everything that can fail is
// checked before anything is changed: on failure exec returns an errno
// value (ENOENT, EACCES, ENOEXEC, E2BIG, ELOOP, ELIBBAD, EPERM, EAGAIN,
// ...), as posix_spawn does, with gort-exec's one-line reason in *why, and
// the program goes on (ENOTSUP under ThreadSanitizer, gort-debug(7)). It never returns otherwise. The world is stopped
// and the other threads end wherever they are, as under execve. Linking
// it brings in libgort-exec.a and libelf (gort-c++ does it when used).
int exec(const char* path, char* const argv[], char* const envp[], std::string* why = nullptr) noexcept;

}  // namespace gort

#include "sync.hpp"
#include "chan.hpp"
#include "time.hpp"
