// tests/progs/chan_select.cpp: gort::select. Each scenario prints
// "<name>: ok ..." or "<name>: FAIL ..."; the exit status is the number of
// failures. Run at GOMAXPROCS 1 and 2 by tests/chan/chan_test.cpp.
//   fair_recv    4 receive cases on 4 closed channels (always ready),
//                100,000 rounds: a chi-square test of uniform choice
//                (3 degrees of freedom, fails only at p < 1e-6)
//   fair_mixed   the same with 2 ready sends and 2 ready receives
//   fair_same    the same with 4 receive cases on one closed channel
//   index        select returns the argument position of the case chosen,
//                whatever the mix of sends, receives and default (the
//                runtime sees sends first)
//   handlers     a receive handler as f(v, ok), f(v) or f(); a closed
//                channel gives T{} with ok = false; send handlers run
//                after the send
//   default      default is taken exactly when no case is ready; select
//                with only a default
//   nil          cases on nil channels are never chosen; all-nil with a
//                default takes the default
//   same_chan    one goroutine sending and receiving on one unbuffered
//                channel in one select waits for another goroutine (it does
//                not complete with itself); two such goroutines pair up
//                round by round; on a buffered channel whichever side is
//                ready is taken
//   types        one select over chan<int>, chan<std::string>,
//                chan<std::unique_ptr<int>>, chan<empty> and chan<double>:
//                the right handler gets the right value; an rvalue sent by
//                a case not chosen is not moved from, an lvalue is copied
//   wake         a blocked select woken by a sender, a receiver and a close
//   forever      goroutines in select {}, in a select over nil channels
//                only, and in a send or receive on a nil channel never run
//                again, while main finishes and exits 0
#include <gort/gort.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "tests/progs/check.hpp"

using progs::fails;
using progs::report;

using progs::settle;
using progs::wait_until;

// ---- fairness ----

constexpr int kRounds = 100000;
// The chi-square statistic with 3 degrees of freedom exceeds 30.665 with
// probability 1e-6 when the choice is uniform.
constexpr double kChi2Limit = 30.665;

static void fairness(const char* name, const int (&counts)[4]) {
  double expect = kRounds / 4.0, chi2 = 0;
  int total = 0;
  for (int n : counts) {
    chi2 += (n - expect) * (n - expect) / expect;
    total += n;
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "counts=%d,%d,%d,%d chi2=%.2f limit=%.3f", counts[0], counts[1], counts[2],
                counts[3], chi2, kChi2Limit);
  report(name, total == kRounds && chi2 < kChi2Limit, buf);
}

static void fair_recv() {
  gort::chan<int> c[4] = {gort::chan<int>(0), gort::chan<int>(0), gort::chan<int>(1), gort::chan<int>(1)};
  for (auto& ch : c) ch.close();
  int counts[4] = {};
  for (int r = 0; r < kRounds; r++) {
    int k = gort::select(gort::case_recv(c[0]), gort::case_recv(c[1]), gort::case_recv(c[2]), gort::case_recv(c[3]));
    if (k >= 0 && k < 4) counts[k]++;
  }
  fairness("fair_recv", counts);
}

static void fair_mixed() {
  gort::chan<int> s0(1), s1(1), r0(1), r1(1);
  r0.send(1);
  r1.send(2);
  int counts[4] = {};
  int wrong = 0;
  for (int r = 0; r < kRounds; r++) {
    int k = gort::select(gort::case_send(s0, 10), gort::case_recv(r0, [&](int v) { wrong += v != 1; }),
                         gort::case_send(s1, 11), gort::case_recv(r1, [&](int v) { wrong += v != 2; }));
    if (k >= 0 && k < 4) counts[k]++;
    // Make every case ready again.
    switch (k) {
      case 0:
        wrong += s0.recv() != 10;
        break;
      case 1:
        r0.send(1);
        break;
      case 2:
        wrong += s1.recv() != 11;
        break;
      case 3:
        r1.send(2);
        break;
    }
  }
  if (wrong != 0) counts[0] = -wrong;  // makes the report fail
  fairness("fair_mixed", counts);
}

