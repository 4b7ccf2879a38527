// tests/boot/boot_test.cpp: boot conformance. Each test runs programs from
// tests/progs/ (every build variant) as child processes and matches their
// output and exit status.
#include <criterion/criterion.h>

#include <algorithm>
#include <map>
#include <regex>

#include "harness.hpp"
#include "sanitize.hpp"

#define FOR_EACH_VARIANT for (const std::string& v : variants())

#define EXPECT_EXIT(r, code) \
  cr_assert((r).exited && (r).status == (code), "want exit %d, got %s", (code), show(r).c_str())

Test(boot, entry_is_rt0_amd64_linux) {
  FOR_EACH_VARIANT {
    std::string bin = prog(v, "args");
    std::string entry = sh("readelf -h " + bin + " | awk '/Entry point/ {print $4}'");
    std::string sym = sh("nm " + bin + " | awk '$3 == \"_rt0_amd64_linux\" {print $1}'");
    cr_assert(!entry.empty() && !sym.empty(), "%s: no entry or no symbol", v.c_str());
    cr_assert_eq(std::stoull(entry, nullptr, 16), std::stoull(sym, nullptr, 16),
                 "%s: ELF entry %s is not _rt0_amd64_linux at %s", v.c_str(), entry.c_str(), sym.c_str());
  }
}

Test(boot, pie_and_nopie_variants_are_what_they_claim) {
  FOR_EACH_VARIANT {
    std::string type = sh("readelf -h " + prog(v, "args") + " | awk '/Type:/ {print $2}'");
    bool pie = v.rfind("pie", 0) == 0;
    cr_assert_eq(type, std::string(pie ? "DYN\n" : "EXEC\n"), "%s: ELF type %s", v.c_str(), type.c_str());
  }
}

Test(boot, argv_and_envp_intact) {
  // Linux caps one argument at 128 KiB including its NUL (MAX_ARG_STRLEN).
  std::string longarg(128 * 1024 - 1, 'x');
  longarg[1000] = 'y';
  std::vector<std::string> env = {"A=1", "EMPTY=", "WITH SPACE=a b", "LONG=" + std::string(4000, 'z'),
                                  "UTF8=h\xc3\xa9llo"};
  FOR_EACH_VARIANT {
    std::vector<std::string> argv = {prog(v, "args"), "", "two words", "--flag=1", longarg, "", "\xe2\x9c\x93"};
    result r = run(argv, &env);
    EXPECT_EXIT(r, 0);
    std::string want = "argc=" + std::to_string(argv.size()) + "\n";
    for (size_t i = 0; i < argv.size(); i++)
      want += "argv[" + std::to_string(i) + "]=" + std::to_string(argv[i].size()) + ":" + argv[i] + "\n";
    for (size_t i = 0; i < env.size(); i++)
      want += "envp[" + std::to_string(i) + "]=" + std::to_string(env[i].size()) + ":" + env[i] + "\n";
    want += "layout ok\n";
    cr_assert(r.out == want, "%s: output differs:\n%s", v.c_str(), r.out.substr(0, 2000).c_str());
  }
}

Test(boot, argc_zero_and_empty_environment) {
  std::vector<std::string> env;
  FOR_EACH_VARIANT {
    result r = run({prog(v, "args")}, &env);
    EXPECT_EXIT(r, 0);
    cr_assert(contains(r.out, "argc=1\n") && contains(r.out, "layout ok"), "%s", show(r).c_str());
  }
}

Test(boot, constructors_destructors_atexit_match_plain_gxx) {
  result oracle = run({test_dir() + "/oracle/lifecycle"});
  // The oracle itself must show the C++ rules, or the comparison proves nothing.
  std::string want =
      "constructor(101)\nconstructor(102)\nconstructor\nctor a\nctor b\nmain\n"
      "ctor function-local static\natexit 2\ndtor function-local static\natexit 1\n"
      "dtor b\ndtor a\ndestructor(101)\n";
  cr_assert_eq(oracle.out, want, "plain g++ oracle:\n%s", oracle.out.c_str());
  EXPECT_EXIT(oracle, 7);
  FOR_EACH_VARIANT {
    result r = run({prog(v, "lifecycle")});
    EXPECT_EXIT(r, 7);
    cr_assert_eq(r.out, oracle.out, "%s: gort:\n%s\nplain g++:\n%s", v.c_str(), r.out.c_str(), oracle.out.c_str());
  }
}

