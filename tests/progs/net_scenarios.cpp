// tests/progs/net_scenarios.cpp: <gort/net.hpp> and gort::fd, the
// behaviours Go's own tests (net_go.cpp) do not pin down.
//   accept_deadline  a listener's deadline fails accept with errc::timeout;
//                    moved later, accept waits and gets the connection
//   dial_timeout     a dial to a listener whose queue is full (its SYNs are
//                    dropped) gives up with errc::timeout; a negative
//                    timeout fails at once
//   read_deadline    a read blocked with a deadline 500 ms away, moved to
//                    30 s by another goroutine, gets the data sent 1 s in;
//                    a deadline moved later before the read does not fire;
//                    moved to the past, a blocked read fails at once; a
//                    deadline removed (time_point{}) no longer fires
//   write_deadline   a write blocked on a full socket buffer fails with
//                    errc::timeout after part of it went out (the count
//                    says how much); with the deadline moved later and the
//                    peer reading, the next write goes through whole
//   close_blocked    goroutines blocked in read, in write (full buffer)
//                    and in accept all get errc::closed ("use of closed
//                    network connection") when another goroutine closes
//   half_close       the client sends, then close_write; the server reads
//                    to EOF, replies with what it counted, and closes; the
//                    client reads the reply, then EOF
//   fd_pipe          gort::fd: a read on an empty pipe parks until a
//                    writer goroutine writes; deadlines time it out; close
//                    wakes a blocked reader with errc::file_closed; the
//                    writer's close is EOF; the descriptor goes back in
//                    blocking mode (release) as it came; a pipe the libc
//                    hooks put on the poller first is given up by them
//                    when a gort::fd takes it (deadlines work)
//   fd_file          a regular file, which epoll refuses, works in blocking
//                    mode and has no deadlines (errc::no_deadline); an
//                    eventfd parks its reader until written
//   parked_not_threads  200 goroutines blocked reading sockets and pipes
//                    hold no thread each: the process has fewer than 20
//   addresses        Go's address syntax and errors (missing port, too many
//                    colons, brackets, bad ports, unknown networks), and
//                    its String() forms (IPv4-mapped as IPv4, IPv6 with
//                    "::" for the longest zero run); a name from
//                    /etc/hosts looked up (getaddrinfo)
//   eof_after_short_read  the peer writes a little and closes at once
//                    (data and FIN together), 300 times over tcp and unix,
//                    the reader parked before, started after the poller
//                    saw both, or started at once: the read of the
//                    data is short, and the next read must see EOF, not
//                    wait for an edge that will not come (Read skips its
//                    EAGAIN read after a short read, except once the
//                    poller has seen the peer's shutdown)
//   timer_earlier    (GOMAXPROCS >= 2) an M asleep in netpoll until a timer
//                    an hour away is woken (netpollBreak) for a timer 10 ms
//                    away that a goroutine spinning on the other P starts:
//                    only that M can run it, and the spinner waits for it
// Prints "gomaxprocs=N" and one line per scenario; exit status = failures.
#include <gort/gort.hpp>
#include <gort/net.hpp>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <string>
#include <vector>

#include "tests/progs/check.hpp"

using namespace std::chrono_literals;
using gort::net::errc;
using progs::report;