static void fair_same() {
  gort::chan<int> c(0);
  c.close();
  int counts[4] = {};
  for (int r = 0; r < kRounds; r++) {
    int k = gort::select(gort::case_recv(c), gort::case_recv(c), gort::case_recv(c), gort::case_recv(c));
    if (k >= 0 && k < 4) counts[k]++;
  }
  fairness("fair_same", counts);
}

// ---- index ----

static void index_order() {
  bool ok = true;
  gort::chan<int> a(1), b(1), c(1), d(1);
  auto once = [&] {
    return gort::select(gort::case_recv(a), gort::case_send(b, 5), gort::case_recv(c), gort::case_send(d, 6),
                        gort::case_default());
  };
  b.send(0);  // b full
  d.send(0);  // d full
  ok &= once() == 4;  // nothing ready: default, the 5th argument
  c.send(1);
  ok &= once() == 2;  // only c
  b.recv();
  ok &= once() == 1 && b.recv() == 5;  // only b
  b.send(0);
  d.recv();
  ok &= once() == 3 && d.recv() == 6;  // only d
  d.send(0);
  a.send(1);
  ok &= once() == 0;  // only a
  // Default first in the argument list.
  ok &= gort::select(gort::case_default(), gort::case_recv(a)) == 0;
  a.send(2);
  ok &= gort::select(gort::case_default(), gort::case_recv(a)) == 1;
  report("index", ok);
}

// ---- handlers ----

static void handlers() {
  bool ok = true;
  gort::chan<int> c(3);
  c.send(1);
  c.send(2);
  c.send(3);
  int seen = 0;
  gort::select(gort::case_recv(c, [&](int v, bool rok) { seen = rok ? v : -1; }));
  ok &= seen == 1;
  gort::select(gort::case_recv(c, [&](int v) { seen = v; }));
  ok &= seen == 2;
  bool ran = false;
  gort::select(gort::case_recv(c, [&] { ran = true; }));
  ok &= ran && c.len() == 0;
  c.close();
  int v0 = -1;
  bool ok0 = true;
  gort::select(gort::case_recv(c, [&](int v, bool rok) {
    v0 = v;
    ok0 = rok;
  }));
  ok &= v0 == 0 && !ok0;
  gort::chan<std::string> s(0);
  s.close();
  std::string got = "x";
  gort::select(gort::case_recv(s, [&](std::string v) { got = std::move(v); }));
  ok &= got.empty();
  // A send handler runs once the value is in the channel.
  gort::chan<int> t(1);
  std::size_t len_in_handler = 99;
  gort::select(gort::case_send(t, 4, [&] { len_in_handler = t.len(); }));
  ok &= len_in_handler == 1 && t.recv() == 4;
  report("handlers", ok);
}

// ---- default ----

static void default_case() {
  bool ok = true;
  gort::chan<int> u(0), e(2), f(1);
  f.send(1);
  bool dflt = false;
  int k = gort::select(gort::case_recv(u), gort::case_send(u, 1), gort::case_recv(e), gort::case_send(f, 2),
                       gort::case_default([&] { dflt = true; }));
  ok &= k == 4 && dflt && f.len() == 1 && e.len() == 0;
  dflt = false;
  k = gort::select(gort::case_recv(f), gort::case_default([&] { dflt = true; }));
  ok &= k == 0 && !dflt;
  // Only a default: runs it and returns its position.
  int n = 0;
  ok &= gort::select(gort::case_default([&] { n++; })) == 0 && n == 1;
  // A partner that is blocked makes the case ready, so default is not
  // taken once it is there.
  gort::go([u] { u.send(7); });
  int got = 0;
  ok &= wait_until([&] { return gort::select(gort::case_recv(u, [&](int v) { got = v; }), gort::case_default()) == 0; });
  ok &= got == 7;
  report("default", ok);
}

// ---- nil ----

static void nil() {
  bool ok = true;
  gort::chan<int> nilc, ready(1);
  int wrong = 0;
  for (int i = 0; i < 10000; i++) {
    ready.send(i);
    int got = -1;
    int k = gort::select(gort::case_recv(nilc), gort::case_send(nilc, 1), gort::case_recv(ready, [&](int v) { got = v; }),
                         gort::case_recv(nilc));
    wrong += k != 2 || got != i;
  }
  ok &= wrong == 0;
  ok &= gort::select(gort::case_recv(nilc), gort::case_send(nilc, 1), gort::case_default()) == 2;
  // A blocking select whose only live case becomes ready later.
  gort::chan<int> u(0);
  gort::go([u] { u.send(3); });
  int got = 0;
  int k = gort::select(gort::case_send(nilc, 1), gort::case_recv(u, [&](int v) { got = v; }), gort::case_recv(nilc));
  ok &= k == 1 && got == 3;
  report("nil", ok);
}

