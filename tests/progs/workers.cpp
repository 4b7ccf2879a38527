// tests/progs/workers.cpp: the README's worker pool, four workers squaring
// numbers from one channel into another, with a select on a timer; a
// correct program for valgrind's memcheck (tests/boot/tools_test.cpp).
#include <gort/gort.hpp>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  long n = argc > 1 ? std::atol(argv[1]) : 10000;
  gort::chan<long> jobs(16), results(0);
  for (int w = 0; w < 4; w++)
    gort::go([=]() mutable {
      for (long j : jobs) results.send(j * j);
    });
  gort::go([=]() mutable {
    for (long i = 1; i <= n; i++) jobs.send(i);
    jobs.close();
  });
  auto timeout = gort::after(std::chrono::seconds(60));
  long sum = 0;
  for (long k = 0; k < n;)
    gort::select(gort::case_recv(results,
                                 [&](long r) {
                                   sum += r;
                                   k++;
                                 }),
                 gort::case_recv(timeout, [&](auto) {
                   std::puts("timeout");
                   std::exit(1);
                 }));
  long want = n * (n + 1) * (2 * n + 1) / 6;
  std::printf("sum=%ld %s\n", sum, sum == want ? "ok" : "WRONG");
  return sum == want ? 0 : 1;
}
