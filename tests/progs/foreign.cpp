// tests/progs/foreign.cpp: threads that gort does not manage (issue 19,
// item 8), and fork() without exec (item 10). argv[1] names the scenario.
// hosted only: std::thread needs the C library's pthread_create
#include <gort/gort.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

using namespace std::chrono_literals;

static void say(const char* s) {
  std::fputs(s, stderr);
  std::fputc('\n', stderr);
}

int main(int argc, char** argv) {
  std::string s = argc > 1 ? argv[1] : "";
  // A library's callback thread hands a result to a waiting goroutine
  // (buffered channel): the goroutine waits first, and is not reported as
  // deadlocked while the thread lives.
  if (s == "try_send") {
    gort::chan<int> result(1);
    std::thread t([&] {
      usleep(20000);
      if (!result.try_send(42)) say("FAIL: try_send");
    });
    std::fprintf(stderr, "got %d\n", result.recv());
    t.join();
    // Unbuffered: the send completes only with a receiver waiting.
    gort::chan<int> unb(0);
    std::thread t2([&] {
      while (!unb.try_send(7)) usleep(1000);
    });
    std::fprintf(stderr, "got %d\n", unb.recv());
    t2.join();
    return 0;
  }
  // wait_group::done, mutex::unlock and chan::close from such a thread
  // wake the goroutines that wait.
  if (s == "wake") {
    gort::wait_group wg;
    wg.add(2);
    gort::mutex mu;
    mu.lock();
    gort::chan<int> c(0);
    std::thread t([&] {
      usleep(10000);
      wg.done();
      wg.done();
      usleep(10000);
      mu.unlock();
      usleep(10000);
      c.close();
    });
    wg.wait();
    say("wait_group woken");
    mu.lock();
    say("mutex woken");
    auto [v, ok] = c.recv_ok();
    if (!ok && v == 0) say("close seen");
    t.join();
    return 0;
  }
  // select with a default case from such a thread.
  if (s == "select_default") {
    gort::chan<int> c(1);
    int r = -2;
    std::thread t([&] { r = gort::select(gort::case_recv(c, [](int) {}), gort::case_default([] {})); });
    t.join();
    std::fprintf(stderr, "select=%d\n", r);
    return 0;
  }
  // An operation that would wait is refused, with a message.
  if (s == "blocking_send") {
    gort::chan<int> c(0);
    std::thread t([&] { c.send(1); });
    t.join();
    return 0;
  }
  // Deadlock detection after the threads are gone.
  if (s == "deadlock_after") {
    std::thread([] {}).join();
    gort::chan<int> never(0);
    never.recv();
  }
  // fork() without exec: the child may run plain code and exit, but ends
  // with a fatal error when it would schedule goroutines.
  if (s == "fork_exit" || s == "fork_block") {
    gort::chan<int> never(0);
    gort::go([never]() mutable { never.recv(); });  // a parked bystander
    gort::sleep(5ms);
    std::fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
      say("child: plain code runs");
      if (s == "fork_block") {
        gort::wait_group wg;
        wg.add(1);
        gort::go([&] { wg.done(); });
        wg.wait();
        say("child: FAIL: goroutines ran");
      }
      _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    std::fprintf(stderr, "parent: child %s %d\n", WIFEXITED(st) ? "exited" : "killed by signal",
                 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    gort::wait_group wg;  // the parent goes on
    wg.add(1);
    gort::go([&] { wg.done(); });
    wg.wait();
    say("parent: goroutines run");
    return 0;
  }
  std::fprintf(stderr, "foreign: unknown scenario '%s'\n", s.c_str());
  return 1;
}
