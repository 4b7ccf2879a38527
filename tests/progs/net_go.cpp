// tests/progs/net_go.cpp: Go's own tests of package net and of the
// runtime's poller, ported to <gort/net.hpp> (Go 1.19: src/net and
// src/runtime; the Go function each one ports is named). Go's timing
// retries (timeoutUpperBound, nextTimeout) are left out: what is checked
// is the outcome, never how long it took.
//   tcp_server       TestTCPServer: the table of listen and dial networks
//                    and addresses (wildcards, IPv4-mapped, tcp4/tcp6,
//                    dual stack; the IPv6 rows only where ::1 works), three
//                    goroutines accepting on one listener, each connection
//                    echoed by a transceiver with deadlines set
//   read_timeout     TestReadTimeout: a deadline in the past fails reads
//                    even with data ready; a 50 ms one lets reads through,
//                    then fails them once it has passed
//   readfrom_timeout TestReadFromTimeout, the same on a UDP packet_conn
//   write_timeout    TestWriteTimeout: the same for writes (10 ms)
//   various_deadlines TestVariousDeadlines (Go's short mode: one run of
//                    each timeout up to 500 us; here up to 100 ms): a
//                    client copying from a silent server stops with a
//                    timeout, whatever the deadline
//   close_read       TestCloseRead (tcp, unix, unixpacket): after
//                    close_read, a read returns (0, an error)
//   close_write      TestCloseWrite: after close_write the peer reads
//                    EOF, and a write fails
//   conn_close       TestConnClose: a read after close fails
//   listener_close   TestListenerClose: accept after close fails, and the
//                    port can be dialed no more
//   zero_byte_read   TestZeroByteRead: reading 0 bytes is (0, no error)
//   unblocks_read    TestReadTimeoutUnblocksRead: a read blocked with no
//                    deadline is woken by a deadline set in the past from
//                    another goroutine; TestCloseUnblocksRead: the peer's
//                    close makes it EOF
//   udp_server       TestUDPServer-style: a packet_conn echoes datagrams
//                    from dialed and listening UDP sockets
//   unix_server      TestUnixAndUnixpacketServer: echo over unix and
//                    unixpacket, by path and in the abstract namespace
//   netpoll_deadlock src/runtime TestNetpollDeadlock: a dial during
//                    package init (a static constructor) that fails, then
//                    main prints; no deadlock report
//   netpoll_break    src/runtime TestNetpollBreak (GOMAXPROCS >= 2): a
//                    goroutine blocks in netpoll(10 s) itself; netpollBreak
//                    from another wakes it
//   parallelism      src/runtime testGoroutineParallelism2 with the
//                    netpoller on (GOMAXPROCS=4 for it): four goroutines
//                    that can only finish if all run at once do finish
// Prints "gomaxprocs=N" and one line per scenario; exit status = failures.
#include <gort/gort.hpp>
#include <gort/net.hpp>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/runtime.hpp"
#include "tests/progs/check.hpp"

using namespace std::chrono_literals;
using gort::net::errc;
using progs::report;

