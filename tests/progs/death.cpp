// tests/progs/death.cpp: how a gort program dies (runtime/signal_unix.cpp,
// gort-debug(7)). argv[1] names the scenario:
//   raise N        main raises signal N (SIGSEGV, SIGBUS, SIGFPE, SIGILL)
//                  itself: no fault, so no report; the default action, as
//                  in a C++ program (before: Go's report and exit 2)
//   kill N         a goroutine sends the process signal N with kill()
//   child          googletest's KilledBySignal: a forked child raises
//                  SIGSEGV, the parent must see it killed by SIGSEGV
//   nil            a real fault: Go's report and exit 2 (GOTRACEBACK=crash:
//                  then death by SIGSEGV, the fault's own signal)
//   thread_throws  an exception escapes a std::thread: std::terminate, a
//                  "panic:" report and exit 2 (GOTRACEBACK=crash: SIGABRT)
// hosted only: std::thread (a thread that throws)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

#include <gort/gort.hpp>

__attribute__((noinline)) void death_nil(int* volatile* p) { **p = 1; }

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  int n = argc > 2 ? std::atoi(argv[2]) : 0;
  if (std::strcmp(s, "raise") == 0) {
    raise(n);
  } else if (std::strcmp(s, "kill") == 0) {
    gort::chan<int> done(0);
    gort::go([n, done]() mutable {
      kill(getpid(), n);
      usleep(200000);
      done.send(1);
    });
    done.recv();
  } else if (std::strcmp(s, "child") == 0) {
    pid_t pid = fork();
    if (pid == 0) {
      raise(SIGSEGV);
      _exit(1);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (WIFSIGNALED(st))
      std::printf("child killed by signal %d\n", WTERMSIG(st));
    else
      std::printf("child exited with status %d\n", WEXITSTATUS(st));
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV ? 0 : 1;
  } else if (std::strcmp(s, "nil") == 0) {
    int* volatile p = nullptr;
    death_nil(&p);
  } else if (std::strcmp(s, "thread_throws") == 0) {
    std::thread([] { throw std::runtime_error("escaped a std::thread"); }).join();
  } else {
    std::fprintf(stderr, "usage: death raise N|kill N|child|nil|thread_throws\n");
    return 2;
  }
  std::puts("still alive");
  return 1;
}
