// tests/net/serve_test.cpp: the network examples (examples/echo_server,
// http_hello, echo_client, built by make into build/examples/) run as
// servers, at GOMAXPROCS 1 and 2, against real clients: echo_client (a
// separate gort program checking every byte), curl, plain-socket clients
// in this process (pipelining, Connection: close, errors), and
// tests/progs/net_bsdclient.cpp (blocking BSD socket code in goroutines).
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <regex>
#include <thread>

#include "harness.hpp"
#include "sanitize.hpp"
#include "skip.hpp"

TestSuite(serve, .timeout = 400);

namespace {

// The examples of the flavour under test (build/examples/nolibc/ for the
// nolibc run).
std::string example(const std::string& name) {
  return test_dir() + "/../examples/" + (flavour() == "nolibc" ? "nolibc/" : "") + name;
}

// server runs an example server on 127.0.0.1:0 in the background and
// reads the address it listens on from its first line; it is killed when
// the object goes.
struct server {
  pid_t pid = -1;
  std::string addr;
  std::string errfile;

  server(const std::string& name, int procs) {
    errfile = "/tmp/gort-serve-" + std::to_string(getpid()) + "-" + name + ".err";
    int o[2];
    if (pipe2(o, O_CLOEXEC) != 0) std::abort();
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; e++)
      if (std::strncmp(*e, "GOMAXPROCS=", 11) != 0) env.push_back(*e);
    env.push_back("GOMAXPROCS=" + std::to_string(procs));
    std::vector<char*> ev;
    for (auto& s : env) ev.push_back(s.data());
    ev.push_back(nullptr);
    std::string bin = example(name), listen = "127.0.0.1:0";
    char* argv[] = {bin.data(), listen.data(), nullptr};
    pid = fork();
    if (pid == 0) {
      dup2(o[1], 1);
      int e = open(errfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(e, 2);
      execve(argv[0], argv, ev.data());
      _exit(127);
    }
    close(o[1]);
    std::string line;
    pollfd p{o[0], POLLIN, 0};
    char c;
    while (line.find('\n') == std::string::npos && poll(&p, 1, 30000) == 1 && read(o[0], &c, 1) == 1) line += c;
    close(o[0]);
    std::smatch m;
    if (std::regex_search(line, m, std::regex("listening on (\\S+)"))) addr = m[1];
  }
  ~server() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    unlink(errfile.c_str());
  }
  std::string err() const {
    std::ifstream f(errfile);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  bool alive() const { return waitpid(pid, nullptr, WNOHANG) == 0; }
  // How many threads it has now (0 if it is gone).
  int threads() const {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(f, line);)
      if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
    return 0;
  }
  // The CPU time it has used, in clock ticks (utime + stime).
  long ticks() const {
    std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(f)), {});
    std::istringstream in(s.substr(s.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; i++) {
      if (i == 14) utime = std::stol(field);
      if (i == 15) stime = std::stol(field);
    }
    return utime + stime;
  }
};

// dialraw connects a plain blocking socket to addr ("a.b.c.d:port").
int dialraw(const std::string& addr) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  size_t colon = addr.rfind(':');
  inet_pton(AF_INET, addr.substr(0, colon).c_str(), &sa.sin_addr);
  sa.sin_port = htons(std::uint16_t(std::stoi(addr.substr(colon + 1))));
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{30, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(s);
    return -1;
  }
  return s;
}

// readall reads until EOF (or an error, or the 30 s receive timeout).
std::string readall(int s) {
  std::string out;
  char b[4096];
  for (ssize_t n; (n = recv(s, b, sizeof b, 0)) > 0;) out.append(b, size_t(n));
  return out;
}

const std::string kHello = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Type: text/plain\r\n\r\nhello\n";

std::string repeat(const std::string& s, int n) {
  std::string r;
  for (int i = 0; i < n; i++) r += s;
  return r;
}

}  // namespace

