// tests/progs/sched_lockosthread.cpp: lock_os_thread (Go: LockOSThread).
//  1. During package init (C++ constructors) the main goroutine is locked to
//     m0, the process's initial thread, even across gosched while other
//     goroutines run.
//  2. A locked goroutine keeps its OS thread across gosched and across
//     parking (wait_group waits on goroutines that other Ms run), and no
//     other goroutine runs on that thread while it is locked.
//  3. Locks nest: after two locks and one unlock it is still locked.
//  4. A goroutine that exits while locked takes its thread with it: the
//     thread disappears from /proc/self/task and no goroutine runs on it
//     again.
// Prints "FAIL ..." lines for what goes wrong, and a summary.
#include <gort/gort.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <string>

#include "tests/progs/check.hpp"

using progs::fails;
using progs::now;

namespace {

void spin(int k) {
  volatile long x = 0;
  for (int i = 0; i < k; i++) x = x + i;
}

// Workers: compute and yield, and report any run on a forbidden thread.
std::atomic<long> forbidden{0};      // a thread that only its locked goroutine may use
std::atomic<long> forbidden_hits{0};
std::atomic<long> gone{0};           // a thread that has exited
std::atomic<long> gone_hits{0};
std::atomic<bool> stop{false};
std::atomic<int> workers_done{0};
std::atomic<long> worker_steps{0};

void worker() {
  while (!stop.load()) {
    long t = long(gettid());
    if (t == forbidden.load()) forbidden_hits++;
    if (t == gone.load()) gone_hits++;
    spin(2000);
    worker_steps++;
    gort::gosched();
  }
  workers_done++;
}

// ---- 1: init ----
std::atomic<int> init_helpers{0};
int init_moves = -1;
struct init_check {
  init_check() {
    for (int i = 0; i < 8; i++)
      gort::go([] {
        for (int k = 0; k < 50; k++) spin(1000), gort::gosched();
        init_helpers++;
      });
    init_moves = 0;
    for (int k = 0; k < 200 || init_helpers.load() < 8; k++) {
      if (gettid() != getpid()) init_moves++;
      gort::gosched();
    }
    if (gettid() != getpid()) init_moves++;
  }
} the_init_check;

bool task_exists(long tid) {
  struct stat st;
  return stat(("/proc/self/task/" + std::to_string(tid)).c_str(), &st) == 0;
}

}  // namespace

int main() {
  const int n = gort::gomaxprocs(0);
  CHECK(init_moves == 0, "main goroutine left m0 %d times during init", init_moves);

  const int nworkers = 2 * n + 1;
  for (int i = 0; i < nworkers; i++) gort::go(worker);

  // ---- 2: a locked goroutine keeps its thread ----
  {
    std::atomic<int> moved{0}, finished{0};
    gort::go([&] {
      gort::lock_os_thread();
      long tid = long(gettid());
      forbidden = tid;
      for (int i = 0; i < 300; i++) {
        spin(1000);
        gort::gosched();
        if (long(gettid()) != tid) moved++;
        if (i % 10 == 0) {
          // Park until two other goroutines have run.
          gort::wait_group wg;
          wg.add(2);
          for (int k = 0; k < 2; k++)
            gort::go([&wg] {
              spin(5000);
              gort::gosched();
              wg.done();
            });
          wg.wait();
          if (long(gettid()) != tid) moved++;
        }
      }
      // 3: nesting.
      gort::lock_os_thread();
      gort::unlock_os_thread();
      for (int i = 0; i < 50; i++) {
        gort::gosched();
        if (long(gettid()) != tid) moved++;
      }
      forbidden = 0;
      gort::unlock_os_thread();
      for (int i = 0; i < 50; i++) gort::gosched();  // may move now: must simply go on
      finished = 1;
    });
    while (finished.load() == 0) gort::gosched();
    CHECK(moved.load() == 0, "locked goroutine changed thread %d times", moved.load());
    CHECK(forbidden_hits.load() == 0, "other goroutines ran %ld times on the locked thread", forbidden_hits.load());
  }

  // ---- 4: exiting while locked ends the thread ----
  {
    std::atomic<long> tid{0};
    std::atomic<int> tries{0};
    // The initial thread cannot exit (Go wedges m0 instead). A goroutine
    // that finds itself locked there keeps it, so that a second one it
    // starts must run on another thread, and waits for that one.
    struct exiter {
      static void run(std::atomic<long>* tid, std::atomic<int>* tries) {
        gort::lock_os_thread();
        if (tries->fetch_add(1) == 0 && gettid() == getpid()) {
          gort::go(run, tid, tries);
          while (tid->load() == 0) gort::gosched();
          gort::unlock_os_thread();
          return;
        }
        tid->store(long(gettid()));
        // returns locked
      }
    };
    gort::go(exiter::run, &tid, &tries);
    double deadline = now() + 5;
    while (tid.load() == 0 && now() < deadline) gort::gosched();
    long t = tid.load();
    CHECK(t != 0 && t != long(getpid()), "no locked goroutine off the initial thread (tid %ld)", t);
    bool exited = false;
    while (t != 0 && now() < deadline) {
      if (!task_exists(t)) {
        exited = true;
        break;
      }
      gort::gosched();
    }
    CHECK(exited, "thread %ld of a goroutine that exited locked still exists after 5 s", t);
    gone = t;
    // The workers keep running, never on the dead thread.
    long steps = worker_steps.load();
    while (worker_steps.load() < steps + 2000 && now() < deadline + 5) gort::gosched();
    CHECK(worker_steps.load() >= steps + 2000, "workers stopped making progress");
    CHECK(gone_hits.load() == 0, "goroutines ran %ld times on exited thread %ld", gone_hits.load(), t);
  }

  stop = true;
  while (workers_done.load() < nworkers) gort::gosched();
  std::printf("lock_os_thread: gomaxprocs=%d %s\n", n, fails == 0 ? "ok" : "FAILED");
  return fails == 0 ? 0 : 1;
}
