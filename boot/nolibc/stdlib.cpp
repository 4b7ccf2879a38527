// boot/nolibc/stdlib.cpp: <stdlib.h> for the nolibc flavour.
//
// malloc and its family are the runtime's allocator (runtime/malloc.hpp):
// per-P caches of Go's size classes, so that goroutines on different Ps
// allocate without contention. exit runs the exiting thread's thread_local
// destructors, then the atexit and __cxa_atexit handlers last first (static
// destructors among them), then .fini_array backwards, as glibc's exit
// does. Also: errno, the environment, number parsing, qsort, bsearch, rand.
#include <signal.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "../../runtime/malloc.hpp"
#include "../../runtime/sys_linux.hpp"
#include "nolibc.hpp"

extern __thread int gort_errno __attribute__((tls_model("initial-exec")));

extern "C" {
using finifn = void (*)();
extern finifn __fini_array_start[] __attribute__((visibility("hidden")));
extern finifn __fini_array_end[] __attribute__((visibility("hidden")));
}

namespace gort::nolibc {

using namespace runtime;

// ---- exit handlers ----

// One handler: fn(arg) for __cxa_atexit, fn() for atexit.
struct exithandler {
  void (*fn)(void*);
  void* arg;
  bool witharg;
};

// Handlers live in chunks from persistentalloc, never freed: a handler may
// be registered at any moment, from any goroutine, even while exit runs.
struct exitchunk {
  exitchunk* next;
  int n;
  exithandler h[32];
};
constinit static mutex exitlock;
constinit static exitchunk* exitlist = nullptr;

static int addexit(void (*fn)(void*), void* arg, bool witharg) {
  lock(&exitlock);
  if (exitlist == nullptr || exitlist->n == 32) {
    auto* c = static_cast<exitchunk*>(persistentalloc(sizeof(exitchunk), 8));
    c->next = exitlist;
    exitlist = c;
  }
  exitlist->h[exitlist->n++] = {fn, arg, witharg};
  unlock(&exitlock);
  return 0;
}

// popexit takes the last handler registered; false when none is left.
static bool popexit(exithandler* out) {
  lock(&exitlock);
  while (exitlist != nullptr && exitlist->n == 0) exitlist = exitlist->next;
  bool ok = exitlist != nullptr;
  if (ok) *out = exitlist->h[--exitlist->n];
  unlock(&exitlock);
  return ok;
}

// The thread_local destructors of this thread (__cxa_thread_atexit_impl),
// last first. Each M has its own list: they run when its thread ends, or
// at exit for the thread that calls exit (glibc: __call_tls_dtors).
struct tlsdtor {
  void (*fn)(void*);
  void* obj;
  tlsdtor* next;
};
__thread tlsdtor* tlsdtors __attribute__((tls_model("initial-exec")));

// exiter: the goroutine running the exit handlers (0: none yet).
constinit static std::atomic<g*> exiter{nullptr};

void runexithandlers() {
  g* me = getg();
  g* none = nullptr;
  if (!exiter.compare_exchange_strong(none, me)) {
    // exit again: from a handler (glibc leaves this undefined; the process
    // ends now, with the new status), or from another goroutine, which
    // waits for the first exit to end the process.
    if (none == me) return;
    std::atomic<uint32> never{0};
    for (;;) futexsleep(&never, 0, -1);
  }
  runthreadatexit();
  for (exithandler h; popexit(&h);) {
    if (h.witharg)
      h.fn(h.arg);
    else
      reinterpret_cast<void (*)()>(h.fn)();
  }
  for (std::size_t i = std::size_t(__fini_array_end - __fini_array_start); i > 0; i--) __fini_array_start[i - 1]();
}

void runthreadatexit() {
  while (tlsdtor* d = tlsdtors) {
    tlsdtors = d->next;
    d->fn(d->obj);
    std::free(d);
  }
}

}  // namespace gort::nolibc

using namespace gort::runtime;
namespace nl = gort::nolibc;

