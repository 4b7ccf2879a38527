// tests/harness.hpp: run a program as a child process and collect its
// output and exit status, with a time limit (a hang is a failure, not a
// stuck CI).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "skip.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

struct result {
  bool exited = false;
  int status = -1;  // exit status if exited
  int signal = 0;   // terminating signal otherwise
  bool timedout = false;
  std::string out, err;
};

inline std::string test_dir() {
  const char* d = std::getenv("GORT_TEST_DIR");
  return d != nullptr ? d : "build/tests";
}

inline std::vector<std::string> variants() {
  std::vector<std::string> v;
  const char* s = std::getenv("GORT_TEST_VARIANTS");
  std::istringstream in(s != nullptr ? s : "pie-O2");
  for (std::string w; in >> w;) v.push_back(w);
  return v;
}

// The flavour whose programs this run tests: GORT_TEST_FLAVOUR, hosted
// (the default) or nolibc, whose programs are under progs/nolibc/.
inline std::string flavour() {
  const char* f = std::getenv("GORT_TEST_FLAVOUR");
  return f != nullptr && *f != 0 ? f : "hosted";
}

inline std::string prog(const std::string& variant, const std::string& name) {
  return test_dir() + "/progs/" + (flavour() == "nolibc" ? "nolibc/" : "") + variant + "/" + name;
}

// HOSTED_ONLY(why) ends a test that needs what only the hosted flavour has
// (its program says so: "// hosted only: why") when this run tests the
// nolibc flavour, with a [SKIP] line.
#define HOSTED_ONLY(why)                                   \
  do {                                                     \
    if (flavour() == "nolibc") SKIP("hosted only: " why); \
  } while (0)

// run executes argv[0] with argv and env (nullptr: inherit), collects stdout
// and stderr, and kills it after timeout_s seconds.
inline result run(const std::vector<std::string>& argv, const std::vector<std::string>* env = nullptr,
                  int timeout_s = 60) {
  int o[2], e[2];
  if (pipe2(o, O_CLOEXEC) != 0 || pipe2(e, O_CLOEXEC) != 0) std::abort();
  std::vector<char*> av, ev;
  for (auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  av.push_back(nullptr);
  if (env != nullptr) {
    for (auto& a : *env) ev.push_back(const_cast<char*>(a.c_str()));
    ev.push_back(nullptr);
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(o[1], 1);
    dup2(e[1], 2);
    // Children start with the default dispositions of the signals the
    // tests send, whatever this process inherited: a shell that starts a
    // command in the background without job control ignores SIGINT and
    // SIGQUIT, and the runtime (like Go) keeps an ignored SIGQUIT ignored.
    signal(SIGQUIT, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    execve(av[0], av.data(), env != nullptr ? ev.data() : environ);
    _exit(127);
  }
  close(o[1]);
  close(e[1]);
  result r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  pollfd fds[2] = {{o[0], POLLIN, 0}, {e[0], POLLIN, 0}};
  int open = 2;
  char buf[65536];
  while (open > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timedout = true;
      kill(pid, SIGKILL);
      break;
    }
    if (poll(fds, 2, int(left.count())) <= 0) continue;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open--;
      } else {
        (i == 0 ? r.out : r.err).append(buf, size_t(n));
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st)) {
    r.exited = true;
    r.status = WEXITSTATUS(st);
  } else if (WIFSIGNALED(st)) {
    r.signal = WTERMSIG(st);
  }
  return r;
}

inline bool contains(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }

inline std::string sh(const std::string& cmd) {
  result r = run({"/bin/sh", "-c", cmd});
  return r.out;
}

// show formats a result for a failure message (each stream cut at 4000
// bytes).
inline std::string show(const result& r) {
  return "status=" + std::to_string(r.status) + " signal=" + std::to_string(r.signal) +
         (r.timedout ? " TIMEOUT" : "") + "\n--- stdout\n" + r.out.substr(0, 4000) + "--- stderr\n" +
         r.err.substr(0, 4000);
}

// count returns how many times sub occurs in s.
inline int count(const std::string& s, const std::string& sub) {
  int n = 0;
  for (std::size_t p = s.find(sub); p != std::string::npos; p = s.find(sub, p + 1)) n++;
  return n;
}

// some_variants: two variants, one optimised PIE and one unoptimised
// non-PIE, or what the run has (for the slower suites).
inline std::vector<std::string> some_variants() {
  std::vector<std::string> all = variants(), v;
  for (const char* want : {"pie-O2", "nopie-O0"})
    if (std::find(all.begin(), all.end(), want) != all.end()) v.push_back(want);
  if (v.empty()) v.push_back(all.front());
  return v;
}

// runp runs program name of variant v with args, at GOMAXPROCS=procs, plus
// env.
inline result runp(const std::string& v, const std::string& name, int procs, std::vector<std::string> args = {},
                   std::vector<std::string> env = {}, int timeout_s = 60) {
  std::vector<std::string> argv = {prog(v, name)};
  argv.insert(argv.end(), args.begin(), args.end());
  env.push_back("GOMAXPROCS=" + std::to_string(procs));
  return run(argv, &env, timeout_s);
}

// expect_scenarios checks a run of a scenario program (tests/progs/*.cpp
// printing "gomaxprocs=N" and one "<s>: ok" line per scenario): exit 0,
// the right GOMAXPROCS, every scenario ok, no FAIL anywhere.
inline void expect_scenarios(const result& r, const std::string& where, int procs,
                             const std::vector<std::string>& scenarios) {
  cr_assert(r.exited && r.status == 0, "%s: %s", where.c_str(), show(r).c_str());
  cr_assert(contains(r.out, "gomaxprocs=" + std::to_string(procs) + "\n"), "%s: %s", where.c_str(), show(r).c_str());
  cr_assert(!contains(r.out, "FAIL"), "%s: %s", where.c_str(), show(r).c_str());
  for (const std::string& s : scenarios)
    cr_assert(contains(r.out, "\n" + s + ": ok"), "%s: scenario %s: %s", where.c_str(), s.c_str(), show(r).c_str());
}
