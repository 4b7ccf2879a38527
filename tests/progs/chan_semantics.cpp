// tests/progs/chan_semantics.cpp: what gort::chan<T> promises (gort(3),
// include/gort/chan.hpp), operation by operation. Each scenario prints
// "<name>: ok ..." or "<name>: FAIL ..."; the exit status is the number of
// failures. Run at GOMAXPROCS 1 and 2 by tests/chan/chan_test.cpp.
//   lencap       len and cap of nil, unbuffered and buffered channels as
//                values come and go
//   handles      copies share a channel and compare equal; a moved-from
//                handle is nil; assignment, self-assignment, swap; a
//                channel lives while any copy does
//   nonblocking  try_send/try_recv on nil, unbuffered (with and without a
//                waiting partner), empty, full and closed channels; a failed
//                try_send does not move from its argument
//   closed       a closed buffered channel is drained in order with ok =
//                true, then gives T{} with ok = false at once, every time
//                (recv, recv_ok, recv_opt, try_recv, range-for)
//   fullsender   senders blocked on a full buffered channel: their values
//                join the buffer's tail in order as receivers take the head
//   wakeclose    receivers blocked in recv_ok, recv, range-for and select
//                (unbuffered and buffered) all wake with ok = false on close
//   range        for (v : c) receives every value, in order, and stops at
//                close; over a closed empty channel it does nothing
//   zerosize     an empty struct as element (C++ gives it size 1): done
//                signals, a 1000-slot buffer, close
//   moveonly     std::unique_ptr through unbuffered (the same pointer
//                arrives), buffered, try_send, recv_ok on closed, range-for
//   strings      std::string beyond the small-string buffer through every
//                path; "" from a closed channel
//   counted      a type that counts its constructions and destructions and
//                checks it is never used dead: across every path above, and
//                with values left buffered when the last handle goes (held by
//                main, by a goroutine, closed or not), each object built is
//                destroyed exactly once
//   atexit       printed at exit, after the static destructors of two
//                channels that still hold counted values (one through the
//                only handle of another): every object destroyed once
#include <gort/gort.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/progs/check.hpp"

using progs::fails;
using progs::report;

using progs::settle;
using progs::wait_until;

// ---- lencap ----

static void lencap() {
  bool ok = true;
  gort::chan<int> nilc;
  ok &= nilc.len() == 0 && nilc.cap() == 0;
  gort::chan<int> u(0);
  ok &= u.len() == 0 && u.cap() == 0;
  gort::chan<int> b(10);
  ok &= b.len() == 0 && b.cap() == 10;
  for (int i = 0; i < 7; i++) b.send(i);
  ok &= b.len() == 7 && b.cap() == 10;
  b.recv();
  b.recv();
  ok &= b.len() == 5;
  for (int i = 0; i < 5; i++) b.send(i);  // wraps round the ring
  ok &= b.len() == 10 && b.cap() == 10;
  b.close();
  ok &= b.len() == 10 && b.cap() == 10;  // close keeps the values
  while (b.recv_opt()) {
  }
  ok &= b.len() == 0 && b.cap() == 10;
  report("lencap", ok);
}

// ---- handles ----

static void handles() {
  bool ok = true;
  gort::chan<int> nil1, nil2;
  ok &= !nil1 && nil1 == nil2 && !(nil1 != nil2) && nil1.handle() == nullptr;
  gort::chan<int> a(0), b(0);
  ok &= bool(a) && a != b && !(a == b) && a != nil1;
  gort::chan<int> c = a;  // copy: the same channel
  ok &= c == a && c.handle() == a.handle();
  gort::go([](gort::chan<int> c) { c.send(17); }, c);
  ok &= a.recv() == 17;
  gort::chan<int> d = std::move(c);  // move: c becomes nil
  ok &= !c && d == a;
  c = b;  // copy-assign
  ok &= c == b && c != a;
  c = std::move(d);  // move-assign
  ok &= c == a && !d;
  gort::chan<int>& self = c;
  c = self;  // self copy-assign keeps the channel
  ok &= c == a;
  c = std::move(self);  // self move-assign too
  ok &= c == a;
  std::swap(a, b);
  ok &= c == b && a != c;
  // A channel lives while any copy does: made in a scope, it survives in
  // the goroutine that holds the only handle, and carries a value back.
  gort::chan<gort::chan<int>> reply(1);
  {
    gort::chan<int> inner(1);
    inner.send(99);
    reply.send(inner);
  }
  gort::chan<int> back = reply.recv();
  ok &= back.len() == 1 && back.recv() == 99;
  // A default-constructed handle is nil even after assignments from it.
  gort::chan<int> e(3);
  e = gort::chan<int>();
  ok &= !e && e.cap() == 0;
  report("handles", ok);
}

