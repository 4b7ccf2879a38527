// <gort/net.hpp>: network I/O for goroutines (Go: package net, and the
// I/O of os.File). Not included by <gort/gort.hpp>: include it.
//
//     auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:8080");   // ln, err := net.Listen(...)
//     for (;;) {
//       auto [c, err] = ln.accept();                                 // c, err := ln.Accept()
//       if (err) break;
//       gort::go([](gort::net::conn c) {                             // go handle(c)
//         char buf[4096];
//         for (;;) {
//           auto [n, err] = c.read(buf, sizeof buf);                 // n, err := c.Read(buf)
//           if (err) return;                                         // gort::net::errc::eof at the end
//           if (c.write(buf, n).err) return;                         // writes all of it
//         }
//       }, std::move(c));                                            // closed when c is destroyed
//     }
//
// The calls look blocking and are written in straight-line code, one
// goroutine per connection; underneath, every socket is non-blocking and a
// goroutine that would wait parks on the runtime's network poller (epoll),
// so thousands of connections need no thread each (gort(7), "NETWORK").
//
// Networks and addresses are Go's: "tcp", "tcp4", "tcp6" and "udp",
// "udp4", "udp6" with "host:port" ("127.0.0.1:8080", "[::1]:80",
// "localhost:0", ":8080" for every address of the machine, port 0 for one
// the kernel picks); "unix", "unixgram", "unixpacket" with a path, or
// "@name" for Linux's abstract namespace. Hosts other than numeric ones and
// "localhost" are looked up with getaddrinfo (the hosted flavour), or in
// /etc/hosts only (the nolibc flavour: errc::no_resolver for other names).
//
// Errors are values, never exceptions: each call returns a
// std::error_code, with Go's errors in the gort::net::errc enum
// (gort::net::errc::eof, ::timeout, ::closed, ...) and the kernel's as
// std::system_category() errno values (compare with std::errc:
// err == std::errc::connection_refused). Results come as {value, err}
// pairs, for structured bindings. A deadline that passes makes calls fail
// with errc::timeout ("i/o timeout", Go's os.ErrDeadlineExceeded), until
// it is moved; a goroutine blocked on a connection that another goroutine
// closes gets errc::closed ("use of closed network connection").
//
// Lifetime: conn, listener, packet_conn and fd own their descriptor and
// close it when destroyed (move-only). Several goroutines may use one at
// the same time (one may read while another writes, or closes it); it must
// outlive them all: the destructor waits for calls still in progress on
// it only to return, as close() does.
//
// This header is C++17.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "net_abi.hpp"
#include "time.hpp"

// ---- errors ----

template <>
struct std::is_error_code_enum<gort::net::errc> : std::true_type {};

namespace gort::detail {
class net_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gort.net"; }
  std::string message(int e) const override {
    switch (net::errc(e)) {
      case net::errc::eof: return "EOF";
      case net::errc::unexpected_eof: return "unexpected EOF";
      case net::errc::timeout: return "i/o timeout";
      case net::errc::closed: return "use of closed network connection";
      case net::errc::file_closed: return "use of closed file";
      case net::errc::no_deadline: return "file type does not support deadline";
      case net::errc::not_pollable: return "not pollable";
      case net::errc::unknown_network: return "unknown network";
      case net::errc::missing_address: return "missing address";
      case net::errc::missing_port: return "missing port in address";
      case net::errc::too_many_colons: return "too many colons in address";
      case net::errc::invalid_address: return "invalid address";
      case net::errc::invalid_port: return "invalid port";
      case net::errc::no_such_host: return "no such host";
      case net::errc::no_suitable_address: return "no suitable address found";
      case net::errc::no_resolver: return "no such host in /etc/hosts; the nolibc flavour has no DNS resolver";
    }
    return "unknown gort.net error " + std::to_string(e);
  }
  // A timeout is also std::errc::timed_out.
  std::error_condition default_error_condition(int e) const noexcept override {
    if (net::errc(e) == net::errc::timeout) return std::make_error_condition(std::errc::timed_out);
    return std::error_condition(e, *this);
  }
};
}  // namespace gort::detail

