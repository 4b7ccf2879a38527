// tests/progs/syscall_block.cpp KIND [CAP_MS]: while GOMAXPROCS goroutines
// block in the kernel in the way KIND says, a ticker goroutine that sleeps
// 10 ms in a loop keeps ticking (the blocked Ms lose their Ps to other Ms).
// Without syscall handoff, at GOMAXPROCS=1 (and at 2 with two blockers) the
// ticker never runs until the blockers return.
//
// The blockers stay blocked until the ticker has ticked 10 times (main then
// releases them), or until CAP_MS (default 5000) after the start when
// nothing can release them: so the count is of progress, not of what a
// loaded machine manages in a fixed time. The kinds whose call ends by
// itself (a sleep, a child's or thread's) repeat it or wait for main's
// release; only the timed sleeps return late, by up to one call (sleep: 1 s).
//
// Prints "KIND: ticks=N window_ms=W maxlate_us=L" and exits 0 when the
// blockers all came back: N is the ticks counted while they were blocked.
// hosted only: its blockers use pthreads, semaphores and posix_spawn
#include <fcntl.h>
#include <semaphore.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "check.hpp"

extern char** environ;

using progs::now_ns;

namespace {

constexpr int kBlockMs = 300;  // one timed sleep of the sleeping kinds
constexpr long kTicks = 10;     // the progress that ends the window

// Set once the window is over: the blockers may come back. cap_at: when
// they come back all the same (the handoff did not happen: nobody ran to
// release them).
std::atomic<bool> released{false};
std::int64_t cap_at;
bool over() { return released.load() || now_ns() > cap_at; }

// The gate: what the blocking threads (and so their kinds) wait on, with
// the cap as a time-out. Closing its write end opens it for all.
int gate[2];
void gate_wait() {
  pollfd p{gate[0], POLLIN, 0};
  std::int64_t left_ms = (cap_at - now_ns()) / 1000000 + 1;
  if (left_ms > 0) poll(&p, 1, int(left_ms));
}

std::atomic<bool> ticking{true};
std::atomic<long> ticks{0};
std::atomic<std::int64_t> maxlate{0};

void ticker() {
  while (ticking.load()) {
    std::int64_t t0 = now_ns();
    gort::sleep(std::chrono::milliseconds(10));
    std::int64_t late = now_ns() - t0 - 10'000'000;
    if (late > maxlate.load()) maxlate.store(late);
    ticks.fetch_add(1);
  }
}

pid_t spawn(std::vector<const char*> argv) {
  argv.push_back(nullptr);
  pid_t pid;
  if (posix_spawnp(&pid, argv[0], nullptr, nullptr, const_cast<char* const*>(argv.data()), environ) != 0) {
    std::perror("posix_spawnp");
    std::exit(3);
  }
  return pid;
}

// Each kind: setup() on main before the window, block() in each blocker
// goroutine, release() on main after kBlockMs.
struct kind {
  const char* name;
  void (*setup)(int n);
  void (*block)(int i);
  void (*release)(int n);
};

int pipes[8][2];
int socks[8][2];
std::mutex mu;
std::condition_variable cv;
bool go_on = false;
std::vector<std::thread> threads;
sem_t sem;
// The program's own (two may run at once: make check runs tests in parallel).
std::string lockfile = "/tmp/gort_syscall_block." + std::to_string(getpid()) + ".lock";
std::vector<pid_t> children;
int epfd[8];

void mkpipes(int n) {
  for (int i = 0; i < n; i++)
    if (pipe(pipes[i]) != 0) std::exit(3);
}
void writepipes(int n) {
  for (int i = 0; i < n; i++)
    if (write(pipes[i][1], "x", 1) != 1) std::exit(3);
}
void mksocks(int n) {
  for (int i = 0; i < n; i++)
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, socks[i]) != 0) std::exit(3);
}
void writesocks(int n) {
  for (int i = 0; i < n; i++)
    if (write(socks[i][1], "x", 1) != 1) std::exit(3);
}
void expect1(long r, const char* what) {
  if (r != 1) {
    std::printf("%s returned %ld (%s)\n", what, r, std::strerror(errno));
    std::exit(4);
  }
}
void none(int) {}

