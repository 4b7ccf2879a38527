// boot/nolibc/string.cpp: <string.h> for the nolibc flavour: the mem*
// functions the compiler emits calls to (struct copies, zeroing, loops it
// recognises), and the str* functions programs and libstdc++ use.
//
// Built with -fno-builtin and -fno-tree-loop-distribute-patterns (the
// Makefile): otherwise GCC would compile memset's own loop into a call to
// memset. Large copies and fills use rep movsb / rep stosb, which CPUs with
// ERMS (every x86-64 of the last decade) run at full speed; small ones use
// overlapping unaligned word moves.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "nolibc.hpp"

namespace {

using u64 = std::uint64_t;
using u32 = std::uint32_t;
using u16 = std::uint16_t;

template <class T>
inline T load(const void* p) {
  T v;
  __builtin_memcpy(&v, p, sizeof v);  // one unaligned load: sizeof v is a constant
  return v;
}
template <class T>
inline void store(void* p, T v) {
  __builtin_memcpy(p, &v, sizeof v);
}

// has0: a word with a zero byte (the classic bit trick).
inline u64 has0(u64 x) { return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull; }

// copysmall copies n <= 32 bytes, reading all before writing, so that it
// is also right for overlapping regions (memmove).
inline void copysmall(unsigned char* d, const unsigned char* s, std::size_t n) {
  if (n >= 16) {
    u64 a = load<u64>(s), b = load<u64>(s + 8), c = load<u64>(s + n - 16), e = load<u64>(s + n - 8);
    store(d, a), store(d + 8, b), store(d + n - 16, c), store(d + n - 8, e);
  } else if (n >= 8) {
    u64 a = load<u64>(s), b = load<u64>(s + n - 8);
    store(d, a), store(d + n - 8, b);
  } else if (n >= 4) {
    u32 a = load<u32>(s), b = load<u32>(s + n - 4);
    store(d, a), store(d + n - 4, b);
  } else if (n >= 2) {
    u16 a = load<u16>(s), b = load<u16>(s + n - 2);
    store(d, a), store(d + n - 2, b);
  } else if (n == 1) {
    *d = *s;
  }
}

}  // namespace

// The functions that <cstring> overloads for C++ (const and non-const
// strchr...) are defined under names of their own with the C symbol as
// their asm label.
extern "C" {
void* nl_memchr(const void* p, int c, std::size_t n) asm("memchr");
void* nl_memrchr(const void* p, int c, std::size_t n) asm("memrchr");
char* nl_strchr(const char* s, int c) asm("strchr");
char* nl_strchrnul(const char* s, int c) asm("strchrnul");
char* nl_strrchr(const char* s, int c) asm("strrchr");
char* nl_strstr(const char* h, const char* n) asm("strstr");
char* nl_strpbrk(const char* s, const char* accept) asm("strpbrk");
}

