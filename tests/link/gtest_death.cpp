// tests/link/gtest_death.cpp: googletest's own death tests on statements
// that make blocking C library calls in the child (issue 21; gort(7),
// "Fork"). Built with gort-c++ against Debian's libgtest by
// realworld/googletest_death_tests and run in both death test styles;
// under g++ and under gort-c++ every test passes. Before gort's fork child made plain calls, the fast style's
// child of Sleeps, ReadsAPipe, WaitsForItsChild and ThreadsAndAMutex
// ended with "fatal error: fork() without exec" (exit 2), which fails the
// EXPECT_EXIT checks below.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

using namespace std::chrono_literals;

TEST(GortDeathTest, Aborts) { EXPECT_EXIT(std::abort(), testing::KilledBySignal(SIGABRT), ""); }

TEST(GortDeathTest, ExitsWithAMessage) {
  EXPECT_EXIT(
      {
        std::fprintf(stderr, "going away\n");
        std::exit(3);
      },
      testing::ExitedWithCode(3), "going away");
}

TEST(GortDeathTest, Sleeps) {
  EXPECT_EXIT(
      {
        std::this_thread::sleep_for(5ms);
        usleep(1000);
        std::abort();
      },
      testing::KilledBySignal(SIGABRT), "");
}

TEST(GortDeathTest, ReadsAPipe) {
  EXPECT_EXIT(
      {
        int fd[2];
        if (pipe(fd) != 0) std::exit(10);
        std::thread t([&] {
          std::this_thread::sleep_for(10ms);
          if (write(fd[1], "x", 1) != 1) std::_Exit(11);
        });
        char c = 0;
        if (read(fd[0], &c, 1) != 1) std::exit(12);
        t.join();
        std::exit(4);
      },
      testing::ExitedWithCode(4), "");
}

TEST(GortDeathTest, WaitsForItsChild) {
  EXPECT_EXIT(
      {
        pid_t pid = fork();
        if (pid == 0) {
          usleep(10000);
          _exit(5);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        std::exit(WIFEXITED(st) ? WEXITSTATUS(st) : 13);
      },
      testing::ExitedWithCode(5), "");
}

TEST(GortDeathTest, ThreadsAndAMutex) {
  EXPECT_EXIT(
      {
        std::mutex mu;
        int got = 0;
        mu.lock();
        std::thread t([&] {
          std::lock_guard<std::mutex> l(mu);  // contended: waits for the statement
          got = 6;
        });
        std::this_thread::sleep_for(5ms);
        mu.unlock();
        t.join();
        std::exit(got);
      },
      testing::ExitedWithCode(6), "");
}

TEST(GortDeathTest, DiesOnAFault) {
  EXPECT_DEATH(
      {
        volatile int* volatile p = nullptr;
        *p = 1;
      },
      "");
}
