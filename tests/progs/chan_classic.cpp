// tests/progs/chan_classic.cpp: the classic channel programs. Each scenario
// prints "<name>: ok ..." or "<name>: FAIL ..."; the exit status is the
// number of failures. Run at GOMAXPROCS 1 and 2 by tests/chan/chan_test.cpp.
//   sieve        Go's concurrent prime sieve (a goroutine per prime, chained
//                by unbuffered channels): the first 1,000 primes, each equal
//                to a plain sieve of Eratosthenes
//   ring         10,000 goroutines in a ring of unbuffered channels pass a
//                token 10 times round; each sees the count it expects
//   fifo         8 senders on one channel (unbuffered, then cap 1, then cap
//                64), one receiver: each sender's values arrive in order,
//                none lost or repeated
//   stress       8 producers, 8 consumers on one channel (cap 0, 1 and 16):
//                every value received exactly once, the sum is right, and
//                each consumer sees each producer's values in order
//   stress_select 4 producers and 4 consumers that all go through select
//                over two channels (one unbuffered, one cap 4) plus a
//                quit channel: the same invariants
#include <gort/gort.hpp>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "tests/progs/check.hpp"

using progs::fails;
using progs::report;

// ---- sieve ----

static void generate(gort::chan<int> ch) {
  for (int i = 2;; i++) ch.send(i);
}

static void filter(gort::chan<int> in, gort::chan<int> out, int prime) {
  for (;;) {
    int i = in.recv();
    if (i % prime != 0) out.send(i);
  }
}

static void sieve() {
  constexpr int N = 1000;
  // The reference: Eratosthenes up to 7919, the 1000th prime.
  std::vector<int> want;
  std::vector<bool> composite(8000);
  for (int i = 2; i < 8000 && int(want.size()) < N; i++) {
    if (composite[i]) continue;
    want.push_back(i);
    for (int j = i * i; j < 8000; j += i) composite[j] = true;
  }
  // Go's program: the generator and the filters stay blocked when main
  // is done with them, as in Go (they end with the program).
  gort::chan<int> ch(0);
  gort::go(generate, ch);
  int bad = 0, first_bad = -1;
  for (int i = 0; i < N; i++) {
    int prime = ch.recv();
    if (prime != want[i] && bad++ == 0) first_bad = i;
    gort::chan<int> ch1(0);
    gort::go(filter, ch, ch1, prime);
    ch = ch1;
  }
  char buf[128];
  std::snprintf(buf, sizeof buf, "n=%d last=%d bad=%d first_bad=%d", N, want.back(), bad, first_bad);
  report("sieve", bad == 0 && int(want.size()) == N && want.back() == 7919, buf);
}

// ---- ring ----

static void ring() {
  constexpr int N = 10000, laps = 10;
  std::vector<gort::chan<std::int64_t>> ch;
  ch.reserve(N + 1);
  for (int i = 0; i <= N; i++) ch.emplace_back(0);
  std::atomic<int> wrong{0};
  gort::wait_group wg;
  wg.add(N);
  for (int i = 0; i < N; i++) {
    gort::go(
        [&wrong, &wg, i](gort::chan<std::int64_t> in, gort::chan<std::int64_t> out) {
          for (int lap = 0; lap < laps; lap++) {
            std::int64_t t = in.recv();
            if (t != std::int64_t(lap) * N + i) wrong++;
            out.send(t + 1);
          }
          wg.done();
        },
        ch[i], ch[i + 1]);
  }
  std::int64_t token = 0;
  int badlap = 0;
  for (int lap = 0; lap < laps; lap++) {
    ch[0].send(token);
    token = ch[N].recv();
    if (token != std::int64_t(lap + 1) * N) badlap++;
  }
  wg.wait();
  char buf[128];
  std::snprintf(buf, sizeof buf, "goroutines=%d laps=%d token=%lld wrong=%d badlap=%d", N, laps, (long long)token,
                wrong.load(), badlap);
  report("ring", token == std::int64_t(laps) * N && wrong == 0 && badlap == 0, buf);
}

// ---- fifo ----

struct msg {
  int sender;
  int seq;
};

static void fifo() {
  constexpr int S = 8, K = 5000;
  bool ok = true;
  char buf[160] = "";
  for (int cap : {0, 1, 64}) {
    gort::chan<msg> c(cap);
    for (int s = 0; s < S; s++)
      gort::go(
          [s](gort::chan<msg> c) {
            for (int i = 0; i < K; i++) {
              c.send(msg{s, i});
              if (i % 64 == s) gort::gosched();  // vary the interleaving
            }
          },
          c);
    std::vector<int> next(S, 0);
    int disorder = 0;
    for (int n = 0; n < S * K; n++) {
      msg m = c.recv();
      if (m.sender < 0 || m.sender >= S || m.seq != next[m.sender]) {
        disorder++;
        continue;
      }
      next[m.sender]++;
    }
    int short_ = 0;
    for (int s = 0; s < S; s++) short_ += next[s] != K;
    bool empty = !c.try_recv().has_value();  // nothing extra was sent
    if (disorder != 0 || short_ != 0 || !empty) {
      ok = false;
      std::snprintf(buf, sizeof buf, "cap=%d disorder=%d short=%d empty=%d", cap, disorder, short_, empty);
    }
  }
  report("fifo", ok, buf);
}

