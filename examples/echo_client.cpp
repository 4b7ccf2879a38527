// examples/echo_client.cpp: a concurrent client for echo_server that checks
// every byte. It opens -c connections (all of them open at the same time
// before any data moves), and on each one a writer goroutine sends -n
// messages of -s bytes, a pattern unique to the connection and the
// message, then half-closes; the connection's own goroutine reads the echo
// back, compares each byte, and then expects the end of the stream.
//
//   $ ./echo_client 127.0.0.1:7000 -c 10000 -n 4 -s 1000
//   echo_client: 10000 connections, 4 messages of 1000 bytes each: 40000000 bytes echoed, all match
#include <gort/gort.hpp>
#include <gort/net.hpp>
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static int conns = 100, msgs = 10, size = 100;
static std::atomic<long> failures{0}, echoed{0};

// The byte at offset k of message m on connection i.
static unsigned char pattern(int i, int m, int k) { return static_cast<unsigned char>((i * 7 + m * 13 + k) % 251); }

static void fail(int i, const char* what, const std::error_code& err) {
  if (failures.fetch_add(1) < 10)
    std::fprintf(stderr, "echo_client: connection %d: %s: %s\n", i, what, err.message().c_str());
}

// client runs connection i: dial, wait for start to be closed, then
// write and read back.
static void client(int i, const std::string& addr, gort::wait_group& dialed, gort::chan<int> start,
                   gort::chan<int> dials, gort::wait_group& done) {
  dials.send(0);  // at most cap(dials) dials at a time (the listen backlog)
  auto [c, err] = gort::net::dial_timeout("tcp", addr, std::chrono::seconds(30));
  dials.recv();
  dialed.done();
  if (err) {
    fail(i, "dial", err);
    done.done();
    return;
  }
  start.recv_ok();  // every connection is open
  gort::wait_group wrote;
  wrote.add(1);
  gort::go([&c, &wrote, i] {
    std::vector<unsigned char> m(size_t(size), 0);
    for (int j = 0; j < msgs; j++) {
      for (int k = 0; k < size; k++) m[size_t(k)] = pattern(i, j, k);
      if (auto [n, err] = c.write(m.data(), m.size()); err) {
        fail(i, "write", err);
        break;
      }
    }
    if (auto err = c.close_write(); err) fail(i, "close_write", err);
    wrote.done();
  });
  std::vector<unsigned char> got(size_t(size), 0);
  bool ok = true;
  for (int j = 0; j < msgs && ok; j++) {
    auto [n, err] = gort::net::read_full(c, got.data(), got.size());
    if (err) {
      fail(i, "read", err);
      ok = false;
      break;
    }
    for (int k = 0; k < size; k++)
      if (got[size_t(k)] != pattern(i, j, k)) {
        if (failures.fetch_add(1) < 10)
          std::fprintf(stderr, "echo_client: connection %d: message %d byte %d: got %d, want %d\n", i, j, k,
                       got[size_t(k)], pattern(i, j, k));
        ok = false;
        break;
      }
    echoed.fetch_add(long(n));
  }
  char extra;
  if (auto [n, err] = c.read(&extra, 1); ok && err != gort::net::errc::eof) fail(i, "want EOF after the echo", err);
  if (!ok) c.close();  // the writer may be blocked: this wakes it
  wrote.wait();
  done.done();
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: echo_client HOST:PORT [-c connections] [-n messages] [-s size]\n");
    return 2;
  }
  std::string addr = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    int v = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "-c") == 0)
      conns = v;
    else if (std::strcmp(argv[i], "-n") == 0)
      msgs = v;
    else if (std::strcmp(argv[i], "-s") == 0)
      size = v;
    else
      return std::fprintf(stderr, "echo_client: unknown flag %s\n", argv[i]), 2;
  }
  if (conns < 1 || msgs < 0 || size < 1) return std::fprintf(stderr, "echo_client: bad numbers\n"), 2;
  // One descriptor per connection.
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rlim_t(conns) + 64) {
    rl.rlim_cur = std::max(rl.rlim_max, rlim_t(conns) + 64);
    rl.rlim_max = std::max(rl.rlim_max, rl.rlim_cur);
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {  // not root: as far as the hard limit goes
      getrlimit(RLIMIT_NOFILE, &rl);
      rl.rlim_cur = rl.rlim_max;
      setrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  gort::wait_group dialed, done;
  gort::chan<int> start(0), dials(512);
  dialed.add(conns);
  done.add(conns);
  for (int i = 0; i < conns; i++) gort::go(client, i, addr, std::ref(dialed), start, dials, std::ref(done));
  dialed.wait();
  start.close();
  done.wait();
  if (failures.load() != 0) {
    std::fprintf(stderr, "echo_client: %ld failures\n", failures.load());
    return 1;
  }
  std::printf("echo_client: %d connections, %d messages of %d bytes each: %ld bytes echoed, all match\n", conns, msgs,
              size, echoed.load());
  return 0;
}