// ---- nonblocking ----

static void nonblocking() {
  bool ok = true;
  char buf[128] = "";
  int step = 0;
  auto need = [&](bool c) {
    step++;
    if (!c && ok) std::snprintf(buf, sizeof buf, "step %d", step);
    ok &= c;
  };
  // nil: never ready.
  gort::chan<int> nilc;
  need(!nilc.try_send(1));
  need(!nilc.try_recv().has_value());
  // Unbuffered with nobody waiting: neither side is ready.
  gort::chan<int> u(0);
  need(!u.try_send(1));
  need(!u.try_recv().has_value());
  // Unbuffered with a receiver waiting: try_send hands the value over.
  std::atomic<int> got{-1};
  gort::go([&] { got = u.recv(); });
  need(wait_until([&] { return u.try_send(42); }));
  need(wait_until([&] { return got.load() == 42; }));
  // Unbuffered with a sender waiting: try_recv takes its value.
  gort::go([u] { u.send(43); });
  std::optional<gort::received<int>> r;
  need(wait_until([&] { return (r = u.try_recv()).has_value(); }));
  need(r && r->ok && r->value == 43);
  // Buffered: empty, then full.
  gort::chan<int> b(2);
  need(!b.try_recv().has_value());
  need(b.try_send(1) && b.try_send(2));
  need(!b.try_send(3) && b.len() == 2);
  r = b.try_recv();
  need(r && r->ok && r->value == 1);
  need(b.try_send(3));
  r = b.try_recv();
  need(r && r->value == 2);
  r = b.try_recv();
  need(r && r->value == 3);
  need(!b.try_recv().has_value());
  // A failed try_send leaves its argument alone.
  gort::chan<std::unique_ptr<int>> p(1);
  auto x = std::make_unique<int>(5), y = std::make_unique<int>(6);
  need(p.try_send(std::move(x)) && x == nullptr);
  need(!p.try_send(std::move(y)) && y != nullptr && *y == 6);
  gort::chan<std::string> s(0);
  std::string str(100, 's');
  need(!s.try_send(std::move(str)) && str == std::string(100, 's'));
  // Closed: buffered values first, then "closed" at once, repeatedly.
  b.send(7);
  b.close();
  r = b.try_recv();
  need(r && r->ok && r->value == 7);
  for (int i = 0; i < 3; i++) {
    r = b.try_recv();
    need(r && !r->ok && r->value == 0);
  }
  u.close();
  r = u.try_recv();
  need(r && !r->ok && r->value == 0);
  report("nonblocking", ok, buf);
}

// ---- closed ----

static void closed() {
  bool ok = true;
  gort::chan<int> c(5);
  for (int i = 1; i <= 3; i++) c.send(i * 10);
  c.close();
  for (int i = 1; i <= 3; i++) {
    auto [v, rok] = c.recv_ok();
    ok &= rok && v == i * 10;
  }
  for (int i = 0; i < 3; i++) {
    auto [v, rok] = c.recv_ok();
    ok &= !rok && v == 0;
    ok &= c.recv() == 0;
    ok &= !c.recv_opt().has_value();
  }
  int iters = 0;
  for (int v : c) iters += 1 + v;
  ok &= iters == 0;
  // Unbuffered, closed with nobody waiting.
  gort::chan<std::string> s(0);
  s.close();
  auto [sv, sok] = s.recv_ok();
  ok &= !sok && sv.empty();
  // A value received before the close is not lost to it.
  gort::chan<int> u(0);
  gort::go([u] {
    u.send(5);
    u.close();
  });
  auto first = u.recv_ok();
  auto second = u.recv_ok();
  ok &= first.ok && first.value == 5 && !second.ok && second.value == 0;
  report("closed", ok);
}

// ---- fullsender ----