// ---- stress ----

// A value: producer id in the high half, sequence number in the low half.
static std::uint64_t pack(int p, int i) { return std::uint64_t(p) << 32 | std::uint32_t(i); }

struct tally {
  std::vector<std::atomic<std::uint8_t>> seen;  // [p*K+i]: times received
  std::atomic<std::uint64_t> sum{0};
  std::atomic<int> disorder{0}, bogus{0};
  tally(int P, int K) : seen(std::size_t(P) * K) {}
};

// consume records v for a consumer whose last seen sequence per producer
// is last[].
static void consume(tally& t, std::vector<int>& last, int P, int K, std::uint64_t v) {
  int p = int(v >> 32), i = int(std::uint32_t(v));
  if (p < 0 || p >= P || i < 0 || i >= K) {
    t.bogus++;
    return;
  }
  if (i <= last[p]) t.disorder++;
  last[p] = i;
  t.seen[std::size_t(p) * K + i]++;
  t.sum += v;
}

static bool verdict(tally& t, int P, int K, char* buf, std::size_t n, const char* what) {
  std::uint64_t want = 0;
  for (int p = 0; p < P; p++)
    for (int i = 0; i < K; i++) want += pack(p, i);
  int missing = 0, dup = 0;
  for (auto& s : t.seen) {
    missing += s == 0;
    dup += s > 1;
  }
  bool ok = missing == 0 && dup == 0 && t.sum == want && t.disorder == 0 && t.bogus == 0;
  if (!ok)
    std::snprintf(buf, n, "%s: missing=%d dup=%d sum_ok=%d disorder=%d bogus=%d", what, missing, dup,
                  int(t.sum == want), t.disorder.load(), t.bogus.load());
  return ok;
}

static void stress() {
  constexpr int P = 8, M = 8, K = 16000;
  bool ok = true;
  char buf[200] = "";
  for (int cap : {0, 1, 16}) {
    tally t(P, K);
    gort::chan<std::uint64_t> c(cap);
    gort::wait_group prod, cons;
    prod.add(P);
    cons.add(M);
    for (int p = 0; p < P; p++)
      gort::go([&, p] {
        for (int i = 0; i < K; i++) c.send(pack(p, i));
        prod.done();
      });
    for (int m = 0; m < M; m++)
      gort::go([&] {
        std::vector<int> last(P, -1);
        for (std::uint64_t v : c) consume(t, last, P, K, v);  // until closed and drained
        cons.done();
      });
    prod.wait();
    c.close();
    cons.wait();
    char what[32];
    std::snprintf(what, sizeof what, "cap=%d", cap);
    if (!verdict(t, P, K, buf, sizeof buf, what)) ok = false;
  }
  report("stress", ok, buf);
}

static void stress_select() {
  constexpr int P = 4, M = 4, K = 16000;
  tally t(P, K);
  gort::chan<std::uint64_t> a(0), b(4);
  gort::chan<int> quit(0);
  gort::wait_group prod, cons;
  prod.add(P);
  cons.add(M);
  std::atomic<int> via_a{0}, via_b{0};
  for (int p = 0; p < P; p++)
    gort::go([&, p] {
      for (int i = 0; i < K; i++)
        gort::select(gort::case_send(a, pack(p, i), [&] { via_a++; }),
                     gort::case_send(b, pack(p, i), [&] { via_b++; }));
      prod.done();
    });
  for (int m = 0; m < M; m++)
    gort::go([&] {
      // Per-producer order holds per channel only: a value sent on a may
      // overtake an earlier one still in b's buffer.
      std::vector<int> last_a(P, -1), last_b(P, -1);
      for (bool done = false; !done;)
        gort::select(gort::case_recv(a, [&](std::uint64_t v) { consume(t, last_a, P, K, v); }),
                     gort::case_recv(b, [&](std::uint64_t v) { consume(t, last_b, P, K, v); }),
                     gort::case_recv(quit, [&] { done = true; }));
      cons.done();
    });
  prod.wait();
  // Everything sent on a has been received (unbuffered); b may still hold
  // values: the consumers drain it before they see quit, because quit is
  // closed only once b is empty.
  while (b.len() > 0) gort::gosched();
  quit.close();
  cons.wait();
  char buf[200] = "";
  bool ok = verdict(t, P, K, buf, sizeof buf, "select");
  if (ok) std::snprintf(buf, sizeof buf, "via_a=%d via_b=%d", via_a.load(), via_b.load());
  // Both channels must have been used, or select is not choosing.
  report("stress_select", ok && via_a > 0 && via_b > 0 && via_a + via_b == P * K, buf);
}

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  sieve();
  ring();
  fifo();
  stress();
  stress_select();
  return fails;
}
