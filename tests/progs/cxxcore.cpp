// tests/progs/cxxcore.cpp: the C++ that a program gets without a C library
// under it (the nolibc flavour's promise, gort(7)), which must behave as
// it does with glibc: exceptions (thrown through several frames, rethrown,
// nested, std::exception_ptr, from a constructor, from new), RTTI
// (typeid, dynamic_cast), the header-only components (<atomic>, <array>,
// <span>, <string_view>, <algorithm>, <optional>, <variant>, <memory>),
// std::string, vector, map, function, printf of every kind of number,
// snprintf, strto*, qsort, function-local statics, thread_local. No gort
// API: built through gort-c++ (both flavours) and with plain g++ (the
// oracle), and the outputs must be identical. C++20 (<span>).
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <typeinfo>
#include <variant>
#include <vector>

namespace {

struct Base {
  virtual ~Base() = default;
  virtual const char* who() const { return "base"; }
};
struct Left : virtual Base {
  const char* who() const override { return "left"; }
};
struct Right : virtual Base {};
struct Diamond : Left, Right {
  const char* who() const override { return "diamond"; }
};

struct Thrower {
  explicit Thrower(int n) {
    if (n < 0) throw std::invalid_argument("negative: " + std::to_string(n));
  }
};

int depth(int n) {
  if (n == 0) throw std::out_of_range("bottom");
  return depth(n - 1) + 1;
}

struct Tracked {
  static int live;
  int v;
  explicit Tracked(int x) : v(x) { live++; }
  ~Tracked() { live--; }
};
int Tracked::live = 0;

int counter() {
  static int calls = 0;
  static std::string once = [] {
    std::printf("static initialised once\n");
    return std::string("init");
  }();
  return ++calls + int(once.size());
}

thread_local int tls_value = 41;
thread_local std::string tls_string = "tls";

void exceptions() {
  try {
    depth(20);
  } catch (const std::exception& e) {
    std::printf("caught %s: %s\n", typeid(e) == typeid(std::out_of_range) ? "out_of_range" : "?", e.what());
  }
  try {
    Thrower t(-3);
  } catch (const std::invalid_argument& e) {
    std::printf("constructor threw: %s\n", e.what());
  }
  std::exception_ptr ep;
  try {
    try {
      throw 42;
    } catch (int v) {
      std::printf("int %d, rethrowing as a runtime_error\n", v);
      std::throw_with_nested(std::runtime_error("outer"));
    }
  } catch (const std::runtime_error& e) {
    std::printf("outer: %s\n", e.what());
    try {
      std::rethrow_if_nested(e);
    } catch (int v) {
      std::printf("nested int: %d\n", v);
    }
    ep = std::current_exception();
  }
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    std::printf("exception_ptr: %s\n", e.what());
  }
  try {
    std::vector<int> v(3);
    (void)v.at(7);
  } catch (const std::out_of_range&) {
    std::printf("vector::at threw out_of_range\n");
  }
  try {
    std::optional<int> none;
    (void)none.value();
  } catch (const std::bad_optional_access& e) {
    std::printf("bad_optional_access\n");
  }
  try {
    std::variant<int, std::string> var = 1;
    (void)std::get<std::string>(var);
  } catch (const std::bad_variant_access&) {
    std::printf("bad_variant_access\n");
  }
  try {
    Tracked a(1);
    auto b = std::make_unique<Tracked>(2);
    throw std::logic_error("unwinding");
  } catch (const std::logic_error& e) {
    std::printf("%s: %d live after\n", e.what(), Tracked::live);
  }
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A sanitizer's throwing operator new reports and aborts where it would
  // throw (allocator_may_return_null covers only nothrow new): not tried.
  std::printf("bad_alloc: not tried under a sanitizer\n");
  return;
#endif
  try {
    void* huge = ::operator new(std::size_t(1) << 62);
    std::printf("huge allocation succeeded? %p\n", huge);
  } catch (const std::bad_alloc&) {
    std::printf("bad_alloc\n");
  }
}

void rtti() {
  Diamond d;
  Base* b = &d;
  std::printf("who: %s\n", b->who());
  std::printf("dynamic_cast to Left: %s, to Right: %s\n", dynamic_cast<Left*>(b) != nullptr ? "yes" : "no",
              dynamic_cast<Right*>(b) != nullptr ? "yes" : "no");
  Base plain;
  Base* volatile pb = &plain;  // opaque: the compiler must not decide the casts
  std::printf("dynamic_cast of a plain Base to Diamond: %s\n", dynamic_cast<Diamond*>(pb) == nullptr ? "null" : "not null");
  try {
    (void)dynamic_cast<Diamond&>(*pb);
  } catch (const std::bad_cast&) {
    std::printf("bad_cast\n");
  }
  std::printf("typeid equal: %d, names differ: %d\n", typeid(*b) == typeid(Diamond),
              std::strcmp(typeid(Left).name(), typeid(Right).name()) != 0);
}