Test(boot, cout_exceptions_and_stdio_match_plain_gxx) {
  HOSTED_ONLY("iostreams need the C library (tests/progs/cxxcore.cpp is the nolibc flavour's)");
  result oracle = run({test_dir() + "/oracle/cxx"});
  EXPECT_EXIT(oracle, 0);
  cr_assert(contains(oracle.out, "caught: bottom reached"));
  FOR_EACH_VARIANT {
    result r = run({prog(v, "cxx")});
    EXPECT_EXIT(r, 0);
    cr_assert_eq(r.out, oracle.out, "%s: gort:\n%s\nplain g++:\n%s", v.c_str(), r.out.c_str(), oracle.out.c_str());
    cr_assert_eq(r.err, oracle.err);
  }
}

Test(boot, exit_status_from_main) {
  FOR_EACH_VARIANT {
    for (int code : {0, 1, 42, 255}) {
      result r = run({prog(v, "exitcode"), "return", std::to_string(code)});
      EXPECT_EXIT(r, code);
      cr_assert_eq(r.out, "atexit handler\nstatic destructor\n", "%s: %s", v.c_str(), show(r).c_str());
    }
  }
}

Test(boot, exit_from_a_goroutine_runs_handlers_once) {
  FOR_EACH_VARIANT {
    result r = run({prog(v, "exitcode"), "exit", "3"});
    EXPECT_EXIT(r, 3);
    cr_assert_eq(r.out, "goroutine calls exit\natexit handler\nstatic destructor\n", "%s: %s", v.c_str(),
                 show(r).c_str());
  }
}

Test(boot, main_returning_ends_the_process_whatever_other_goroutines_do) {
  FOR_EACH_VARIANT {
    result r = run({prog(v, "exitcode"), "busy", "5"}, nullptr, 20);
    EXPECT_EXIT(r, 5);
  }
}

Test(boot, g0_bounds_and_m0_binding) {
  FOR_EACH_VARIANT {
    result r = run({prog(v, "g0bounds")});
    EXPECT_EXIT(r, 0);
    cr_assert(contains(r.out, " ok\n"), "%s: %s", v.c_str(), show(r).c_str());
  }
}

// goroutines.cpp and interleave.cpp test one-P semantics (what runs after a
// gosched, in which order), so they run with GOMAXPROCS=1; the scheduler
// tests (tests/sched/sched_test.cpp) cover several Ps.
static const std::vector<std::string> oneP = {"GOMAXPROCS=1"};

Test(boot, goroutines_run_once_and_closures_are_destroyed) {
  FOR_EACH_VARIANT {
    result r = run({prog(v, "goroutines")}, &oneP);
    EXPECT_EXIT(r, 0);
    std::string n = test_sanitizer() == "thread" ? "10000" : "100000";  // (goroutines.cpp)
    cr_assert(contains(r.out, "ran " + n + " goroutines exactly once: yes\ngoroutines ok\n"), "%s: %s", v.c_str(),
              show(r).c_str());
  }
}

Test(boot, gosched_interleaves) {
  FOR_EACH_VARIANT {
    result r = run({prog(v, "interleave")}, &oneP);
    EXPECT_EXIT(r, 0);
    std::string log = r.out.substr(0, r.out.find('\n'));
    cr_assert_eq(log.size(), 100u, "%s: %s", v.c_str(), log.c_str());
    cr_assert_eq(std::count(log.begin(), log.end(), 'A'), 50, "%s", log.c_str());
    // Each gosched lets the other goroutine run, so the log alternates.
    // Go's fairness rule (every 61st schedule takes the global queue's head
    // first) may reorder a round now and then; it cannot do so often.
    int repeats = 0;
    for (size_t i = 1; i < log.size(); i++) repeats += log[i] == log[i - 1];
    cr_assert_leq(repeats, 4, "%s: %d repeats: %s", v.c_str(), repeats, log.c_str());
  }
}

Test(boot, boottrace_lists_every_step_in_order) {
  // (interleave.cpp is a one-P program: at two Ps its goroutines race on
  // its log, which TSan reports.)
  std::vector<std::string> env = {"GODEBUG=boottrace=1", "GOMAXPROCS=1"};
  result r = run({prog("pie-O2", "interleave")}, &env);
  EXPECT_EXIT(r, 0);
  const char* steps[] = {"rt0_go", "args", "osinit", "schedinit", "newproc", "mstart", "runtime.main", "init",
                         "main", "exit"};
  std::regex line(R"(^boottrace: +([0-9]+)\.([0-9])us (\S+)(.*)$)");
  std::istringstream in(r.err);
  size_t i = 0;
  double last = -1;
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    cr_assert(std::regex_match(l, m, line), "bad line: %s", l.c_str());
    cr_assert(i < 10, "too many lines: %s", r.err.c_str());
    cr_assert_eq(m[3].str(), std::string(steps[i]), "step %zu: %s", i, l.c_str());
    double t = std::stod(m[1].str() + "." + m[2].str());
    cr_assert(t >= last, "time goes backwards: %s", r.err.c_str());
    last = t;
    i++;
  }
  cr_assert_eq(i, 10u, "%s", r.err.c_str());
  cr_assert(contains(r.err, "exit status=0"));
  // Without GODEBUG there is no trace.
  result q = run({prog("pie-O2", "interleave")});
  cr_assert(q.err.empty(), "%s", q.err.c_str());
}