namespace gort::net {

// category is the std::error_category of the errc values, "gort.net".
inline const std::error_category& category() noexcept {
  static const gort::detail::net_category_impl c;
  return c;
}

inline std::error_code make_error_code(errc e) noexcept { return {int(e), category()}; }

// is_timeout reports whether err is a timeout: a deadline that passed, or
// the kernel's ETIMEDOUT (Go: net.Error's Timeout()).
inline bool is_timeout(const std::error_code& err) noexcept {
  return err == errc::timeout || err == std::errc::timed_out;
}

}  // namespace gort::net

namespace gort {

namespace detail {
inline std::error_code net_errcode(int code) noexcept {
  if (code == 0) return {};
  if (code >= net_errbase) return {code - net_errbase, net::category()};
  return {code, std::system_category()};
}
}  // namespace detail

namespace net {

// result is a value and an error, Go's (v, err): `auto [n, err] = ...`.
// When err is set, value is empty (a count of 0, or a closed handle),
// except that a write that failed part-way says how much it wrote.
template <class T>
struct result {
  T value;
  std::error_code err;
};

// addr is a socket address (Go: net.Addr: TCPAddr, UDPAddr, UnixAddr).
class addr {
 public:
  addr() noexcept { sa_.len = 0, sa_.sotype = 0; }
  explicit addr(const gort::detail::sockaddr_buf& sa) noexcept : sa_(sa) {}

  // resolve parses an address of network: numeric, "localhost" or a host
  // name looked up (Go: ResolveTCPAddr, ResolveUDPAddr, ResolveUnixAddr).
  static result<addr> resolve(std::string_view network, std::string_view address) noexcept {
    addr a;
    int e = gort::detail::net_resolve_addr(network.data(), network.size(), address.data(), address.size(), &a.sa_);
    if (e != 0) return {addr(), gort::detail::net_errcode(e)};
    return {a, {}};
  }

  bool empty() const noexcept { return sa_.len == 0; }
  // Go's Network(): "tcp", "udp", "unix", "unixgram", "unixpacket"; "" if empty.
  std::string network() const {
    if (empty()) return "";
    bool ip = family() == AF_INET || family() == AF_INET6;
    switch (sa_.sotype) {
      case SOCK_STREAM: return ip ? "tcp" : "unix";
      case SOCK_DGRAM: return ip ? "udp" : "unixgram";
      default: return "unixpacket";
    }
  }
  // Go's String(): "127.0.0.1:8080", "[::1]:80", a path, "@name".
  std::string to_string() const {
    char buf[160];
    std::size_t n = gort::detail::net_format_addr(&sa_, buf, sizeof buf);
    return std::string(buf, n < sizeof buf ? n : sizeof buf - 1);
  }
  // The port of an IP address; -1 for others.
  int port() const noexcept {
    if (family() != AF_INET && family() != AF_INET6) return -1;
    return (int(sa_.b[2]) << 8) | sa_.b[3];  // sin_port and sin6_port, in network order
  }
  int family() const noexcept { return empty() ? 0 : int(reinterpret_cast<const sockaddr*>(sa_.b)->sa_family); }
  // The address as the kernel takes it, for calls gort does not wrap.
  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(sa_.b); }
  socklen_t size() const noexcept { return sa_.len; }

  const gort::detail::sockaddr_buf& buf() const noexcept { return sa_; }

 private:
  gort::detail::sockaddr_buf sa_;
};

}  // namespace net

namespace detail {

// netfd_handle: what every owner of a runtime descriptor has: RAII, close,
// the deadlines, the raw descriptor.
class netfd_handle {
 public:
  netfd_handle() noexcept = default;
  netfd_handle(netfd_handle&& o) noexcept : fd_(std::exchange(o.fd_, nullptr)) {}
  netfd_handle& operator=(netfd_handle&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = std::exchange(o.fd_, nullptr);
    }
    return *this;
  }
  // Closes the descriptor if it is open, and returns once no call on it
  // is in progress. (fd_ is left as it is: another goroutine may still be
  // reading it on its way out of a call.)
  ~netfd_handle() {
    if (fd_ != nullptr) netfd_free(fd_);
  }

  // Whether this handle holds a descriptor (closed or not).
  explicit operator bool() const noexcept { return fd_ != nullptr; }

  // close closes the descriptor; a goroutine blocked on it gets
  // errc::closed, and every later call too. The handle keeps what it
  // needs for that until it is destroyed (Go: Close).
  std::error_code close() noexcept { return fd_ ? net_errcode(netfd_close(fd_)) : einval(); }

