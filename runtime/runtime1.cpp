// runtime/runtime1.cpp: environment, GODEBUG and the boot trace (Go:
// runtime1.go, env_posix.go).
#include <time.h>

#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

constinit dbgvar_set debug;

// gogetenv returns the value of the environment variable name, or null.
// Reads the initial environment as the kernel passed it (Go does the same:
// os.Setenv does not change what the runtime reads).
const char* gogetenv(const char* name) {
  if (envp_ == nullptr) return nullptr;
  for (char** e = envp_; *e != nullptr; e++) {
    const char* a = *e;
    const char* b = name;
    while (*b != 0 && *a == *b) a++, b++;
    if (*b == 0 && *a == '=') return a + 1;
  }
  return nullptr;
}

// atoi64 parses a decimal integer with optional sign; false on anything else
// or on overflow (Go: atoi64).
bool atoi64(const char* s, int64* out) {
  if (s == nullptr || *s == 0) return false;
  bool neg = false;
  if (*s == '-') neg = *s++ == '-';  // no '+', as Go's atoi
  if (*s == 0) return false;
  uint64 n = 0;
  for (; *s != 0; s++) {
    if (*s < '0' || *s > '9') return false;
    n = n * 10 + uint64(*s - '0');
    if (n > uint64(INT64_MAX)) return false;
  }
  *out = neg ? -int64(n) : int64(n);
  return true;
}

// parsedebugvars reads GODEBUG: comma-separated name=value pairs. Unknown
// names are ignored, as Go does.
void parsedebugvars() {
  struct {
    const char* name;
    int32* value;
  } vars[] = {
      {"schedtrace", &debug.schedtrace},
      {"scheddetail", &debug.scheddetail},
      {"asyncpreemptoff", &debug.asyncpreemptoff},
      {"boottrace", &debug.boottrace},
      {"guardmprotect", &debug.guardmprotect},
      {"syscallhook", &debug.syscallhook},
      {"retakeblocked", &debug.retakeblocked},
      {"asyncpreemptpin", &debug.asyncpreemptpin},
  };
  setTraceback(gogetenv("GOTRACEBACK"));
  const char* s = gogetenv("GODEBUG");
  while (s != nullptr && *s != 0) {
    const char* field = s;
    while (*s != 0 && *s != ',') s++;
    const char* end = s;
    if (*s == ',') s++;
    const char* eq = field;
    while (eq < end && *eq != '=') eq++;
    if (eq == end) continue;
    for (auto& v : vars) {
      uintptr n = rt_strlen(v.name);
      if (uintptr(eq - field) != n || rt_memcmp(field, v.name, n) != 0) continue;
      char buf[24];
      uintptr len = uintptr(end - eq - 1);
      if (len >= sizeof buf) break;
      rt_memmove(buf, eq + 1, len);
      buf[len] = 0;
      int64 x;
      if (atoi64(buf, &x) && x >= INT32_MIN && x <= INT32_MAX) *v.value = int32(x);
    }
  }
}

// ---- GOTRACEBACK (Go: runtime1.go's setTraceback and gotraceback) ----
//
// traceback_cache packs the setting: bit 0 crash, bit 1 all, the level in
// the bits from tracebackShift up. The default is Go's "single" (level 1);
// until parsedebugvars has read the environment it is level 2, so a fatal
// error during boot shows everything.
static constexpr uint32 tracebackCrash = 1u << 0;
static constexpr uint32 tracebackAll = 1u << 1;
static constexpr uint32 tracebackShift = 2;
constinit static std::atomic<uint32> traceback_cache{2u << tracebackShift};

void setTraceback(const char* level) {
  uint32 t;
  auto is = [&](const char* w) { return rt_strlen(level) == rt_strlen(w) && rt_memcmp(level, w, rt_strlen(w)) == 0; };
  if (level == nullptr || *level == 0 || is("single")) {
    t = 1u << tracebackShift;
  } else if (is("none")) {
    t = 0;
  } else if (is("all")) {
    t = 1u << tracebackShift | tracebackAll;
  } else if (is("system")) {
    t = 2u << tracebackShift | tracebackAll;
  } else if (is("crash")) {
    t = 2u << tracebackShift | tracebackAll | tracebackCrash;
  } else {
    // A number is a level, with all goroutines (Go's historical 0, 1, 2).
    t = tracebackAll;
    int64 n;
    if (atoi64(level, &n) && n >= 0 && n <= int64(UINT32_MAX >> tracebackShift)) t |= uint32(n) << tracebackShift;
  }
  traceback_cache.store(t);
}

