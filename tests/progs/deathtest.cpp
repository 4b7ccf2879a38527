// tests/progs/deathtest.cpp: googletest's death tests in miniature (issue
// 21; runtime/fork.cpp, gort(7) "FORK"). A death test runs a statement in
// a child process and judges how the child died. googletest has two
// styles, both here as its gtest-death-test.cc does them:
//   fast        fork(); the child runs the statement on the forking
//               goroutine's thread, the only one it has
//   threadsafe  clone(SIGCHLD) on a small mmap'd stack (no pthread_atfork
//               handlers run), close, execv of this program with
//               "--child STATEMENT", which runs the statement in a fresh
//               process
// Usage: deathtest STYLE STATEMENT. The parent forks from main while a
// bystander goroutine is parked and another has run, and prints
// "STYLE STATEMENT: exited N" or "... killed by signal N" on stdout; the
// child's own output goes to stderr. The statements:
//   abort        abort(): killed by SIGABRT
//   exit         a static destructor says so, then exit(3)
//   sleep        usleep, nanosleep and sleep_for, then abort(): as abort
//                (before: the first sleep parked the goroutine, a fatal
//                error in a forked child, exit 2)
//   pipe         a std::thread writes to a pipe after a while, the
//                statement reads it (a blocking read), joins, exit(4)
//   waitpid      forks a grandchild that exits 5, waits for it, exit(5)
//   mutex        a std::thread and the statement hand a value back and
//                forth through a std::mutex and condition variable, exit(6)
//   returns      the statement returns: the child says so through the
//                death test's pipe, exit 1 ("did not die")
//   segv         a real fault: Go's report and exit 2 (GOTRACEBACK=crash:
//                killed by SIGSEGV), as in any gort program
//   goroutine    starts a goroutine and waits for it, exit(7): in a forked
//                child that is still issue 19's fatal error, exit 2
// hosted only: googletest's styles fork and re-exec through glibc, with std::thread
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include <gort/gort.hpp>

using namespace std::chrono_literals;

static bool inchild = false;
struct saybye {
  ~saybye() {
    if (inchild) std::fputs("child: static destructor\n", stderr);
  }
};
static saybye bye;

static void statement(const std::string& s) {
  if (s == "abort") {
    std::abort();
  } else if (s == "exit") {
    std::exit(3);
  } else if (s == "sleep") {
    usleep(2000);
    timespec ts{0, 2000000};
    nanosleep(&ts, nullptr);
    std::this_thread::sleep_for(2ms);
    std::abort();
  } else if (s == "pipe") {
    int fd[2];
    if (pipe(fd) != 0) std::exit(10);
    std::thread t([&] {
      usleep(20000);
      if (write(fd[1], "x", 1) != 1) std::_Exit(11);
    });
    char c = 0;
    if (read(fd[0], &c, 1) != 1 || c != 'x') std::exit(12);
    t.join();
    std::exit(4);
  } else if (s == "waitpid") {
    pid_t pid = fork();
    if (pid == 0) {
      usleep(20000);
      _exit(5);
    }
    int st = 0;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) std::exit(13);
    std::exit(WEXITSTATUS(st));
  } else if (s == "mutex") {
    std::mutex mu;
    std::condition_variable cv;
    int turn = 0;
    std::thread t([&] {
      for (int i = 0; i < 100; i++) {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [&] { return turn % 2 == 1; });
        turn++;
        cv.notify_one();
      }
    });
    for (int i = 0; i < 100; i++) {
      std::unique_lock<std::mutex> l(mu);
      cv.wait(l, [&] { return turn % 2 == 0; });
      turn++;
      cv.notify_one();
    }
    t.join();
    std::exit(turn == 200 ? 6 : 14);
  } else if (s == "segv") {
    volatile int* volatile p = nullptr;
    *p = 1;
  } else if (s == "returns") {
    return;
  } else if (s == "goroutine") {
    gort::wait_group wg;
    wg.add(1);
    gort::go([&] { wg.done(); });
    wg.wait();
    std::fputs("child: a goroutine ran\n", stderr);
    std::exit(7);
  } else {
    std::fprintf(stderr, "deathtest: unknown statement '%s'\n", s.c_str());
    std::exit(16);
  }
}

// The child's end of googletest's pipe: 'R' when the statement returned.
static int writefd = -1;

static void runchild(const std::string& s) {
  inchild = true;
  statement(s);
  if (write(writefd, "R", 1) != 1) _exit(17);
  _exit(1);
}

struct execargs {
  char* const* argv;
  int closefd;
};

// googletest's ExecDeathTestChildMain.
static int execchild(void* arg) {
  auto* a = static_cast<execargs*>(arg);
  close(a->closefd);
  execv("/proc/self/exe", a->argv);
  _exit(18);
}

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--child") == 0) {
    writefd = std::atoi(argv[3]);
    runchild(argv[2]);
  }
  if (argc != 3) {
    std::fprintf(stderr, "usage: deathtest fast|threadsafe STATEMENT\n");
    return 2;
  }
  std::string style = argv[1], s = argv[2];
  // A goroutine parked for good and one that has run: the scheduler has
  // state beyond the forking goroutine, and sysmon has started.
  gort::chan<int> never(0);
  gort::go([never]() mutable { never.recv(); });
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] { wg.done(); });
  wg.wait();
  std::fflush(nullptr);

  int fd[2];
  if (pipe(fd) != 0) return 2;
  pid_t pid = -1;
  if (style == "fast") {
    pid = fork();
    if (pid == 0) {
      close(fd[0]);
      writefd = fd[1];
      runchild(s);
    }
  } else if (style == "threadsafe") {
    std::string wfd = std::to_string(fd[1]);
    char* cargv[] = {argv[0], const_cast<char*>("--child"), argv[2], wfd.data(), nullptr};
    execargs a{cargv, fd[0]};
    const size_t size = size_t(getpagesize()) * 2;
    void* stack = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (stack == MAP_FAILED) return 2;
    pid = clone(execchild, static_cast<char*>(stack) + size - 64, SIGCHLD, &a);
    munmap(stack, size);
  } else {
    std::fprintf(stderr, "deathtest: unknown style '%s'\n", style.c_str());
    return 2;
  }
  if (pid < 0) return 2;
  close(fd[1]);
  char c = 0;
  bool returned = read(fd[0], &c, 1) == 1 && c == 'R';
  int st = 0;
  if (waitpid(pid, &st, 0) != pid) return 2;
  if (WIFSIGNALED(st))
    std::printf("%s %s: killed by signal %d%s\n", argv[1], argv[2], WTERMSIG(st), returned ? ", returned" : "");
  else
    std::printf("%s %s: exited %d%s\n", argv[1], argv[2], WEXITSTATUS(st), returned ? ", returned" : "");
  return 0;
}