static void fullsender() {
  // cap 2, full with 0 and 1; a goroutine sends 2..39 and blocks on the
  // full buffer again and again. Each receive from a full buffer with a
  // sender waiting takes the head and moves the sender's value to the tail.
  gort::chan<int> c(2);
  c.send(0);
  c.send(1);
  gort::go([c] {
    for (int i = 2; i < 40; i++) c.send(i);
  });
  settle();
  bool ok = c.len() == 2;
  for (int i = 0; i < 40; i++) {
    int v = c.recv();
    ok &= v == i;
    if (i % 3 == 0) settle();  // let the sender block on a full buffer again
  }
  ok &= !c.try_recv().has_value();
  report("fullsender", ok);
}

// ---- wakeclose ----

static void wakeclose() {
  constexpr int K = 8;
  gort::chan<int> u(0), b(4);
  gort::chan<std::string> s(0);
  std::atomic<int> woke{0}, wrong{0}, started{0};
  gort::wait_group wg;
  for (int i = 0; i < K; i++) {
    wg.add(6);
    gort::go([&] {
      started++;
      auto r = u.recv_ok();
      wrong += r.ok || r.value != 0;
      woke++;
      wg.done();
    });
    gort::go([&] {
      started++;
      auto r = b.recv_ok();
      wrong += r.ok || r.value != 0;
      woke++;
      wg.done();
    });
    gort::go([&] {
      started++;
      wrong += u.recv() != 0;
      woke++;
      wg.done();
    });
    gort::go([&] {
      started++;
      for (int v : b) wrong += 1 + v;  // no value is ever sent
      woke++;
      wg.done();
    });
    gort::go([&] {
      started++;
      gort::select(gort::case_recv(u, [&](int v, bool ok) { wrong += ok || v != 0; }),
                   gort::case_recv(b, [&](int v, bool ok) { wrong += ok || v != 0; }));
      woke++;
      wg.done();
    });
    gort::go([&] {
      started++;
      auto r = s.recv_ok();
      wrong += r.ok || !r.value.empty();
      woke++;
      wg.done();
    });
  }
  bool ok = wait_until([&] { return started == 6 * K; });
  settle();
  ok &= woke == 0;  // nothing woke them yet
  u.close();
  b.close();
  s.close();
  wg.wait();
  char buf[96];
  std::snprintf(buf, sizeof buf, "woke=%d wrong=%d", woke.load(), wrong.load());
  report("wakeclose", ok && woke == 6 * K && wrong == 0, buf);
}

// ---- range ----

static void range() {
  bool ok = true;
  for (int cap : {0, 3}) {
    gort::chan<int> c(cap);
    gort::go([c] {
      for (int i = 1; i <= 100; i++) c.send(i);
      c.close();
    });
    int expect = 1;
    for (int v : c) ok &= v == expect++;
    ok &= expect == 101;
  }
  gort::chan<std::string> s(0);
  gort::go([s] {
    s.send("a");
    s.send("bb");
    s.close();
  });
  std::string all;
  for (const std::string& v : s) all += v + ",";
  ok &= all == "a,bb,";
  gort::chan<int> e(1);
  e.close();
  int n = 0;
  for (int v : e) n += 1 + v;
  ok &= n == 0;
  report("range", ok);
}

// ---- zerosize ----

struct empty {};

static void zerosize() {
  bool ok = sizeof(empty) == 1;  // C++ has no zero-size objects
  gort::chan<empty> done(0);
  constexpr int G = 50;
  for (int i = 0; i < G; i++) gort::go([done] { done.send(empty{}); });
  for (int i = 0; i < G; i++) done.recv();
  gort::chan<empty> b(1000);
  for (int i = 0; i < 1000; i++) ok &= b.try_send(empty{});
  ok &= !b.try_send(empty{}) && b.len() == 1000 && b.cap() == 1000;
  b.close();
  int n = 0;
  for (empty e : b) {
    (void)e;
    n++;
  }
  ok &= n == 1000 && !b.recv_ok().ok;
  // Closing a done channel is Go's broadcast.
  gort::chan<empty> stop(0);
  gort::wait_group wg;
  std::atomic<int> stopped{0};
  for (int i = 0; i < G; i++) {
    wg.add(1);
    gort::go([&] {
      stop.recv();
      stopped++;
      wg.done();
    });
  }
  stop.close();
  wg.wait();
  ok &= stopped == G;
  report("zerosize", ok);
}

// ---- moveonly ----

