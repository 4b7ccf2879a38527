// tests/progs/sync_cond.cpp: gort::cond. One line per scenario, "<name>: ok
// ..." or "<name>: FAIL ..."; exit status = number of failures.
//   queue      a bounded queue (capacity 4): 3 producers x 2000 items, 3
//              consumers; every item consumed once (count and sum)
//   signal     5 goroutines wait; one signal wakes exactly one, the one that
//              waited first; a broadcast wakes the rest
//   nomemory   a signal with nobody waiting is not remembered
//   shared     waiters holding an rwmutex in read mode (std::shared_lock)
#include <gort/gort.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "tests/progs/check.hpp"

using progs::fails;
using progs::now_ns;
using progs::report;

// gosched until pred() or a 5 s deadline; returns pred().
template <class P>
static bool eventually(P pred) {
  std::int64_t deadline = now_ns() + 5'000'000'000LL;
  while (!pred() && now_ns() < deadline) gort::gosched();
  return pred();
}

struct bounded_queue {
  static constexpr int cap = 4;
  gort::mutex mu;
  gort::cond not_full, not_empty;
  int buf[cap] = {};
  int head = 0, n = 0;

  void put(int v) {
    std::unique_lock<gort::mutex> lk(mu);
    not_full.wait(lk, [&] { return n < cap; });
    buf[(head + n) % cap] = v;
    n++;
    not_empty.signal();
  }
  int get() {
    std::unique_lock<gort::mutex> lk(mu);
    not_empty.wait(lk, [&] { return n > 0; });
    int v = buf[head];
    head = (head + 1) % cap;
    n--;
    not_full.signal();
    return v;
  }
};

static void queue() {
  constexpr int P = 3, C = 3, K = 2000;
  bounded_queue q;
  gort::wait_group producers, consumers;
  std::atomic<long> sum{0};
  std::atomic<int> count{0};
  for (int p = 0; p < P; p++) {
    producers.add(1);
    gort::go([&, p] {
      for (int i = 1; i <= K; i++) q.put(p * K + i);
      producers.done();
    });
  }
  for (int c = 0; c < C; c++) {
    consumers.add(1);
    gort::go([&] {
      for (int v; (v = q.get()) != -1;) {
        sum += v;
        count++;
      }
      consumers.done();
    });
  }
  producers.wait();
  for (int c = 0; c < C; c++) q.put(-1);  // one end marker per consumer
  consumers.wait();
  long n = long(P) * K;
  char buf[96];
  std::snprintf(buf, sizeof buf, "count=%d sum=%ld want %ld, %ld", count.load(), sum.load(), n, n * (n + 1) / 2);
  report("queue", count == n && sum == n * (n + 1) / 2 && q.n == 0, buf);
}

static void signal_one() {
  constexpr int K = 5;
  gort::mutex mu;
  gort::cond c;
  gort::wait_group wg;
  int waiting = 0;
  std::vector<int> order, woke;  // under mu
  for (int k = 0; k < K; k++) {
    wg.add(1);
    gort::go([&, k] {
      mu.lock();
      waiting++;
      order.push_back(k);
      c.wait(mu);  // once, no predicate: Go's cond has no spurious wake-ups
      woke.push_back(k);
      mu.unlock();
      wg.done();
    });
  }
  // Once waiting == K is seen under mu, every waiter has its ticket.
  auto locked = [&](auto f) {
    std::lock_guard<gort::mutex> g(mu);
    return f();
  };
  bool ok = eventually([&] { return locked([&] { return waiting == K; }); });
  c.signal();
  ok &= eventually([&] { return locked([&] { return woke.size() >= 1; }); });
  for (int i = 0; i < 50; i++) gort::gosched();
  ok &= locked([&] { return woke.size() == 1 && woke[0] == order[0]; });
  c.broadcast();
  wg.wait();
  ok &= woke.size() == K;
  char buf[64];
  std::snprintf(buf, sizeof buf, "first waiter %d, first woken %d", order.empty() ? -1 : order[0],
                woke.empty() ? -1 : woke[0]);
  report("signal", ok, buf);
}

static void nomemory() {
  gort::mutex mu;
  gort::cond c;
  c.signal();
  c.broadcast();
  std::atomic<int> state{0};
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] {
    std::unique_lock<gort::mutex> lk(mu);
    state = 1;
    c.wait(lk);
    state = 2;
    lk.unlock();  // before done(): mu is on main's stack, gone once wait() returns (TSan saw it)
    wg.done();
  });
  bool ok = eventually([&] {
    std::lock_guard<gort::mutex> g(mu);
    return state == 1;
  });
  for (int i = 0; i < 50; i++) gort::gosched();
  ok &= state == 1;  // the earlier signals did not count
  c.notify_one();
  wg.wait();
  ok &= state == 2;
  report("nomemory", ok);
}

static void shared() {
  constexpr int K = 4;
  gort::rwmutex rw;
  gort::cond c;
  gort::wait_group wg;
  std::atomic<int> waiting{0}, woken{0};
  bool go_flag = false;  // written under the write lock
  for (int k = 0; k < K; k++) {
    wg.add(1);
    gort::go([&] {
      std::shared_lock<gort::rwmutex> lk(rw);
      waiting++;
      c.wait(lk, [&] { return go_flag; });
      woken++;
      wg.done();
    });
  }
  bool ok = eventually([&] { return waiting == K; });
  {
    std::lock_guard<gort::rwmutex> g(rw);  // all have let go of it in wait
    go_flag = true;
  }
  c.notify_all();
  wg.wait();
  ok &= woken == K;
  report("shared", ok);
}

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  queue();
  signal_one();
  nomemory();
  shared();
  return fails;
}
