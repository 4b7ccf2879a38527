// tests/progs/panicreport.cpp: panic and fatal reports in hard places
// (issue 19, items 5, 6, 7 and 9). argv[1] names the scenario; each ends
// the program with a report and exit status 2, never silently.
#include <gort/gort.hpp>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

// A static object with a destructor: a report must end the process
// without running it (exit status 2, not exit()).
static struct dtor {
  ~dtor() { std::fprintf(stderr, "static destructor ran\n"); }
} the_dtor;

// ---- item 5: what() that blocks, yields or throws (Go's preprintpanics) ----

// Go's TestPanicDeadlockGosched.
struct errorThatGosched : std::exception {
  const char* what() const noexcept override {
    gort::gosched();
    return "errorThatGosched";
  }
};

// Go's TestPanicDeadlockSyscall: what() writes (a system call).
struct errorThatPrint : std::exception {
  const char* what() const noexcept override {
    std::fputs("1\n", stderr);
    std::fputs("2\n", stderr);
    return "3";
  }
};

// what() takes a gort::mutex that another goroutine holds for a while.
static gort::mutex mu;
struct errorThatLocks : std::exception {
  const char* what() const noexcept override {
    mu.lock();
    mu.unlock();
    return "errorThatLocks";
  }
};

// what() receives from a channel another goroutine sends on.
static gort::chan<int> whatc(0);
struct errorThatReceives : std::exception {
  const char* what() const noexcept override {
    static std::string s = "errorThatReceives " + std::to_string(whatc.recv());
    return s.c_str();
  }
};

// Go's TestPanicLoop: what() panics in turn (a string value).
struct panicError : std::exception {
  const char* what() const noexcept override { gort::panic("double error"); }
};

// Go's DoubleErrorPanic: what() throws a value that is not a string.
struct otherError {};
[[noreturn, gnu::noinline]] static void throwother() { throw otherError{}; }
struct doubleError : std::exception {
  const char* what() const noexcept override { throwother(); }
};

// ---- item 6: main returns while another goroutine panics ----

static gort::chan<bool> started(0);
struct errorThatLetsMainReturn : std::exception {
  const char* what() const noexcept override {
    started.close();  // main may return from here on
    for (int i = 0; i < 100; i++) gort::gosched();
    return "goroutine failed while main returned";
  }
};

// ---- item 7: reports from a goroutine whose stack is mostly used ----

[[gnu::noinline]] void deep(int kib, const std::string& what) {
  char buf[1024];
  std::memset(buf, 0, sizeof buf);
  asm volatile("" ::"r"(buf) : "memory");
  if (kib > 0) {
    deep(kib - 1, what);
  } else if (what == "throw") {
    throw std::runtime_error("thrown deep in the stack");
  } else if (what == "mutex") {
    gort::mutex m;
    m.unlock();  // fatal error: sync: unlock of unlocked mutex
  } else if (what == "panic") {
    gort::panic("deep gort::panic");
  } else if (what == "segv") {
    *static_cast<volatile int*>(nullptr) = 1;
  }
  asm volatile("" ::"r"(buf) : "memory");
}

// ---- item 9: a report with no memory left ----

static long vmsize_kb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while (f != nullptr && std::fgets(line, sizeof line, f) != nullptr)
    if (std::strncmp(line, "VmSize:", 7) == 0) v = std::atol(line + 7);
  if (f != nullptr) std::fclose(f);
  return v;
}

// growstack touches the 64 KiB of stack below its caller, top down.
// Goroutine 1 runs on the process's initial stack, which the kernel grows
// a page at a time as the stack pointer comes down to it, and each page
// it adds counts towards RLIMIT_AS, as for a C++ main thread: once the
// limit is the process's size, a call that reaches a page the stack never
// reached before dies by SIGSEGV (the fputs below did, now and then: which
// page is new depends on where ASLR puts the stack's top in its page).
[[gnu::noinline]] static void growstack() {
  volatile char buf[64 << 10];
  for (size_t i = sizeof buf; i > 0; i -= 4096) buf[i - 1] = 0;
  buf[0] = 0;
}

// nomem parks n goroutines, then leaves the process no address space to
// map anything (RLIMIT_AS at its current size) and deadlocks: the report
// cannot map its list of goroutines. The stack it goes on with is grown
// first, before the limit.
static void nomem(int n) {
  gort::chan<int> never(0);
  gort::wait_group wg;
  for (int i = 0; i < n; i++) {
    wg.add(1);
    gort::go([never, &wg]() mutable {
      wg.done();
      never.recv();
    });
  }
  wg.wait();
  gort::chan<int> last(0);
  growstack();
  rlimit rl{};
  rl.rlim_cur = rl.rlim_max = rlim_t(vmsize_kb()) << 10;
  if (setrlimit(RLIMIT_AS, &rl) != 0) std::perror("setrlimit");
  std::fputs("limit set\n", stderr);
  last.recv();  // fatal error: all goroutines are asleep - deadlock!
}

int main(int argc, char** argv) {
  std::string s = argc > 1 ? argv[1] : "";
  if (s == "what_gosched") throw errorThatGosched();
  if (s == "what_print") throw errorThatPrint();
  if (s == "what_lock") {
    mu.lock();
    gort::go([] {
      gort::sleep(10ms);
      mu.unlock();
    });
    throw errorThatLocks();
  }
  if (s == "what_chan") {
    gort::go([] { whatc.send(42); });
    throw errorThatReceives();
  }
  if (s == "what_panics") throw panicError();
  if (s == "what_throws") throw doubleError();
  if (s == "main_returns") {
    gort::go([] { throw errorThatLetsMainReturn(); });
    started.recv();
    return 0;
  }
  if (s == "deep") {  // deep <kib> <throw|mutex|panic|segv>
    int kib = std::atoi(argv[2]);
    std::string what = argv[3];
    gort::wait_group wg;
    wg.add(1);
    gort::go([&] {
      deep(kib, what);
      wg.done();
    });
    wg.wait();
    return 0;
  }
  if (s == "nomem") {
    nomem(std::atoi(argv[2]));
    return 0;
  }
  // Item 11: GOTRACEBACK=single hides the runtime's frames, even those
  // inlined into it.
  if (s == "chandeadlock") {
    gort::chan<int> c(0);
    gort::go([c]() mutable { c.recv(); });
    c.recv();
  }
  // Item 11: n goroutines parked at once, each with its stack: with
  // mprotect guards (GODEBUG=guardmprotect=1), two mappings each.
  if (s == "manystacks") {
    int n = std::atoi(argv[2]);
    gort::chan<int> gate(0);
    gort::wait_group wg;
    for (int i = 0; i < n; i++) {
      wg.add(1);
      gort::go([gate, &wg]() mutable {
        wg.done();
        gate.recv();
      });
    }
    wg.wait();
    return 0;
  }
  std::fprintf(stderr, "panicreport: unknown scenario '%s'\n", s.c_str());
  return 1;
}