void gotraceback(int32* level, bool* all, bool* crash) {
  g* gp = getg();
  m* mp = gp != nullptr ? gp->m : nullptr;
  uint32 t = traceback_cache.load();
  int32 throwing = mp != nullptr ? mp->throwing : 0;
  *crash = (t & tracebackCrash) != 0;
  *all = throwing >= throwTypeUser || (t & tracebackAll) != 0;
  if (throwing >= throwTypeRuntime)
    *level = 2;  // a runtime throw always shows runtime frames
  else
    *level = int32(t >> tracebackShift);
}

// ---- GODEBUG=boottrace=1: one line per boot step with its time. ----
//
// Steps before schedinit happen before GODEBUG has been read, so every step
// records its time (one clock read) and the early ones are printed when
// schedinit has decided whether tracing is on. rt0_go's time is read with the
// raw clock_gettime system call, since the vDSO is found only in args.

static const char* const bootstepName[] = {
    "rt0_go", "args", "osinit", "schedinit", "newproc", "mstart", "runtime.main", "init", "main", "exit",
};
static_assert(sizeof bootstepName / sizeof bootstepName[0] == std::size_t(bootstep::count_));
static int64 bootT0;
constinit static struct {
  int64 t;
  int64 n;
} bootEarly[3];

extern "C" void boottrace_rt0() RUNTIME_SYM("boottrace_rt0");
void boottrace_rt0() {
  kernel_timespec ts;
  sys_clock_gettime(CLOCK_MONOTONIC, &ts);
  bootT0 = int64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  bootEarly[0].t = bootT0;
}

static void bootline(bootstep step, int64 t, const char* detail, int64 n) {
  int64 dt = t - bootT0;
  printlock();
  print("boottrace: ");
  int64 us = dt / 1000;
  for (int64 w = 100000; w > 1 && us < w; w /= 10) print(" ");
  print(us, ".", (dt % 1000) / 100, "us ", bootstepName[int(step)]);
  switch (step) {
    case bootstep::rt0_go:
      print(" mono=", t, "ns g0.stack=[", hex{g0.stack.lo}, ",", hex{g0.stack.hi}, ")");
      break;
    case bootstep::args:
      print(" argc=", n, " pagesz=", physPageSize, " hwcap=", hex{hwcap}, " vdso=", hex{vdsoBase});
      break;
    case bootstep::osinit:
      print(" ncpu=", n);
      break;
    case bootstep::schedinit:
      print(" gomaxprocs=", gomaxprocs, " maxmcount=", sched.maxmcount, " stack=", startingStackSize,
            " mainstack=", mainStackSize, mainstack.lo != 0 ? " (initial stack)" : " (mapped)");
      break;
    case bootstep::init:
      print(" constructors=", n);
      break;
    case bootstep::exit:
      print(" status=", n);
      break;
    default:
      if (detail != nullptr) print(" ", detail);
      if (n >= 0) print(" ", n);
      break;
  }
  print("\n");
  printunlock();
}

void boottrace(bootstep step, const char* detail, int64 n) {
  int i = int(step);
  if (step < bootstep::schedinit) {
    bootEarly[i].t = nanotime();
    bootEarly[i].n = n;
    return;
  }
  if (debug.boottrace == 0) return;
  int64 t = nanotime();
  if (step == bootstep::schedinit) {
    for (int j = 0; j < 3; j++) bootline(bootstep(j), bootEarly[j].t, nullptr, bootEarly[j].n);
  }
  bootline(step, t, detail, n);
}

// badenv reports an environment variable the runtime cannot use and
// exits (our addition: Go ignores most bad values silently).
[[noreturn]] void badenv(const char* name, const char* value, const char* want) {
  print("gort: ", name, "=\"", value, "\" is not valid: want ", want, "\n");
  exit_group(2);
}

// envsize reads a byte count with an optional k/m/g suffix.
uintptr envsize(const char* name, uintptr def, uintptr min, uintptr max) {
  const char* s = gogetenv(name);
  if (s == nullptr || *s == 0) return def;
  char buf[32];
  uintptr n = 0;
  while (s[n] != 0 && n < sizeof buf - 1) buf[n] = s[n], n++;
  buf[n] = 0;
  uintptr mult = 1;
  if (n > 0) {
    switch (buf[n - 1]) {
      case 'k': case 'K': mult = 1 << 10; buf[--n] = 0; break;
      case 'm': case 'M': mult = 1 << 20; buf[--n] = 0; break;
      case 'g': case 'G': mult = 1 << 30; buf[--n] = 0; break;
    }
  }
  int64 v;
  if (s[n + (mult != 1)] != 0 || !atoi64(buf, &v) || v <= 0 || uint64(v) > max / mult || uint64(v) * mult < min)
    badenv(name, s, "a size from 16k to 1g, in bytes or with a k/m/g suffix");
  return uintptr(v) * mult;
}

}  // namespace gort::runtime
