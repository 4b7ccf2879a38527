// examples/http_hello.cpp: the smallest useful HTTP/1.1 server, one
// goroutine per connection: every GET gets "hello\n". Keep-alive, and
// pipelining-safe: the requests a client sends back to back without
// waiting may arrive in one read or split anywhere; each read is scanned
// for the ends of the requests it completes ("\r\n\r\n") in a 4 KiB
// buffer, and their responses go out together in one write, in order.
// What it does not do: request bodies (a method other than GET or HEAD
// gets 501 and the connection is closed), headers beyond "Connection:
// close", requests over 4 KiB (431).
//
//   $ gort-c++ -O2 examples/http_hello.cpp -o http_hello && ./http_hello 127.0.0.1:8080
//   $ curl http://127.0.0.1:8080/
//   hello
#include <gort/gort.hpp>
#include <gort/net.hpp>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>

static constexpr std::string_view kHello =
    "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nContent-Type: text/plain\r\n\r\nhello\n";
static constexpr std::string_view kHelloHead = kHello.substr(0, kHello.size() - 6);
static constexpr std::string_view kNotImplemented =
    "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static constexpr std::string_view kTooLarge =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

// wantsclose reports whether the request (its head, up to the blank line)
// asks for the connection to end after the response: HTTP/1.0 without
// keep-alive, or "Connection: close" (case-insensitive, as HTTP has it).
static bool wantsclose(std::string_view req) {
  auto lower = [](char ch) { return char(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch); };
  auto find = [&](std::string_view s, std::string_view word) {
    for (std::size_t i = 0; i + word.size() <= s.size(); i++) {
      std::size_t k = 0;
      while (k < word.size() && lower(s[i + k]) == word[k]) k++;
      if (k == word.size()) return i;
    }
    return std::string_view::npos;
  };
  std::size_t eol = req.find("\r\n");
  bool http10 = eol != std::string_view::npos && req.substr(0, eol).find("HTTP/1.0") != std::string_view::npos;
  std::size_t h = find(req, "\r\nconnection:");
  if (h == std::string_view::npos) return http10;
  std::string_view value = req.substr(h + 13, req.find("\r\n", h + 13) - (h + 13));
  if (find(value, "close") != std::string_view::npos) return true;
  return http10 && find(value, "keep-alive") == std::string_view::npos;
}

static void serve(gort::net::conn c) {
  char in[4096];
  char out[64 * 1024];     // the responses to one read's requests
  std::size_t have = 0;    // bytes in in
  std::size_t scanned = 0; // in[0, scanned) holds no end of a request
  for (;;) {
    auto [n, err] = c.read(in + have, sizeof in - have);
    if (err) return;  // EOF: the client is done; c's destructor closes
    have += n;
    std::size_t start = 0, nout = 0;
    bool last = false;
    while (!last) {
      // The end of the next request: its blank line.
      std::string_view pending(in + start, have - start);
      std::size_t from = scanned > start + 3 ? scanned - start - 3 : 0;
      std::size_t end = pending.find("\r\n\r\n", from);
      if (end == std::string_view::npos) break;
      std::string_view req = pending.substr(0, end + 2);
      std::string_view resp = kHello;
      if (req.substr(0, 4) == "GET ") {
      } else if (req.substr(0, 5) == "HEAD ") {
        resp = kHelloHead;
      } else {
        resp = kNotImplemented;
        last = true;
      }
      last = last || wantsclose(req);
      if (nout + resp.size() > sizeof out) {  // a long pipeline: send what we have
        if (c.write(out, nout).err) return;
        nout = 0;
      }
      std::memcpy(out + nout, resp.data(), resp.size());
      nout += resp.size();
      start += end + 4;
      scanned = start;
    }
    if (nout > 0 && c.write(out, nout).err) return;
    if (last) {
      c.close_write();  // the response is out; then the destructor closes
      return;
    }
    // Keep the start of the next request.
    std::memmove(in, in + start, have - start);
    have -= start;
    scanned = have;
    if (have == sizeof in) {
      c.write(kTooLarge);
      return;
    }
  }
}

int main(int argc, char** argv) {
  const char* addr = argc > 1 ? argv[1] : "127.0.0.1:8080";
  rlimit rl;  // one descriptor per client: as many as the hard limit allows
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  auto [ln, err] = gort::net::listen("tcp", addr);
  if (err) {
    std::fprintf(stderr, "http_hello: listen %s: %s\n", addr, err.message().c_str());
    return 1;
  }
  std::printf("http_hello: listening on %s\n", ln.address().to_string().c_str());
  std::fflush(stdout);
  for (;;) {
    auto [c, err] = ln.accept();
    if (err == std::errc::too_many_files_open || err == std::errc::too_many_files_open_in_system) {
      gort::sleep(std::chrono::milliseconds(10));  // out of descriptors: let some clients go
      continue;
    }
    if (err) {
      std::fprintf(stderr, "http_hello: accept: %s\n", err.message().c_str());
      return 1;
    }
    gort::go(serve, std::move(c));
  }
}
