// tests/progs/crt.cpp SCENARIO: what a crt must get right, checked from
// inside the program, in both flavours (the nolibc flavour does each of
// these itself; under the hosted one ld.so and glibc do):
//
//   tls        thread_local variables, initialised (.tdata) and zeroed
//              (.tbss) and over-aligned, start with their initial values
//              in every M, and each M has its own copy
//   canary     the stack-protector canary is set, random, its low byte
//              zero, the same in every M
//   reloc      pointers in data (a table of strings and of functions, a
//              thread_local pointer to a global) point where they should:
//              a static PIE must have relocated itself
//   ifunc      an IFUNC symbol was resolved (an IRELATIVE relocation), its
//              resolver run once before main
//   statics    a function-local static whose constructor parks (sleeps)
//              while 64 goroutines want it: built once, seen by all
//   tlsdtor    a thread_local's destructor runs at exit (prints)
//   smash      overflows a stack-protected buffer: must die by SIGABRT
//              with glibc's message
//
// Prints "gomaxprocs=N" and "<scenario>: ok" lines (check.hpp).
#include <gort/gort.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "check.hpp"

namespace {

thread_local int tls_init = 12345;
thread_local long tls_zero;
thread_local char tls_text[16] = "initial";
alignas(64) thread_local int tls_aligned = 7;
int global_target = 99;
thread_local int* tls_ptr = &global_target;

// The canary, read where the compiler reads it (TLS ABI: %fs:0x28).
std::uintptr_t canary() {
  std::uintptr_t v;
  asm volatile("movq %%fs:0x28, %0" : "=r"(v));
  return v;
}

// tlscheck runs in a goroutine: the values it finds must be the initial
// ones the first time a goroutine runs on this M (later goroutines on the
// same M see what earlier ones left, as thread_locals are the M's).
struct mstate {
  long tid;
  bool fresh;
};

bool tlsfresh() {
  return tls_init == 12345 && tls_zero == 0 && std::strcmp(tls_text, "initial") == 0 && tls_aligned == 7 &&
         reinterpret_cast<std::uintptr_t>(&tls_aligned) % 64 == 0 && tls_ptr == &global_target && *tls_ptr == 99;
}

void scenario_tls() {
  // Mark main's M as used (main stays on it: locked), then make many
  // goroutines, blocking so that more Ms are created; each M's first
  // goroutine checks the values.
  gort::lock_os_thread();
  tls_init = -1;
  std::atomic<int> bad{0}, firsts{0};
  gort::mutex mu;
  std::set<long> seen;
  seen.insert(long(gettid()));
  gort::wait_group wg;
  for (int i = 0; i < 64; i++) {
    wg.add(1);
    gort::go([&] {
      // The thread is read, and its values checked and changed, under the
      // lock: a goroutine that parked on the lock may resume on another M,
      // which another goroutine has marked already.
      {
        std::lock_guard<gort::mutex> l(mu);
        long tid = long(gettid());
        if (seen.insert(tid).second) {
          firsts++;
          if (!tlsfresh()) bad++;
          tls_init = int(tid);  // this M's own copy
          std::strcpy(tls_text, "changed");
        }
      }
      // A blocking system call: its P goes to another M (a new thread).
      usleep(2000);
      wg.done();
    });
  }
  wg.wait();
  CHECK(bad == 0, "tls: %d of %d Ms did not start with the initial values", bad.load(), firsts.load());
  CHECK(tls_init == -1, "tls: main's copy was changed by another M (%d)", tls_init);
  progs::report("tls", bad == 0 && tls_init == -1);
  gort::unlock_os_thread();
}

void scenario_canary() {
  std::uintptr_t c = canary();
  std::atomic<int> differ{0};
  gort::wait_group wg;
  for (int i = 0; i < 16; i++) {
    wg.add(1);
    gort::go([&] {
      usleep(1000);
      if (canary() != c) differ++;
      wg.done();
    });
  }
  wg.wait();
  CHECK(c != 0, "canary: zero");
  CHECK((c & 0xff) == 0, "canary: low byte %#lx", static_cast<unsigned long>(c & 0xff));
  CHECK(differ == 0, "canary: %d goroutines saw another value", differ.load());
  progs::report("canary", c != 0 && (c & 0xff) == 0 && differ == 0);
}

const char* const names[] = {"alpha", "beta", "gamma"};
int twice(int x) { return 2 * x; }
int thrice(int x) { return 3 * x; }
int (*const table[])(int) = {twice, thrice};
struct node {
  const char* name;
  const node* next;
};
const node last{"last", nullptr};
const node first{"first", &last};

void scenario_reloc() {
  bool ok = std::strcmp(names[1], "beta") == 0 && table[0](5) == 10 && table[1](5) == 15 &&
            std::strcmp(first.next->name, "last") == 0 && *tls_ptr == 99;
  CHECK(ok, "reloc: a pointer in data is wrong");
  progs::report("reloc", ok);
}

int resolved = 0;  // __atomic builtins: std::atomic's members are out of line at -O0
int ifunc_impl() { return 4242; }
// The resolver runs during relocation, before constructors: it may use
// nothing that needs initialising, a sanitizer's shadow memory included
// (check-asan, check-tsan), so it is not instrumented.
extern "C" {
__attribute__((no_sanitize("address", "thread"))) static int (*resolve_value())() {
  __atomic_fetch_add(&resolved, 1, __ATOMIC_SEQ_CST);
  return ifunc_impl;
}
}
int ifunc_value() __attribute__((ifunc("resolve_value")));

void scenario_ifunc() {
  int v = ifunc_value();
  CHECK(v == 4242, "ifunc: %d", v);
  int n = __atomic_load_n(&resolved, __ATOMIC_SEQ_CST);
  CHECK(n == 1, "ifunc: resolver ran %d times", n);
  progs::report("ifunc", v == 4242 && n == 1);
}

std::atomic<int> constructed{0};
struct slow {
  int value;
  slow() : value(77) {
    constructed++;
    gort::sleep(std::chrono::milliseconds(50));  // parks the initialising goroutine
  }
};
const slow& theslow() {
  static slow s;
  return s;
}

void scenario_statics() {
  std::atomic<int> wrong{0};
  gort::wait_group wg;
  for (int i = 0; i < 64; i++) {
    wg.add(1);
    gort::go([&] {
      if (theslow().value != 77) wrong++;
      wg.done();
    });
  }
  wg.wait();
  CHECK(constructed == 1, "statics: constructed %d times", constructed.load());
  CHECK(wrong == 0, "statics: %d goroutines saw it unfinished", wrong.load());
  progs::report("statics", constructed == 1 && wrong == 0);
}

struct announcer {
  ~announcer() {
    const char msg[] = "thread_local destructor ran\n";
    ssize_t r = write(1, msg, sizeof msg - 1);
    (void)r;
  }
  int x = 0;
};
thread_local announcer tlsann;

void scenario_tlsdtor() {
  tlsann.x = 1;  // constructs it on this thread
  progs::report("tlsdtor", true);
}

__attribute__((noinline, optimize("stack-protector-all"))) void smash(const char* s) {
  char buf[8];
  volatile std::size_t n = std::strlen(s);
  for (std::size_t i = 0; i < n; i++) buf[i] = s[i];  // overflow on purpose
  asm volatile("" : : "r"(buf) : "memory");
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  std::fflush(stdout);
  std::string s = argc > 1 ? argv[1] : "all";
  if (s == "smash") {
    smash("this string is far too long for eight bytes and runs over the canary");
    std::printf("smash: survived?\n");
    return 1;
  }
  if (s == "all" || s == "tls") scenario_tls();
  if (s == "all" || s == "canary") scenario_canary();
  if (s == "all" || s == "reloc") scenario_reloc();
  if (s == "all" || s == "ifunc") scenario_ifunc();
  if (s == "all" || s == "statics") scenario_statics();
  if (s == "all" || s == "tlsdtor") scenario_tlsdtor();
  std::fflush(stdout);
  return progs::fails;
}