const kind kinds[] = {
    {"read", mkpipes, [](int i) { char c; expect1(read(pipes[i][0], &c, 1), "read"); }, writepipes},
    {"readv", mkpipes,
     [](int i) {
       char c;
       iovec v{&c, 1};
       expect1(readv(pipes[i][0], &v, 1), "readv");
     },
     writepipes},
    {"recv", mksocks, [](int i) { char c; expect1(recv(socks[i][0], &c, 1, 0), "recv"); }, writesocks},
    {"poll", mkpipes,
     [](int i) {
       pollfd p{pipes[i][0], POLLIN, 0};
       expect1(poll(&p, 1, -1), "poll");
     },
     writepipes},
    {"select", mkpipes,
     [](int i) {
       fd_set r;
       FD_ZERO(&r);
       FD_SET(pipes[i][0], &r);
       expect1(select(pipes[i][0] + 1, &r, nullptr, nullptr, nullptr), "select");
       if (!FD_ISSET(pipes[i][0], &r)) std::exit(4);
     },
     writepipes},
    {"epoll_wait",
     [](int n) {
       mkpipes(n);
       for (int i = 0; i < n; i++) {
         epfd[i] = epoll_create1(0);
         epoll_event ev{EPOLLIN, {}};
         epoll_ctl(epfd[i], EPOLL_CTL_ADD, pipes[i][0], &ev);
       }
     },
     [](int i) {
       epoll_event ev;
       expect1(epoll_wait(epfd[i], &ev, 1, -1), "epoll_wait");
     },
     writepipes},
    {"sleep", none,
     [](int) {
       do {
         expect1(sleep(1) + 1, "sleep");
       } while (!over());
     },
     none},
    {"nanosleep", none,
     [](int) {
       timespec ts{0, kBlockMs * 1000000L};
       do {
         expect1(nanosleep(&ts, nullptr) + 1, "nanosleep");
       } while (!over());
     },
     none},
    {"sleep_for", none,
     [](int) {
       do {
         std::this_thread::sleep_for(std::chrono::milliseconds(kBlockMs));
       } while (!over());
     },
     none},
    // The children sleep until the cap; main's release kills them.
    {"waitpid",
     [](int n) {
       static std::string secs = std::to_string(double(cap_at - now_ns()) / 1e9);
       for (int i = 0; i < n; i++) children.push_back(spawn({"sleep", secs.c_str()}));
     },
     [](int i) {
       int st;
       if (waitpid(children[i], &st, 0) != children[i] || !(WIFEXITED(st) || WIFSIGNALED(st))) std::exit(4);
     },
     [](int n) {
       for (int i = 0; i < n; i++) kill(children[i], SIGKILL);
     }},
    // A thread of the program holds the lock (flock(2) locks belong to
    // open files, so one open of the file excludes another in the same
    // process) until the gate opens.
    {"flock",
     [](int) {
       std::atomic<bool> locked{false};
       threads.emplace_back([&locked] {
         int fd = open(lockfile.c_str(), O_RDONLY | O_CREAT, 0600);
         if (fd < 0 || flock(fd, LOCK_EX) != 0) std::exit(3);
         locked = true;
         gate_wait();
         flock(fd, LOCK_UN);
         close(fd);
       });
       while (!locked) usleep(100);
     },
     [](int) {
       int fd = open(lockfile.c_str(), O_RDONLY);
       if (flock(fd, LOCK_EX) != 0) std::exit(4);
       flock(fd, LOCK_UN);
       close(fd);
     },
     [](int) {
       threads.back().join();
       unlink(lockfile.c_str());
     }},
    {"mutex",
     [](int) {
       std::atomic<bool> locked{false};
       threads.emplace_back([&locked] {
         std::lock_guard<std::mutex> l(mu);
         locked = true;
         gate_wait();
       });
       while (!locked) usleep(100);
     },
     [](int) { std::lock_guard<std::mutex> l(mu); },
     [](int) { threads.back().join(); }},
    {"condvar", none,
     [](int) {
       std::unique_lock<std::mutex> l(mu);
       cv.wait(l, [] { return go_on; });
     },
     [](int) {
       {
         std::lock_guard<std::mutex> l(mu);
         go_on = true;
       }
       cv.notify_all();
     }},
    {"join",
     [](int n) {
       for (int i = 0; i < n; i++)
         threads.emplace_back(gate_wait);
     },
     [](int i) { threads[i].join(); }, none},
    {"sem_wait", [](int) { sem_init(&sem, 0, 0); }, [](int) { sem_wait(&sem); },
     [](int n) {
       for (int i = 0; i < n; i++) sem_post(&sem);
     }},
    // Not hooked: a raw system call. sysmon sees the thread asleep in the
    // kernel and takes its P (retakeblocked).
    {"rawsyscall", mkpipes,
     [](int i) {
       char c;
       expect1(syscall(SYS_read, pipes[i][0], &c, 1), "syscall(SYS_read)");
     },
     writepipes},
    // Not hooked either: stdio's own write into a full pipe.
    {"fwrite",
     [](int n) {
       mkpipes(n);
       for (int i = 0; i < n; i++) {
         fcntl(pipes[i][1], F_SETFL, O_NONBLOCK);
         char buf[4096] = {};
         while (write(pipes[i][1], buf, sizeof buf) > 0) {
         }
         fcntl(pipes[i][1], F_SETFL, 0);
       }
     },
     [](int i) {
       FILE* f = fdopen(pipes[i][1], "w");
       static char big[1 << 16];
       if (std::fwrite(big, 1, sizeof big, f) != sizeof big || std::fflush(f) != 0) std::exit(4);
     },
     [](int n) {
       static char sink[1 << 16];
       for (int i = 0; i < n; i++) {
         long got = 0;
         while (got < long(sizeof sink) + 65536) {
           long r = read(pipes[i][0], sink, sizeof sink);
           if (r <= 0) break;
           got += r;
         }
       }
     }},
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: syscall_block KIND [CAP_MS]\n");
    return 2;
  }
  cap_at = now_ns() + (argc == 3 ? std::atol(argv[2]) : 5000) * 1000000LL;
  if (pipe(gate) != 0) return 3;
  const kind* k = nullptr;
  for (auto& x : kinds)
    if (std::strcmp(x.name, argv[1]) == 0) k = &x;
  if (k == nullptr) {
    std::fprintf(stderr, "syscall_block: unknown kind %s\n", argv[1]);
    return 2;
  }
  int n = gort::gomaxprocs(0);
  if (n > 8) n = 8;
  k->setup(n);
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] {
    ticker();
    wg.done();
  });
  gort::sleep(std::chrono::milliseconds(30));  // the ticker is going
  long t0 = ticks.load();
  maxlate.store(0);
  std::int64_t start = now_ns();
  for (int i = 0; i < n; i++) {
    wg.add(1);
    gort::go([&, i] {
      k->block(i);
      wg.done();
    });
  }
  // main sleeps on a timer, as the ticker does, until the ticker has made
  // its progress (or the cap, when main could not run before).
  while (ticks.load() - t0 < kTicks && now_ns() < cap_at) gort::sleep(std::chrono::milliseconds(10));
  long during = ticks.load() - t0;
  std::int64_t window = now_ns() - start;
  std::int64_t late = maxlate.load();
  released.store(true);
  close(gate[1]);
  k->release(n);
  ticking.store(false);
  wg.wait();
  for (auto& t : threads)
    if (t.joinable()) t.join();
  std::printf("%s: ticks=%ld window_ms=%lld maxlate_us=%lld\n", k->name, during, (long long)(window / 1000000),
              (long long)(late / 1000));
  return 0;
}