// ---- same_chan ----

static void same_chan() {
  bool ok = true;
  char buf[160] = "";
  gort::chan<int> c(0);
  std::atomic<int> res{-2}, got{-1};
  auto both = [&](int send) {
    res = gort::select(gort::case_send(c, send), gort::case_recv(c, [&](int v) { got = v; }));
  };
  // Alone, it must wait for someone else.
  gort::go([&] { both(1); });
  settle(20);
  ok &= res == -2;
  int v = c.recv();  // take its send
  ok &= wait_until([&] { return res != -2; }) && res == 0 && v == 1;
  res = -2;
  gort::go([&] { both(2); });
  settle(20);
  ok &= res == -2;
  c.send(7);  // feed its receive
  ok &= wait_until([&] { return res != -2; }) && res == 1 && got == 7;
  if (!ok) std::snprintf(buf, sizeof buf, "alone: res=%d got=%d", res.load(), got.load());

  // Two goroutines doing the same select pair with each other: in each
  // round one sends and the other receives the partner's value.
  constexpr int R = 2000;
  struct side {
    int sends = 0, recvs = 0, wrong = 0;
  } s[2];
  gort::wait_group wg;
  wg.add(2);
  for (int id = 0; id < 2; id++)
    gort::go([&, id] {
      for (int r = 0; r < R; r++) {
        gort::select(gort::case_send(c, id * 1000000 + r, [&] { s[id].sends++; }), gort::case_recv(c, [&](int v) {
                       s[id].recvs++;
                       if (v != (1 - id) * 1000000 + r) s[id].wrong++;
                     }));
      }
      wg.done();
    });
  wg.wait();
  bool pair_ok = s[0].sends == s[1].recvs && s[1].sends == s[0].recvs && s[0].sends + s[0].recvs == R &&
                 s[0].wrong == 0 && s[1].wrong == 0 && s[0].sends > 0 && s[1].sends > 0;
  if (!pair_ok)
    std::snprintf(buf, sizeof buf, "pair: sends=%d,%d recvs=%d,%d wrong=%d,%d", s[0].sends, s[1].sends,
                  s[0].recvs, s[1].recvs, s[0].wrong, s[1].wrong);
  ok &= pair_ok;

  // Buffered: empty, only the send is ready; full, only the receive.
  gort::chan<int> b(1);
  int wrong = 0;
  for (int i = 0; i < 1000; i++) {
    int k1 = gort::select(gort::case_send(b, i), gort::case_recv(b));
    int r = -1;
    int k2 = gort::select(gort::case_send(b, -1), gort::case_recv(b, [&](int v) { r = v; }));
    wrong += k1 != 0 || k2 != 1 || r != i;
  }
  if (wrong != 0 && ok) std::snprintf(buf, sizeof buf, "buffered: wrong=%d", wrong);
  ok &= wrong == 0;
  report("same_chan", ok, buf);
}

// ---- types ----

struct empty {};