namespace {



bool supportsIPv6() {
  auto [ln, err] = gort::net::listen("tcp6", "[::1]:0");
  return !err;
}

// transponder accepts one connection on ln and echoes what it reads once
// (Go: localServer.transponder).
void transponder(gort::net::listener& ln, std::atomic<int>& fails) {
  auto [c, err] = ln.accept();
  if (err) {
    std::printf("FAIL: transponder accept: %s\n", progs::msg(err).c_str());
    fails++;
    return;
  }
  c.set_deadline(progs::clock() + 10s);
  char b[256];
  auto [n, rerr] = c.read(b, sizeof b);
  if (rerr || c.write(b, n).err) {
    std::printf("FAIL: transponder: %s\n", progs::msg(rerr).c_str());
    fails++;
  }
}

// transceiver writes wb and reads it back (Go: transceiver).
bool transceiver(gort::net::conn& c, std::string_view wb) {
  c.set_deadline(progs::clock() + 10s);
  c.set_read_deadline(progs::clock() + 10s);
  c.set_write_deadline(progs::clock() + 10s);
  if (auto [n, err] = c.write(wb); err || n != wb.size()) return false;
  char rb[64];
  auto [n, err] = gort::net::read_full(c, rb, wb.size());
  return !err && std::string_view(rb, n) == wb;
}

void tcp_server() {
  struct {
    const char *snet, *saddr, *tnet, *taddr;
  } tests[] = {
      {"tcp", ":0", "tcp", "127.0.0.1"},
      {"tcp", "0.0.0.0:0", "tcp", "127.0.0.1"},
      {"tcp", "[::ffff:0.0.0.0]:0", "tcp", "127.0.0.1"},
      {"tcp", "[::]:0", "tcp", "::1"},
      {"tcp", ":0", "tcp", "::1"},
      {"tcp", "0.0.0.0:0", "tcp", "::1"},
      {"tcp", "[::ffff:0.0.0.0]:0", "tcp", "::1"},
      {"tcp", "[::]:0", "tcp", "127.0.0.1"},
      {"tcp", ":0", "tcp4", "127.0.0.1"},
      {"tcp", "0.0.0.0:0", "tcp4", "127.0.0.1"},
      {"tcp", "[::ffff:0.0.0.0]:0", "tcp4", "127.0.0.1"},
      {"tcp", "[::]:0", "tcp6", "::1"},
      {"tcp", ":0", "tcp6", "::1"},
      {"tcp", "0.0.0.0:0", "tcp6", "::1"},
      {"tcp", "[::ffff:0.0.0.0]:0", "tcp6", "::1"},
      {"tcp", "[::]:0", "tcp4", "127.0.0.1"},
      {"tcp", "127.0.0.1:0", "tcp", "127.0.0.1"},
      {"tcp", "[::ffff:127.0.0.1]:0", "tcp", "127.0.0.1"},
      {"tcp", "[::1]:0", "tcp", "::1"},
      {"tcp4", ":0", "tcp4", "127.0.0.1"},
      {"tcp4", "0.0.0.0:0", "tcp4", "127.0.0.1"},
      {"tcp4", "[::ffff:0.0.0.0]:0", "tcp4", "127.0.0.1"},
      {"tcp4", "127.0.0.1:0", "tcp4", "127.0.0.1"},
      {"tcp6", ":0", "tcp6", "::1"},
      {"tcp6", "[::]:0", "tcp6", "::1"},
      {"tcp6", "[::1]:0", "tcp6", "::1"},
  };
  bool v6 = supportsIPv6();
  if (!v6) std::printf("tcp_server: no IPv6 here: the ::1 rows are skipped\n");
  int fails = progs::fails, rows = 0;
  for (auto& tt : tests) {
    bool needs6 = std::strchr(tt.taddr, ':') != nullptr || std::strcmp(tt.snet, "tcp6") == 0 ||
                  std::strcmp(tt.saddr, "[::1]:0") == 0;
    if (needs6 && !v6) continue;
    rows++;
    auto [ln, err] = gort::net::listen(tt.snet, tt.saddr);
    CHECK(!err, "listen %s %s: %s", tt.snet, tt.saddr, progs::msg(err).c_str());
    if (err) continue;
    constexpr int N = 3;
    std::atomic<int> tfails{0};
    gort::wait_group wg;
    wg.add(N);
    for (int i = 0; i < N; i++)
      gort::go([&] {
        transponder(ln, tfails);
        wg.done();
      });
    std::string target = std::strchr(tt.taddr, ':') ? "[" + std::string(tt.taddr) + "]" : tt.taddr;
    target += ":" + std::to_string(ln.address().port());
    for (int i = 0; i < N; i++) {
      auto [c, err] = gort::net::dial_timeout(tt.tnet, target, 10s);
      CHECK(!err, "%s %s<-%s %s: dial: %s", tt.snet, tt.saddr, tt.tnet, target.c_str(), progs::msg(err).c_str());
      if (err) continue;
      CHECK(transceiver(c, "TCP SERVER TEST"), "%s %s<-%s: transceiver", tt.snet, tt.saddr, tt.taddr);
    }
    wg.wait();
    CHECK(tfails == 0, "%s %s: transponders failed", tt.snet, tt.saddr);
  }
  report("tcp_server", progs::fails == fails && rows >= 8);
}

// a connected pair over a fresh listener: the dialed end and the accepted one.
struct pair {
  gort::net::listener ln;
  gort::net::conn c, s;
};
pair make_pair(const char* network = "tcp", const char* addr = "127.0.0.1:0") {
  pair p;
  auto [ln, err] = gort::net::listen(network, addr);
  if (err) return p;
  auto [c, derr] = gort::net::dial(network, ln.address().to_string());
  if (derr) return p;
  auto [s, aerr] = ln.accept();
  if (aerr) return p;
  p.ln = std::move(ln);
  p.c = std::move(c);
  p.s = std::move(s);
  return p;
}

void read_timeout() {
  int fails = progs::fails;
  pair p = make_pair();
  CHECK(p.s && p.s.write("READ TIMEOUT TEST").err == std::error_code(), "setup");
  struct {
    std::chrono::milliseconds timeout;
    bool xerrs[2];  // expect a timeout: in transition
  } tests[] = {{-5000ms, {true, true}}, {50ms, {false, true}}};
  for (auto& tt : tests) {
    p.c.set_read_deadline(progs::clock() + tt.timeout);
    char b[1];
    for (bool xerr : tt.xerrs) {
      for (;;) {
        auto [n, err] = p.c.read(b, 1);
        if (xerr) CHECK(err == errc::timeout && gort::net::is_timeout(err), "want timeout, got %s", progs::msg(err).c_str());
        if (!err) {
          gort::sleep(tt.timeout / 3);
          continue;
        }
        CHECK(n == 0, "read %zu; want 0", n);
        break;
      }
    }
  }
  report("read_timeout", progs::fails == fails);
}

void readfrom_timeout() {
  int fails = progs::fails;
  auto [srv, err] = gort::net::listen_packet("udp", "127.0.0.1:0");
  auto [c, err2] = gort::net::listen_packet("udp", "127.0.0.1:0");
  CHECK(!err && !err2, "listen_packet: %s %s", progs::msg(err).c_str(), progs::msg(err2).c_str());
  srv.write_to("READFROM TIMEOUT TEST", 21, c.local_addr());
  struct {
    std::chrono::milliseconds timeout;
    bool xerrs[2];
  } tests[] = {{-5000ms, {true, true}}, {50ms, {false, true}}};
  for (auto& tt : tests) {
    c.set_read_deadline(progs::clock() + tt.timeout);
    char b[64];
    for (bool xerr : tt.xerrs) {
      for (;;) {
        auto r = c.read_from(b, sizeof b);
        if (xerr) CHECK(r.err == errc::timeout, "want timeout, got %s", progs::msg(r.err).c_str());
        if (!r.err) {
          CHECK(r.n == 21 && r.from.to_string() == srv.local_addr().to_string(), "datagram %zu from %s", r.n,
                r.from.to_string().c_str());
          gort::sleep(tt.timeout / 3);
          continue;
        }
        CHECK(r.n == 0, "read %zu; want 0", r.n);
        break;
      }
    }
  }
  report("readfrom_timeout", progs::fails == fails);
}

void write_timeout() {
  int fails = progs::fails;
  auto [ln, lerr] = gort::net::listen("tcp", "127.0.0.1:0");
  struct {
    std::chrono::milliseconds timeout;
    bool xerrs[2];
  } tests[] = {{-5000ms, {true, true}}, {10ms, {false, true}}};
  std::vector<gort::net::conn> keep;
  for (auto& tt : tests) {
    auto [c, err] = gort::net::dial("tcp", ln.address().to_string());
    CHECK(!err, "dial: %s", progs::msg(err).c_str());
    c.set_write_deadline(progs::clock() + tt.timeout);
    for (bool xerr : tt.xerrs) {
      for (;;) {
        auto [n, err] = c.write("WRITE TIMEOUT TEST");
        if (xerr) CHECK(err == errc::timeout, "want timeout, got %s", progs::msg(err).c_str());
        if (!err) {
          gort::sleep(tt.timeout / 3);
          continue;
        }
        CHECK(n == 0, "wrote %zu; want 0", n);
        break;
      }
    }
    keep.push_back(std::move(c));
  }
  report("write_timeout", progs::fails == fails);
}

void various_deadlines() {
  int fails = progs::fails;
  auto [ln, lerr] = gort::net::listen("tcp", "127.0.0.1:0");
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] {
    for (;;) {
      auto [c, err] = ln.accept();
      if (err) break;
      gort::go([](gort::net::conn c) {
        char b[1];
        c.read(b, 1);  // wait for client to close connection
      }, std::move(c));
    }
    wg.done();
  });
  using std::chrono::nanoseconds;
  for (auto timeout : {nanoseconds(1), nanoseconds(2), nanoseconds(5), nanoseconds(50), nanoseconds(100),
                       nanoseconds(200), nanoseconds(500), nanoseconds(750), nanoseconds(1000), nanoseconds(5000),
                       nanoseconds(25000), nanoseconds(250000), nanoseconds(500000), nanoseconds(1000000),
                       nanoseconds(5000000), nanoseconds(100000000)}) {
    auto [c, err] = gort::net::dial("tcp", ln.address().to_string());
    CHECK(!err, "dial: %s", progs::msg(err).c_str());
    if (err) break;
    auto t0 = progs::clock();
    c.set_deadline(t0 + timeout);
    char buf[512];
    std::error_code rerr;
    for (;;) {  // io.Copy(io.Discard, c)
      auto [n, e] = c.read(buf, sizeof buf);
      if (e) {
        rerr = e;
        break;
      }
    }
    CHECK(gort::net::is_timeout(rerr), "%lld ns: copy: %s; want timeout", (long long)timeout.count(),
          progs::msg(rerr).c_str());
  }
  ln.close();
  wg.wait();
  report("various_deadlines", progs::fails == fails);
}

