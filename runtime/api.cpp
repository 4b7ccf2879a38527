// runtime/api.cpp: the public API in <gort/gort.hpp>, over the runtime,
// and the C++ side of panics: gort::panic and the terminate handler that
// reports an uncaught exception as Go reports an unrecovered panic.
#include "../include/gort/gort.hpp"

#include <cxxabi.h>
#include <sys/auxv.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>

#include "chan.hpp"
#include "runtime.hpp"

namespace gort {

using namespace runtime;

static_assert(detail::closure_size == runtime::kClosureSize);
static_assert(sizeof(detail::chantype) == sizeof(runtime::chantype) &&
              offsetof(detail::chantype, move) == offsetof(runtime::chantype, move) &&
              offsetof(detail::chantype, destroy) == offsetof(runtime::chantype, destroy));
static_assert(sizeof(detail::scase) == sizeof(runtime::scase));
static_assert(detail::closure_align <= alignof(std::max_align_t) || detail::closure_align == 16);

// notstarted: a gort call from a thread that has no g: either the runtime
// never started (the program did not boot through _rt0_amd64_linux), or the
// caller is a thread gort does not manage (std::thread, pthread_create).
// The crt's entry (weak: the unit tests link the runtime without the crt).
extern "C" [[gnu::weak]] void _rt0_amd64_linux();

[[noreturn]] static void notstarted() {
  if (mainStarted.load())
    print("gort: gort called from a thread that gort does not manage (std::thread, pthread_create,\n"
          "gort: a library's thread): goroutines can be started and scheduled only from goroutines\n");
  else if (&_rt0_amd64_linux != nullptr && getauxval(AT_ENTRY) == reinterpret_cast<unsigned long>(&_rt0_amd64_linux))
    print("gort: gort called before the runtime started: the dynamic loader runs the constructors\n"
          "gort: of shared libraries (and a .preinit_array) before the program's entry point;\n"
          "gort: use gort from main, from what main calls, or from the program's own constructors\n");
  else
    print("gort: the gort runtime is not running: this program was not started through its\n"
          "gort: entry point _rt0_amd64_linux. Link it with gort-c++ (or pkg-config gort).\n");
  exit_group(2);
}

static inline g* curg() {
  g* gp = getg();
  if (__builtin_expect(gp == nullptr, 0)) notstarted();
  return gp;
}

namespace detail {

spawn newproc_begin(void (*entry)(void*)) noexcept {
  g* gp = curg();
  uintptr pc = reinterpret_cast<uintptr>(__builtin_return_address(0));
  g* newg = newproc1(entry, nullptr, gp->m->curg, pc, false);
  newg->startarg = newg->closure;
  return {newg, newg->closure};
}

void newproc_end(void* gp) noexcept { newproc_start(static_cast<g*>(gp)); }

void go_nil() noexcept { runtime::fatal("go of nil func value"); }

void newproc_cancel(void* gp) noexcept {
  m* mp = acquirem();
  gfput(mp->p, static_cast<g*>(gp));
  releasem(mp);
}

}  // namespace detail

void gosched() noexcept {
  curg();
  Gosched();
}

std::int64_t goid() noexcept { return curg()->goid; }

int num_goroutine() noexcept {
  curg();
  return gcount();
}

int num_cpu() noexcept { return ncpu; }

int gomaxprocs(int n) noexcept {
  curg();
  return GOMAXPROCS(n);
}

void lock_os_thread() noexcept {
  curg();
  LockOSThread();
}

int set_max_threads(int n) noexcept {
  curg();
  return setMaxThreads(n);
}

namespace detail {

// The caller's frame (the inlined gort::syscall in the program) stays for
// the whole call: it is the context a traceback of the goroutine shows.
[[gnu::noinline]] bool syscall_enter(bool block) noexcept {
  if (!cansyscall()) return false;
  auto* fp = static_cast<uintptr*>(__builtin_frame_address(0));
  if (block)
    reentersyscallblock(fp[1], uintptr(fp + 2), fp[0]);
  else
    reentersyscall(fp[1], uintptr(fp + 2), fp[0]);
  return true;
}

void syscall_exit() noexcept {
  exitsyscall();
  preemptcheck();  // a pending preemption request is honoured here
}

void no_preempt_enter() noexcept { nopreemptenter(); }
void no_preempt_exit() noexcept { nopreemptexit(); }

}  // namespace detail

void unlock_os_thread() noexcept {
  curg();
  UnlockOSThread();
}

void panic(const char* msg) { throw panic_error(msg); }

// The runtime's own recoverable panics are thrown from runtime frames,
// which are built without exceptions but with unwind tables: the unwinder
// passes through them, and they hold no lock or state by then (see
// runtime.hpp).
void runtime::panicplain(const char* s) { throw panic_error(s); }
void panic(const std::string& msg) { throw panic_error(msg); }

namespace {

// panicval is a panic's value rendered as text before its report begins
// (Go: preprintpanics, which calls Error and String first): what() may
// block, yield, take a gort::mutex, use a channel or throw, none of which
// can be done once startpanic_m has frozen the world. The text stays where
// it is (what()'s result and a std::string's bytes live in the exception
// object, which lives until the process ends) or is rendered into buf.
struct panicval {
  const char* s = nullptr;
  std::size_t n = 0;
  char buf[512];
};

void settext(panicval* v, const char* s, std::size_t n) {
  v->s = s;
  v->n = n;
}

template <class T>
bool rendernumber(panicval* v, const char* tname, const char* fmt) {
  try {
    throw;
  } catch (T x) {
    char num[64];
    std::snprintf(num, sizeof num, fmt, x);
    int n = std::snprintf(v->buf, sizeof v->buf, "%s(%s)", tname, num);
    settext(v, v->buf, std::size_t(n));
    return true;
  } catch (...) {
  }
  return false;
}

// typename_ is the demangled name of the exception being handled.
const char* typename_() {
  const char* raw = abi::__cxa_current_exception_type()->name();
  int status = 0;
  char* d = abi::__cxa_demangle(raw, nullptr, nullptr, &status);
  return d != nullptr && status == 0 ? d : raw;  // d is never freed: the process is ending
}

// renderpanicval renders the value of the exception being handled, as
// Go's printpanicval prints a panic's value: a std::exception by its
// what() (Go: an error by its Error()), a string as it is, a number with
// its type ("int(42)", Go's form for a value of a named type), anything
// else as its type and its address ("(my::T) 0xc000010000"; the object
// stays alive until the process ends, so a debugger can look at it there).
void renderpanicval(panicval* v) {
  try {
    throw;
  } catch (const std::exception& e) {
    // libstdc++'s exception for a static whose initialiser reached itself
    // (boot/cxa_guard_hosted.cpp) says only "std::exception"; say what it
    // is. (By its name: the class is defined in the crt, not in libgort.)
    const std::type_info* t = abi::__cxa_current_exception_type();
    const char* s = t != nullptr && std::strcmp(t->name(), "N9__gnu_cxx20recursive_init_errorE") == 0
                        ? "recursive initialisation of a function-local static (__gnu_cxx::recursive_init_error)"
                        : e.what();
    settext(v, s, std::strlen(s));
  } catch (const char* s) {
    settext(v, s, std::strlen(s));
  } catch (const std::string& s) {
    settext(v, s.data(), s.size());
  } catch (...) {
    if (rendernumber<bool>(v, "bool", "%d") || rendernumber<char>(v, "char", "%d") ||
        rendernumber<signed char>(v, "signed char", "%d") || rendernumber<unsigned char>(v, "unsigned char", "%u") ||
        rendernumber<short>(v, "short", "%d") || rendernumber<unsigned short>(v, "unsigned short", "%u") ||
        rendernumber<int>(v, "int", "%d") || rendernumber<unsigned>(v, "unsigned int", "%u") ||
        rendernumber<long>(v, "long", "%ld") || rendernumber<unsigned long>(v, "unsigned long", "%lu") ||
        rendernumber<long long>(v, "long long", "%lld") ||
        rendernumber<unsigned long long>(v, "unsigned long long", "%llu") || rendernumber<float>(v, "float", "%g") ||
        rendernumber<double>(v, "double", "%g") || rendernumber<long double>(v, "long double", "%Lg"))
      return;
    std::exception_ptr ep = std::current_exception();
    // libstdc++'s exception_ptr holds the address of the thrown object.
    int n = std::snprintf(v->buf, sizeof v->buf, "(%s) %p", typename_(), *reinterpret_cast<void**>(&ep));
    settext(v, v->buf, std::size_t(n) < sizeof v->buf ? std::size_t(n) : sizeof v->buf - 1);
  }
}

// panicwhileprinting: the panic value's what() threw in turn (what() is
// noexcept, so that is std::terminate again, with the new exception).
// Go's preprintpanics recovers such a panic and throws "panic while
// printing panic value: " and the new value if it is a string, its type
// otherwise.
[[noreturn]] void panicwhileprinting() {
  static char msg[640];
  const char* text = nullptr;
  std::size_t n = 0;
  try {
    throw;
  } catch (const panic_error& e) {  // gort::panic("...") in what(): a string
    text = e.what();
    n = std::strlen(text);
  } catch (const char* s) {
    text = s;
    n = std::strlen(s);
  } catch (const std::string& s) {
    text = s.data();
    n = s.size();
  } catch (...) {
  }
  if (text != nullptr)
    std::snprintf(msg, sizeof msg, "panic while printing panic value: %.*s", int(n), text);
  else
    std::snprintf(msg, sizeof msg, "panic while printing panic value: type %s", typename_());
  runtime::throw_(msg);
}

// A thread that gort does not manage has no g to mark.
thread_local bool foreignprintingpanic;

// onterminate is the std::terminate handler: with an exception active it
// is a panic that nothing recovered (gort-debug(7)); it runs inside the
// throw (see detail::entry_inline), so the goroutine's frames from the
// throw point down are still on the stack, and are printed from there.
[[noreturn]] [[gnu::noinline]] void onterminate() {
  if (abi::__cxa_current_exception_type() == nullptr)
    runtime::fatal("std::terminate called without an active exception");
  // The goroutine, not the M: what() may move it to another M.
  g* gp = getg();
  bool* printing = gp != nullptr ? &gp->m->curg->printingpanic : &foreignprintingpanic;
  if (*printing) panicwhileprinting();
  // From here runtime.main waits for the report instead of exiting.
  runningPanicDefers.fetch_add(1);
  *printing = true;
  panicval v;
  renderpanicval(&v);
  runtime::fatalpanic(
      reinterpret_cast<uintptr>(__builtin_frame_address(0)), true,
      [](void* a) {  // Go: printpanics
        auto* v = static_cast<panicval*>(a);
        printlock();
        printstring("panic: ");
        printbytes(v->s, v->n);
        printstring("\n");
        printunlock();
      },
      &v);
}

}  // namespace

namespace runtime {
void installterminate() { std::set_terminate(onterminate); }
}  // namespace runtime
// ---- time (<gort/time.hpp>; Go: package time over runtime/time.go) ----

namespace detail {

// A runtime timer with what its f needs: the channel of a timer or ticker
// (sendTime), or the function of after_func (goFunc). Made here with new
// and deleted by rtimerRelease when the runtime drops the last reference
// (runtime/time.cpp explains the counting).
struct rtimer : runtime::timer {
  runtime::hchan* c = nullptr;
  afterfunc_base* fn = nullptr;
};

}  // namespace detail

static_assert(sizeof(time_point::rep) == 8 && std::is_same_v<time_point::period, std::nano>,
              "the runtime sends steady_clock time points as int64 nanoseconds");

static void rtimerRelease(runtime::timer* t) {
  auto* rt = static_cast<detail::rtimer*>(t);
  chanrelease(rt->c);
  delete rt->fn;
  delete rt;
}

// when is the nanotime at which a timer set for d from now fires; d <= 0
// means now (Go: time.when).
static int64 when(int64 d) {
  if (d <= 0) return nanotime();
  int64 t = nanotime() + d;
  if (t < 0) t = maxWhen;  // overflow
  return t;
}

// sendTime is the f of channel timers: it sends the current time on c if
// there is room, and otherwise drops it (Go: time.sendTime). It runs on the
// scheduler's stack, so it must not block: the send never waits.
static void sendTime(void* c, uintptr) {
  time_point now{std::chrono::nanoseconds(nanotime())};
  bool closed = false;  // a program closed t.C: drop the tick (Go's C is receive-only)
  chansend(static_cast<hchan*>(c), &now, false, &closed);
}

// afterFuncEntry runs an after_func function in its goroutine; the
// goroutine holds a reference to the timer meanwhile.
static void afterFuncEntry(void* arg) noexcept {
  auto* rt = static_cast<detail::rtimer*>(arg);
  rt->fn->run();
  timerRelease(rt);
}

// goFunc is the f of after_func timers: it starts the function in a
// goroutine of its own (Go: time.goFunc).
static void goFunc(void* arg, uintptr) {
  auto* rt = static_cast<detail::rtimer*>(arg);
  timerAcquire(rt);  // for the goroutine
  uintptr pc = reinterpret_cast<uintptr>(__builtin_return_address(0));
  newproc1(afterFuncEntry, rt, nullptr, pc, true);
}

namespace detail {

void sleep_ns(std::int64_t ns) noexcept {
  curg();
  timeSleep(ns);
}

rtimer* timer_start_chan(std::int64_t ns, std::int64_t period, hchan* c) noexcept {
  curg();
  auto* rt = new rtimer();
  rt->c = reinterpret_cast<runtime::hchan*>(c);
  chanretain(rt->c);
  rt->release = rtimerRelease;
  rt->when = when(ns);
  rt->period = period;
  rt->f = sendTime;
  rt->arg = rt->c;
  addtimer(rt);
  return rt;
}

rtimer* timer_start_func(std::int64_t ns, afterfunc_base* f) {
  curg();
  rtimer* rt;
  try {
    rt = new rtimer();
  } catch (...) {
    delete f;
    throw;
  }
  rt->fn = f;
  rt->release = rtimerRelease;
  rt->when = when(ns);
  rt->f = goFunc;
  rt->arg = rt;
  addtimer(rt);
  return rt;
}

bool timer_stop(rtimer* t) noexcept {
  curg();
  return deltimer(t);
}

bool timer_reset(rtimer* t, std::int64_t ns) noexcept {
  curg();
  return resettimer(t, when(ns));
}

void ticker_reset(rtimer* t, std::int64_t ns, std::int64_t period) noexcept {
  curg();
  modtimer(t, when(ns), period, t->f, t->arg, t->seq);
}

void timer_drop(rtimer* t, bool stop) noexcept {
  curg();
  if (stop) {
    deltimer(t);
  } else if (t->c != nullptr && t->period == 0) {
    // Detached (gort::after): the handle's reference goes to the channel,
    // which stops and frees the timer when its own last handle goes.
    chansettimer(t->c, t);
    return;
  }
  timerRelease(t);  // the handle's reference
}

void time_panic(const char* msg) noexcept { panicstring(msg); }

}  // namespace detail

const char* version() noexcept { return "gort 0.1 (Go 1.19 scheduler semantics)"; }

}  // namespace gort