static void moveonly() {
  bool ok = true;
  using up = std::unique_ptr<int>;
  // Unbuffered: the receiver gets the very object the sender made (its
  // address goes ahead on a side channel).
  gort::chan<up> u(0);
  gort::chan<int*> sent(100);
  gort::go([u, sent] {
    for (int i = 0; i < 100; i++) {
      up p = std::make_unique<int>(i);
      sent.send(p.get());
      u.send(std::move(p));
    }
  });
  for (int i = 0; i < 100; i++) {
    up p = u.recv();
    ok &= p != nullptr && *p == i && p.get() == sent.recv();
  }
  // Buffered, wrapping round.
  gort::chan<up> b(3);
  for (int i = 0; i < 10; i++) {
    b.send(std::make_unique<int>(i));
    up p = b.recv();
    ok &= p && *p == i;
  }
  b.send(std::make_unique<int>(1));
  b.send(std::make_unique<int>(2));
  b.close();
  auto r1 = b.recv_ok();
  auto r2 = b.recv_opt();
  auto r3 = b.recv_ok();
  ok &= r1.ok && *r1.value == 1 && r2 && **r2 == 2 && !r3.ok && r3.value == nullptr;
  // try_recv and range-for.
  gort::chan<up> c(4);
  ok &= c.try_send(std::make_unique<int>(7));
  auto t = c.try_recv();
  ok &= t && t->ok && *t->value == 7;
  for (int i = 0; i < 4; i++) c.send(std::make_unique<int>(i));
  c.close();
  int n = 0;
  for (auto& p : c) ok &= p && *p == n++;
  ok &= n == 4;
  report("moveonly", ok);
}

// ---- strings ----

static std::string longstr(int i) { return std::string(64, char('a' + i % 26)) + std::to_string(i); }

static void strings() {
  bool ok = true;
  for (int cap : {0, 1, 7}) {
    gort::chan<std::string> c(cap);
    gort::go([c] {
      for (int i = 0; i < 200; i++) {
        if (i % 2 == 0) {
          c.send(longstr(i));  // rvalue
        } else {
          const std::string s = longstr(i);
          c.send(s);  // lvalue: copied, s unchanged
          if (s != longstr(i)) c.send("lvalue was modified");
        }
      }
      c.close();
    });
    int i = 0;
    for (std::string s : c) ok &= s == longstr(i++);
    ok &= i == 200 && c.recv().empty();
  }
  report("strings", ok);
}

// ---- counted ----

struct counted {
  static inline std::atomic<long> made{0}, gone{0}, bad{0};
  static constexpr std::uint32_t alive = 0xA11CE5, dead = 0xDEADDEAD;
  std::uint32_t magic;
  int v;
  counted() noexcept : counted(0) {}
  explicit counted(int v) noexcept : magic(alive), v(v) { made++; }
  counted(const counted& o) noexcept : magic(alive), v(o.v) {
    if (o.magic != alive) bad++;
    made++;
  }
  counted(counted&& o) noexcept : magic(alive), v(o.v) {
    if (o.magic != alive) bad++;
    o.v = -1;
    made++;
  }
  counted& operator=(const counted&) = delete;
  ~counted() {
    if (magic != alive) bad++;
    magic = dead;
    gone++;
  }
};