std::string unixpath(const char* tag) {
  return "/tmp/gort-net-go-" + std::to_string(getpid()) + "-" + tag + ".sock";
}

void close_read() {
  int fails = progs::fails;
  for (const char* network : {"tcp", "unix", "unixpacket"}) {
    std::string a = std::strcmp(network, "tcp") == 0 ? "127.0.0.1:0" : unixpath(network);
    auto [ln, err] = gort::net::listen(network, a);
    CHECK(!err, "%s listen: %s", network, progs::msg(err).c_str());
    auto [c, derr] = gort::net::dial(network, ln.address().to_string());
    CHECK(!derr, "%s dial: %s", network, progs::msg(derr).c_str());
    auto cerr = c.close_read();
    CHECK(!cerr, "%s close_read: %s", network, progs::msg(cerr).c_str());
    char b[1];
    auto [n, rerr] = c.read(b, 1);
    CHECK(n == 0 && rerr, "%s: got (%zu, %s); want (0, error)", network, n, progs::msg(rerr).c_str());
  }
  report("close_read", progs::fails == fails);
}

void close_write() {
  int fails = progs::fails;
  for (const char* network : {"tcp", "unix", "unixpacket"}) {
    std::string a = std::strcmp(network, "tcp") == 0 ? "127.0.0.1:0" : unixpath(network);
    auto [ln, err] = gort::net::listen(network, a);
    CHECK(!err, "%s listen: %s", network, progs::msg(err).c_str());
    gort::wait_group wg;
    wg.add(1);
    gort::go([&, network] {
      auto [c, err] = ln.accept();
      CHECK(!err, "%s accept: %s", network, progs::msg(err).c_str());
      c.set_deadline(progs::clock() + 20s);
      char b[1];
      auto [n, rerr] = c.read(b, 1);
      CHECK(n == 0 && rerr == errc::eof, "%s server: got (%zu, %s); want (0, EOF)", network, n, progs::msg(rerr).c_str());
      CHECK(!c.close_write(), "%s server close_write", network);
      auto [m, werr] = c.write(b, 1);
      CHECK(werr, "%s server: write after close_write: got (%zu, nil); want an error", network, m);
      wg.done();
    });
    auto [c, derr] = gort::net::dial(network, ln.address().to_string());
    CHECK(!derr, "%s dial: %s", network, progs::msg(derr).c_str());
    c.set_deadline(progs::clock() + 20s);
    CHECK(!c.close_write(), "%s close_write", network);
    char b[1];
    auto [n, rerr] = c.read(b, 1);
    CHECK(n == 0 && rerr == errc::eof, "%s client: got (%zu, %s); want (0, EOF)", network, n, progs::msg(rerr).c_str());
    auto [m, werr] = c.write(b, 1);
    CHECK(werr, "%s client: write after close_write: got (%zu, nil); want an error", network, m);
    wg.wait();
  }
  report("close_write", progs::fails == fails);
}

