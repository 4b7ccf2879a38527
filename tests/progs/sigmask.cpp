// tests/progs/sigmask.cpp: the program's signal mask and the runtime's
// threads (runtime/signal_unix.cpp, newmSigmask). argv[1] names the
// scenario:
//   sigwait  POSIX's pattern: main blocks SIGTERM and SIGUSR1, a
//            std::thread sigwaits, main sends the process SIGTERM; the
//            waiter gets it (before: sysmon's thread, whose mask was the
//            one at start, took it and the default action killed the
//            process)
//   newm     main blocks SIGUSR1, then goroutines make new Ms: each M's
//            thread has SIGUSR1 blocked, as a thread made after the block
//            would; a SIGUSR1 sent to the process stays pending (no
//            runtime thread takes it) until main takes it with
//            sigtimedwait
// hosted only: pthreads and sigtimedwait (POSIX signal-mask patterns with threads)
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>
#include <set>
#include <thread>

#include "check.hpp"

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  if (std::strcmp(s, "sigwait") == 0) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::atomic<int> got{0};
    std::thread waiter([&] {
      int sig = 0;
      sigwait(&set, &sig);
      got = sig;
    });
    usleep(50000);
    kill(getpid(), SIGTERM);
    waiter.join();
    std::printf("sigwait got signal %d\n", got.load());
    progs::report("sigwait", got == SIGTERM);
  } else if (std::strcmp(s, "newm") == 0) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::mutex mu;
    std::set<long> tids;
    std::atomic<int> unblocked{0};
    progs::spread(8, 0.3, [&](int) {
      sigset_t cur;
      pthread_sigmask(SIG_BLOCK, nullptr, &cur);
      if (!sigismember(&cur, SIGUSR1)) unblocked++;
      std::lock_guard<std::mutex> l(mu);
      tids.insert(syscall(SYS_gettid));
    });
    std::printf("threads seen %zu, with SIGUSR1 unblocked %d\n", tids.size(), unblocked.load());
    kill(getpid(), SIGUSR1);  // the default action would end the process
    timespec ts{5, 0};
    int sig = sigtimedwait(&set, nullptr, &ts);
    std::printf("sigtimedwait: %d\n", sig);
    progs::report("newm", tids.size() >= 2 && unblocked == 0 && sig == SIGUSR1);
  } else {
    std::fprintf(stderr, "usage: sigmask sigwait|newm\n");
    return 2;
  }
  return progs::fails == 0 ? 0 : 1;
}
