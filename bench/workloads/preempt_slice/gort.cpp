// preempt_slice (gort): at GOMAXPROCS=1, a goroutine runs a call-free loop
// while main yields in a loop; each time main runs again, the loop has had
// one slice (until sysmon preempted it: runtime/preempt.cpp). K slices;
// reports the median, 90th percentile and maximum slice length in
// milliseconds. Usage: gort K
#include <algorithm>
#include <atomic>
#include <vector>

#include <gort/gort.hpp>

#include "bench.hpp"

std::atomic<bool> stop{false};
std::atomic<long> sink{0};

int main(int argc, char** argv) {
  const long k = bench::arg(argc, argv, 1, 100);
  gort::go([] {
    long x = 0;
    while (!stop.load(std::memory_order_relaxed)) x++;
    sink = x;
  });
  gort::gosched();
  auto last = bench::now();
  std::vector<double> ms;
  for (long i = 0; i < k; i++) {
    gort::gosched();
    auto t = bench::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t - last).count());
    last = t;
  }
  stop = true;
  std::sort(ms.begin(), ms.end());
  std::printf("result p50_ms=%g p90_ms=%g max_ms=%g n=%ld\n", ms[k / 2], ms[k * 9 / 10], ms.back(), k);
}