static void types() {
  bool ok = true;
  gort::chan<int> ci(1);
  gort::chan<std::string> cs(1);
  gort::chan<std::unique_ptr<int>> cu(1);
  gort::chan<empty> ce(1);
  gort::chan<double> cd(1);
  // Receives: put a value in one channel, and the select must take it.
  for (int i = 0; i < 500; i++) {
    int which = i % 5, hit = -1;
    switch (which) {
      case 0: ci.send(i); break;
      case 1: cs.send(std::string(40, 'x') + std::to_string(i)); break;
      case 2: cu.send(std::make_unique<int>(i)); break;
      case 3: ce.send(empty{}); break;
      case 4: cd.send(i + 0.5); break;
    }
    int k = gort::select(gort::case_recv(ci, [&](int v) { hit = v == i ? 0 : 100; }),
                         gort::case_recv(cs, [&](std::string v) { hit = v == std::string(40, 'x') + std::to_string(i) ? 1 : 100; }),
                         gort::case_recv(cu, [&](std::unique_ptr<int> v) { hit = v && *v == i ? 2 : 100; }),
                         gort::case_recv(ce, [&](empty) { hit = 3; }),
                         gort::case_recv(cd, [&](double v) { hit = v == i + 0.5 ? 4 : 100; }));
    ok &= k == which && hit == which;
  }
  // Sends: all have room; exactly the chosen one gets a value; the rvalue
  // unique_ptr is moved from only if its case was chosen; the lvalue string
  // is copied.
  int counts[5] = {};
  for (int i = 0; i < 500; i++) {
    auto p = std::make_unique<int>(i);
    const std::string str = "lvalue" + std::to_string(i);
    int k = gort::select(gort::case_send(ci, i), gort::case_send(cs, str), gort::case_send(cu, std::move(p)),
                         gort::case_send(ce, empty{}), gort::case_send(cd, 0.25));
    ok &= k >= 0 && k < 5 && str == "lvalue" + std::to_string(i);
    if (k < 0 || k >= 5) continue;
    counts[k]++;
    ok &= (p == nullptr) == (k == 2);
    ok &= ci.len() + cs.len() + cu.len() + ce.len() + cd.len() == 1;
    switch (k) {
      case 0: ok &= ci.recv() == i; break;
      case 1: ok &= cs.recv() == str; break;
      case 2: ok &= *cu.recv() == i; break;
      case 3: ce.recv(); break;
      case 4: ok &= cd.recv() == 0.25; break;
    }
  }
  for (int n : counts) ok &= n > 0;  // each chosen sometimes (p of a miss: 5 * 0.8^500)
  report("types", ok);
}

// ---- wake ----

static void wake() {
  bool ok = true;
  gort::chan<int> a(0), b(0), c(0);
  std::atomic<int> k{-2}, val{-1}, rok{-1};
  auto blocked = [&] {
    k = gort::select(gort::case_recv(a, [&](int v) { val = v; }), gort::case_recv(b, [&](int v, bool o) {
                       val = v;
                       rok = o;
                     }),
                     gort::case_send(c, 42));
  };
  // Woken by a sender on b.
  gort::go(blocked);
  settle();
  b.send(5);
  ok &= wait_until([&] { return k != -2; }) && k == 1 && val == 5 && rok == 1;
  // Woken by a receiver on c (its send case).
  k = -2;
  gort::go(blocked);
  settle();
  ok &= c.recv() == 42;
  ok &= wait_until([&] { return k != -2; }) && k == 2;
  // Woken by closing b: receive with ok = false.
  k = -2;
  val = -1;
  gort::go(blocked);
  settle();
  b.close();
  ok &= wait_until([&] { return k != -2; }) && k == 1 && val == 0 && rok == 0;
  // After all that, no stale waiter is left on a or c: a plain send and
  // receive on them find no partner.
  ok &= !a.try_send(1) && !c.try_recv();
  report("wake", ok);
}

// ---- forever ----

static std::atomic<int> started{0}, escaped{0};

static void forever() {
  // Every goroutine of the earlier scenarios ends: wait for that, so the
  // count below is exact.
  bool ok = wait_until([] { return gort::num_goroutine() == 1; });
  gort::go([] {
    started++;
    gort::select();  // select {}
    escaped++;
  });
  gort::go([] {
    started++;
    gort::chan<int> n;
    gort::select(gort::case_recv(n), gort::case_send(n, 1));
    escaped++;
  });
  gort::go([] {
    started++;
    gort::chan<int> n;
    n.recv();
    escaped++;
  });
  gort::go([] {
    started++;
    gort::chan<int> n;
    n.send(1);
    escaped++;
  });
  ok &= wait_until([] { return started == 4; });
  settle(20);
  int n = gort::num_goroutine();
  char buf[96];
  std::snprintf(buf, sizeof buf, "escaped=%d goroutines=%d", escaped.load(), n);
  report("forever", ok && escaped == 0 && n == 5, buf);
  // main returns with them still blocked: the program exits 0.
}

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  fair_recv();
  fair_mixed();
  fair_same();
  index_order();
  handlers();
  default_case();
  nil();
  same_chan();
  types();
  wake();
  forever();
  return fails;
}
