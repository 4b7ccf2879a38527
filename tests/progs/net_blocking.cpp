// tests/progs/net_blocking.cpp SCENARIO: unmodified blocking socket code
// (the BSD API, blocking descriptors, one goroutine per connection) runs on
// the network poller through gort's libc hooks: no thread per blocked
// goroutine, and every call means what it means without gort.
//   echo N      N client goroutines and an echo server, all blocking
//               sockets on loopback; byte-exact replies; the process keeps
//               few threads
//   semantics   O_NONBLOCK never appears; SO_RCVTIMEO times a blocking recv
//               out with EAGAIN; a non-blocking socket still says EAGAIN;
//               close while another goroutine is blocked wakes it (EBADF);
//               a full socket buffer blocks the writer until drained
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gort/chan.hpp>
#include <gort/time.hpp>

#include "check.hpp"

using progs::report;

namespace {

// errno, read in a function of its own: compilers keep errno's address
// (the thread's) across a call, and after a call that parked the
// goroutine may have resumed on another thread (gort(7), "THREADS AND
// TLS").
[[gnu::noinline]] int lasterrno() { return errno; }

int listener(sockaddr_in* addr) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(s, 4096) != 0) {
    std::perror("bind/listen");
    std::exit(3);
  }
  socklen_t len = sizeof *addr;
  getsockname(s, reinterpret_cast<sockaddr*>(addr), &len);
  return s;
}

int dialer(const sockaddr_in& addr) {
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(3);
  }
  return c;
}

bool readfull(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return true;
}

void echo(int n) {
  rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  sockaddr_in addr;
  int ls = listener(&addr);
  gort::go([ls] {
    for (;;) {
      int c = accept(ls, nullptr, nullptr);
      if (c < 0) return;
      gort::go([c] {
        char buf[4096];
        for (;;) {
          ssize_t r = read(c, buf, sizeof buf);
          if (r <= 0) break;
          if (write(c, buf, size_t(r)) != r) break;
        }
        close(c);
      });
    }
  });
  std::atomic<int> ok{0}, bad{0};
  std::atomic<int> maxthreads{0};
  gort::wait_group wg;
  // Every client connects and then waits at the gate, so that all n
  // server goroutines are blocked in read at the same time: main counts
  // the threads then (without the hooks, each of them holds one).
  gort::chan<bool> connected(n), gate(0);
  for (int i = 0; i < n; i++) {
    wg.add(1);
    gort::go([&, i] {
      int c = dialer(addr);
      connected.send(true);
      gate.recv();
      // 3 rounds of a message whose bytes depend on (i, round).
      bool good = true;
      for (int round = 0; round < 3 && good; round++) {
        std::string msg(200 + (i * 7 + round) % 1800, '\0');
        for (size_t k = 0; k < msg.size(); k++) msg[k] = char('a' + (i + round + k) % 26);
        if (send(c, msg.data(), msg.size(), 0) != ssize_t(msg.size())) good = false;
        std::string got(msg.size(), '\0');
        if (good && (!readfull(c, got.data(), got.size()) || got != msg)) good = false;
        if (round == 0) {
          int t = progs::threads();
          if (t > maxthreads.load()) maxthreads.store(t);
        }
      }
      close(c);
      (good ? ok : bad).fetch_add(1);
      wg.done();
    });
  }
  for (int i = 0; i < n; i++) connected.recv();
  // The servers reach read soon after the connections exist; give them up
  // to 500 ms (without the hooks, until more than 64 threads are seen).
  for (int k = 0; k < 50 && maxthreads.load() <= 64; k++) {
    gort::sleep(std::chrono::milliseconds(10));
    int t = progs::threads();
    if (t > maxthreads.load()) maxthreads.store(t);
  }
  gate.close();
  wg.wait();
  char d[96];
  std::snprintf(d, sizeof d, "ok=%d bad=%d maxthreads=%d", ok.load(), bad.load(), maxthreads.load());
  report("echo_on_blocking_sockets", ok.load() == n && bad.load() == 0 && maxthreads.load() <= 64, d);
}

void semantics() {
  sockaddr_in addr;
  int ls = listener(&addr);
  int c = dialer(addr);
  int s = accept(ls, nullptr, nullptr);

  // SO_RCVTIMEO: a blocking recv times out with EAGAIN, after about the
  // timeout; the flags never show O_NONBLOCK.
  timeval tv{0, 100000};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::int64_t t0 = progs::now_ns();
  char b;
  ssize_t r = recv(s, &b, 1, 0);
  int e = lasterrno();
  double ms = double(progs::now_ns() - t0) / 1e6;
  char d[96];
  std::snprintf(d, sizeof d, "r=%zd errno=%d after %.0f ms", r, e, ms);
  report("rcvtimeo_times_out", r == -1 && e == EAGAIN && ms >= 90, d);
  report("flags_unchanged", (fcntl(s, F_GETFL) & O_NONBLOCK) == 0 && (fcntl(c, F_GETFL) & O_NONBLOCK) == 0);

  // A non-blocking socket still says EAGAIN at once.
  fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
  r = recv(s, &b, 1, 0);
  report("nonblocking_says_eagain", r == -1 && lasterrno() == EAGAIN);
  fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK);
  tv = timeval{0, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  // Data after a blocked read: the reader wakes with it.
  gort::chan<long> got(1);
  gort::go([&] { got.send(long(recv(s, &b, 1, 0))); });
  gort::sleep(std::chrono::milliseconds(50));
  if (send(c, "z", 1, 0) != 1) std::exit(3);
  report("blocked_reader_gets_data", got.recv() == 1 && b == 'z');

  // close while another goroutine is blocked in a read of the same fd.
  gort::chan<int> err(1);
  gort::go([&] {
    ssize_t rr = read(s, &b, 1);
    err.send(rr < 0 ? lasterrno() : 0);
  });
  gort::sleep(std::chrono::milliseconds(50));
  close(s);
  e = err.recv();
  std::snprintf(d, sizeof d, "errno=%d", e);
  report("close_wakes_a_blocked_reader", e == EBADF, d);

  // A writer blocks while the peer's buffer is full, and finishes when the
  // peer drains it: the write of a blocking socket writes all.
  int c2 = dialer(addr);
  int s2 = accept(ls, nullptr, nullptr);
  int small = 4096;
  setsockopt(c2, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
  setsockopt(s2, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::vector<char> big(1 << 20, 'q');
  gort::chan<long> wrote(1);
  gort::go([&] { wrote.send(long(write(c2, big.data(), big.size()))); });
  gort::sleep(std::chrono::milliseconds(50));
  long total = 0;
  std::vector<char> sink(65536);
  while (total < long(big.size())) {
    ssize_t rr = read(s2, sink.data(), sink.size());
    if (rr <= 0) break;
    total += rr;
  }
  report("full_buffer_blocks_then_writes_all", wrote.recv() == long(big.size()) && total == long(big.size()));
}

}  // namespace

int main(int argc, char** argv) {
  std::string s = argc > 1 ? argv[1] : "";
  if (s == "echo") echo(argc > 2 ? std::atoi(argv[2]) : 1000);
  else if (s == "semantics") semantics();
  else {
    std::fprintf(stderr, "usage: net_blocking echo [N] | semantics\n");
    return 2;
  }
  return progs::fails == 0 ? 0 : 1;
}