static void counted_test() {
  bool ok = true;
  long sum = 0, want = 0;
  std::atomic<int> bad_extra{0}, got9{0};
  {  // buffered values left behind when main drops the only handle
    gort::chan<counted> c(8);
    for (int i = 1; i <= 5; i++) c.send(counted(i));
    sum += c.recv().v + c.recv().v;
  }
  {  // the last handle is a goroutine's, dropped with values buffered
    gort::chan<counted> c(4);
    gort::wait_group wg;
    wg.add(1);
    gort::go([&wg](gort::chan<counted> c) mutable {
      c.send(counted(1));
      c.send(counted(2));
      c = gort::chan<counted>();  // frees the channel and its two values
      wg.done();
    }, std::move(c));
    wg.wait();
  }
  {  // closed with values buffered, then dropped
    gort::chan<counted> c(4);
    c.send(counted(3));
    c.send(counted(4));
    c.close();
    auto [v, rok] = c.recv_ok();
    sum += v.v;
    ok &= rok;
  }
  {  // unbuffered hand-offs and blocked senders on a full buffer
    gort::chan<counted> u(0), b(2);
    gort::wait_group wg;
    wg.add(2);
    gort::go([&] {
      for (int i = 0; i < 100; i++) u.send(counted(i));
      wg.done();
    });
    gort::go([&] {
      for (int i = 0; i < 100; i++) {
        const counted c(i);
        b.send(c);  // lvalue: copied
      }
      wg.done();
    });
    for (int i = 0; i < 100; i++) {
      if (i % 25 == 0) settle();
      counted x = u.recv();
      counted y = b.recv();
      ok &= x.v == i && y.v == i;
    }
    wg.wait();
  }
  {  // try_send, try_recv, recv_ok on closed, blocked receivers woken by close
    gort::chan<counted> c(1);
    ok &= c.try_send(counted(1)) && !c.try_send(counted(2));
    auto t = c.try_recv();
    ok &= t && t->value.v == 1 && !c.try_recv();
    gort::wait_group wg;
    wg.add(3);
    for (int i = 0; i < 3; i++)
      gort::go([&] {
        auto r = c.recv_ok();
        if (r.ok && r.value.v == 9)
          got9++;
        else if (r.ok || r.value.v != 0)
          bad_extra++;
        wg.done();
      });
    settle();
    c.send(counted(9));  // one of them gets it
    c.close();
    wg.wait();
    ok &= got9 == 1;
  }
  {  // select: a send case not chosen, a receive case not chosen
    gort::chan<counted> full(1), empty(1), ready(1);
    full.send(counted(1));
    ready.send(counted(2));
    const counted lv(5);
    int k = gort::select(gort::case_send(full, lv), gort::case_send(full, counted(6)), gort::case_recv(empty),
                         gort::case_recv(ready, [&](counted c) { sum += c.v; }));
    ok &= k == 3;
    k = gort::select(gort::case_send(empty, lv), gort::case_recv(full, [&](counted c) { sum += c.v; }),
                     gort::case_default());
    ok &= k == 0 || k == 1;
    if (k == 1) want += 1;
  }
  {  // a blocked select that a sender completes; then close
    gort::chan<counted> a(0), b(0);
    gort::go([a] { a.send(counted(11)); });
    gort::select(gort::case_recv(a, [&](counted c) { sum += c.v; }), gort::case_recv(b));
    gort::go([b] { b.close(); });
    gort::select(gort::case_recv(a), gort::case_recv(b, [&](counted c, bool rok) { ok &= !rok && c.v == 0; }));
  }
  // Goroutines that ended may still be unwinding their closures, which can
  // hold handles: wait for the counts to settle.
  bool settled = wait_until([] { return counted::made == counted::gone; });
  char buf[128];
  std::snprintf(buf, sizeof buf, "made=%ld gone=%ld bad=%ld extra=%d sum=%ld", counted::made.load(),
                counted::gone.load(), counted::bad.load(), bad_extra.load(), sum);
  want += 1 + 2 + 3 + 2 + 11;
  report("counted", ok && settled && counted::bad == 0 && bad_extra == 0 && counted::made > 400 && sum == want,
         buf);
}

// ---- atexit ----

// At exit the static destructors run in reverse order: first the two
// channels below, which still hold values (one of them holds, as its only
// handle, a channel that holds values), then exit_check, which reports
// whether every counted object has been destroyed exactly once.
struct exit_check {
  ~exit_check() {
    char buf[128];
    std::snprintf(buf, sizeof buf, "made=%ld gone=%ld bad=%ld", counted::made.load(), counted::gone.load(),
                  counted::bad.load());
    report("atexit", counted::made == counted::gone && counted::bad == 0, buf);
  }
};
static exit_check checker;
static gort::chan<counted> leftover;  // nil until main makes it
static gort::chan<gort::chan<counted>> nest;

static void leave_values_for_exit() {
  leftover = gort::chan<counted>(4);
  leftover.send(counted(7));
  leftover.send(counted(8));
  nest = gort::chan<gort::chan<counted>>(1);
  gort::chan<counted> inner(3);
  inner.send(counted(9));
  nest.send(std::move(inner));
}

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  lencap();
  handles();
  nonblocking();
  closed();
  fullsender();
  wakeclose();
  range();
  zerosize();
  moveonly();
  strings();
  counted_test();
  leave_values_for_exit();
  return fails;
}