extern "C" {

char** environ = nullptr;
asm(".globl __environ\n.set __environ, environ");  // glibc's other name for it

int* __errno_location() { return &gort_errno; }

// ---- memory ----

void* malloc(size_t n) {
  void* v = mallocgc(n, 8, false);
  if (v == nullptr) errno = ENOMEM;
  return v;
}

void free(void* v) { mfree(v); }

void* calloc(size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  void* v = mallocgc(total, 8, true);
  if (v == nullptr) errno = ENOMEM;
  return v;
}

void* realloc(void* v, size_t n) {
  if (v == nullptr) return malloc(n);
  if (n == 0) {
    free(v);
    return nullptr;
  }
  size_t have = mallocsize(v);
  // Keep the block when it fits and at least half of it stays in use.
  if (n <= have && n >= have / 2) return v;
  void* w = malloc(n);
  if (w == nullptr) return nullptr;
  memcpy(w, v, n < have ? n : have);
  free(v);
  return w;
}

void* reallocarray(void* v, size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(v, total);
}

void* aligned_alloc(size_t align, size_t n) {
  if (align == 0 || (align & (align - 1)) != 0) {
    errno = EINVAL;
    return nullptr;
  }
  void* v = mallocgc(n, align < 8 ? 8 : align, false);
  if (v == nullptr) errno = ENOMEM;
  return v;
}

void* memalign(size_t align, size_t n) { return aligned_alloc(align, n); }

int posix_memalign(void** out, size_t align, size_t n) {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
  void* v = mallocgc(n, align, false);
  if (v == nullptr) return ENOMEM;
  *out = v;
  return 0;
}

void* valloc(size_t n) { return aligned_alloc(4096, n); }
void* pvalloc(size_t n) { return aligned_alloc(4096, (n + 4095) & ~size_t(4095)); }
size_t malloc_usable_size(void* v) { return v == nullptr ? 0 : mallocsize(v); }

// ---- exit ----

int atexit(void (*fn)()) { return nl::addexit(reinterpret_cast<void (*)(void*)>(fn), nullptr, false); }

int __cxa_atexit(void (*fn)(void*), void* arg, void*) { return nl::addexit(fn, arg, true); }

// For a shared object's unloading: there are none.
void __cxa_finalize(void*) {}

int __cxa_thread_atexit_impl(void (*fn)(void*), void* obj, void*) {
  auto* d = static_cast<nl::tlsdtor*>(malloc(sizeof(nl::tlsdtor)));
  if (d == nullptr) return -1;
  *d = {fn, obj, nl::tlsdtors};
  nl::tlsdtors = d;
  return 0;
}

[[noreturn]] void exit(int code) { flavour_exit(code); }

[[noreturn]] void _Exit(int code) { exit_group(code); }

[[noreturn]] void quick_exit(int code) noexcept;

// abort: death by SIGABRT, whatever the program did with the signal (its
// handler runs once, as under glibc, if it has installed one).
[[noreturn]] void abort() {
  uint64 m = uint64(1) << (SIGABRT - 1);
  sys_rt_sigprocmask(SIG_UNBLOCK, &m, nullptr);
  long pid = gort::arch::syscall0(SYS_getpid);
  gort::arch::syscall3(SYS_tgkill, pid, sys_gettid(), SIGABRT);
  struct {
    unsigned long handler, flags, restorer, mask;
  } dfl{0, 0, 0, 0};
  gort::arch::syscall4(SYS_rt_sigaction, SIGABRT, long(&dfl), 0, 8);
  gort::arch::syscall3(SYS_tgkill, pid, sys_gettid(), SIGABRT);
  exit_group(127);
}

// ---- environment ----

char* getenv(const char* name) {
  if (environ == nullptr) return nullptr;
  size_t n = strlen(name);
  for (char** e = environ; *e != nullptr; e++)
    if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
  return nullptr;
}

char* secure_getenv(const char* name) { return getenv(name); }

// The environment is changed by copying the array (the kernel's stays
// as it was: the runtime reads GODEBUG and the rest from there, as Go does).
constinit static gort::runtime::mutex envlock;

static int setenv1(const char* name, char* entry, bool replace) {
  size_t n = strlen(name);
  lock(&envlock);
  size_t count = 0, at = size_t(-1);
  for (char** e = environ; e != nullptr && e[count] != nullptr; count++)
    if (at == size_t(-1) && strncmp(e[count], name, n) == 0 && e[count][n] == '=') at = count;
  if (at != size_t(-1) && !replace) {
    unlock(&envlock);
    return 0;
  }
  auto** ne = static_cast<char**>(malloc((count + 2) * sizeof(char*)));
  if (ne == nullptr) {
    unlock(&envlock);
    return -1;
  }
  for (size_t i = 0; i < count; i++) ne[i] = environ[i];
  if (at != size_t(-1)) {
    ne[at] = entry;
    ne[count] = nullptr;
  } else {
    ne[count] = entry;
    ne[count + 1] = nullptr;
  }
  environ = ne;  // the old array is left: another goroutine may be reading it
  unlock(&envlock);
  return 0;
}

int setenv(const char* name, const char* value, int replace) {
  if (*name == 0 || strchr(name, '=') != nullptr) {
    errno = EINVAL;
    return -1;
  }
  size_t n = strlen(name), v = strlen(value);
  auto* entry = static_cast<char*>(malloc(n + v + 2));
  if (entry == nullptr) return -1;
  memcpy(entry, name, n);
  entry[n] = '=';
  memcpy(entry + n + 1, value, v + 1);
  return setenv1(name, entry, replace != 0);
}

int putenv(char* entry) {
  const char* eq = strchr(entry, '=');
  if (eq == nullptr) return unsetenv(entry);
  char name[256];
  size_t n = size_t(eq - entry) < sizeof name - 1 ? size_t(eq - entry) : sizeof name - 1;
  memcpy(name, entry, n);
  name[n] = 0;
  return setenv1(name, entry, true);
}

int unsetenv(const char* name) {
  if (*name == 0 || strchr(name, '=') != nullptr) {
    errno = EINVAL;
    return -1;
  }
  size_t n = strlen(name);
  lock(&envlock);
  size_t count = 0;
  while (environ != nullptr && environ[count] != nullptr) count++;
  auto** ne = static_cast<char**>(malloc((count + 1) * sizeof(char*)));
  if (ne != nullptr) {
    size_t k = 0;
    for (size_t i = 0; i < count; i++)
      if (!(strncmp(environ[i], name, n) == 0 && environ[i][n] == '=')) ne[k++] = environ[i];
    ne[k] = nullptr;
    environ = ne;
  }
  unlock(&envlock);
  return ne != nullptr ? 0 : -1;
}

int clearenv() {
  environ = nullptr;
  return 0;
}

// ---- numbers ----

static inline bool isspace1(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

static int digitval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// strtou parses an unsigned number as strtoull does; *neg says whether a
// '-' came first, *over whether it overflowed max.
static unsigned long long strtou(const char* s, char** end, int base, unsigned long long max, bool* neg,
                                 bool* over) {
  const char* p = s;
  while (isspace1(static_cast<unsigned char>(*p))) p++;
  *neg = false;
  *over = false;
  if (*p == '+' || *p == '-') *neg = *p++ == '-';
  if ((base == 0 || base == 16) && p[0] == '0' && (p[1] | 32) == 'x' && digitval(static_cast<unsigned char>(p[2])) < 16) {
    p += 2;
    base = 16;
  } else if (base == 0) {
    base = *p == '0' ? 8 : 10;
  }
  if (base < 2 || base > 36) {
    errno = EINVAL;
    if (end != nullptr) *end = const_cast<char*>(s);
    return 0;
  }
  const char* digits = p;
  unsigned long long v = 0;
  for (int d; (d = digitval(static_cast<unsigned char>(*p))) < base; p++) {
    if (v > (max - unsigned(d)) / unsigned(base)) *over = true;
    v = v * unsigned(base) + unsigned(d);
  }
  if (end != nullptr) *end = const_cast<char*>(p == digits ? s : p);
  return v;
}

unsigned long long strtoull(const char* __restrict s, char** __restrict end, int base) {
  bool neg, over;
  unsigned long long v = strtou(s, end, base, ~0ull, &neg, &over);
  if (over) {
    errno = ERANGE;
    return ~0ull;
  }
  return neg ? 0 - v : v;
}

unsigned long strtoul(const char* __restrict s, char** __restrict end, int base) { return strtoull(s, end, base); }

long long strtoll(const char* __restrict s, char** __restrict end, int base) {
  bool neg, over;
  unsigned long long v = strtou(s, end, base, ~0ull, &neg, &over);
  unsigned long long lim = neg ? 0x8000000000000000ull : 0x7fffffffffffffffull;
  if (over || v > lim) {
    errno = ERANGE;
    return neg ? (-0x7fffffffffffffffll - 1) : 0x7fffffffffffffffll;
  }
  return neg ? static_cast<long long>(0 - v) : static_cast<long long>(v);
}

long strtol(const char* __restrict s, char** __restrict end, int base) { return strtoll(s, end, base); }
intmax_t strtoimax(const char* __restrict s, char** __restrict end, int base) { return strtoll(s, end, base); }
uintmax_t strtoumax(const char* __restrict s, char** __restrict end, int base) { return strtoull(s, end, base); }
int atoi(const char* s) { return int(strtol(s, nullptr, 10)); }
long atol(const char* s) { return strtol(s, nullptr, 10); }
long long atoll(const char* s) { return strtoll(s, nullptr, 10); }

// strtod: decimal and hexadecimal numbers, inf, nan. Difference from glibc:
// a decimal number is converted through long double arithmetic (19
// significant digits, powers of ten by squaring), which can be off by one
// in the last bit of a double; glibc rounds exactly.
long double strtold(const char* __restrict s, char** __restrict end) {
  const char* p = s;
  while (isspace1(static_cast<unsigned char>(*p))) p++;
  bool neg = false;
  if (*p == '+' || *p == '-') neg = *p++ == '-';
  auto done = [&](long double v, const char* e) {
    if (end != nullptr) *end = const_cast<char*>(e);
    return neg ? -v : v;
  };
  if (strncasecmp(p, "inf", 3) == 0) return done(__builtin_infl(), p + (strncasecmp(p, "infinity", 8) == 0 ? 8 : 3));
  if (strncasecmp(p, "nan", 3) == 0) {
    const char* e = p + 3;
    if (*e == '(') {
      const char* q = e + 1;
      while ((*q | 32) >= 'a' && (*q | 32) <= 'z' ? true : (*q >= '0' && *q <= '9') || *q == '_') q++;
      if (*q == ')') e = q + 1;
    }
    return done(__builtin_nanl(""), e);
  }
  bool hex = p[0] == '0' && (p[1] | 32) == 'x';
  const char* q = hex ? p + 2 : p;
  int base = hex ? 16 : 10;
  unsigned long long mant = 0;
  int sig = 0, exp = 0;  // value = mant * base^exp (decimal) or mant * 2^exp (hex)
  bool any = false, point = false;
  for (;; q++) {
    if (*q == '.' && !point) {
      point = true;
      continue;
    }
    int d = digitval(static_cast<unsigned char>(*q));
    if (d >= base) break;
    any = true;
    if (mant == 0 && d == 0) {
      if (point) exp -= hex ? 4 : 1;
      continue;
    }
    if (sig < (hex ? 15 : 19)) {
      mant = mant * unsigned(base) + unsigned(d);
      sig++;
      if (point) exp -= hex ? 4 : 1;
    } else if (!point) {
      exp += hex ? 4 : 1;
    }
  }
  if (!any) return done(0, s);
  if ((*q | 32) == (hex ? 'p' : 'e')) {
    const char* e = q + 1;
    bool eneg = false;
    if (*e == '+' || *e == '-') eneg = *e++ == '-';
    if (*e >= '0' && *e <= '9') {
      int x = 0;
      for (; *e >= '0' && *e <= '9'; e++)
        if (x < 100000) x = x * 10 + (*e - '0');
      exp += eneg ? -x : x;
      q = e;
    }
  }
  long double v = static_cast<long double>(mant);
  if (hex) {
    for (; exp > 0; exp -= exp < 60 ? exp : 60) v *= static_cast<long double>(1ull << (exp < 60 ? exp : 60));
    for (; exp < 0; exp += -exp < 60 ? -exp : 60) v /= static_cast<long double>(1ull << (-exp < 60 ? -exp : 60));
  } else if (exp != 0 && mant != 0) {
    long double p10 = 1, b = 10;
    for (int x = exp < 0 ? -exp : exp; x > 0; x >>= 1, b *= b)
      if (x & 1) p10 *= b;
    v = exp < 0 ? v / p10 : v * p10;
  }
  if (v == __builtin_infl() || (v != 0 && v < 2.2250738585072014e-308L)) errno = ERANGE;
  return done(v, q);
}

double strtod(const char* __restrict s, char** __restrict end) {
  long double v = strtold(s, end);
  double d = double(v);
  if (__builtin_isinf(d) && !__builtin_isinf(v)) errno = ERANGE;
  return d;
}
float strtof(const char* __restrict s, char** __restrict end) { return float(strtold(s, end)); }
double atof(const char* s) { return strtod(s, nullptr); }

int abs(int x) { return x < 0 ? -x : x; }
long labs(long x) { return x < 0 ? -x : x; }
long long llabs(long long x) { return x < 0 ? -x : x; }
div_t div(int a, int b) { return {a / b, a % b}; }
ldiv_t ldiv(long a, long b) { return {a / b, a % b}; }
lldiv_t lldiv(long long a, long long b) { return {a / b, a % b}; }

// ---- sorting and searching ----

static void swapbytes(char* a, char* b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char t = a[i];
    a[i] = b[i];
    b[i] = t;
  }
}

// qsort_r: quicksort with a median of three, insertion sort for short
// ranges, the smaller side first (so the stack stays O(log n)), and
// heapsort when the recursion goes too deep (no quadratic inputs).
using cmpfn = int (*)(const void*, const void*, void*);

static void siftdown(char* b, size_t size, size_t root, size_t n, cmpfn cmp, void* arg) {
  for (;;) {
    size_t child = 2 * root + 1;
    if (child >= n) return;
    if (child + 1 < n && cmp(b + child * size, b + (child + 1) * size, arg) < 0) child++;
    if (cmp(b + root * size, b + child * size, arg) >= 0) return;
    swapbytes(b + root * size, b + child * size, size);
    root = child;
  }
}

static void sort1(char* b, size_t n, size_t size, cmpfn cmp, void* arg, int depth) {
  while (n > 12) {
    if (depth-- == 0) {
      for (size_t i = n / 2; i > 0; i--) siftdown(b, size, i - 1, n, cmp, arg);
      for (size_t i = n - 1; i > 0; i--) {
        swapbytes(b, b + i * size, size);
        siftdown(b, size, 0, i, cmp, arg);
      }
      return;
    }
    char *lo = b, *mid = b + (n / 2) * size, *hi = b + (n - 1) * size;
    if (cmp(mid, lo, arg) < 0) swapbytes(mid, lo, size);
    if (cmp(hi, mid, arg) < 0) {
      swapbytes(hi, mid, size);
      if (cmp(mid, lo, arg) < 0) swapbytes(mid, lo, size);
    }
    swapbytes(mid, b, size);  // the pivot at b
    size_t i = 1, j = n - 1;
    for (;;) {
      while (i <= j && cmp(b + i * size, b, arg) < 0) i++;
      while (j >= i && cmp(b + j * size, b, arg) > 0) j--;
      if (i >= j) break;
      swapbytes(b + i * size, b + j * size, size);
      i++, j--;
    }
    swapbytes(b, b + j * size, size);
    size_t left = j, right = n - j - 1;
    if (left < right) {
      sort1(b, left, size, cmp, arg, depth);
      b += (j + 1) * size;
      n = right;
    } else {
      sort1(b + (j + 1) * size, right, size, cmp, arg, depth);
      n = left;
    }
  }
  for (size_t i = 1; i < n; i++)
    for (size_t k = i; k > 0 && cmp(b + (k - 1) * size, b + k * size, arg) > 0; k--)
      swapbytes(b + (k - 1) * size, b + k * size, size);
}

void qsort_r(void* base, size_t n, size_t size, cmpfn cmp, void* arg) {
  int depth = 0;
  for (size_t x = n; x > 0; x >>= 1) depth += 2;
  sort1(static_cast<char*>(base), n, size, cmp, arg, depth);
}

void qsort(void* base, size_t n, size_t size, int (*cmp)(const void*, const void*)) {
  qsort_r(base, n, size, [](const void* a, const void* b, void* f) {
    return reinterpret_cast<int (*)(const void*, const void*)>(f)(a, b);
  }, reinterpret_cast<void*>(cmp));
}

void* bsearch(const void* key, const void* base, size_t n, size_t size, int (*cmp)(const void*, const void*)) {
  auto* b = static_cast<const char*>(base);
  while (n > 0) {
    const char* mid = b + (n / 2) * size;
    int c = cmp(key, mid);
    if (c == 0) return const_cast<char*>(mid);
    if (c > 0) {
      b = mid + size;
      n -= n / 2 + 1;
    } else {
      n /= 2;
    }
  }
  return nullptr;
}

// ---- random numbers (not glibc's sequence) ----

static std::atomic<uint64> randstate{1};

static int rand1(uint64* s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return int(*s >> 33);
}

int rand() {
  uint64 s = randstate.load(std::memory_order_relaxed), n;
  int r;
  do {
    n = s;
    r = rand1(&n);
  } while (!randstate.compare_exchange_weak(s, n, std::memory_order_relaxed));
  return r;
}
void srand(unsigned seed) { randstate.store(seed, std::memory_order_relaxed); }
int rand_r(unsigned* seed) {
  uint64 s = *seed;
  int r = rand1(&s);
  *seed = unsigned(s);
  return r;
}
long random() { return rand(); }
void srandom(unsigned seed) { srand(seed); }

}  // extern "C"

// at_quick_exit has C++ linkage in <stdlib.h> (with the C symbol name).
static void (*quickexit[32])();
static std::atomic<int> nquickexit;
int at_quick_exit(void (*fn)()) noexcept {
  int i = nquickexit.fetch_add(1);
  if (i >= 32) return -1;
  quickexit[i] = fn;
  return 0;
}
extern "C" [[noreturn]] void quick_exit(int code) noexcept {
  int n = nquickexit.load();
  for (int i = n < 32 ? n : 32; i > 0; i--) quickexit[i - 1]();
  exit_group(code);
}
