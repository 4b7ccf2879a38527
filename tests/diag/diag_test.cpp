// tests/diag/diag_test.cpp: the diagnostics reports (gort-debug(7)). Runs
// tests/progs/diag.cpp's scenarios in every build variant and matches each
// report: its header, the goroutine headers with their status and wait
// reason, the frames that must be named, and exit status 2.
#include <criterion/criterion.h>

#include <string>
#include <vector>

#include "harness.hpp"
#include "sanitize.hpp"

// The text of one goroutine's block in a dump: from its header to the next
// blank line.
static std::string block(const std::string& err, const std::string& header) {
  size_t i = err.find(header);
  if (i == std::string::npos) return "";
  size_t j = err.find("\n\n", i);
  return err.substr(i, j == std::string::npos ? std::string::npos : j - i);
}

static result rundiag(const std::string& v, const std::string& scenario, std::vector<std::string> env = {}) {
  env.push_back("GOMAXPROCS=2");
  return run({prog(v, "diag"), scenario}, &env, 30);
}

#define EXPECT(cond, what) cr_assert((cond), "%s %s: %s\n%s", v.c_str(), scenario, what, show(r).c_str())

Test(diag, deadlock_dumps_every_goroutine_with_its_wait_reason) {
  const char* scenario = "deadlock";
  for (const std::string& v : variants()) {
    result r = rundiag(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("fatal error: all goroutines are asleep - deadlock!\n\ngoroutine ", 0) == 0, "header");
    EXPECT(count(r.err, "\ngoroutine ") == 3, "three goroutines");
    // main, blocked on the mutex it holds: Go's wait reason and its frames,
    // innermost first, ending at main.
    std::string g1 = block(r.err, "goroutine 1 [semacquire]:\n");
    EXPECT(!g1.empty(), "goroutine 1 [semacquire]");
    size_t lock = g1.find("\ngort::mutex::lock_slow()\n\t"), twice = g1.find("\ndiag_lock_twice()\n\t"),
           mainf = g1.find("\nmain(");
    EXPECT(lock != std::string::npos && twice != std::string::npos && mainf != std::string::npos &&
               lock < twice && twice < mainf,
           "goroutine 1's frames: mutex::lock_slow, diag_lock_twice, main");
    EXPECT(contains(g1, "tests/progs/diag.cpp:"), "file:line of the program's frames");
    EXPECT(!contains(g1, "created by"), "no created-by line for the main goroutine");
    EXPECT(!contains(g1, "\nruntime.") && !contains(g1, "gort::runtime::"),
           "runtime frames hidden at the default GOTRACEBACK");
    // The two waiters.
    for (const char* id : {"2", "3"}) {
      std::string b = block(r.err, std::string("goroutine ") + id + " [semacquire]:\n");
      EXPECT(!b.empty(), "waiter header");
      EXPECT(contains(b, "\ngort::wait_group::wait_slow()\n\t") && contains(b, "\ndiag_waiter(int)\n\t"),
             "waiter frames");
      EXPECT(contains(b, "\ncreated by "), "created-by line");
    }
  }
}

Test(diag, gotraceback_none_and_system) {
  const char* scenario = "deadlock";
  for (const std::string& v : variants()) {
    result r = rundiag(v, scenario, {"GOTRACEBACK=none"});
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err == "fatal error: all goroutines are asleep - deadlock!\n", "none: the header alone");
    r = rundiag(v, scenario, {"GOTRACEBACK=system"});
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(count(r.err, "\ngoroutine ") == 3, "three goroutines");
    EXPECT(contains(block(r.err, "goroutine 1 [semacquire]:\n"), "\nruntime.semacquire1("),
           "system: runtime frames shown");
    EXPECT(contains(r.err, "\nruntime stack:\nruntime.fatal("), "system: the runtime stack of the M that failed");
    r = rundiag(v, scenario, {"GOTRACEBACK=0"});
    EXPECT(r.exited && r.status == 2 && count(r.err, "\ngoroutine ") == 0, "0 is none");
  }
}

