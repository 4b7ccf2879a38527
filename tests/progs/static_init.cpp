// tests/progs/static_init.cpp: function-local statics under gort
// (boot/cxa_guard_hosted.cpp). argv[1] names the scenario:
//   recursion   an initialiser that reaches its own static (libstdc++'s
//               18_support/96817): __gnu_cxx::recursive_init_error, which
//               ends in std::terminate, here the program's own handler
//               (under libstdc++'s guard in a multi-threaded process: a
//               hang)
//   uncaught    the same with gort's terminate handler: a panic report
//               naming it, exit 2
//   goroutines  goroutines race for a static whose initialiser sleeps
//               (parks): one runs it, the others wait without blocking
//               their M (GOMAXPROCS=1 works: under libstdc++'s guard the
//               waiter blocks the only M and the sleeper never wakes)
//   threads     std::threads race for one: the futex protocol, and a
//               goroutine that initialises while threads wait on the futex
//   throws      an initialiser that throws leaves the static to the next
//               caller, which initialises it
// Each prints "<scenario>: ok" and exits 0 (uncaught: exit 2).
// hosted only: std::thread (the threads scenario)
#include <cxxabi.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>
#include <typeinfo>
#include <vector>

#include "check.hpp"

using progs::report;

static int depth = 0;

static int recurse() {
  depth++;
  static int i = depth < 3 ? recurse() : 42;
  return i;
}

static std::atomic<int> inits{0};

static int slow_value() {
  static int v = [] {
    inits++;
    gort::sleep(std::chrono::milliseconds(30));  // parks this goroutine
    return 7;
  }();
  return v;
}

static thread_local bool on_std_thread = false;

static int slow_value_threads() {
  static int v = [] {
    inits++;
    if (on_std_thread)
      usleep(30000);
    else
      gort::sleep(std::chrono::milliseconds(30));
    return 9;
  }();
  return v;
}

static int thrower_calls = 0;

static int throws_once() {
  static int v = [] {
    if (++thrower_calls == 1) throw std::runtime_error("first try fails");
    return 5;
  }();
  return v;
}

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  if (std::strcmp(s, "recursion") == 0) {
    // GCC calls __cxa_guard_acquire as a function that cannot throw, so
    // the exception ends in std::terminate; here, the program's own
    // terminate handler (libstdc++'s 96817.cc does this).
    std::set_terminate([] {
      const std::type_info* t = abi::__cxa_current_exception_type();
      report("recursion", t != nullptr && std::strcmp(t->name(), "N9__gnu_cxx20recursive_init_errorE") == 0,
             t != nullptr ? t->name() : "no exception");
      std::_Exit(progs::fails == 0 ? 0 : 1);
    });
    recurse();
    report("recursion", false, "returned");
  } else if (std::strcmp(s, "uncaught") == 0) {
    recurse();
    report("uncaught", false, "returned");
  } else if (std::strcmp(s, "goroutines") == 0) {
    gort::wait_group wg;
    std::atomic<int> sum{0};
    for (int i = 0; i < 4; i++) {
      wg.add(1);
      gort::go([&] {
        sum += slow_value();
        wg.done();
      });
    }
    wg.wait();
    report("goroutines", inits == 1 && sum == 28);
  } else if (std::strcmp(s, "threads") == 0) {
    std::vector<std::thread> ts;
    std::atomic<int> sum{0};
    // main, a goroutine, initialises (and sleeps) while threads that gort
    // does not run wait on the guard's futex.
    gort::wait_group wg;
    wg.add(1);
    gort::go([&] {
      sum += slow_value_threads();
      wg.done();
    });
    gort::gosched();  // let it start and take the guard
    std::atomic<int> done{0};
    for (int i = 0; i < 4; i++)
      ts.emplace_back([&] {
        on_std_thread = true;
        sum += slow_value_threads();
        done++;
      });
    // Wait without blocking this M (a goroutine blocked in join keeps its
    // P until the syscall work of issue 14), so that the sleeping
    // initialiser's timer can fire even at GOMAXPROCS=1.
    while (done < 4) gort::sleep(std::chrono::milliseconds(1));
    for (auto& t : ts) t.join();
    wg.wait();
    report("threads", inits == 1 && sum == 45);
  } else if (std::strcmp(s, "throws") == 0) {
    bool threw = false;
    try {
      throws_once();
    } catch (const std::runtime_error&) {
      threw = true;
    }
    int v = throws_once();
    report("throws", threw && v == 5 && thrower_calls == 2);
  } else {
    std::fprintf(stderr, "usage: static_init recursion|uncaught|goroutines|threads|throws\n");
    return 2;
  }
  return progs::fails == 0 ? 0 : 1;
}