void conn_close() {
  int fails = progs::fails;
  for (const char* network : {"tcp", "unix", "unixpacket"}) {
    std::string a = std::strcmp(network, "tcp") == 0 ? "127.0.0.1:0" : unixpath(network);
    auto [ln, err] = gort::net::listen(network, a);
    auto [c, derr] = gort::net::dial(network, ln.address().to_string());
    CHECK(!err && !derr, "%s: %s %s", network, progs::msg(err).c_str(), progs::msg(derr).c_str());
    CHECK(!c.close(), "%s close", network);
    char b[1];
    auto [n, rerr] = c.read(b, 1);
    CHECK(n == 0 && rerr == errc::closed, "%s: got (%zu, %s); want (0, closed)", network, n, progs::msg(rerr).c_str());
    CHECK(c.close() == errc::closed, "%s: second close", network);
  }
  report("conn_close", progs::fails == fails);
}

void listener_close() {
  int fails = progs::fails;
  for (const char* network : {"tcp", "unix", "unixpacket"}) {
    std::string a = std::strcmp(network, "tcp") == 0 ? "127.0.0.1:0" : unixpath(network);
    auto [ln, err] = gort::net::listen(network, a);
    CHECK(!err, "%s listen: %s", network, progs::msg(err).c_str());
    std::string where = ln.address().to_string();
    CHECK(!ln.close(), "%s close", network);
    auto [c, aerr] = ln.accept();
    CHECK(aerr == errc::closed, "%s: accept after close: %s", network, progs::msg(aerr).c_str());
    auto [d, derr] = gort::net::dial(network, where);
    CHECK(derr, "%s: dial after close succeeded", network);
    if (network[0] == 'u') CHECK(access(where.c_str(), F_OK) != 0, "%s: socket file %s left", network, where.c_str());
  }
  report("listener_close", progs::fails == fails);
}