// An uncaught exception is a panic reported at the throw point: the
// throwing frames are all there (three of diag_thrower's recursion), and
// no destructor ran (the C++ runtime calls std::terminate without
// unwinding when no handler exists).
Test(diag, uncaught_exception_is_a_panic_at_the_throw_point) {
  const char* scenario = "throw";
  for (const std::string& v : variants()) {
    result r = rundiag(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("panic: boom\n\ngoroutine 2 [running]:\ndiag_thrower(int)", 0) == 0, "header and first frame");
    EXPECT(count(r.err, "\ndiag_thrower(int)") == 3, "the three throwing frames");
    EXPECT(contains(r.err, "\ncreated by main"), "created by main");
    EXPECT(count(r.err, "\ngoroutine ") == 1, "GOTRACEBACK=single: only the panicking goroutine");
    EXPECT(!contains(r.err, "destructor ran") && !contains(r.err, "__cxa_throw") && !contains(r.err, "terminate"),
           "no unwinding, no C++ runtime frames");
    r = rundiag(v, scenario, {"GOTRACEBACK=all"});
    EXPECT(r.exited && r.status == 2 && count(r.err, "\ngoroutine ") == 2 &&
               contains(r.err, "\ngoroutine 1 [semacquire]:\n"),
           "GOTRACEBACK=all: main too");
  }
}

Test(diag, panic_values_and_gort_panic) {
  struct {
    const char* scenario;
    const char* header;
    const char* frame;
  } cases[] = {
      {"throw_int", "panic: int(42)\n\ngoroutine 1 [running]:\nmain(", nullptr},
      {"throw_obj", "panic: (diag_obj) 0x", "\n\ngoroutine 1 [running]:\nmain("},
      {"panic", "panic: gort panic\n\ngoroutine 2 [running]:\ndiag_panicker()\n\t", "\ncreated by main"},
  };
  for (const std::string& v : variants()) {
    for (auto& c : cases) {
      const char* scenario = c.scenario;
      result r = rundiag(v, scenario);
      EXPECT(r.exited && r.status == 2, "exit status 2");
      EXPECT(r.err.rfind(c.header, 0) == 0, c.header);
      if (c.frame != nullptr) EXPECT(contains(r.err, c.frame), c.frame);
    }
    const char* scenario = "recover";
    result r = rundiag(v, scenario);
    EXPECT(r.exited && r.status == 0 && contains(r.out, "recovered: gort panic\n") &&
               contains(r.err, "destructor ran\n"),
           "gort::panic unwinds and is caught");
  }
}

// Faults in user code: Go's runtime-error panics with the signal line, from
// the M's signal stack; the faulting frame comes first.
Test(diag, fatal_signals_in_user_code) {
  if (test_sanitizer() == "address") {
    SKIP("under -fsanitize=address a wild store faults in ASan's shadow, not at its address");
    return;
  }
  struct {
    const char* scenario;
    const char* header;
    const char* goroutine;
    const char* frame;
  } cases[] = {
      {"nil",
       "panic: runtime error: invalid memory address or nil pointer dereference\n"
       "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x",
       "goroutine 2 [running]:\n", "\ndiag_nil(int* volatile*)\n\t"},
      {"divzero", "panic: runtime error: integer divide by zero\n[signal SIGFPE: floating-point exception code=0x1 addr=0x",
       "goroutine 1 [running]:\n", "\ndiag_divide(int, int)\n\t"},
      {"fault",
       "unexpected fault address 0xdead0000\nfatal error: fault\n"
       "[signal SIGSEGV: segmentation violation code=0x1 addr=0xdead0000 pc=0x",
       "goroutine 1 [running]:\n", "\ndiag_nil(int* volatile*)\n\t"},
      {"sigill", "SIGILL: illegal instruction\nPC=0x", "goroutine 1 [running]:\n", "\nmain(...)\n\t"},
  };
  for (const std::string& v : variants()) {
    for (auto& c : cases) {
      const char* scenario = c.scenario;
      result r = rundiag(v, scenario);
      EXPECT(r.exited && r.status == 2, "exit status 2");
      EXPECT(r.err.rfind(c.header, 0) == 0, c.header);
      std::string b = block(r.err, c.goroutine);
      EXPECT(!b.empty(), c.goroutine);
      EXPECT(b.find(c.frame) == b.find('\n'), c.frame);  // the first frame
    }
    const char* scenario = "nil";
    result r = rundiag(v, scenario);
    EXPECT(count(r.err, "\ngoroutine ") == 1, "a panic: only the faulting goroutine");
    EXPECT(contains(r.err, "\ncreated by main"), "created by main");
    r = rundiag(v, "sigill");
    EXPECT(contains(r.err, "\nrip    0x") && contains(r.err, "\nrflags 0x"), "sigill: the registers");
  }
}