Test(boot, gomaxprocs_from_environment) {
  for (auto [val, want] : std::vector<std::pair<std::string, std::string>>{
           {"1", "gomaxprocs=1 "}, {"3", "gomaxprocs=3 "}, {"1024", "gomaxprocs=1024 "}}) {
    std::vector<std::string> env = {"GODEBUG=boottrace=1", "GOMAXPROCS=" + val};
    result r = run({prog("pie-O2", "g0bounds")}, &env);
    EXPECT_EXIT(r, 0);
    cr_assert(contains(r.err, want), "GOMAXPROCS=%s: %s", val.c_str(), r.err.c_str());
  }
  // Empty means unset, as in Go: one P per CPU.
  std::vector<std::string> env = {"GODEBUG=boottrace=1", "GOMAXPROCS="};
  result r = run({prog("pie-O2", "g0bounds")}, &env);
  EXPECT_EXIT(r, 0);
  cr_assert(contains(r.err, "gomaxprocs=" + std::to_string(sysconf(_SC_NPROCESSORS_ONLN)) + " "), "%s",
            r.err.c_str());
}

Test(boot, bad_gomaxprocs_is_refused) {
  for (std::string val : {"abc", "0", "-1", "2x", "1025", "99999999999999999999"}) {
    std::vector<std::string> env = {"GOMAXPROCS=" + val};
    result r = run({prog("pie-O2", "interleave")}, &env);
    EXPECT_EXIT(r, 2);
    cr_assert(contains(r.err, "GOMAXPROCS=\"" + val + "\" is not valid"), "%s", r.err.c_str());
    cr_assert(r.out.empty(), "main must not run: %s", r.out.c_str());
  }
}

Test(boot, stack_sizes_from_environment) {
  std::vector<std::string> env = {"GODEBUG=boottrace=1", "GORT_STACKSIZE=64k", "GORT_MAINSTACKSIZE=2m", "GOMAXPROCS=1"};
  result r = run({prog("pie-O2", "goroutines")}, &env);
  EXPECT_EXIT(r, 0);
  cr_assert(contains(r.err, " stack=65536 mainstack=2097152"), "%s", r.err.c_str());
  for (std::string val : {"1", "abc", "2t", "4096"}) {
    std::vector<std::string> bad = {"GORT_STACKSIZE=" + val};
    result b = run({prog("pie-O2", "interleave")}, &bad);
    EXPECT_EXIT(b, 2);
    cr_assert(contains(b.err, "GORT_STACKSIZE=\"" + val + "\" is not valid"), "%s", b.err.c_str());
  }
}

Test(boot, static_program_is_refused) {
  HOSTED_ONLY("the hosted flavour's refusal; the same program in both runs");
  result r = run({test_dir() + "/wrong/static_hello"});
  EXPECT_EXIT(r, 2);
  cr_assert(contains(r.err, "statically linked"), "%s", r.err.c_str());
  cr_assert(r.out.empty());
}

Test(boot, linking_without_the_crt_fails_with_a_named_reason) {
  HOSTED_ONLY("the same link in both runs");
  // libgort refers to a symbol that only the crt defines, so forgetting the
  // crt (plain `g++ prog.cpp -lgort`) fails at link time with its name.
  std::string out = sh("g++ -O2 -I" + test_dir() + "/../include tests/wrong/hello.cpp -L" + test_dir() +
                       "/../lib -lgort -o /dev/null 2>&1; echo rc=$?");
  cr_assert(contains(out, "gort_crt_missing__link_with_gort_cxx_or_pkg_config") && !contains(out, "rc=0"), "%s",
            out.c_str());
}

Test(boot, gort_call_from_a_foreign_thread_is_refused) {
  HOSTED_ONLY("std::thread needs the C library");
  FOR_EACH_VARIANT {
    result r = run({prog(v, "foreign_thread")});
    EXPECT_EXIT(r, 2);
    cr_assert_eq(r.out, "main is goroutine 1\n");
    cr_assert(contains(r.err, "thread that gort does not manage"), "%s", r.err.c_str());
  }
}
