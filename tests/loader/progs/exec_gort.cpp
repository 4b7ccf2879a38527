// tests/loader/progs/exec_gort.cpp: a gort program that calls gort::exec.
//
//   exec_gort PROGRAM [ARGS...]
// starts goroutines (so that several Ms and sysmon exist), blocks SIGUSR2
// and ignores SIGUSR1 (both must survive the exec; the runtime's own
// handlers must not), first tries to exec a file that does not exist and a
// malformed one (both must fail and leave the program running), then
// replaces itself with PROGRAM from a goroutine.
#include <gort/gort.hpp>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  signal(SIGUSR1, SIG_IGN);
  gort::wait_group wg;
  for (int i = 0; i < 8; i++) {
    wg.add(1);
    gort::go([&wg] {
      gort::gosched();
      wg.done();
    });
  }
  wg.wait();
  std::string why;
  char* none[] = {const_cast<char*>("none"), nullptr};
  int err = gort::exec("/nonexistent/program", none, nullptr, &why);
  std::printf("exec of a missing file: %s (%s)\n", err == ENOENT ? "ENOENT" : "?", why.c_str());
  err = gort::exec("/etc/passwd", none, nullptr, &why);
  std::printf("exec of a non-executable: %s\n", err == EACCES ? "EACCES" : "?");
  std::fflush(stdout);
  gort::wait_group done;
  done.add(1);
  gort::go([&] {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, nullptr);
    std::vector<char*> args(argv + 1, argv + argc);
    args.push_back(nullptr);
    std::string why2;
    int e = gort::exec(argv[1], args.data(), nullptr, &why2);
    std::printf("exec failed: %d %s\n", e, why2.c_str());
    done.done();
  });
  done.wait();
  return 1;
}