namespace {


struct pair {
  gort::net::listener ln;
  gort::net::conn c, s;
};
pair make_pair() {
  pair p;
  auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
  auto [c, derr] = gort::net::dial("tcp", ln.address().to_string());
  auto [s, aerr] = ln.accept();
  if (err || derr || aerr) std::printf("FAIL: pair: %s %s %s\n", progs::msg(err).c_str(), progs::msg(derr).c_str(), progs::msg(aerr).c_str());
  p.ln = std::move(ln);
  p.c = std::move(c);
  p.s = std::move(s);
  return p;
}

// fill writes to c until its socket buffers (and the peer's) are full: a
// write deadline stops it.
std::size_t fill(gort::net::conn& c) {
  static char junk[1 << 16];
  std::size_t total = 0;
  c.set_write_deadline(progs::clock() + 200ms);
  for (;;) {
    auto [n, err] = c.write(junk, sizeof junk);
    total += n;
    if (err) break;
  }
  c.set_write_deadline(gort::time_point{});
  return total;
}

void accept_deadline() {
  int fails = progs::fails;
  auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
  ln.set_deadline(progs::clock() + 50ms);
  auto [c, aerr] = ln.accept();
  CHECK(aerr == errc::timeout, "accept with a 50 ms deadline: %s", progs::msg(aerr).c_str());
  auto [c2, aerr2] = ln.accept();
  CHECK(aerr2 == errc::timeout, "accept after the deadline: %s", progs::msg(aerr2).c_str());
  ln.set_deadline(progs::clock() + 30s);
  std::string a = ln.address().to_string();
  gort::go([a] {
    gort::sleep(20ms);
    auto [d, err] = gort::net::dial("tcp", a);
    gort::sleep(50ms);  // keep d open until accepted
  });
  auto [c3, aerr3] = ln.accept();
  CHECK(!aerr3, "accept with the deadline moved later: %s", progs::msg(aerr3).c_str());
  ln.set_deadline(gort::time_point{});
  report("accept_deadline", progs::fails == fails);
}

void dial_timeout() {
  int fails = progs::fails;
  // A listener that never accepts, with the shortest queue: once it is
  // full, the kernel drops further SYNs and connect waits for ever.
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  bool setup = bind(s, reinterpret_cast<sockaddr*>(&sa), len) == 0 && listen(s, 0) == 0 &&
               getsockname(s, reinterpret_cast<sockaddr*>(&sa), &len) == 0;
  CHECK(setup, "raw listener");
  std::string a = "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
  std::vector<gort::net::conn> queued;
  std::error_code last;
  for (int i = 0; i < 20; i++) {
    auto [c, err] = gort::net::dial_timeout("tcp", a, 200ms);
    if (err) {
      last = err;
      break;
    }
    queued.push_back(std::move(c));
  }
  CHECK(last == errc::timeout && gort::net::is_timeout(last), "dial to a full queue after %zu: %s", queued.size(),
        progs::msg(last).c_str());
  auto [c, err] = gort::net::dial_timeout("tcp", a, -1s);
  CHECK(err == errc::timeout, "negative timeout: %s", progs::msg(err).c_str());
  close(s);
  report("dial_timeout", progs::fails == fails);
}

void read_deadline() {
  int fails = progs::fails;
  {
    // Moved later while the read is blocked: the data sent after the old
    // deadline arrives. (The mover runs 20 ms in; it would have to be
    // held up for 480 ms for the old deadline to fire first.)
    pair p = make_pair();
    p.c.set_read_deadline(progs::clock() + 500ms);
    gort::go([&p] {
      gort::sleep(20ms);
      p.c.set_read_deadline(progs::clock() + 30s);
      gort::sleep(980ms);
      p.s.write("late");
    });
    char b[8];
    auto [n, err] = p.c.read(b, sizeof b);
    CHECK(!err && std::string_view(b, n) == "late", "read with the deadline moved later: %zu %s", n, progs::msg(err).c_str());
  }
  {
    pair p = make_pair();
    p.c.set_read_deadline(progs::clock() + 300ms);
    p.c.set_read_deadline(progs::clock() + 30s);  // moved later before the read: 300 ms must not fire
    gort::go([&p] {
      gort::sleep(600ms);
      p.s.write("x");
    });
    char b[8];
    auto [n, err] = p.c.read(b, sizeof b);
    CHECK(!err && n == 1, "the old deadline fired: %s", progs::msg(err).c_str());
  }
  {
    pair p = make_pair();
    p.c.set_read_deadline(progs::clock() + 30s);
    gort::go([&p] {
      gort::sleep(20ms);
      p.c.set_read_deadline(progs::clock() - 1s);  // moved to the past: the blocked read fails now
    });
    char b[8];
    auto [n, err] = p.c.read(b, sizeof b);
    CHECK(err == errc::timeout && n == 0, "read with the deadline moved to the past: %s", progs::msg(err).c_str());
    p.c.set_read_deadline(gort::time_point{});  // removed
    gort::go([&p] {
      gort::sleep(50ms);
      p.s.write("y");
    });
    auto [m, err2] = p.c.read(b, sizeof b);
    CHECK(!err2 && m == 1, "read with the deadline removed: %s", progs::msg(err2).c_str());
  }
  report("read_deadline", progs::fails == fails);
}

void write_deadline() {
  int fails = progs::fails;
  pair p = make_pair();
  std::size_t filled = fill(p.c);
  CHECK(filled > 0, "fill");
  static char big[1 << 20];
  p.c.set_write_deadline(progs::clock() + 100ms);
  auto [n, err] = p.c.write(big, sizeof big);
  CHECK(err == errc::timeout && n < sizeof big, "write into full buffers: %zu %s", n, progs::msg(err).c_str());
  // Drain on the other side while writing again with the deadline moved.
  p.c.set_write_deadline(progs::clock() + 30s);
  std::size_t want = filled + n + sizeof big;
  std::atomic<std::size_t> got{0};
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] {
    char b[65536];
    while (got < want) {
      auto [m, err] = p.s.read(b, sizeof b);
      if (err) break;
      got += m;
    }
    wg.done();
  });
  auto [n2, err2] = p.c.write(big, sizeof big);
  CHECK(!err2 && n2 == sizeof big, "write after the deadline moved: %zu %s", n2, progs::msg(err2).c_str());
  wg.wait();
  CHECK(got == want, "read %zu of %zu", got.load(), want);
  report("write_deadline", progs::fails == fails);
}

