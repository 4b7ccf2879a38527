// tests/sched/threads_test.cpp: Ms as OS threads: C++ exception state follows
// the goroutine across Ms (g::ehstate); the thread limit. Child-process
// tests: they run tests/progs/eh_migrate.cpp and thread_limit.cpp.
#include <criterion/criterion.h>

#include <regex>

#include "harness.hpp"

// Every variant at several GOMAXPROCS: the limit suite sched has.
TestSuite(threads, .timeout = 400);

Test(threads, rethrow_after_migrating_inside_catch) {
  for (const std::string& v : variants())
    for (int procs : {1, 2, 4}) {
      std::vector<std::string> env = {"GOMAXPROCS=" + std::to_string(procs)};
      result r = run({prog(v, "eh_migrate")}, &env);
      cr_assert(r.exited && r.status == 0, "%s P=%d: status=%d signal=%d\n%s%s", v.c_str(), procs, r.status,
                r.signal, r.out.c_str(), r.err.c_str());
      std::smatch m;
      cr_assert(std::regex_search(r.out, m, std::regex(R"(ok (\d+)/(\d+) migrated (\d+))")), "%s", r.out.c_str());
      cr_assert_eq(m[1].str(), m[2].str(), "%s P=%d: %s", v.c_str(), procs, r.out.c_str());
      // With several Ps the goroutines do move (otherwise this tests nothing).
      if (procs > 1) cr_assert_gt(std::stoi(m[3].str()), 0, "%s P=%d: none migrated", v.c_str(), procs);
    }
}

Test(threads, thread_limit_is_fatal) {
  for (const std::string& v : variants())
    for (int procs : {1, 2}) {
      std::vector<std::string> env = {"GOMAXPROCS=" + std::to_string(procs)};
      result r = run({prog(v, "thread_limit")}, &env);
      cr_assert(r.exited && r.status == 2, "%s P=%d: status=%d signal=%d\n%s%s", v.c_str(), procs, r.status,
                r.signal, r.out.c_str(), r.err.c_str());
      cr_assert(contains(r.out, "default limit 10000\n"), "%s", r.out.c_str());
      cr_assert(contains(r.out, "locked ") && !contains(r.out, "not reached"), "%s", r.out.c_str());
      cr_assert(contains(r.err, "runtime: program exceeds 6-thread limit\nfatal error: thread exhaustion\n"), "%s",
                r.err.c_str());
    }
}