// 10,000 connections open at once, every byte of every echo checked by
// echo_client; then fewer connections with larger messages. Each program
// raises its RLIMIT_NOFILE itself. The server's threads, sampled every
// 2 ms meanwhile: GOMAXPROCS Ms, sysmon and a spare or two, not one per
// connection (measured: 2 at GOMAXPROCS=1, 4 at 2).
Test(serve, echo_ten_thousand_connections) {
  SKIP_UNDER_TSAN("TSan allows 8128 threads and fibers alive at once: 10,000 connections are 10,000 goroutines");
  for (int procs : {1, 2}) {
    server s("echo_server", procs);
    cr_assert(!s.addr.empty(), "echo_server GOMAXPROCS=%d did not start: %s", procs, s.err().c_str());
    std::atomic<bool> stop{false};
    std::atomic<int> maxthreads{0};
    std::thread sampler([&] {
      while (!stop) {
        maxthreads = std::max(maxthreads.load(), s.threads());
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    });
    for (auto args : {std::vector<std::string>{"-c", "10000", "-n", "2", "-s", "100"},
                      std::vector<std::string>{"-c", "50", "-n", "20", "-s", "20000"}}) {
      std::vector<std::string> argv = {example("echo_client"), s.addr};
      argv.insert(argv.end(), args.begin(), args.end());
      result r = run(argv, nullptr, 180);
      if (!(r.exited && r.status == 0 && contains(r.out, "all match"))) {
        stop = true;
        sampler.join();
      }
      cr_assert(r.exited && r.status == 0 && contains(r.out, "all match"), "echo_client %s at GOMAXPROCS=%d: %s\n%s",
                args[1].c_str(), procs, show(r).c_str(), s.err().c_str());
    }
    stop = true;
    sampler.join();
    cr_assert(s.alive(), "echo_server died: %s", s.err().c_str());
    cr_assert_leq(maxthreads.load(), procs + 3, "GOMAXPROCS=%d: echo_server had %d threads for 10,000 connections",
                  procs, maxthreads.load());
  }
}

// A server with nothing to do, with a client connected and idle, burns no
// CPU: its M sleeps in epoll_wait and sysmon in its deep sleep; and it is
// not a deadlock (a goroutine waiting in the poller is not asleep for
// good): it is alive and answers after the second.
Test(serve, idle_server_uses_no_cpu_and_is_no_deadlock) {
  for (int procs : {1, 2}) {
    server s("echo_server", procs);
    cr_assert(!s.addr.empty(), "echo_server did not start: %s", s.err().c_str());
    int c = dialraw(s.addr);
    cr_assert(c >= 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // past start-up
    long t0 = s.ticks();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    long used = s.ticks() - t0;
    // A clock tick is 10 ms: busy polling would take ~100 of them.
    cr_assert_leq(used, 3, "GOMAXPROCS=%d: an idle server used %ld clock ticks in 1 s", procs, used);
    cr_assert(s.alive(), "GOMAXPROCS=%d: the idle server exited: %s", procs, s.err().c_str());
    cr_assert(!contains(s.err(), "deadlock"), "%s", s.err().c_str());
    cr_assert(send(c, "ping", 4, 0) == 4);
    char b[4] = {};
    cr_assert(recv(c, b, 4, MSG_WAITALL) == 4 && std::memcmp(b, "ping", 4) == 0, "no echo after the idle second");
    close(c);
  }
}

// curl, over one keep-alive connection for two requests.
Test(serve, http_hello_with_curl) {
  if (sh("command -v curl").empty()) SKIP("curl is not installed (scripts/install-deps installs it)");
  for (int procs : {1, 2}) {
    server s("http_hello", procs);
    cr_assert(!s.addr.empty(), "http_hello did not start: %s", s.err().c_str());
    std::string url = "http://" + s.addr + "/";
    result r = run({"/bin/sh", "-c", "curl -sS --max-time 30 -w '[%{http_code} %{num_connects}]' " + url + " " + url});
    cr_assert_eq(r.out, "hello\n[200 1]hello\n[200 0]", "curl: %s", show(r).c_str());
    r = run({"/bin/sh", "-c", "curl -sS --max-time 30 -I " + url});
    cr_assert(contains(r.out, "HTTP/1.1 200 OK") && contains(r.out, "Content-Length: 6"), "curl -I: %s",
              show(r).c_str());
  }
}

// Pipelining: 200 requests in one write, then 200 more sent one byte at
// a time (every split point), then requests that end the connection:
// every response in order, byte for byte.
Test(serve, http_hello_pipelining_and_connection_close) {
  for (int procs : {1, 2}) {
    server s("http_hello", procs);
    cr_assert(!s.addr.empty(), "http_hello did not start: %s", s.err().c_str());
    const std::string req = "GET /x HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n";
    int c = dialraw(s.addr);
    std::string all = repeat(req, 200);
    cr_assert(send(c, all.data(), all.size(), 0) == ssize_t(all.size()));
    for (char ch : all) cr_assert(send(c, &ch, 1, 0) == 1);
    const std::string last = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    cr_assert(send(c, last.data(), last.size(), 0) == ssize_t(last.size()));
    std::string got = readall(c);  // the server closes after the last one
    close(c);
    cr_assert(got == repeat(kHello, 401), "GOMAXPROCS=%d: %zu bytes back, want %zu", procs, got.size(),
              401 * kHello.size());
    struct {
      std::string req, want;
    } ends[] = {
        {"GET / HTTP/1.0\r\n\r\n", kHello},
        {"GET / HTTP/1.1\r\nconnection: Close\r\n\r\nGET / HTTP/1.1\r\n\r\n", kHello},
        {"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
         "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
        {"GET /" + std::string(5000, 'a'),
         "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
    };
    for (auto& e : ends) {
      int c = dialraw(s.addr);
      cr_assert(send(c, e.req.data(), e.req.size(), 0) == ssize_t(e.req.size()));
      std::string got = readall(c);
      close(c);
      cr_assert_eq(got, e.want, "request %.40s...", e.req.c_str());
    }
  }
}

// Blocking BSD socket code in 100 goroutines (tests/progs/net_bsdclient):
// 20 keep-alive requests each, every byte checked.
Test(serve, http_hello_with_blocking_bsd_clients) {
  for (int procs : {1, 2}) {
    server s("http_hello", procs);
    cr_assert(!s.addr.empty(), "http_hello did not start: %s", s.err().c_str());
    result r = runp("pie-O2", "net_bsdclient", 2, {s.addr, "100", "20"}, {}, 120);
    cr_assert(r.exited && r.status == 0 && contains(r.out, "requests: 2000 ok"), "%s", show(r).c_str());
  }
}

// The same code in 1,000 goroutines at GOMAXPROCS=2 runs on a handful of
// threads: each recv that would block parks its goroutine on the poller
// instead of holding an M (issue 15, part 3: the hooks of
// runtime/syscall_linux.cpp wait in netpoll). Without that
// (GODEBUG=syscallhook=0) every blocked recv holds its thread until sysmon
// takes the P (retakeblocked): maxthreads 14-126 here, 672 before part 3;
// with it, 4 (two Ms with Ps, sysmon, one spare).
Test(serve, blocking_bsd_code_in_1000_goroutines_on_2_ms) {
  server s("http_hello", 2);
  cr_assert(!s.addr.empty(), "http_hello did not start: %s", s.err().c_str());
  result r = runp("pie-O2", "net_bsdclient", 2, {s.addr, "1000", "10"}, {}, 180);
  cr_assert(r.exited && r.status == 0 && contains(r.out, "requests: 10000 ok"), "%s", show(r).c_str());
  std::smatch m;
  cr_assert(std::regex_search(r.out, m, std::regex("maxthreads=(\\d+)")), "%s", r.out.c_str());
  // GOMAXPROCS Ms, sysmon, and a few spare: not one per goroutine.
  cr_assert_leq(std::stoi(m[1]), 8, "%s", r.out.c_str());
}
