// <gort/net_abi.hpp>: the runtime side of <gort/net.hpp>, the seam
// between the C++ classes of that header and runtime/net.cpp, which is
// Go's internal/poll.FD and the socket half of Go's package net. Not for
// programs: include <gort/net.hpp>.
//
// Plain types only (no std::string, no exceptions), so that the runtime
// side stays free of libc and libstdc++ and serves every flavour.
// Results: a function returning long gives a count (>= 0), or minus an
// error code (< 0); error codes are errno values, or net_errbase + errc.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gort::net {

// Go's own error values, where Go has one (the message each one prints is
// Go's; <gort/net.hpp> makes them std::error_code values). 0 is no error.
enum class errc : int {
  eof = 1,              // io.EOF: the peer closed its side ("EOF")
  unexpected_eof,       // io.ErrUnexpectedEOF: a write made no progress
  timeout,              // os.ErrDeadlineExceeded: "i/o timeout"
  closed,               // net.ErrClosed: "use of closed network connection"
  file_closed,          // os.ErrClosed for a gort::fd: "use of closed file"
  no_deadline,          // poll.ErrNoDeadline: "file type does not support deadline"
  not_pollable,         // poll.ErrNotPollable: "not pollable"
  unknown_network,      // net.UnknownNetworkError: "unknown network"
  missing_address,      // "missing address"
  missing_port,         // "missing port in address"
  too_many_colons,      // "too many colons in address"
  invalid_address,      // a malformed address ("invalid address")
  invalid_port,         // "invalid port"
  no_such_host,         // "no such host"
  no_suitable_address,  // "no suitable address found"
  no_resolver,          // a name not in /etc/hosts, where there is no DNS resolver (the nolibc flavour)
};

}  // namespace gort::net

namespace gort::detail {

inline constexpr int net_errbase = 0x10000;
inline constexpr int net_error(net::errc e) { return net_errbase + int(e); }

// A socket address as the kernel takes it (struct sockaddr_storage's size),
// with its length and what kind of socket it belongs to.
struct sockaddr_buf {
  alignas(8) unsigned char b[128];
  std::uint32_t len;  // 0: no address
  std::int32_t sotype;  // SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET
};

// The runtime's descriptor: Go's poll.FD with net.netFD's fields
// (runtime/net.cpp). Opaque here; made by the functions below, freed by
// netfd_free.
struct netfd;

// Sockets. net and addr are Go's network and address strings (not
// NUL-terminated); timeout_ns: 0 none, else a limit on the whole dial.
long netfd_listen(const char* net, std::size_t netlen, const char* addr, std::size_t addrlen, netfd** out) noexcept;
long netfd_listen_packet(const char* net, std::size_t netlen, const char* addr, std::size_t addrlen,
                         netfd** out) noexcept;
long netfd_dial(const char* net, std::size_t netlen, const char* addr, std::size_t addrlen, std::int64_t timeout_ns,
                netfd** out) noexcept;
long netfd_accept(netfd* fd, netfd** out) noexcept;
// netfd_open takes over any descriptor (gort::fd): pollable ones are
// registered with the poller and put in non-blocking mode; the others are
// used in blocking mode, inside entersyscall.
long netfd_open(int sysfd, netfd** out) noexcept;

// I/O: the count done; *err gets 0 or an error code (both may be non-zero
// for a write cut short).
long netfd_read(netfd* fd, void* p, std::size_t n, int* err) noexcept;
long netfd_write(netfd* fd, const void* p, std::size_t n, int* err) noexcept;
long netfd_read_from(netfd* fd, void* p, std::size_t n, sockaddr_buf* from, int* err) noexcept;
long netfd_write_to(netfd* fd, const void* p, std::size_t n, const sockaddr_buf* to, int* err) noexcept;

// Control; each returns 0 or an error code.
int netfd_close(netfd* fd) noexcept;
// netfd_free releases what netfd_close left (call it once, after close).
void netfd_free(netfd* fd) noexcept;
int netfd_shutdown(netfd* fd, int how) noexcept;  // SHUT_RD, SHUT_WR
// d: 0 no deadline, < 0 already passed, > 0 ns from now; mode 'r', 'w' or 'r'+'w'.
int netfd_set_deadline(netfd* fd, std::int64_t d, int mode) noexcept;
int netfd_setsockopt_int(netfd* fd, int level, int name, int value) noexcept;
int netfd_addr(netfd* fd, bool remote, sockaddr_buf* out) noexcept;
int netfd_sysfd(netfd* fd) noexcept;
// netfd_release gives the descriptor back to the caller, in blocking mode
// (Go: os.File.Fd), and frees fd; -1 with *err set if it was closed.
int netfd_release(netfd* fd, int* err) noexcept;

// Addresses: Go's String() of an address into buf (NUL-terminated,
// truncated to n); the length it needs.
std::size_t net_format_addr(const sockaddr_buf* a, char* buf, std::size_t n) noexcept;
// Go's ResolveTCPAddr/ResolveUDPAddr/ResolveUnixAddr for one address.
int net_resolve_addr(const char* net, std::size_t netlen, const char* addr, std::size_t addrlen,
                     sockaddr_buf* out) noexcept;

}  // namespace gort::detail