  // Deadlines (Go: SetDeadline, SetReadDeadline, SetWriteDeadline): an
  // absolute time on any clock, after which the calls fail with
  // errc::timeout instead of blocking, including calls already blocked;
  // a time already past makes them fail at once. The zero time point
  // (time_point{}) removes the deadline. A deadline can be moved, earlier
  // or later, at any time, by any goroutine.
  template <class Clock, class Duration>
  std::error_code set_deadline(std::chrono::time_point<Clock, Duration> t) noexcept {
    return deadline(t, 'r' + 'w');
  }
  template <class Clock, class Duration>
  std::error_code set_read_deadline(std::chrono::time_point<Clock, Duration> t) noexcept {
    return deadline(t, 'r');
  }
  template <class Clock, class Duration>
  std::error_code set_write_deadline(std::chrono::time_point<Clock, Duration> t) noexcept {
    return deadline(t, 'w');
  }

  // The descriptor, for calls gort does not wrap (setsockopt, fstat);
  // -1 without one. Reading or writing it directly bypasses the poller.
  int sysfd() const noexcept { return fd_ ? netfd_sysfd(fd_) : -1; }

 protected:
  explicit netfd_handle(netfd* fd) noexcept : fd_(fd) {}
  static std::error_code einval() noexcept { return {EINVAL, std::system_category()}; }
  void reset() noexcept {
    if (fd_ != nullptr) netfd_free(std::exchange(fd_, nullptr));
  }
  template <class Clock, class Duration>
  std::error_code deadline(std::chrono::time_point<Clock, Duration> t, int mode) noexcept {
    if (fd_ == nullptr) return einval();
    std::int64_t d = 0;  // the zero time: no deadline (Go: t.IsZero())
    if (t != std::chrono::time_point<Clock, Duration>{}) {
      d = to_ns(t - Clock::now());
      if (d <= 0) d = -1;  // don't confuse a deadline right now with no deadline
    }
    return net_errcode(netfd_set_deadline(fd_, d, mode));
  }
  net::result<std::size_t> read1(void* p, std::size_t n) noexcept {
    if (fd_ == nullptr) return {0, einval()};
    int e = 0;
    long r = netfd_read(fd_, p, n, &e);
    return {std::size_t(r), net_errcode(e)};
  }
  net::result<std::size_t> write1(const void* p, std::size_t n) noexcept {
    if (fd_ == nullptr) return {0, einval()};
    int e = 0;
    long r = netfd_write(fd_, p, n, &e);
    return {std::size_t(r), net_errcode(e)};
  }

  netfd* fd_ = nullptr;
};

}  // namespace detail

namespace net {

class listener;
class conn;
result<conn> dial(std::string_view network, std::string_view address) noexcept;
template <class Rep, class Period>
result<conn> dial_timeout(std::string_view network, std::string_view address,
                          std::chrono::duration<Rep, Period> timeout) noexcept;

// conn is a connection: a stream socket, or a datagram socket with a
// fixed peer (Go: net.Conn, TCPConn, UnixConn, UDPConn from Dial).
class conn : public gort::detail::netfd_handle {
 public:
  conn() noexcept = default;

  // read reads up to n bytes, waiting until at least one is there; at the
  // end of the stream it returns {0, errc::eof} (Go: Read). n == 0
  // returns at once.
  result<std::size_t> read(void* p, std::size_t n) noexcept { return read1(p, n); }
  // write writes all n bytes, waiting as long as it takes, or fails
  // (then value says how many went) (Go: Write).
  result<std::size_t> write(const void* p, std::size_t n) noexcept { return write1(p, n); }
  result<std::size_t> write(std::string_view s) noexcept { return write1(s.data(), s.size()); }

  // Half-close: shut down the reading or the writing side; the peer reads
  // EOF after a close_write (Go: TCPConn.CloseRead, CloseWrite).
  std::error_code close_read() noexcept { return shutdown(SHUT_RD); }
  std::error_code close_write() noexcept { return shutdown(SHUT_WR); }

  // The two ends (Go: LocalAddr, RemoteAddr); empty without a descriptor.
  addr local_addr() const noexcept { return address(false); }
  addr remote_addr() const noexcept { return address(true); }