void close_blocked() {
  int fails = progs::fails;
  pair r = make_pair(), w = make_pair();
  fill(w.c);
  auto [ln, lerr] = gort::net::listen("tcp", "127.0.0.1:0");
  std::error_code rerr, werr, aerr;
  gort::wait_group wg;
  wg.add(3);
  gort::go([&] {
    char b[8];
    rerr = r.c.read(b, sizeof b).err;
    wg.done();
  });
  gort::go([&] {
    static char junk[1 << 16];
    while (!(werr = w.c.write(junk, sizeof junk).err)) {  // until the buffers are full for good
    }
    wg.done();
  });
  gort::go([&] {
    aerr = ln.accept().err;
    wg.done();
  });
  progs::settle(20);  // let them block (the outcome is the same if they have not yet)
  CHECK(!r.c.close() && !w.c.close() && !ln.close(), "close");
  wg.wait();
  CHECK(rerr == errc::closed, "blocked read: %s", progs::msg(rerr).c_str());
  CHECK(werr == errc::closed, "blocked write: %s", progs::msg(werr).c_str());
  CHECK(aerr == errc::closed, "blocked accept: %s", progs::msg(aerr).c_str());
  CHECK(rerr.message() == "use of closed network connection", "message %s", rerr.message().c_str());
  report("close_blocked", progs::fails == fails);
}

void half_close() {
  int fails = progs::fails;
  pair p = make_pair();
  gort::go([&p] {
    std::size_t total = 0;
    char b[4096];
    for (;;) {
      auto [n, err] = p.s.read(b, sizeof b);
      total += n;
      if (err) break;  // EOF
    }
    p.s.write("counted " + std::to_string(total));
    p.s.close();
  });
  std::string data(100000, 'z');
  CHECK(!p.c.write(data).err && !p.c.close_write(), "send, close_write");
  char b[64];
  std::string reply;
  std::error_code err;
  for (;;) {
    auto [n, e] = p.c.read(b, sizeof b);
    reply.append(b, n);
    if (e) {
      err = e;
      break;
    }
  }
  CHECK(reply == "counted 100000" && err == errc::eof, "reply %s, then %s", reply.c_str(), progs::msg(err).c_str());
  report("half_close", progs::fails == fails);
}

