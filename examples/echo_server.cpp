// examples/echo_server.cpp: a TCP echo server written the Go way: one
// goroutine per connection, reading what its client sends and writing it
// back, in straight-line code. The goroutines park on the network poller
// while they wait, not on threads: 10,000 clients need no more threads
// than GOMAXPROCS.
//
//   $ gort-c++ -O2 examples/echo_server.cpp -o echo_server && ./echo_server 127.0.0.1:7000
//   $ gort-c++ -O2 examples/echo_client.cpp -o echo_client && ./echo_client 127.0.0.1:7000 -c 1000
#include <gort/gort.hpp>
#include <gort/net.hpp>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

// echo serves one client until it closes its side (a read returns
// errc::eof) or the connection fails; the conn closes when echo returns.
static void echo(gort::net::conn c) {
  char buf[4096];
  for (;;) {
    auto [n, err] = c.read(buf, sizeof buf);
    if (err) return;
    if (c.write(buf, n).err) return;
  }
}

int main(int argc, char** argv) {
  const char* addr = argc > 1 ? argv[1] : "127.0.0.1:7000";
  // One descriptor per client: allow as many as the hard limit (Go 1.19
  // does this at start).
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  auto [ln, err] = gort::net::listen("tcp", addr);
  if (err) {
    std::fprintf(stderr, "echo_server: listen %s: %s\n", addr, err.message().c_str());
    return 1;
  }
  std::printf("echo_server: listening on %s\n", ln.address().to_string().c_str());
  std::fflush(stdout);
  auto backoff = std::chrono::milliseconds(0);
  for (;;) {
    auto [c, err] = ln.accept();
    if (err == std::errc::too_many_files_open || err == std::errc::too_many_files_open_in_system) {
      // Out of descriptors: wait for some clients to go, as Go's
      // http.Server does (5 ms, doubling, at most 1 s).
      backoff = backoff.count() == 0 ? std::chrono::milliseconds(5) : std::min(2 * backoff, std::chrono::milliseconds(1000));
      gort::sleep(backoff);
      continue;
    }
    if (err) {
      std::fprintf(stderr, "echo_server: accept: %s\n", err.message().c_str());
      return 1;
    }
    backoff = std::chrono::milliseconds(0);
    gort::go(echo, std::move(c));
  }
}