void library() {
  std::array<int, 6> a{5, 3, 9, 1, 7, 3};
  std::sort(a.begin(), a.end());
  std::span<const int> s(a);
  std::printf("sorted:");
  for (int x : s.subspan(1, 4)) std::printf(" %d", x);
  std::printf(" | sum %d, unique %ld\n", std::accumulate(a.begin(), a.end(), 0),
              long(std::unique(a.begin(), a.end()) - a.begin()));
  std::string_view sv = "gort: Go's runtime";
  std::printf("string_view: [%.*s] find %zu\n", int(sv.substr(0, 4).size()), sv.data(), sv.find("runtime"));
  std::optional<std::string> o = "present";
  std::printf("optional: %s %s\n", o.value_or("none").c_str(), std::optional<int>().has_value() ? "yes" : "no");
  std::variant<int, double, std::string> v = 2.5;
  std::visit([](auto&& x) { std::printf("variant holds index %zu\n", std::variant<int, double, std::string>(x).index()); }, v);
  v = std::string("text");
  std::printf("variant now %s\n", std::get<std::string>(v).c_str());
  auto sp = std::make_shared<Tracked>(7);
  std::weak_ptr<Tracked> wp = sp;
  {
    auto sp2 = sp;
    std::printf("shared_ptr use_count %ld, value %d\n", sp.use_count(), wp.lock()->v);
  }
  sp.reset();
  std::printf("expired: %d, live %d\n", wp.expired(), Tracked::live);
  std::atomic<long> at{0};
  for (int i = 0; i < 1000; i++) at.fetch_add(i, std::memory_order_relaxed);
  std::printf("atomic: %ld, lock-free: %d\n", at.load(), at.is_lock_free());
  std::map<std::string, std::vector<int>> m;
  for (int i = 0; i < 20; i++) m["k" + std::to_string(i % 4)].push_back(i);
  for (auto& [k, vs] : m) std::printf("%s:%zu ", k.c_str(), vs.size());
  std::printf("\n");
  std::function<int(int)> f = [base = std::string("abc")](int n) { return int(base.size()) * n; };
  std::printf("function: %d\n", f(5));
  std::string big(10000, 'x');
  big += "end";
  std::printf("string: %zu %s\n", big.size(), big.substr(big.size() - 3).c_str());
}

int cmpint(const void* a, const void* b) { return *static_cast<const int*>(a) - *static_cast<const int*>(b); }

void clib() {
  std::printf("ints: %d %i %u %ld %lld %hd %hhu %zu %jd %td\n", -7, 42, 4000000000u, -1234567890123L, LLONG_MIN,
              short(-300), static_cast<unsigned char>(300), std::size_t(1) << 40, std::intmax_t(-9), std::ptrdiff_t(-3));
  std::printf("hex: %x %X %#x %#o %o %08x %-8x| %+d % d %.3d %5.2d|\n", 255u, 255u, 255u, 8u, 0u, 0xbeefu, 0xabu, 5,
              5, 7, 3);
  std::printf("chars: [%c] [%5s] [%-5s] [%.2s] [%s]\n", 'z', "ab", "cd", "efgh", "");
  std::printf("floats: %f %.2f %e %.3E %g %g %g %G %a\n", 3.14159, 2.675, 1234.5678, 0.000123456, 100000.0, 1e-5,
              1e20, 1.5e-300, 1.0);
  std::printf("more: %.0f %.0f %.0f %#.0f %.10g %.17g %g %5.1f|%-8.3f|%+.1e\n", 0.5, 1.5, 2.5, 3.0, 1.0 / 3,
              0.1, 123456789.0, 9.96, -2.0, 12345.0);
  std::printf("exact: %.20f %.30e %.0f\n", 0.1, 1e-300, 1e300);
  std::printf("special: %f %f %F %e %g %.3f\n", INFINITY, -INFINITY, INFINITY, NAN, -0.0, 5e-324);
  std::printf("width: [%*d] [%-*d] [%.*f] [%%]\n", 6, 42, 6, 42, 3, 2.0 / 3);
  char buf[16];
  std::size_t volatile cap = sizeof buf;  // opaque: the truncation is the point
  int n = std::snprintf(buf, cap, "%s-%d-%s", "truncated", 12345, "output");
  std::printf("snprintf: %d [%s]\n", n, buf);
  std::printf("strtol: %ld %ld %lu %lld", std::strtol("  -0x1f", nullptr, 0), std::strtol("0777", nullptr, 0),
              std::strtoul("18446744073709551615", nullptr, 10), std::strtoll("123abc", nullptr, 10));
  errno = 0;
  long over = std::strtol("99999999999999999999", nullptr, 10);
  std::printf(" overflow %ld erange %d\n", over, errno == ERANGE);
  std::printf("strtod: %g %g %g %g %a\n", std::strtod("1.5e3", nullptr), std::strtod("-0.25", nullptr),
              std::strtod("0x1.8p1", nullptr), std::strtod("1e-2", nullptr), std::strtod("0.1", nullptr));
  int arr[10] = {9, 2, 7, 4, 5, 1, 8, 3, 6, 0};
  std::qsort(arr, 10, sizeof(int), cmpint);
  std::printf("qsort:");
  for (int x : arr) std::printf(" %d", x);
  int key = 6;
  std::printf(" | bsearch %ld\n", static_cast<int*>(std::bsearch(&key, arr, 10, sizeof(int), cmpint)) - arr);
  std::printf("string.h: %zu %d %s %s %zu\n", std::strlen("hello"), std::strcmp("a", "b") < 0,
              std::strchr("hello", 'l'), std::strstr("haystack", "st"), std::strspn("aaab", "a"));
}

}  // namespace

int main() {
  exceptions();
  rtti();
  library();
  clib();
  std::printf("statics: %d %d\n", counter(), counter());
  std::printf("thread_local: %d %s\n", tls_value++, tls_string.c_str());
  std::printf("thread_local again: %d\n", tls_value);
  return 0;
}
