// syscall_pair (gort): the cost of entersyscall + exitsyscall, Go's
// Syscall - RawSyscall: getppid system calls made raw and made through
// gort::syscall, N of each; reports the difference per call (the pair) and
// the raw call. Usage: gort N
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include <gort/gort.hpp>

#include "bench.hpp"

static long rawgetppid() { return syscall(SYS_getppid); }

// Raw and wrapped calls alternate in batches and the median of the
// per-batch differences is reported: the machine's drift (another process,
// frequency) hits both alike.
int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 2000000);
  const long batch = n < 20000 ? n / 10 + 1 : 10000, rounds = n / batch;
  long sum = 0;
  std::vector<double> raw, diff;
  for (long r = 0; r < rounds; r++) {
    auto t0 = bench::now();
    for (long i = 0; i < batch; i++) sum += rawgetppid();
    double a = bench::ns_since(t0) / double(batch);
    t0 = bench::now();
    for (long i = 0; i < batch; i++) sum += gort::syscall(rawgetppid);
    double b = bench::ns_since(t0) / double(batch);
    raw.push_back(a);
    diff.push_back(b - a);
  }
  bench::check(sum != 0, "getppid");
  std::sort(raw.begin(), raw.end());
  std::sort(diff.begin(), diff.end());
  std::printf("result ns_per_op=%.6g raw_ns=%.6g n=%ld\n", diff[diff.size() / 2], raw[raw.size() / 2], rounds * batch);
}