  // Nagle's algorithm, off for every TCP connection gort makes or accepts
  // (Go: SetNoDelay, default true).
  std::error_code set_no_delay(bool on) noexcept {
    if (fd_ == nullptr) return einval();
    return gort::detail::net_errcode(gort::detail::netfd_setsockopt_int(fd_, IPPROTO_TCP_, TCP_NODELAY_, on));
  }

 private:
  static constexpr int IPPROTO_TCP_ = 6, TCP_NODELAY_ = 1;
  friend class listener;
  friend result<conn> dial(std::string_view, std::string_view) noexcept;
  template <class Rep, class Period>
  friend result<conn> dial_timeout(std::string_view, std::string_view, std::chrono::duration<Rep, Period>) noexcept;
  explicit conn(gort::detail::netfd* fd) noexcept : netfd_handle(fd) {}
  static result<conn> dial1(std::string_view network, std::string_view address, std::int64_t ns) noexcept {
    gort::detail::netfd* fd = nullptr;
    long e = gort::detail::netfd_dial(network.data(), network.size(), address.data(), address.size(), ns, &fd);
    if (e != 0) return {conn(), gort::detail::net_errcode(int(-e))};
    return {conn(fd), {}};
  }
  std::error_code shutdown(int how) noexcept {
    if (fd_ == nullptr) return einval();
    return gort::detail::net_errcode(gort::detail::netfd_shutdown(fd_, how));
  }
  addr address(bool remote) const noexcept {
    gort::detail::sockaddr_buf sa;
    sa.len = 0;
    if (fd_ == nullptr || gort::detail::netfd_addr(fd_, remote, &sa) != 0) return addr();
    return addr(sa);
  }
};

// listener accepts connections (Go: net.Listener, TCPListener,
// UnixListener). A unix listener removes its socket file when closed.
class listener : public gort::detail::netfd_handle {
 public:
  listener() noexcept = default;

  // accept waits for the next connection (Go: Accept). A deadline set
  // with set_deadline applies to it.
  result<conn> accept() noexcept {
    if (fd_ == nullptr) return {conn(), einval()};
    gort::detail::netfd* c = nullptr;
    long e = gort::detail::netfd_accept(fd_, &c);
    if (e != 0) return {conn(), gort::detail::net_errcode(int(-e))};
    return {conn(c), {}};
  }

  // The address it listens on, with the port the kernel chose for port 0
  // (Go: Addr).
  addr address() const noexcept {
    gort::detail::sockaddr_buf sa;
    sa.len = 0;
    if (fd_ == nullptr || gort::detail::netfd_addr(fd_, false, &sa) != 0) return addr();
    return addr(sa);
  }

 private:
  friend result<listener> listen(std::string_view, std::string_view) noexcept;
  explicit listener(gort::detail::netfd* fd) noexcept : netfd_handle(fd) {}
};

// packet_conn sends and receives datagrams to and from any address (Go:
// net.PacketConn, UDPConn and UnixConn from ListenPacket).
class packet_conn : public gort::detail::netfd_handle {
 public:
  packet_conn() noexcept = default;

  struct packet {
    std::size_t n;  // bytes of the datagram (a longer one is cut to the buffer)
    addr from;
    std::error_code err;
  };
  // read_from waits for a datagram (Go: ReadFrom).
  packet read_from(void* p, std::size_t n) noexcept {
    packet r{0, addr(), {}};
    if (fd_ == nullptr) return r.err = einval(), r;
    gort::detail::sockaddr_buf from;
    int e = 0;
    r.n = std::size_t(gort::detail::netfd_read_from(fd_, p, n, &from, &e));
    if (e != 0) from.len = 0;
    r.from = addr(from);
    r.err = gort::detail::net_errcode(e);
    return r;
  }
  // write_to sends one datagram to a (Go: WriteTo).
  result<std::size_t> write_to(const void* p, std::size_t n, const addr& a) noexcept {
    if (fd_ == nullptr || a.empty()) return {0, einval()};
    int e = 0;
    long r = gort::detail::netfd_write_to(fd_, p, n, &a.buf(), &e);
    return {std::size_t(r), gort::detail::net_errcode(e)};
  }
  addr local_addr() const noexcept {
    gort::detail::sockaddr_buf sa;
    sa.len = 0;
    if (fd_ == nullptr || gort::detail::netfd_addr(fd_, false, &sa) != 0) return addr();
    return addr(sa);
  }

