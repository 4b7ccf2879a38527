// tests/progs/pthread_exit.cpp: pthread_exit on goroutines
// (boot/pthread_exit_hosted.cpp). argv[1] names the scenario:
//   main_thread_exits  main ends with pthread_exit while a detached
//                      std::thread works on and calls exit(0) itself (the
//                      POSIX idiom; under gort before: a crash in glibc's
//                      unwind_stop)
//   main_last_thread   main's pthread_exit runs main's destructors; the
//                      process lives on until its last thread (a detached
//                      std::thread) and its last goroutine have ended,
//                      then exits with status 0, atexit handlers run, as
//                      glibc's main thread does
//   goroutine          a goroutine's pthread_exit ends that goroutine
//                      (Go's Goexit): its destructors run, the code after
//                      the call does not, the others go on
//   not_rethrown       a catch (...) that swallows a goroutine's
//                      pthread_exit: a fatal error, as glibc's "exception
//                      not rethrown"
// hosted only: pthread_exit and pthread_create are glibc's
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "check.hpp"

struct noisy {
  const char* what;
  ~noisy() { std::printf("%s\n", what); }
};

static std::atomic<bool> thread_done{false}, goroutine_done{false};

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IONBF, 0);
  const char* s = argc > 1 ? argv[1] : "";
  if (std::strcmp(s, "main_thread_exits") == 0) {
    std::thread([] {
      usleep(100000);
      std::puts("worker finished");
      std::exit(0);
    }).detach();
    pthread_exit(nullptr);
  } else if (std::strcmp(s, "main_last_thread") == 0) {
    std::atexit([] {
      std::printf("atexit: thread done %d, goroutine done %d\n", int(thread_done.load()),
                  int(goroutine_done.load()));
    });
    noisy n{"main's destructor ran"};
    std::thread([] {
      usleep(100000);
      thread_done = true;
    }).detach();
    gort::go([] {
      gort::sleep(std::chrono::milliseconds(150));
      goroutine_done = true;
    });
    pthread_exit(nullptr);
  } else if (std::strcmp(s, "goroutine") == 0) {
    gort::chan<int> done(1);
    gort::go([done]() mutable {
      struct signal_done {
        gort::chan<int>& c;
        ~signal_done() { c.send(1); }
      } sd{done};
      noisy n{"goroutine's destructor ran"};
      pthread_exit(nullptr);
      std::puts("FAIL: after pthread_exit");
    });
    done.recv();
    std::puts("main goes on");
    return 0;
  } else if (std::strcmp(s, "not_rethrown") == 0) {
    gort::chan<int> done(0);
    gort::go([done]() mutable {
      try {
        pthread_exit(nullptr);
      } catch (...) {
        std::puts("swallowed");
      }
      done.send(1);
    });
    done.recv();
    std::puts("FAIL: main went on");
    return 1;
  } else {
    std::fprintf(stderr, "usage: pthread_exit main_thread_exits|main_last_thread|goroutine|not_rethrown\n");
    return 2;
  }
  return 1;
}
