// handoff (gort): at GOMAXPROCS=1, the time from a goroutine blocking in a
// read (libc's read on an empty pipe: gort's hook finds out that it would
// block and hands the P off at once) to another runnable goroutine running.
// K samples; reports the median, 90th percentile and maximum in
// microseconds. Usage: gort K
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <vector>

#include <gort/gort.hpp>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long k = bench::arg(argc, argv, 1, 2000);
  int p[2];
  bench::check(pipe(p) == 0, "pipe");
  std::atomic<long> seq{0};
  std::atomic<std::int64_t> t0{0};
  auto ns = [] { return std::chrono::duration_cast<std::chrono::nanoseconds>(bench::now().time_since_epoch()).count(); };
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] {
    char c;
    for (long i = 0; i < k; i++) {
      t0.store(ns());
      seq.store(i + 1);
      bench::check(read(p[0], &c, 1) == 1, "read");
    }
    wg.done();
  });
  std::vector<double> us;
  for (long i = 0; i < k; i++) {
    while (seq.load() != i + 1) gort::gosched();  // runnable all along
    us.push_back(double(ns() - t0.load()) / 1000.0);
    bench::check(write(p[1], "x", 1) == 1, "write");
  }
  wg.wait();
  std::sort(us.begin(), us.end());
  std::printf("result p50_us=%.4g p90_us=%.4g max_us=%.4g n=%ld\n", us[us.size() / 2], us[us.size() * 9 / 10],
              us.back(), k);
}