extern "C" {

void* memcpy(void* __restrict dst, const void* __restrict src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (n <= 32) {
    copysmall(d, s, n);
    return dst;
  }
  asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
  return dst;
}

void* memmove(void* dst, const void* src, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  auto* s = static_cast<const unsigned char*>(src);
  if (n <= 32) {
    copysmall(d, s, n);
    return dst;
  }
  if (d <= s || d >= s + n) {  // forward is safe
    asm volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return dst;
  }
  // Backwards, a word at a time (a reversed rep movsb is slow).
  while (n >= 8) {
    n -= 8;
    store(d + n, load<u64>(s + n));
  }
  while (n > 0) {
    n--;
    d[n] = s[n];
  }
  return dst;
}

void* memset(void* dst, int c, std::size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  u64 w = 0x0101010101010101ull * static_cast<unsigned char>(c);
  if (n <= 32) {
    if (n >= 16) {
      store(d, w), store(d + 8, w), store(d + n - 16, w), store(d + n - 8, w);
    } else if (n >= 8) {
      store(d, w), store(d + n - 8, w);
    } else {
      for (std::size_t i = 0; i < n; i++) d[i] = static_cast<unsigned char>(c);
    }
    return dst;
  }
  asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}

int memcmp(const void* a, const void* b, std::size_t n) {
  auto* x = static_cast<const unsigned char*>(a);
  auto* y = static_cast<const unsigned char*>(b);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    if (load<u64>(x + i) != load<u64>(y + i)) break;
  for (; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

int bcmp(const void* a, const void* b, std::size_t n) { return memcmp(a, b, n); }

void* nl_memchr(const void* p, int c, std::size_t n) {
  auto* s = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; i++)
    if (s[i] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(s + i);
  return nullptr;
}

void* nl_memrchr(const void* p, int c, std::size_t n) {
  auto* s = static_cast<const unsigned char*>(p);
  while (n > 0)
    if (s[--n] == static_cast<unsigned char>(c)) return const_cast<unsigned char*>(s + n);
  return nullptr;
}

void* mempcpy(void* __restrict d, const void* __restrict s, std::size_t n) {
  return static_cast<char*>(memcpy(d, s, n)) + n;
}

void* memmem(const void* hay, std::size_t hn, const void* needle, std::size_t nn) {
  if (nn == 0) return const_cast<void*>(hay);
  auto* h = static_cast<const unsigned char*>(hay);
  for (std::size_t i = 0; i + nn <= hn; i++)
    if (h[i] == *static_cast<const unsigned char*>(needle) && memcmp(h + i, needle, nn) == 0)
      return const_cast<unsigned char*>(h + i);
  return nullptr;
}

// strlen reads aligned words: a word never crosses a page, so reading past
// the terminator within its word cannot fault.
std::size_t strlen(const char* s) {
  const char* p = s;
  while (reinterpret_cast<std::uintptr_t>(p) % 8 != 0) {
    if (*p == 0) return std::size_t(p - s);
    p++;
  }
  for (;; p += 8) {
    u64 w = *reinterpret_cast<const u64*>(p);
    if (has0(w) != 0) break;
  }
  while (*p != 0) p++;
  return std::size_t(p - s);
}

std::size_t strnlen(const char* s, std::size_t max) {
  std::size_t n = 0;
  while (n < max && s[n] != 0) n++;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a != 0 && *a == *b) a++, b++;
  return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

int strncmp(const char* a, const char* b, std::size_t n) {
  for (; n > 0; n--, a++, b++)
    if (*a != *b || *a == 0) return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
  return 0;
}

static inline int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

int strcasecmp(const char* a, const char* b) {
  while (*a != 0 && lower(static_cast<unsigned char>(*a)) == lower(static_cast<unsigned char>(*b))) a++, b++;
  return lower(static_cast<unsigned char>(*a)) - lower(static_cast<unsigned char>(*b));
}

int strncasecmp(const char* a, const char* b, std::size_t n) {
  for (; n > 0; n--, a++, b++) {
    int x = lower(static_cast<unsigned char>(*a)), y = lower(static_cast<unsigned char>(*b));
    if (x != y || x == 0) return x - y;
  }
  return 0;
}

// strcoll: the C locale is the only one.
int strcoll(const char* a, const char* b) { return strcmp(a, b); }

std::size_t strxfrm(char* d, const char* s, std::size_t n) {
  std::size_t len = strlen(s);
  if (n > 0) {
    std::size_t k = len < n - 1 ? len : n - 1;
    memcpy(d, s, k);
    d[k] = 0;
  }
  return len;
}

char* strcpy(char* __restrict d, const char* __restrict s) {
  memcpy(d, s, strlen(s) + 1);
  return d;
}

char* stpcpy(char* __restrict d, const char* __restrict s) {
  std::size_t n = strlen(s);
  memcpy(d, s, n + 1);
  return d + n;
}

char* strncpy(char* __restrict d, const char* __restrict s, std::size_t n) {
  std::size_t k = strnlen(s, n);
  memcpy(d, s, k);
  memset(d + k, 0, n - k);
  return d;
}

char* strcat(char* __restrict d, const char* __restrict s) {
  strcpy(d + strlen(d), s);
  return d;
}

char* strncat(char* __restrict d, const char* __restrict s, std::size_t n) {
  char* e = d + strlen(d);
  std::size_t k = strnlen(s, n);
  memcpy(e, s, k);
  e[k] = 0;
  return d;
}

char* nl_strchr(const char* s, int c) {
  for (;; s++) {
    if (*s == static_cast<char>(c)) return const_cast<char*>(s);
    if (*s == 0) return nullptr;
  }
}

char* nl_strchrnul(const char* s, int c) {
  while (*s != 0 && *s != static_cast<char>(c)) s++;
  return const_cast<char*>(s);
}

char* nl_strrchr(const char* s, int c) {
  const char* last = nullptr;
  for (;; s++) {
    if (*s == static_cast<char>(c)) last = s;
    if (*s == 0) return const_cast<char*>(last);
  }
}

char* nl_strstr(const char* h, const char* n) {
  return static_cast<char*>(memmem(h, strlen(h), n, strlen(n)));
}

std::size_t strspn(const char* s, const char* accept) {
  std::size_t n = 0;
  while (s[n] != 0 && nl_strchr(accept, s[n]) != nullptr) n++;
  return n;
}

std::size_t strcspn(const char* s, const char* reject) {
  std::size_t n = 0;
  while (s[n] != 0 && nl_strchr(reject, s[n]) == nullptr) n++;
  return n;
}

char* nl_strpbrk(const char* s, const char* accept) {
  s += strcspn(s, accept);
  return *s != 0 ? const_cast<char*>(s) : nullptr;
}

char* strtok_r(char* __restrict s, const char* __restrict delim, char** __restrict save) {
  if (s == nullptr) s = *save;
  s += strspn(s, delim);
  if (*s == 0) {
    *save = s;
    return nullptr;
  }
  char* end = s + strcspn(s, delim);
  if (*end != 0) *end++ = 0;
  *save = end;
  return s;
}

char* strtok(char* __restrict s, const char* __restrict delim) {
  static char* save;  // not thread-safe, as in C
  return strtok_r(s, delim, &save);
}

char* strdup(const char* s) {
  std::size_t n = strlen(s) + 1;
  auto* d = static_cast<char*>(malloc(n));
  return d != nullptr ? static_cast<char*>(memcpy(d, s, n)) : nullptr;
}

char* strndup(const char* s, std::size_t max) {
  std::size_t n = strnlen(s, max);
  auto* d = static_cast<char*>(malloc(n + 1));
  if (d == nullptr) return nullptr;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

}  // extern "C"
