// bench/common/fiber.hpp: the Boost.Fiber side of the workloads, shaped like
// the gort and Go programs.
//
// fb::run(body) runs body on the main fiber with GOMAXPROCS threads: one
// thread with Boost's default round_robin scheduler when GOMAXPROCS is 1 or
// unset, else that many threads with the work_stealing scheduler (its
// default suspend=false: an idle thread spins looking for work to steal).
//
// fb::go(f) starts a detached fiber, like `go f()`: launch::post (it runs
// later, as a goroutine does), on a 16 KiB fixedsize_stack. Boost's default
// stack (128 KiB, malloc'd) would take one mmap per fiber, and a million live
// fibers would run into vm.max_map_count. fb::run also tells glibc's malloc
// to keep freed memory (M_TRIM_THRESHOLD) so that freed stacks are reused, as
// gort and Go keep theirs in stack caches: by default glibc hands the top of
// the heap back to the kernel at each free, and every new fiber then pays
// page faults for its stack (over 10x slower in spawn_run).
#pragma once

#include <malloc.h>

#include <atomic>
#include <boost/fiber/all.hpp>
#include <cstdlib>
#include <latch>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace fb {

// -DFB_STACK_SIZE=N to try another size. fixedsize_stack has no guard page:
// at 4 KiB these workloads overflow and corrupt the heap silently; 8 KiB
// saves little RSS (Boost keeps the fiber's control block on its stack).
#ifndef FB_STACK_SIZE
#define FB_STACK_SIZE (16 * 1024)
#endif
inline constexpr std::size_t stack_size = FB_STACK_SIZE;

inline int threads() {
  const char* s = std::getenv("GOMAXPROCS");
  int n = s != nullptr && *s != 0 ? std::atoi(s) : 1;
  return n < 1 ? 1 : n;
}

inline boost::fibers::fixedsize_stack stack() { return boost::fibers::fixedsize_stack(stack_size); }

template <class F>
void go(F&& f) {
  boost::fibers::fiber(std::allocator_arg, stack(), std::forward<F>(f)).detach();
}

// fiber starts a fiber to be joined (std::thread-like), on the same stacks.
template <class F>
boost::fibers::fiber fiber(F&& f) {
  return boost::fibers::fiber(std::allocator_arg, stack(), std::forward<F>(f));
}

// wait_group: Go's sync.WaitGroup for fibers on any thread.
class wait_group {
  std::atomic<long> n_{0};
  boost::fibers::mutex mu_;
  boost::fibers::condition_variable cv_;

 public:
  void add(long d) { n_.fetch_add(d, std::memory_order_relaxed); }
  void done() {
    if (n_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::unique_lock<boost::fibers::mutex> lk(mu_);
      cv_.notify_all();
    }
  }
  void wait() {
    std::unique_lock<boost::fibers::mutex> lk(mu_);
    cv_.wait(lk, [this] { return n_.load(std::memory_order_acquire) == 0; });
  }
};

template <class F>
void run(F&& body) {
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const int n = threads();
  if (n == 1) {
    body();
    return;
  }
  using algo = boost::fibers::algo::work_stealing;
  std::latch ready(n);
  std::mutex mu;
  boost::fibers::condition_variable_any cv;
  bool done = false;
  std::vector<std::thread> workers;
  for (int i = 1; i < n; i++)
    workers.emplace_back([&] {
      boost::fibers::use_scheduling_algorithm<algo>(n);
      ready.arrive_and_wait();
      std::unique_lock<std::mutex> lk(mu);
      cv.wait(lk, [&] { return done; });  // a fiber wait: this thread's scheduler runs stolen fibers meanwhile
    });
  boost::fibers::use_scheduling_algorithm<algo>(n);
  ready.arrive_and_wait();
  body();
  {
    std::lock_guard<std::mutex> lk(mu);
    done = true;
  }
  cv.notify_all();
  for (auto& t : workers) t.join();
}

}  // namespace fb
