// tests/progs/syscall_block.cpp KIND: while GOMAXPROCS goroutines block in
// the kernel in the way KIND says, a ticker goroutine that sleeps 10 ms in
// a loop keeps ticking (the blocked Ms lose their Ps to other Ms). Without
// syscall handoff, at GOMAXPROCS=1 (and at 2 with two blockers) the ticker
// never runs until the blockers return.
//
// Prints "KIND: ticks=N window_ms=W maxlate_us=L" and exits 0 when the
// blockers all came back. The blocking lasts ~300 ms (sleep: 1 s).
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

constexpr int kBlockMs = 300;

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
const char* lockfile = "/tmp/gort_syscall_block.lock";
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
    {"sleep", none, [](int) { expect1(sleep(1) + 1, "sleep"); }, none},
    {"nanosleep", none,
     [](int) {
       timespec ts{0, kBlockMs * 1000000L};
       expect1(nanosleep(&ts, nullptr) + 1, "nanosleep");
     },
     none},
    {"sleep_for", none, [](int) { std::this_thread::sleep_for(std::chrono::milliseconds(kBlockMs)); }, none},
    {"waitpid",
     [](int n) {
       for (int i = 0; i < n; i++) children.push_back(spawn({"sleep", "0.3"}));
     },
     [](int i) {
       int st;
       if (waitpid(children[i], &st, 0) != children[i] || !WIFEXITED(st)) std::exit(4);
     },
     none},
    {"flock",
     [](int) {
       children.push_back(spawn({"flock", lockfile, "sleep", "0.3"}));
       // Let the child take the lock first.
       for (int k = 0; k < 200; k++) {
         int fd = open(lockfile, O_RDONLY | O_CREAT, 0600);
         bool held = flock(fd, LOCK_EX | LOCK_NB) != 0;
         if (!held) flock(fd, LOCK_UN);
         close(fd);
         if (held) return;
         usleep(5000);
       }
       std::exit(3);
     },
     [](int) {
       int fd = open(lockfile, O_RDONLY);
       if (flock(fd, LOCK_EX) != 0) std::exit(4);
       flock(fd, LOCK_UN);
       close(fd);
     },
     [](int) { waitpid(children[0], nullptr, 0); }},
    {"mutex",
     [](int) {
       std::atomic<bool> locked{false};
       threads.emplace_back([&locked] {
         std::lock_guard<std::mutex> l(mu);
         locked = true;
         std::this_thread::sleep_for(std::chrono::milliseconds(kBlockMs));
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
         threads.emplace_back([] { std::this_thread::sleep_for(std::chrono::milliseconds(kBlockMs)); });
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
  if (argc != 2) {
    std::fprintf(stderr, "usage: syscall_block KIND\n");
    return 2;
  }
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
  // main sleeps through the window on a timer, as the ticker does.
  gort::sleep(std::chrono::milliseconds(kBlockMs - 30));
  long during = ticks.load() - t0;
  std::int64_t window = now_ns() - start;
  std::int64_t late = maxlate.load();
  k->release(n);
  ticking.store(false);
  wg.wait();
  for (auto& t : threads)
    if (t.joinable()) t.join();
  std::printf("%s: ticks=%ld window_ms=%lld maxlate_us=%lld\n", k->name, during, (long long)(window / 1000000),
              (long long)(late / 1000));
  return 0;
}