void zero_byte_read() {
  int fails = progs::fails;
  for (const char* network : {"tcp", "unix", "unixpacket"}) {
    std::string a = std::strcmp(network, "tcp") == 0 ? "127.0.0.1:0" : unixpath(network);
    pair p = make_pair(network, a.c_str());
    CHECK(p.c && p.s, "%s setup", network);
    auto [n, err] = p.c.read(nullptr, 0);
    CHECK(n == 0 && !err, "%s: zero byte client read = %zu, %s; want 0, nil", network, n, progs::msg(err).c_str());
    auto [m, serr] = p.s.read(nullptr, 0);
    CHECK(m == 0 && !serr, "%s: zero byte server read = %zu, %s; want 0, nil", network, m, progs::msg(serr).c_str());
  }
  report("zero_byte_read", progs::fails == fails);
}

void unblocks_read() {
  int fails = progs::fails;
  {
    // TestReadTimeoutUnblocksRead
    pair p = make_pair();
    gort::go([&p] {
      gort::sleep(100ms);
      p.s.set_read_deadline(std::chrono::system_clock::from_time_t(123));  // time in the past
    });
    char b[1];
    auto [n, err] = p.s.read(b, 1);
    CHECK(n == 0 && err == errc::timeout, "Read = %zu, %s; want 0, timeout", n, progs::msg(err).c_str());
  }
  {
    // TestCloseUnblocksRead
    pair p = make_pair();
    gort::go([&p] {
      gort::sleep(20ms);
      p.c.close();
    });
    char b[1];
    auto [n, err] = p.s.read(b, 1);
    CHECK(n == 0 && err == errc::eof, "Read = %zu, %s; want 0, EOF", n, progs::msg(err).c_str());
  }
  report("unblocks_read", progs::fails == fails);
}

void udp_server() {
  int fails = progs::fails;
  auto [srv, err] = gort::net::listen_packet("udp", "127.0.0.1:0");
  CHECK(!err, "listen_packet: %s", progs::msg(err).c_str());
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] {  // the transponder: echo 4 datagrams
    char b[256];
    for (int i = 0; i < 4; i++) {
      auto r = srv.read_from(b, sizeof b);
      if (r.err) break;
      srv.write_to(b, r.n, r.from);
    }
    wg.done();
  });
  std::string a = srv.local_addr().to_string();
  for (int i = 0; i < 2; i++) {
    auto [c, err] = gort::net::dial("udp", a);  // connected: read and write
    CHECK(!err, "dial udp: %s", progs::msg(err).c_str());
    c.set_deadline(progs::clock() + 10s);
    CHECK(transceiver(c, "UDP SERVER TEST"), "dialed transceiver");
    auto [pc, perr] = gort::net::listen_packet("udp4", "127.0.0.1:0");  // not connected: write_to, read_from
    CHECK(!perr, "listen_packet udp4: %s", progs::msg(perr).c_str());
    pc.set_deadline(progs::clock() + 10s);
    auto [to, rerr] = gort::net::addr::resolve("udp", a);
    CHECK(!rerr && !pc.write_to("UDP SERVER TEST", 15, to).err, "write_to");
    char b[64];
    auto r = pc.read_from(b, sizeof b);
    CHECK(!r.err && std::string_view(b, r.n) == "UDP SERVER TEST" && r.from.to_string() == a, "read_from: %s from %s",
          progs::msg(r.err).c_str(), r.from.to_string().c_str());
  }
  wg.wait();
  report("udp_server", progs::fails == fails);
}