// GOTRACEBACK=crash: the report, then death by the fault's own signal,
// SIGSEGV (a core dump where enabled; not here: the limit is set to 0).
Test(diag, gotraceback_crash_dies_by_the_signal) {
  const char* scenario = "nil";
  for (const std::string& v : variants()) {
    result r = run({"/bin/sh", "-c", "ulimit -c 0; GOTRACEBACK=crash exec \"$0\" nil", prog(v, "diag")}, nullptr, 30);
    EXPECT(!r.exited && r.signal == SIGSEGV, "killed by SIGSEGV");
    EXPECT(r.err.rfind("panic: runtime error: invalid memory address or nil pointer dereference\n", 0) == 0,
           "the report first");
    EXPECT(contains(r.err, "\ndiag_nil(int* volatile*)\n\t"), "the frames");
  }
}

// A goroutine that recurses without end hits the guard below its stack;
// the fault is handled on the M's signal stack. Guards made with
// MADV_GUARD_INSTALL (SEGV_MAPERR, where the kernel has it) and with
// mprotect (SEGV_ACCERR, forced by GODEBUG=guardmprotect=1) both.
Test(diag, stack_overflow) {
  const char* scenario = "overflow";
  for (const std::string& v : variants())
  for (const char* godebug : {"GODEBUG=", "GODEBUG=guardmprotect=1"}) {
    result r = rundiag(v, scenario, {godebug});
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("runtime: goroutine stack exceeds 262144-byte limit\nruntime: sp=0x", 0) == 0, "header");
    EXPECT(contains(r.err, "]\nfatal error: stack overflow\n\ngoroutine 2 [running]:\ndiag_recurse(int)\n"),
           "fatal error and the goroutine");
    std::string b = block(r.err, "goroutine 2 [running]:\n");
    EXPECT(count(b, "\ndiag_recurse(int)\n") == 100, "100 frames");
    EXPECT(contains(b, "\n...additional frames elided...\ncreated by main"), "then elided");
    EXPECT(contains(r.err, "\ngoroutine 1 [semacquire]:\n"), "a throw: all goroutines");
  }
}

// SIGQUIT: Go's dump of every goroutine, then the registers, exit 2.
Test(diag, sigquit_dumps_all_goroutines) {
  const char* scenario = "sigquit";
  for (const std::string& v : variants()) {
    result r = rundiag(v, scenario);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("SIGQUIT: quit\nPC=0x", 0) == 0 && contains(r.err, " sigcode=0\n\n"), "header");
    EXPECT(contains(r.err, "\ngoroutine 1 ["), "main");
    EXPECT(contains(r.err, "\ngoroutine 2 [") && contains(r.err, "\ngoroutine 3 ["), "the two waiters");
    EXPECT(contains(r.err, "\nrip    0x"), "the registers");
  }
}

// Fatal errors and the runtime's own panics carry the goroutine's frames
// (programs of sync_test.cpp).
Test(diag, fatal_error_and_runtime_panic_show_the_goroutine) {
  for (const std::string& v : variants()) {
    const char* scenario = "mutex_unlock";
    result r = run({prog(v, "sync_misuse"), scenario}, nullptr, 30);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("fatal error: sync: unlock of unlocked mutex\n\ngoroutine 1 [running]:\n", 0) == 0, "header");
    EXPECT(contains(r.err, "\ngort::mutex::unlock_slow(int)\n\t") && contains(r.err, "\nmain(") &&
               contains(r.err, "sync_misuse.cpp:"),
           "frames");
    scenario = "wg_negative_go";
    // One P: goroutine 2's done() readies main, and its add(-1) panics
    // before main runs. At two Ps main may wake first and see the counter
    // go below zero under its wait: Go's "WaitGroup is reused" panic (seen
    // under TSan, whose timing differs).
    std::vector<std::string> oneP = {"GOMAXPROCS=1"};
    r = run({prog(v, "sync_misuse"), scenario}, &oneP, 30);
    EXPECT(r.exited && r.status == 2, "exit status 2");
    EXPECT(r.err.rfind("panic: sync: negative WaitGroup counter\n\ngoroutine 2 [running]:\n", 0) == 0, "header");
    EXPECT(contains(r.err, "\ngort::wait_group::add_slow(unsigned long, int)\n\t") &&
               contains(r.err, "\ncreated by main\n\t"),
           "frames");
    // (main may panic too, "WaitGroup is reused": its report then follows
    // this one, whole.)
    EXPECT(count(block(r.err, "goroutine 2 [running]:\n"), "\ngoroutine ") == 0, "the report is not interleaved");
  }
}