 private:
  friend result<packet_conn> listen_packet(std::string_view, std::string_view) noexcept;
  explicit packet_conn(gort::detail::netfd* fd) noexcept : netfd_handle(fd) {}
};

// listen announces on a local address: network "tcp", "tcp4", "tcp6",
// "unix" or "unixpacket" (Go: net.Listen). "tcp" with no host, or an
// unspecified one, listens on both IPv4 and IPv6 where the machine has
// both.
inline result<listener> listen(std::string_view network, std::string_view address) noexcept {
  gort::detail::netfd* fd = nullptr;
  long e = gort::detail::netfd_listen(network.data(), network.size(), address.data(), address.size(), &fd);
  if (e != 0) return {listener(), gort::detail::net_errcode(int(-e))};
  return {listener(fd), {}};
}

// listen_packet: network "udp", "udp4", "udp6" or "unixgram" (Go:
// net.ListenPacket).
inline result<packet_conn> listen_packet(std::string_view network, std::string_view address) noexcept {
  gort::detail::netfd* fd = nullptr;
  long e = gort::detail::netfd_listen_packet(network.data(), network.size(), address.data(), address.size(), &fd);
  if (e != 0) return {packet_conn(), gort::detail::net_errcode(int(-e))};
  return {packet_conn(fd), {}};
}

// dial connects to address on network, any of the above (Go: net.Dial).
// A host with several addresses is tried address by address.
inline result<conn> dial(std::string_view network, std::string_view address) noexcept {
  return conn::dial1(network, address, 0);
}

// dial_timeout is dial that gives up with errc::timeout after timeout (Go:
// net.DialTimeout); zero means none.
template <class Rep, class Period>
result<conn> dial_timeout(std::string_view network, std::string_view address,
                          std::chrono::duration<Rep, Period> timeout) noexcept {
  std::int64_t ns = gort::detail::to_ns(timeout);
  if (ns < 0) return {conn(), errc::timeout};
  return conn::dial1(network, address, ns);
}

// read_full reads exactly n bytes into p: {n, {}}, or {k, errc::eof} if
// the stream ended before any byte, {k, errc::unexpected_eof} if after k
// of them, or another error (Go: io.ReadFull).
template <class Reader>
result<std::size_t> read_full(Reader& r, void* p, std::size_t n) noexcept {
  std::size_t k = 0;
  while (k < n) {
    auto [m, err] = r.read(static_cast<char*>(p) + k, n - k);
    k += m;
    if (err) {
      if (err == errc::eof && k > 0) return {k, errc::unexpected_eof};
      return {k, err};
    }
  }
  return {k, {}};
}

}  // namespace net

// fd is any descriptor on the poller (Go: os.File, from os.NewFile): a
// pipe, a FIFO, an eventfd, a terminal, a socket made elsewhere. It takes
// the descriptor over. One that epoll can watch is put in non-blocking
// mode (its flags are put back when it is closed: a terminal is shared
// with the shell) and its reads and writes park the goroutine; any other
// (a regular file) is read and written in blocking mode, inside a system
// call (gort(7), "SYSTEM CALLS"), and has no deadlines
// (errc::no_deadline). Errors as for net::conn, with errc::file_closed
// ("use of closed file") after close.
class fd : public detail::netfd_handle {
 public:
  fd() noexcept = default;
  // Takes sysfd over; an invalid one makes an empty fd (whose calls fail
  // with EINVAL), as does running out of memory.
  explicit fd(int sysfd) noexcept {
    detail::netfd* p = nullptr;
    if (sysfd >= 0 && detail::netfd_open(sysfd, &p) == 0) fd_ = p;
  }

  // read: up to n bytes; {0, errc::eof} at the end (Go: File.Read).
  net::result<std::size_t> read(void* p, std::size_t n) noexcept { return read1(p, n); }
  // write: all n bytes, or an error (Go: File.Write).
  net::result<std::size_t> write(const void* p, std::size_t n) noexcept { return write1(p, n); }
  net::result<std::size_t> write(std::string_view s) noexcept { return write1(s.data(), s.size()); }

  // release gives the descriptor back, in blocking mode, and empties the
  // handle; -1 if it was closed (Go: File.Fd, then forgetting the File).
  int release() noexcept {
    if (fd_ == nullptr) return -1;
    int e = 0;
    int r = detail::netfd_release(std::exchange(fd_, nullptr), &e);
    return r;
  }
};

}  // namespace gort
