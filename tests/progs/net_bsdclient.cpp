// tests/progs/net_bsdclient.cpp: unmodified blocking socket code in many
// goroutines: a tiny HTTP/1.1 client written against the BSD API (socket,
// connect, send, recv on blocking sockets, as any C library would), run in
// G goroutines, each making R keep-alive requests to ADDR (http_hello) and
// checking every byte of every response. None of it knows about gort: the
// calls bind to gort's libc hooks (gort(7), "SYSTEM CALLS"), which make a
// call that would block wait without holding the M.
//
// Prints the most threads the process had at once (sampled every 2 ms),
// then "requests: N ok" or FAIL lines; exit status 1 on any failure.
//
//   usage: net_bsdclient HOST:PORT GOROUTINES REQUESTS
#include <gort/gort.hpp>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

const char kRequest[] = "GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: net_bsdclient\r\n\r\n";
const char kResponse[] = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Type: text/plain\r\n\r\nhello\n";

std::atomic<long> ok{0}, failed{0};

void fail(int g, const char* what) {
  if (failed.fetch_add(1) < 10) std::printf("FAIL: goroutine %d: %s (errno %d)\n", g, what, errno);
}

// client: plain blocking socket code.
void client(int g, sockaddr_in sa, int requests) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return fail(g, "socket");
  int one = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(s, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(s);
    return fail(g, "connect");
  }
  char buf[sizeof kResponse];
  for (int r = 0; r < requests; r++) {
    for (size_t sent = 0; sent < sizeof kRequest - 1;) {
      ssize_t n = send(s, kRequest + sent, sizeof kRequest - 1 - sent, 0);
      if (n <= 0) {
        close(s);
        return fail(g, "send");
      }
      sent += size_t(n);
    }
    size_t got = 0;
    while (got < sizeof kResponse - 1) {
      ssize_t n = recv(s, buf + got, sizeof kResponse - 1 - got, 0);
      if (n <= 0) {
        close(s);
        return fail(g, n == 0 ? "recv: EOF" : "recv");
      }
      got += size_t(n);
    }
    if (std::memcmp(buf, kResponse, sizeof kResponse - 1) != 0) {
      close(s);
      return fail(g, "response differs");
    }
    ok++;
  }
  close(s);
}

// (open and read, not <fstream>: the nolibc flavour has no file streams.)
int threads() {
  int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::string st;
  char b[4096];
  for (long n; (n = read(fd, b, sizeof b)) > 0;) st.append(b, std::size_t(n));
  close(fd);
  std::size_t at = st.find("\nThreads:");
  return at == std::string::npos ? -1 : std::atoi(st.c_str() + at + 9);
}

// A dotted-quad IPv4 address (inet_pton(AF_INET), which the nolibc flavour
// does not have).
bool parse4(const std::string& s, in_addr* out) {
  unsigned char b[4];
  std::size_t i = 0;
  for (int k = 0; k < 4; k++) {
    if (k > 0 && (i >= s.size() || s[i++] != '.')) return false;
    int v = 0, digits = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 3; i++, digits++) v = v * 10 + (s[i] - '0');
    if (digits == 0 || v > 255) return false;
    b[k] = (unsigned char)v;
  }
  if (i != s.size()) return false;
  std::memcpy(out, b, 4);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: net_bsdclient HOST:PORT GOROUTINES REQUESTS\n");
    return 2;
  }
  std::string addr = argv[1];
  int G = std::atoi(argv[2]), R = std::atoi(argv[3]);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  size_t colon = addr.rfind(':');
  if (colon == std::string::npos || !parse4(addr.substr(0, colon), &sa.sin_addr)) {
    std::fprintf(stderr, "net_bsdclient: want an IPv4 HOST:PORT\n");
    return 2;
  }
  sa.sin_port = htons(std::uint16_t(std::atoi(addr.c_str() + colon + 1)));
  std::atomic<bool> done{false};
  std::atomic<int> maxthreads{0};
  gort::wait_group sampler;
  sampler.add(1);
  gort::go([&] {
    while (!done) {
      int t = threads();
      if (t > maxthreads) maxthreads = t;
      gort::sleep(std::chrono::milliseconds(2));
    }
    sampler.done();
  });
  gort::wait_group wg;
  wg.add(G);
  for (int g = 0; g < G; g++)
    gort::go([&wg, g, sa, R] {
      client(g, sa, R);
      wg.done();
    });
  wg.wait();
  done = true;
  sampler.wait();
  std::printf("gomaxprocs=%d goroutines=%d maxthreads=%d\n", gort::gomaxprocs(0), G, maxthreads.load());
  std::printf("requests: %ld ok, %ld failed\n", ok.load(), failed.load());
  return failed.load() == 0 && ok.load() == long(G) * R ? 0 : 1;
}