bool nonblocking(int fd) { return (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0; }

void fd_pipe() {
  int fails = progs::fails;
  int pfd[2];
  CHECK(pipe2(pfd, O_CLOEXEC) == 0, "pipe");
  int raw = pfd[0];
  gort::fd r(pfd[0]), w(pfd[1]);
  CHECK(nonblocking(raw), "a pollable fd is made non-blocking");
  gort::go([&w] {
    gort::sleep(20ms);
    w.write("through the pipe");
  });
  char b[64];
  auto [n, err] = r.read(b, sizeof b);
  CHECK(!err && std::string_view(b, n) == "through the pipe", "read: %s", progs::msg(err).c_str());
  r.set_read_deadline(progs::clock() + 30ms);
  auto [n2, err2] = r.read(b, sizeof b);
  CHECK(err2 == errc::timeout, "read with a deadline: %s", progs::msg(err2).c_str());
  r.set_read_deadline(gort::time_point{});
  std::error_code cerr;
  gort::wait_group wg;
  wg.add(1);
  gort::go([&] {
    cerr = r.read(b, sizeof b).err;
    wg.done();
  });
  progs::settle(20);
  r.close();
  wg.wait();
  CHECK(cerr == errc::file_closed && cerr.message() == "use of closed file", "read blocked at close: %s",
        progs::msg(cerr).c_str());
  // EOF, and release.
  int p2[2];
  CHECK(pipe2(p2, O_CLOEXEC) == 0, "pipe");
  gort::fd r2(p2[0]);
  close(p2[1]);
  auto [n3, err3] = r2.read(b, sizeof b);
  CHECK(n3 == 0 && err3 == errc::eof, "read after the writer closed: %s", progs::msg(err3).c_str());
  int back = r2.release();
  CHECK(back == p2[0] && !nonblocking(back) && !r2, "release: %d", back);
  close(back);
  // A pipe that the libc hooks have put on the poller (a plain read() that
  // waited), then taken over by a gort::fd: the hooks let go of it, so
  // the gort::fd's own registration succeeds (epoll takes a file once)
  // and it parks and takes deadlines; it is not left in blocking mode.
  int p3[2];
  CHECK(pipe2(p3, O_CLOEXEC) == 0, "pipe");
  gort::go([w = p3[1]] {
    gort::sleep(10ms);
    CHECK(write(w, "x", 1) == 1, "write");
  });
  CHECK(read(p3[0], b, 1) == 1, "a hooked read that waits");
  gort::fd r3(p3[0]);
  CHECK(nonblocking(p3[0]), "taken over from the hooks: made non-blocking");
  std::error_code derr = r3.set_read_deadline(progs::clock() + 20ms);
  CHECK(!derr, "set_read_deadline after the hooks: %s", progs::msg(derr).c_str());
  if (!derr) {  // in blocking mode the read would wait for ever
    auto [n4, err4] = r3.read(b, 1);
    CHECK(err4 == errc::timeout, "read with a deadline after the hooks: %s", progs::msg(err4).c_str());
  }
  close(p3[1]);
  report("fd_pipe", progs::fails == fails);
}

void fd_file() {
  int fails = progs::fails;
  char path[] = "/tmp/gort-net-fd-XXXXXX";
  int f = mkstemp(path);
  CHECK(f >= 0 && write(f, "file contents", 13) == 13 && lseek(f, 0, SEEK_SET) == 0, "temp file");
  unlink(path);
  gort::fd file(f);
  char b[64];
  auto [n, err] = file.read(b, sizeof b);
  CHECK(!err && std::string_view(b, n) == "file contents", "read a file: %s", progs::msg(err).c_str());
  auto [n2, err2] = file.read(b, sizeof b);
  CHECK(n2 == 0 && err2 == errc::eof, "file EOF: %s", progs::msg(err2).c_str());
  auto derr = file.set_read_deadline(progs::clock() + 1s);
  CHECK(derr == errc::no_deadline, "deadline on a file: %s", progs::msg(derr).c_str());
  CHECK(!file.close() && file.close() == errc::file_closed, "close twice");
  // eventfd: the reader parks until a writer goroutine adds to it.
  gort::fd ev(eventfd(0, EFD_CLOEXEC));
  CHECK(bool(ev), "eventfd");
  gort::go([&ev] {
    gort::sleep(20ms);
    std::uint64_t one = 1;
    ev.write(&one, sizeof one);
  });
  std::uint64_t v = 0;
  auto [n3, err3] = ev.read(&v, sizeof v);
  CHECK(!err3 && n3 == 8 && v == 1, "eventfd read: %s", progs::msg(err3).c_str());
  gort::fd bad(-1);
  CHECK(!bad && bad.read(b, 1).err == std::errc::invalid_argument, "an fd from -1");
  report("fd_file", progs::fails == fails);
}

void parked_not_threads() {
  int fails = progs::fails;
  constexpr int N = 100;
  std::vector<pair> socks(N);
  std::vector<gort::fd> pipes;
  std::vector<int> pipew;
  for (auto& p : socks) p = make_pair();
  for (int i = 0; i < N; i++) {
    int pfd[2];
    CHECK(pipe2(pfd, O_CLOEXEC) == 0, "pipe");
    pipes.emplace_back(pfd[0]);
    pipew.push_back(pfd[1]);
  }
  std::atomic<int> done{0}, bad{0};
  for (auto& p : socks)
    gort::go([&] {
      char b;
      if (p.s.read(&b, 1).err) bad++;
      done++;
    });
  for (auto& r : pipes)
    gort::go([&] {
      char b;
      if (r.read(&b, 1).err) bad++;
      done++;
    });
  progs::settle(50);
  int t = progs::threads();
  CHECK(t < 20, "%d threads with %d goroutines blocked", t, 2 * N);
  for (auto& p : socks) p.c.write("a");
  for (int w : pipew) CHECK(write(w, "b", 1) == 1, "write");
  // Wait sleeping, not yielding: at GOMAXPROCS=1 a goroutine that loops on
  // gosched keeps the global run queue non-empty, so findRunnable never
  // reaches its netpoll, and sysmon, which would poll after 10 ms, may be
  // in its deep sleep (it went there while every P was idle; as in Go,
  // only a system call's return or a start of the world wakes it). Go's
  // scheduler does the same: a spinning waiter can starve the poller.
  auto end = progs::clock() + 10s;
  while (done < 2 * N && progs::clock() < end) gort::sleep(1ms);
  CHECK(done == 2 * N, "%d of %d readers done", done.load(), 2 * N);
  CHECK(bad == 0, "%d reads failed", bad.load());
  for (int w : pipew) close(w);
  char detail[64];
  std::snprintf(detail, sizeof detail, "(%d threads)", t);
  report("parked_not_threads", progs::fails == fails, detail);
}

void addresses() {
  int fails = progs::fails;
  struct {
    const char *net, *addr;
    errc want;
  } bad[] = {
      {"tcp", "127.0.0.1", errc::missing_port},      {"tcp", "1:2:3", errc::too_many_colons},
      {"tcp", "[::1", errc::invalid_address},        {"tcp", "[::1]", errc::missing_port},
      {"tcp", "[::1]x:80", errc::missing_port},      {"tcp", "x]:80", errc::invalid_address},
      {"tcp", "127.0.0.1:99999", errc::invalid_port}, {"tcp", "127.0.0.1:http", errc::invalid_port},
      {"tcp", "127.0.0.1:-1", errc::invalid_port},   {"tcp7", "127.0.0.1:80", errc::unknown_network},
      {"tcp4", "[::1]:80", errc::no_suitable_address}, {"tcp6", "127.0.0.1:80", errc::no_suitable_address},
  };
  for (auto& t : bad) {
    auto [c, err] = gort::net::dial(t.net, t.addr);
    CHECK(err == t.want, "dial %s %s: %s; want %s", t.net, t.addr, progs::msg(err).c_str(),
          gort::net::make_error_code(t.want).message().c_str());
  }
  auto [c, err] = gort::net::dial("tcp", "");
  CHECK(err == errc::missing_address, "dial with no address: %s", progs::msg(err).c_str());
  auto [l, lerr] = gort::net::listen("udp", "127.0.0.1:0");
  CHECK(lerr == errc::unknown_network, "listen udp: %s", progs::msg(lerr).c_str());
  auto [pl, plerr] = gort::net::listen_packet("tcp", "127.0.0.1:0");
  CHECK(plerr == errc::unknown_network, "listen_packet tcp: %s", progs::msg(plerr).c_str());
  struct {
    const char *net, *in, *out;
  } forms[] = {
      {"tcp", "127.0.0.1:80", "127.0.0.1:80"},
      {"tcp", "[::ffff:1.2.3.4]:1", "1.2.3.4:1"},
      {"tcp6", "[2001:db8:0:0:1:0:0:1]:80", "[2001:db8::1:0:0:1]:80"},
      {"tcp6", "[2001:0db8:0000:0000:0000:0000:0000:0001]:443", "[2001:db8::1]:443"},
      {"tcp6", "[1:0:2:0:3:0:4:0]:5", "[1:0:2:0:3:0:4:0]:5"},
      {"tcp6", "[::]:0", "[::]:0"},
      {"udp", "localhost:53", "127.0.0.1:53"},
      {"unix", "/tmp/x.sock", "/tmp/x.sock"},
      {"unixgram", "@abstract", "@abstract"},
  };
  for (auto& f : forms) {
    auto [a, err] = gort::net::addr::resolve(f.net, f.in);
    CHECK(!err && a.to_string() == f.out, "resolve %s %s: %s %s; want %s", f.net, f.in, a.to_string().c_str(),
          progs::msg(err).c_str(), f.out);
  }
  auto [a, aerr] = gort::net::addr::resolve("udp", "127.0.0.1:9");
  CHECK(a.network() == "udp" && a.port() == 9, "network %s port %d", a.network().c_str(), a.port());
  auto [ln, err2] = gort::net::listen("tcp", "[::ffff:127.0.0.1]:0");
  CHECK(!err2 && ln.address().to_string().rfind("127.0.0.1:", 0) == 0, "IPv4-mapped listener at %s",
        ln.address().to_string().c_str());
  // A host name other than localhost goes to the flavour's lookup
  // (getaddrinfo): the first IPv4 name of /etc/hosts, if it has one.
  std::string detail = "(no name in /etc/hosts to look up)";
  if (FILE* f = std::fopen("/etc/hosts", "r")) {
    char ip[64], name[256];
    while (std::fscanf(f, "%63s %255s%*[^\n]", ip, name) == 2) {
      if (ip[0] == '#' || std::strchr(ip, ':') != nullptr || std::strcmp(name, "localhost") == 0) continue;
      auto [a, lerr] = gort::net::addr::resolve("tcp4", std::string(name) + ":80");
      CHECK(!lerr && a.to_string() == std::string(ip) + ":80", "resolve %s: %s %s, want %s:80", name,
            a.to_string().c_str(), progs::msg(lerr).c_str(), ip);
      detail = std::string("(looked up ") + name + ")";
      break;
    }
    std::fclose(f);
  }
  report("addresses", progs::fails == fails, detail.c_str());
}

void eof_after_short_read() {
  int fails = progs::fails;
  for (const char* network : {"tcp", "unix"}) {
    std::string a = network[0] == 't' ? "127.0.0.1:0" : "@gort-net-eof-" + std::to_string(getpid());
    auto [ln, err] = gort::net::listen(network, a);
    CHECK(!err, "listen %s: %s", network, progs::msg(err).c_str());
    for (int i = 0; i < 300 && progs::fails == fails; i++) {
      auto [c, derr] = gort::net::dial(network, ln.address().to_string());
      auto [s, aerr] = ln.accept();
      CHECK(!derr && !aerr, "%s: %s %s", network, progs::msg(derr).c_str(), progs::msg(aerr).c_str());
      s.set_read_deadline(progs::clock() + 10s);  // a hang becomes a timeout
      std::string got;
      std::error_code end;
      gort::wait_group wg;
      wg.add(1);
      auto reader = [&] {
        char b[4096];
        for (;;) {
          auto [n, e] = s.read(b, sizeof b);
          got.append(b, n);
          if (e) {
            end = e;
            break;
          }
        }
        wg.done();
      };
      // Three orders: the reader parked first; the reader started after
      // the poller has delivered the edge of data and FIN together (the
      // sleep lets this M's netpoll take it: then no edge is left, and only
      // rdhup says the stream has ended); the reader started at once.
      int order = i % 3;
      if (order == 0) {
        gort::go(reader);
        progs::settle(1);
      }
      c.write("abc");
      c.close();
      if (order == 1) gort::sleep(1ms);
      if (order != 0) gort::go(reader);
      wg.wait();
      CHECK(got == "abc" && end == errc::eof, "%s round %d: read %s, then %s", network, i, got.c_str(),
            progs::msg(end).c_str());
    }
  }
  report("eof_after_short_read", progs::fails == fails);
}

void timer_earlier() {
  if (gort::gomaxprocs(0) < 2) {
    report("timer_earlier", true, "(skipped: GOMAXPROCS=1)");
    return;
  }
  auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");  // the poller is in use
  // A goroutine asleep for an hour: the M that next finds nothing to do
  // sleeps in netpoll until then.
  gort::go([] { gort::sleep(1h); });
  // Spin (no scheduling point: this P stays busy, so sysmon's safety net
  // for timers while every P is idle does not apply) long enough for the
  // other M to be asleep in netpoll.
  auto until = progs::clock() + 100ms;
  while (progs::clock() < until) {
  }
  std::atomic<bool> fired{false};
  auto t = gort::after_func(10ms, [&fired] { fired = true; });
  // The timer is on this P, which never looks at it while we spin: only
  // the sleeping M can run it, if netpollBreak wakes it for the earlier
  // time. Give up after 5 s (it would wait for an hour).
  auto start = progs::clock();
  while (!fired.load() && progs::clock() - start < 5s) {
  }
  report("timer_earlier", fired.load(), fired.load() ? "" : "the timer did not fire in 5 s");
}

}  // namespace

int main() {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  accept_deadline();
  dial_timeout();
  read_deadline();
  write_deadline();
  close_blocked();
  half_close();
  fd_pipe();
  fd_file();
  parked_not_threads();
  addresses();
  eof_after_short_read();
  timer_earlier();
  return progs::fails;
}
