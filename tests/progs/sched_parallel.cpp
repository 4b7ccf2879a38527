// tests/progs/sched_parallel.cpp: with GOMAXPROCS=N, N goroutines that only
// compute run at the same time on N distinct OS threads.
// Each round, main starts N-1 goroutines and joins them in a spin barrier
// (no gosched, no blocking): the barrier completes only when all N are
// running at once, which needs N Ms each holding a P. A broken scheduler
// times out (3 s per round) instead of hanging. Prints the first failing
// round and a summary.
#include <gort/gort.hpp>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <set>
#include <vector>

namespace {

double now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

struct round_state {
  int n = 0;
  double deadline = 0;
  std::atomic<int> arrived{0};
  std::atomic<int> done{0};
  std::vector<long> tid;      // per participant, at the barrier
  std::vector<char> crossed;  // per participant: saw all N arrive
};

void participate(round_state* r, int k) {
  // Not preempted in the spin: the barrier must be crossed in parallel,
  // not by taking turns on one thread.
  gort::no_preempt np;
  r->tid[size_t(k)] = long(gettid());
  r->arrived.fetch_add(1);
  bool ok = false;
  while (now() < r->deadline)
    if (r->arrived.load() == r->n) {
      ok = true;
      break;
    }
  // Still the same thread: nothing could have moved us.
  if (long(gettid()) != r->tid[size_t(k)]) ok = false;
  r->crossed[size_t(k)] = ok;
  r->done.fetch_add(1);
}

}  // namespace

int main() {
  const int n = gort::gomaxprocs(0);
  const int rounds = 10;
  int bad = 0;
  std::set<long> alltids;
  for (int rd = 0; rd < rounds; rd++) {
    round_state r;
    r.n = n;
    r.deadline = now() + 3;
    r.tid.assign(size_t(n), 0);
    r.crossed.assign(size_t(n), 0);
    for (int k = 1; k < n; k++) gort::go(participate, &r, k);
    participate(&r, 0);
    while (r.done.load() < n) gort::gosched();
    std::set<long> tids(r.tid.begin(), r.tid.end());
    int crossed = 0;
    for (char c : r.crossed) crossed += c;
    alltids.insert(tids.begin(), tids.end());
    if (crossed != n || int(tids.size()) != n) {
      bad++;
      std::printf("round %d: %d of %d crossed the barrier, %zu distinct threads\n", rd, crossed, n, tids.size());
      break;  // one is enough: do not wait out the other rounds
    }
  }
  std::printf("parallel: gomaxprocs=%d rounds=%d failed=%d\n", n, rounds, bad);
  std::fprintf(stderr, "threads used over all rounds: %zu\n", alltids.size());
  return bad == 0 ? 0 : 1;
}
