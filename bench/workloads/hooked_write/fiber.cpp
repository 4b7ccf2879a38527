// hooked_write (plain g++, in the Boost.Fiber column): N one-byte writes
// to /dev/null through glibc's own write, the floor gort's hooked write is
// measured against. Reports ns per write. Usage: fiber N
#include <fcntl.h>
#include <unistd.h>

#include "bench.hpp"

int main(int argc, char** argv) {
  const long n = bench::arg(argc, argv, 1, 2000000);
  int fd = open("/dev/null", O_WRONLY);
  bench::check(fd >= 0, "open /dev/null");
  long sum = 0;
  for (long i = 0; i < n / 10; i++) sum += write(fd, "x", 1);
  auto t0 = bench::now();
  for (long i = 0; i < n; i++) sum += write(fd, "x", 1);
  double ns = bench::ns_since(t0);
  bench::check(sum == n + n / 10, "writes");
  bench::result("ns_per_op", ns / double(n), n);
}
