// tests/nolibc/nolibc_test.cpp: what only the nolibc flavour has, on its
// own programs (tests/progs/nolibc.cpp, and the nolibc builds of the
// others): static, with nothing of libc mapped; threads joined on their
// child-tid word; goroutines that park in the C++ runtime's waits
// (function-local statics, std::mutex); the allocator's scavenger; the
// driver's link error. Runs once, in the first run of `make check`: the
// tests name the nolibc programs themselves.
#include <criterion/criterion.h>

#include <cstdlib>

#include "harness.hpp"

TestSuite(nolibc, .timeout = 300);

namespace {

const char* const kVariants[] = {"pie-O2", "nopie-O0"};

std::string nolibc_prog(const std::string& v, const std::string& name) {
  return test_dir() + "/progs/nolibc/" + v + "/" + name;
}

result runn(const std::string& v, const std::string& name, std::vector<std::string> args, std::vector<std::string> env,
            int procs = 2) {
  std::vector<std::string> argv = {nolibc_prog(v, name)};
  argv.insert(argv.end(), args.begin(), args.end());
  env.push_back("GOMAXPROCS=" + std::to_string(procs));
  return run(argv, &env, 60);
}

// expect_ok runs scenario s of program name in variant v and asserts that
// it exits 0 and prints "s: ok".
void expect_ok(const char* v, const std::string& name, const std::string& s, std::vector<std::string> env = {},
               int procs = 2) {
  result r = runn(v, name, {s}, std::move(env), procs);
  cr_assert(r.exited && r.status == 0 && contains(r.out, s + ": ok"), "%s %s: %s", v, s.c_str(), show(r).c_str());
}

// A build without the nolibc flavour (SANITIZE=...: the sanitizers need
// glibc) has none of its programs.
#define NEED_NOLIBC()                                                                         \
  do {                                                                                        \
    if (access(nolibc_prog("pie-O2", "nolibc").c_str(), X_OK) != 0)                           \
      SKIP("no nolibc flavour in this build (%s)", nolibc_prog("pie-O2", "nolibc").c_str()); \
  } while (0)

std::string driver() {
  const char* bin = std::getenv("GORT_BIN");
  return std::string(bin != nullptr ? bin : "build/bin") + "/gort-c++";
}

}  // namespace

// A static PIE and a static program, no interpreter, no shared library, no
// libc symbol; at run time the only file mapped is the program.
Test(nolibc, programs_are_static_with_no_libc) {
  NEED_NOLIBC();
  for (const char* v : kVariants) {
    std::string p = nolibc_prog(v, "nolibc");
    std::string type = sh("readelf -h " + p + " | awk '/Type:/ {print $2}'");
    cr_assert_eq(type, std::string(v) == "pie-O2" ? "DYN\n" : "EXEC\n", "%s: type %s", v, type.c_str());
    std::string ph = sh("readelf -lW " + p);
    cr_assert(!contains(ph, "INTERP") && contains(ph, " TLS ") && contains(ph, "GNU_EH_FRAME"), "%s: %s", v, ph.c_str());
    cr_assert(!contains(sh("readelf -dW " + p), "NEEDED"), "%s: needs a shared library", v);
    std::string syms = sh("nm " + p + " | grep -c -w -e __libc_start_main -e _dl_start -e __libc_setup_tls; true");
    cr_assert_eq(syms, "0\n", "%s: glibc symbols in the program", v);
    expect_ok(v, "nolibc", "maps");
  }
}

Test(nolibc, threads_are_joined_on_their_child_tid_word) {
  NEED_NOLIBC();
  for (const char* v : kVariants) {
    expect_ok(v, "nolibc", "join");
  }
}

// With retakeblocked=0 an M blocked in the kernel keeps its P: at
// GOMAXPROCS=1 a wait that blocked the M would hang (and the test time
// out); these waits park the goroutine.
Test(nolibc, static_initialisation_and_std_mutex_park_the_goroutine) {
  NEED_NOLIBC();
  for (const char* v : kVariants)
    for (const char* s : {"statics", "stdmutex"}) expect_ok(v, "nolibc", s, {"GODEBUG=retakeblocked=0"}, 1);
}

// The runtime's scavenger gives freed memory back to the kernel.
Test(nolibc, freed_memory_goes_back_to_the_kernel) {
  NEED_NOLIBC();
  for (const char* v : kVariants) {
    expect_ok(v, "malloc", "scavenge");
  }
}

// A program that uses what only a C library has fails to link with a
// message in terms of the flavour, not pages of undefined symbols.
Test(nolibc, link_error_names_the_flavour_and_the_missing_part) {
  NEED_NOLIBC();
  char tmpl[] = "/tmp/gort-nolibc-XXXXXX";
  cr_assert(mkdtemp(tmpl) != nullptr);
  std::string dir = tmpl;
  struct {
    const char* name;
    const char* src;
    const char* part;
  } cases[] = {
      {"cout", "#include <iostream>\nint main() { std::cout << \"hi\\n\"; }\n", "iostreams"},
      {"thread", "#include <thread>\nint main() { std::thread t([] {}); t.join(); }\n", "std::thread"},
      {"dlopen", "#include <dlfcn.h>\nint main() { return dlopen(\"x\", 0) != nullptr; }\n", "dlopen"},
  };
  for (auto& c : cases) {
    std::string src = dir + "/" + c.name + ".cpp";
    sh("printf '%s' '" + std::string(c.src) + "' > " + src);
    result r = run({driver(), "--nolibc", "-O2", src, "-o", dir + "/" + c.name});
    cr_assert(r.exited && r.status != 0, "%s: linked?: %s", c.name, show(r).c_str());
    cr_assert(contains(r.err, "gort-c++: link error: this program uses what the nolibc flavour does not have"),
              "%s: %s", c.name, show(r).c_str());
    cr_assert(contains(r.err, c.part), "%s: the message does not name %s: %s", c.name, c.part, show(r).c_str());
    cr_assert_leq(count(r.err, "\n"), 20, "%s: %d lines of errors", c.name, count(r.err, "\n"));
  }
  sh("rm -rf " + dir);
}