void unix_server() {
  int fails = progs::fails;
  std::string abstract = "@gort-net-go-" + std::to_string(getpid());
  for (auto [network, a] : {std::pair<const char*, std::string>{"unix", unixpath("server")},
                            {"unixpacket", unixpath("serverp")},
                            {"unix", abstract}}) {
    auto [ln, err] = gort::net::listen(network, a);
    CHECK(!err, "%s %s listen: %s", network, a.c_str(), progs::msg(err).c_str());
    CHECK(ln.address().to_string() == a && ln.address().network() == network, "%s: address %s (%s)", network,
          ln.address().to_string().c_str(), ln.address().network().c_str());
    std::atomic<int> tfails{0};
    gort::wait_group wg;
    wg.add(1);
    gort::go([&] {
      transponder(ln, tfails);
      wg.done();
    });
    auto [c, derr] = gort::net::dial(network, a);
    CHECK(!derr, "%s dial: %s", network, progs::msg(derr).c_str());
    CHECK(transceiver(c, "UNIX SERVER TEST"), "%s transceiver", network);
    wg.wait();
    CHECK(tfails == 0, "%s transponder", network);
  }
  report("unix_server", progs::fails == fails);
}

// TestNetpollDeadlock's program: a dial during package init.
std::string initdial = [] {
  auto [c, err] = gort::net::dial("tcp", "localhost:14356");
  return err ? "error: " + progs::msg(err) : "connected";
}();

void netpoll_deadlock() {
  bool ok = initdial.rfind("error: ", 0) == 0 || initdial == "connected";
  report("netpoll_deadlock", ok, initdial.c_str());
}

void netpoll_break() {
  if (gort::gomaxprocs(0) == 1) {
    report("netpoll_break", true, "(skipped: GOMAXPROCS=1)");
    return;
  }
  using namespace gort::runtime;
  netpollGenericInit();
  gort::chan<bool> c(2);
  gort::go([c] {
    c.send(true);
    // The goroutine blocks its M in netpoll itself, as Go's test does; an
    // M of the scheduler may be in netpoll too, hence the two breaks.
    gList l = netpoll(int64(10) * 1000 * 1000 * 1000);
    (void)l;  // nothing else waits on the poller: l is empty
    c.send(true);
  });
  c.recv();
  auto start = progs::clock();
  bool woke = false;
  // Loop because the break might get eaten by the scheduler.
  while (!woke && progs::clock() - start < 5s) {
    gort::runtime::usleep(100);
    netpollBreak();
    netpollBreak();
    woke = c.try_recv().has_value();
  }
  report("netpoll_break", woke, woke ? "" : "netpollBreak did not interrupt netpoll in 5 s");
}

void parallelism() {
  constexpr int P = 4;
  int old = gort::gomaxprocs(P);
  auto [ln, err] = gort::net::listen("tcp", "localhost:0");  // enable netpoller, affects scheduler behavior
  bool ok = !err;
  for (int attempt = 0; attempt < 3 && ok; attempt++) {
    gort::chan<bool> done(0);
    std::atomic<std::uint32_t> x{0};
    // Spawn P goroutines in a nested fashion just to differ from
    // TestGoroutineParallelism.
    for (int p = 0; p < P / 2; p++)
      gort::go([&, p] {
        for (int p2 = 0; p2 < 2; p2++)
          gort::go([&, p, p2] {
            for (int i = 0; i < 3; i++) {
              std::uint32_t expected = std::uint32_t(P * i + p * 2 + p2);
              while (x.load() != expected) {
              }
              x.store(expected + 1);
            }
            done.send(true);
          });
      });
    for (int p = 0; p < P; p++) done.recv();
  }
  gort::gomaxprocs(old);
  report("parallelism", ok);
}

}  // namespace

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  netpoll_deadlock();
  tcp_server();
  read_timeout();
  readfrom_timeout();
  write_timeout();
  various_deadlines();
  close_read();
  close_write();
  conn_close();
  listener_close();
  zero_byte_read();
  unblocks_read();
  udp_server();
  unix_server();
  netpoll_break();
  parallelism();
  return progs::fails;
}
