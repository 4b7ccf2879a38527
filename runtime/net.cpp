// runtime/net.cpp: descriptors on the network poller, the runtime side of
// <gort/net.hpp> (include/gort/net_abi.hpp is the seam). Two of Go's
// layers, in their names and order:
//
//   - internal/poll (fd_mutex.go, fd_unix.go, fd_poll_runtime.go): FD, a
//     descriptor shared by goroutines. Its fdMutex counts the references of
//     the calls in progress and serialises reads and writes; Close marks it
//     closed, unblocks whoever waits in the poller (pollUnblock: they get
//     "use of closed network connection"), and the last reference to go
//     closes the descriptor itself, so no call ever uses a number the
//     kernel has meanwhile given to another file. Read and Write try the
//     system call first and park on the poller (pollWait) only on EAGAIN.
//   - package net (fd_unix.go, sock_posix.go, ipsock_posix.go, ipsock.go,
//     ip.go, unixsock_posix.go): sockets made non-blocking from the start
//     (SOCK_NONBLOCK | SOCK_CLOEXEC), connect with EINPROGRESS and
//     SO_ERROR, the address family Go would choose, Go's address syntax.
//
// Every system call is a raw one (arch/), never libc, so every flavour can
// use this file; the one exception is the name lookup of a host other than
// a numeric address or "localhost", which is the flavour's
// (flavour_lookuphost).
//
// Difference from Go: C++ has no collector, so the FD cannot outlive its
// last user by itself: the owning handle (gort::net::conn, gort::fd)
// closes it, and frees it only once every call on it has returned
// (netfd_free waits for that).
#include "../include/gort/net_abi.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "runtime.hpp"
#include "sys_linux.hpp"

using gort::detail::net_error;
using gort::detail::netfd;
using gort::detail::sockaddr_buf;
using gort::net::errc;

namespace gort::runtime {

using uint8 = std::uint8_t;

// ---- system calls (raw; each returns the result or -errno) ----

static long sysFcntl(int fd, int cmd, long arg) { return syscall3(SYS_fcntl, fd, cmd, arg); }
static long sysSetsockoptInt(int fd, int level, int name, int v) {
  return arch::syscall5(SYS_setsockopt, fd, level, name, long(&v), sizeof v);
}
static long sysGetsockoptInt(int fd, int level, int name, int* v) {
  uint32 len = sizeof *v;
  return arch::syscall5(SYS_getsockopt, fd, level, name, long(v), long(&len));
}
static long sysSockname(long nr, int fd, sockaddr_buf* sa) {
  uint32 len = sizeof sa->b;
  long r = syscall3(nr, fd, long(sa->b), long(&len));
  sa->len = r == 0 ? len : 0;
  return r;
}

// ---- fdMutex (Go: internal/poll/fd_mutex.go) ----
//
// fdMutex is a specialized synchronization primitive that manages
// lifetime of an fd and serializes access to Read, Write and Close
// methods on FD.
//
// fdMutex.state is organized as follows:
// 1 bit - whether FD is closed, if set all subsequent lock operations will fail.
// 1 bit - lock for read operations.
// 1 bit - lock for write operations.
// 20 bits - total number of references (read+write+misc).
// 20 bits - number of outstanding read waiters.
// 20 bits - number of outstanding write waiters.
static constexpr uint64 mutexClosed = 1 << 0;
static constexpr uint64 mutexRLock = 1 << 1;
static constexpr uint64 mutexWLock = 1 << 2;
static constexpr uint64 mutexRef = 1 << 3;
static constexpr uint64 mutexRefMask = ((uint64(1) << 20) - 1) << 3;
static constexpr uint64 mutexRWait = uint64(1) << 23;
static constexpr uint64 mutexRMask = ((uint64(1) << 20) - 1) << 23;
static constexpr uint64 mutexWWait = uint64(1) << 43;
static constexpr uint64 mutexWMask = ((uint64(1) << 20) - 1) << 43;

static constexpr const char* overflowMsg = "too many concurrent operations on a single file or socket (max 1048575)";

// Read operations must do rwlock(true)/rwunlock(true).
// Write operations must do rwlock(false)/rwunlock(false).
// Misc operations must do incref/decref. Misc operations include functions
// like setsockopt and setDeadline. They need to use incref/decref to
// ensure that they operate on the correct fd in presence of a concurrent
// close call (otherwise fd can be closed under their feet).
// Close operations must do increfAndClose/decref.
struct fdMutex {
  std::atomic<uint64> state{0};
  uint32 rsema = 0;
  uint32 wsema = 0;

  // incref adds a reference to mu. It reports whether mu is available for
  // reading or writing.
  bool incref() {
    uint64 old = state.load();
    for (;;) {
      if ((old & mutexClosed) != 0) return false;
      uint64 nw = old + mutexRef;
      if ((nw & mutexRefMask) == 0) fatal(overflowMsg);
      if (state.compare_exchange_weak(old, nw)) return true;
    }
  }

  // increfAndClose sets the state of mu to closed. It returns false if the
  // file was already closed.
  bool increfAndClose() {
    uint64 old = state.load();
    for (;;) {
      if ((old & mutexClosed) != 0) return false;
      // Mark as closed and acquire a reference.
      uint64 nw = (old | mutexClosed) + mutexRef;
      if ((nw & mutexRefMask) == 0) fatal(overflowMsg);
      // Remove all read and write waiters.
      nw &= ~(mutexRMask | mutexWMask);
      if (state.compare_exchange_weak(old, nw)) {
        // Wake all read and write waiters, they will observe closed flag
        // after wakeup.
        while ((old & mutexRMask) != 0) {
          old -= mutexRWait;
          semrelease(&rsema);
        }
        while ((old & mutexWMask) != 0) {
          old -= mutexWWait;
          semrelease(&wsema);
        }
        return true;
      }
    }
  }

  // decref removes a reference from mu. It reports whether there is no
  // remaining reference.
  bool decref() {
    uint64 old = state.load();
    for (;;) {
      if ((old & mutexRefMask) == 0) throw_("inconsistent poll.fdMutex");
      uint64 nw = old - mutexRef;
      if (state.compare_exchange_weak(old, nw)) return (nw & (mutexClosed | mutexRefMask)) == mutexClosed;
    }
  }

  // rwlock adds a reference to mu and locks mu. It reports whether mu is
  // available for reading or writing.
  bool rwlock(bool read) {
    uint64 mutexBit = read ? mutexRLock : mutexWLock;
    uint64 mutexWait = read ? mutexRWait : mutexWWait;
    uint64 mutexMask = read ? mutexRMask : mutexWMask;
    uint32* mutexSema = read ? &rsema : &wsema;
    uint64 old = state.load();
    for (;;) {
      if ((old & mutexClosed) != 0) return false;
      uint64 nw;
      if ((old & mutexBit) == 0) {
        // Lock is free, acquire it.
        nw = (old | mutexBit) + mutexRef;
        if ((nw & mutexRefMask) == 0) fatal(overflowMsg);
      } else {
        // Wait for lock.
        nw = old + mutexWait;
        if ((nw & mutexMask) == 0) fatal(overflowMsg);
      }
      if (state.compare_exchange_weak(old, nw)) {
        if ((old & mutexBit) == 0) return true;
        semacquire(mutexSema);
        // The signaller has subtracted mutexWait.
        old = state.load();
      }
    }
  }

  // rwunlock removes a reference from mu and unlocks mu. It reports
  // whether there is no remaining reference.
  bool rwunlock(bool read) {
    uint64 mutexBit = read ? mutexRLock : mutexWLock;
    uint64 mutexWait = read ? mutexRWait : mutexWWait;
    uint64 mutexMask = read ? mutexRMask : mutexWMask;
    uint32* mutexSema = read ? &rsema : &wsema;
    uint64 old = state.load();
    for (;;) {
      if ((old & mutexBit) == 0 || (old & mutexRefMask) == 0) throw_("inconsistent poll.fdMutex");
      // Drop lock, drop reference and wake read waiter if present.
      uint64 nw = (old & ~mutexBit) - mutexRef;
      if ((old & mutexMask) != 0) nw -= mutexWait;
      if (state.compare_exchange_weak(old, nw)) {
        if ((old & mutexMask) != 0) semrelease(mutexSema);
        return (nw & (mutexClosed | mutexRefMask)) == mutexClosed;
      }
    }
  }
};

// Go caps a stream read or write at 1 GiB (maxRW).
static constexpr uintptr maxRW = uintptr(1) << 30;

static int errClosing(bool isFile) { return net_error(isFile ? errc::file_closed : errc::closed); }

// convertErr turns a code of poll_runtime_pollReset or pollWait into an
// error (Go: convertErr).
static int convertErr(int32 res, bool isFile) {
  switch (res) {
    case pollNoError:
      return 0;
    case pollErrClosing:
      return errClosing(isFile);
    case pollErrTimeout:
      return net_error(errc::timeout);
    case pollErrNotPollable:
      return net_error(errc::not_pollable);
  }
  throw_("unreachable: pollReset/pollWait result");
}

}  // namespace gort::runtime

namespace gort::detail {

using namespace gort::runtime;

// netfd is Go's poll.FD (the first block of fields) and net.netFD (the
// second). Made by newFD with the flavour's allocator; never shared
// between two owners.
struct netfd {
  // Lock sysfd and serialize access to Read and Write methods.
  fdMutex fdmu;
  // System file descriptor. Immutable until Close.
  int32 Sysfd = -1;
  // I/O poller (Go: pd.runtimeCtx): null when the descriptor is not
  // pollable, and so used in blocking mode.
  pollDesc* pd = nullptr;
  // Semaphore signaled when file is closed.
  uint32 csema = 0;
  // Non-zero if this file has been set to blocking mode.
  std::atomic<uint32> isBlocking{0};
  // Whether this is a streaming descriptor, as opposed to a packet-based
  // descriptor like a UDP socket. Immutable.
  bool IsStream = true;
  // Whether a zero byte read indicates EOF. This is false for a message
  // based socket connection.
  bool ZeroReadIsEOF = true;
  // Whether this is a file rather than a network socket.
  bool isFile = false;

  int32 family = 0;  // AF_INET, AF_INET6, AF_UNIX; 0 for a gort::fd
  int32 sotype = 0;  // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET
  sockaddr_buf laddr;  // len 0 until asked for (getsockname), for sockets
  sockaddr_buf raddr;  // the peer of a connected socket

  // Ours: what destroy must do besides closing.
  bool unlink = false;        // a unix listener's socket file, made by listen: removed
  bool restoreFlags = false;  // a gort::fd made non-blocking by us: flags put back
  int32 origFlags = 0;
  bool keepSysfd = false;     // netfd_release: unregistered but not closed
  bool closeWaited = false;   // Close has waited for the last reference (csema)
  // Released once by the Close that closed it, as its last step:
  // netfd_free waits for that call to have returned, whoever made it.
  uint32 fsema = 0;
  // The last read of this stream socket was short: it left the socket
  // empty (read lock). See Read.
  bool drained = false;

  int Init(bool pollable);
  int destroy();
  int Close();
  int incref() { return fdmu.incref() ? 0 : errClosing(isFile); }
  int decref() { return fdmu.decref() ? destroy() : 0; }
  int readLock() { return fdmu.rwlock(true) ? 0 : errClosing(isFile); }
  void readUnlock() {
    if (fdmu.rwunlock(true)) destroy();
  }
  int writeLock() { return fdmu.rwlock(false) ? 0 : errClosing(isFile); }
  void writeUnlock() {
    if (fdmu.rwunlock(false)) destroy();
  }
  // The pollDesc methods of fd_poll_runtime.go.
  int prepare(int32 mode) { return pd == nullptr ? 0 : convertErr(poll_runtime_pollReset(pd, mode), isFile); }
  int prepareRead() { return prepare('r'); }
  int prepareWrite() { return prepare('w'); }
  int wait(int32 mode) {
    if (pd == nullptr) return net_error(errc::not_pollable);  // Go: "waiting for unsupported file type"
    return convertErr(poll_runtime_pollWait(pd, mode), isFile);
  }
  int waitRead() { return wait('r'); }
  int waitWrite() { return wait('w'); }
  int eofError(long n, int err) const {
    if (n == 0 && err == 0 && ZeroReadIsEOF) return net_error(errc::eof);
    return err;
  }
  long io(long nr, long a1, long a2, long a3, long a4, long a5);
  long Read(void* p, uintptr n, int* err);
  long Write(const void* p, uintptr n, int* err);
  long ReadFrom(void* p, uintptr n, sockaddr_buf* from, int* err);
  long WriteTo(const void* p, uintptr n, const sockaddr_buf* to, int* err);
  long Accept(sockaddr_buf* rsa);
  int SetDeadline(int64 d, int32 mode);
};

// Init initializes the FD. Set pollable to true if fd should be managed
// by runtime netpoll (Go: FD.Init).
int netfd::Init(bool pollable) {
  if (!pollable) {
    isBlocking.store(1);
    return 0;
  }
  int32 e = 0;
  pd = poll_runtime_pollOpen(Sysfd, &e);
  if (pd == nullptr) {
    // If we could not initialize the runtime poller, assume we are using
    // blocking mode.
    isBlocking.store(1);
    return e;
  }
  return 0;
}

// destroy closes the file descriptor. This is called when there are no
// remaining references.
int netfd::destroy() {
  // Poller may want to unregister fd in readiness notification mechanism,
  // so this must be executed before the close.
  if (pd != nullptr) {
    poll_runtime_pollClose(pd);
    pd = nullptr;
  }
  int err = 0;
  if (restoreFlags) sysFcntl(Sysfd, F_SETFL, origFlags);
  if (!keepSysfd) {
    // Not retried on EINTR: the Linux kernel guarantees that the
    // descriptor is closed then, and another goroutine may already have
    // the same number from a new open.
    long r = syscall1(SYS_close, Sysfd);
    if (r < 0) err = int(-r);
    Sysfd = -1;
  }
  semrelease(&csema);
  return err;
}

// Close closes the FD. The underlying file descriptor is closed by the
// destroy method when there are no remaining references.
int netfd::Close() {
  if (!fdmu.increfAndClose()) return errClosing(isFile);
  // Unblock any I/O. Once it all unblocks and returns, so that it cannot
  // be referring to fd.sysfd anymore, the final decref will close
  // fd.sysfd. This should happen fairly quickly, since all the I/O is
  // non-blocking, and any attempts to block in the pollDesc will return
  // errClosing(fd.isFile).
  if (pd != nullptr) poll_runtime_pollUnblock(pd);
  // The call to decref will call destroy if there are no other references.
  int err = decref();
  // Wait until the descriptor is closed. If this was the only reference,
  // it is already closed. Only wait if the file has not been set to
  // blocking mode, as otherwise any current I/O may be blocking, and that
  // would block the Close.
  if (isBlocking.load() == 0) {
    semacquire(&csema);
    closeWaited = true;
  }
  semrelease(&fsema);  // ours: the last touch of fd (netfd_free)
  return err;
}

// io makes one I/O system call: straight to the kernel for a descriptor on
// the poller (it is non-blocking), inside entersyscall for one in blocking
// mode (Go's syscall.Read and friends).
long netfd::io(long nr, long a1, long a2, long a3, long a4, long a5) {
  if (pd != nullptr) return arch::syscall6(nr, Sysfd, a1, a2, a3, a4, a5);
  entersyscall();
  long r = arch::syscall6(nr, Sysfd, a1, a2, a3, a4, a5);
  exitsyscall();
  return r;
}

// Read implements io.Reader (Go: FD.Read).
//
// Difference from Go: after a short read of a stream socket (fewer bytes
// than asked for: the socket was empty when the read returned), the next
// Read waits in the poller first instead of making a read that would only
// say EAGAIN, as nginx does (ngx_unix_recv clears rev->ready). That saves
// one system call in three on a request-response connection (measured on
// http_hello: 3.0 -> 2.0 per request). It relies on epoll: any data, end
// of stream or error that comes after that read is a new edge. Two
// things keep it safe: the readiness in rg is not reset before such a
// wait (Go's pollReset would drop a notification that came between the
// short read and now), and a pending end of stream is never waited for:
// a short read can consume the peer's FIN with the last data, leaving no
// edge to come, so once netpoll has seen EPOLLRDHUP (pollDesc.rdhup) the
// read is made first again. (Urgent data, MSG_OOB, also stops a read
// short; as nginx, gort reads it as ordinary data only when more comes.)
long netfd::Read(void* p, uintptr n, int* err) {
  if ((*err = readLock()) != 0) return 0;
  long r = 0;
  if (n == 0) {
    // If the caller wanted a zero byte read, return immediately without
    // trying (but after acquiring the readLock). Otherwise read returns 0,
    // which looks like EOF.
  } else {
    bool waitFirst = drained && !pd->rdhup.load(std::memory_order_relaxed);
    if (waitFirst)
      *err = waitRead();
    else
      *err = prepareRead();
    if (*err == 0) {
      if (IsStream && n > maxRW) n = maxRW;
      for (;;) {
        r = io(SYS_read, long(p), long(n), 0, 0, 0);
        if (r == -EINTR) continue;
        if (r < 0) {
          *err = int(-r);
          r = 0;
          if (*err == EAGAIN && pd != nullptr) {
            if ((*err = waitRead()) == 0) continue;
          }
        }
        *err = eofError(r, *err);
        break;
      }
      drained = r > 0 && uintptr(r) < n && pd != nullptr && family != 0 && sotype == SOCK_STREAM;
    }
  }
  readUnlock();
  return r;
}

// Write implements io.Writer: all of p, or an error (Go: FD.Write).
long netfd::Write(const void* p, uintptr n, int* err) {
  if ((*err = writeLock()) != 0) return 0;
  uintptr nn = 0;
  if ((*err = prepareWrite()) == 0) {
    const char* b = static_cast<const char*>(p);
    for (;;) {
      uintptr max = n;
      if (IsStream && max - nn > maxRW) max = nn + maxRW;
      // A socket is written with MSG_NOSIGNAL: a peer that has gone is
      // EPIPE, not a SIGPIPE that kills the program (Go's runtime gets the
      // same by ignoring SIGPIPE for descriptors other than 1 and 2).
      long r = family != 0 ? io(SYS_sendto, long(b + nn), long(max - nn), MSG_NOSIGNAL, 0, 0)
                           : io(SYS_write, long(b + nn), long(max - nn), 0, 0, 0);
      if (r == -EINTR) continue;
      if (r > 0) nn += uintptr(r);
      if (nn == n) {
        *err = r < 0 ? int(-r) : 0;
        break;
      }
      if (r == -EAGAIN && pd != nullptr) {
        if ((*err = waitWrite()) == 0) continue;
        break;
      }
      if (r < 0) {
        *err = int(-r);
        break;
      }
      if (r == 0) {
        *err = net_error(errc::unexpected_eof);
        break;
      }
    }
  }
  writeUnlock();
  return long(nn);
}

// ReadFrom wraps the recvfrom network call (Go: FD.ReadFrom).
long netfd::ReadFrom(void* p, uintptr n, sockaddr_buf* from, int* err) {
  if ((*err = readLock()) != 0) return 0;
  long r = 0;
  if ((*err = prepareRead()) == 0) {
    for (;;) {
      uint32 len = sizeof from->b;
      r = io(SYS_recvfrom, long(p), long(n), 0, long(from->b), long(&len));
      if (r == -EINTR) continue;
      if (r < 0) {
        *err = int(-r);
        r = 0;
        from->len = 0;
        if (*err == EAGAIN && pd != nullptr) {
          if ((*err = waitRead()) == 0) continue;
        }
      } else {
        from->len = len;
        from->sotype = sotype;
      }
      *err = eofError(r, *err);
      break;
    }
  }
  readUnlock();
  return r;
}

// WriteTo wraps the sendto network call (Go: FD.WriteTo).
long netfd::WriteTo(const void* p, uintptr n, const sockaddr_buf* to, int* err) {
  if ((*err = writeLock()) != 0) return 0;
  long r = 0;
  if ((*err = prepareWrite()) == 0) {
    for (;;) {
      r = io(SYS_sendto, long(p), long(n), MSG_NOSIGNAL, long(to->b), long(to->len));
      if (r == -EINTR) continue;
      if (r == -EAGAIN && pd != nullptr) {
        if ((*err = waitWrite()) == 0) continue;
        r = 0;
        break;
      }
      if (r < 0) {
        *err = int(-r);
        r = 0;
      }
      break;
    }
  }
  writeUnlock();
  return r;
}

// Accept wraps the accept network call: the new descriptor, or -errno
// (Go: FD.Accept).
long netfd::Accept(sockaddr_buf* rsa) {
  if (int e = readLock(); e != 0) return -e;
  long s;
  if (int e = prepareRead(); e != 0) {
    s = -e;
  } else {
    for (;;) {
      uint32 len = sizeof rsa->b;
      s = io(SYS_accept4, long(rsa->b), long(&len), SOCK_NONBLOCK | SOCK_CLOEXEC, 0, 0);
      if (s >= 0) {
        rsa->len = len;
        rsa->sotype = sotype;
        break;
      }
      if (s == -EINTR) continue;
      if (s == -EAGAIN && pd != nullptr) {
        int e = waitRead();
        if (e == 0) continue;
        s = -e;
        break;
      }
      // This means that a socket on the listen queue was closed before we
      // Accept()ed it; it's a silly error, so try again.
      if (s == -ECONNABORTED) continue;
      break;
    }
  }
  readUnlock();
  return s;
}

// SetDeadline sets the read deadline (mode 'r'), the write deadline ('w')
// or both ('r'+'w'); d as runtime_pollSetDeadline takes it (Go:
// setDeadlineImpl, which gets a time.Time and computes d).
int netfd::SetDeadline(int64 d, int32 mode) {
  if (int e = incref(); e != 0) return e;
  int err = 0;
  if (pd == nullptr)
    err = net_error(errc::no_deadline);
  else
    poll_runtime_pollSetDeadline(pd, d, mode);
  decref();
  return err;
}

}  // namespace gort::detail

namespace gort::runtime {

// ---- networks and addresses (Go: net/ipsock.go, ip.go, unixsock.go) ----

using detail::netfd;

// A network name, parsed (Go: the switch in each Listen/Dial function and
// favoriteAddrFamily's look at the last character).
struct network {
  int32 sotype = 0;  // 0: unknown network
  bool ip = false;   // tcp, udp (else unix)
  char v = 0;        // '4' or '6' when the name says so
};

static bool streq(const char* a, uintptr n, const char* b) {
  uintptr m = rt_strlen(b);
  return n == m && rt_memcmp(a, b, n) == 0;
}

static network parseNetwork(const char* s, uintptr n) {
  network nw;
  struct {
    const char* name;
    int32 sotype;
    bool ip;
    char v;
  } static constexpr known[] = {
      {"tcp", SOCK_STREAM, true, 0},      {"tcp4", SOCK_STREAM, true, '4'}, {"tcp6", SOCK_STREAM, true, '6'},
      {"udp", SOCK_DGRAM, true, 0},       {"udp4", SOCK_DGRAM, true, '4'},  {"udp6", SOCK_DGRAM, true, '6'},
      {"unix", SOCK_STREAM, false, 0},    {"unixgram", SOCK_DGRAM, false, 0},
      {"unixpacket", SOCK_SEQPACKET, false, 0},
  };
  for (const auto& k : known)
    if (streq(s, n, k.name)) {
      nw.sotype = k.sotype;
      nw.ip = k.ip;
      nw.v = k.v;
    }
  return nw;
}

// An IP address, always in 16-byte form (IPv4 as ::ffff:a.b.c.d, as Go
// keeps it), with a zone index for link-local IPv6.
struct ipaddr {
  uint8 b[16];
  uint32 zone = 0;
};

static constexpr uint8 v4InV6Prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static bool isV4(const ipaddr& ip) { return rt_memcmp(ip.b, v4InV6Prefix, 12) == 0; }

static bool isUnspecified(const ipaddr& ip) {
  for (int i = 0; i < 16; i++)
    if (ip.b[i] != 0) return isV4(ip) && ip.b[12] == 0 && ip.b[13] == 0 && ip.b[14] == 0 && ip.b[15] == 0;
  return true;
}

static void setV4(ipaddr* ip, uint8 a, uint8 b, uint8 c, uint8 d) {
  rt_memmove(ip->b, v4InV6Prefix, 12);
  ip->b[12] = a;
  ip->b[13] = b;
  ip->b[14] = c;
  ip->b[15] = d;
  ip->zone = 0;
}

// Decimal to integer: number, characters consumed, success (Go: dtoi).
static constexpr int big = 0xFFFFFF;
static bool dtoi(const char* s, uintptr n, int* v, uintptr* c) {
  int x = 0;
  uintptr i = 0;
  for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
    x = x * 10 + (s[i] - '0');
    if (x >= big) return false;
  }
  *v = x;
  *c = i;
  return i > 0;
}

// Hexadecimal to integer (Go: xtoi).
static bool xtoi(const char* s, uintptr n, int* v, uintptr* c) {
  int x = 0;
  uintptr i = 0;
  for (; i < n; i++) {
    char ch = s[i];
    if (ch >= '0' && ch <= '9')
      x = x * 16 + (ch - '0');
    else if (ch >= 'a' && ch <= 'f')
      x = x * 16 + (ch - 'a' + 10);
    else if (ch >= 'A' && ch <= 'F')
      x = x * 16 + (ch - 'A' + 10);
    else
      break;
    if (x >= big) return false;
  }
  *v = x;
  *c = i;
  return i > 0;
}

// parseIPv4 parses a dotted quad (Go: parseIPv4, which rejects non-zero
// components with leading zeroes).
static bool parseIPv4(const char* s, uintptr n, ipaddr* ip) {
  uint8 p[4];
  for (int i = 0; i < 4; i++) {
    if (n == 0) return false;  // missing octets
    if (i > 0) {
      if (s[0] != '.') return false;
      s++;
      n--;
    }
    int v;
    uintptr c;
    if (!dtoi(s, n, &v, &c) || v > 0xFF) return false;
    if (c > 1 && s[0] == '0') return false;
    s += c;
    n -= c;
    p[i] = uint8(v);
  }
  if (n != 0) return false;
  setV4(ip, p[0], p[1], p[2], p[3]);
  return true;
}

// parseIPv6 parses an IPv6 literal as RFC 4291 and RFC 5952 describe it
// (Go: parseIPv6).
static bool parseIPv6(const char* s, uintptr n, ipaddr* ip) {
  uint8* b = ip->b;
  for (int k = 0; k < 16; k++) b[k] = 0;
  ip->zone = 0;
  int ellipsis = -1;  // position of ellipsis in ip
  // Might have leading ellipsis
  if (n >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    s += 2;
    n -= 2;
    // Might be only ellipsis
    if (n == 0) return true;
  }
  // Loop, parsing hex numbers followed by colon.
  int i = 0;
  while (i < 16) {
    // Hex number.
    int v;
    uintptr c;
    if (!xtoi(s, n, &v, &c) || v > 0xFFFF) return false;
    // If followed by dot, might be in trailing IPv4.
    if (c < n && s[c] == '.') {
      if (ellipsis < 0 && i != 16 - 4) return false;  // not the right place
      if (i + 4 > 16) return false;                   // not enough room
      ipaddr ip4;
      if (!parseIPv4(s, n, &ip4)) return false;
      b[i] = ip4.b[12];
      b[i + 1] = ip4.b[13];
      b[i + 2] = ip4.b[14];
      b[i + 3] = ip4.b[15];
      n = 0;
      i += 4;
      break;
    }
    // Save this 16-bit chunk.
    b[i] = uint8(v >> 8);
    b[i + 1] = uint8(v);
    i += 2;
    // Stop at end of string.
    s += c;
    n -= c;
    if (n == 0) break;
    // Otherwise must be followed by colon and more.
    if (s[0] != ':' || n == 1) return false;
    s++;
    n--;
    // Look for ellipsis.
    if (s[0] == ':') {
      if (ellipsis >= 0) return false;  // already have one
      ellipsis = i;
      s++;
      n--;
      if (n == 0) break;  // can be at end
    }
  }
  // Must have used entire string.
  if (n != 0) return false;
  // If didn't parse enough, expand ellipsis.
  if (i < 16) {
    if (ellipsis < 0) return false;
    int k = 16 - i;
    for (int j = i - 1; j >= ellipsis; j--) b[j + k] = b[j];
    for (int j = ellipsis + k - 1; j >= ellipsis; j--) b[j] = 0;
  } else if (ellipsis >= 0) {
    // Ellipsis must represent at least one 0 group.
    return false;
  }
  return true;
}

// parseIP parses a numeric IPv4 or IPv6 address; an IPv6 one may carry a
// zone, which must be a number here (an interface index: looking up
// interface names would need libc).
static bool parseIP(const char* s, uintptr n, ipaddr* ip) {
  for (uintptr i = 0; i < n; i++) {
    if (s[i] == '.') return parseIPv4(s, n, ip);
    if (s[i] == ':') {
      uintptr z = 0;
      while (z < n && s[z] != '%') z++;
      if (!parseIPv6(s, z, ip)) return false;
      if (z < n) {
        int v;
        uintptr c;
        if (!dtoi(s + z + 1, n - z - 1, &v, &c) || c != n - z - 1) return false;
        ip->zone = uint32(v);
      }
      return true;
    }
  }
  return false;
}

// splitHostPort splits "host:port", "[host]:port" or "[host%zone]:port"
// (Go: SplitHostPort).
static int splitHostPort(const char* hp, uintptr n, const char** host, uintptr* hostlen, const char** port,
                         uintptr* portlen) {
  uintptr j = 0, k = 0;
  // The port starts after the last colon.
  long i = -1;
  for (uintptr x = n; x > 0; x--)
    if (hp[x - 1] == ':') {
      i = long(x - 1);
      break;
    }
  if (i < 0) return net_error(errc::missing_port);
  if (hp[0] == '[') {
    // Expect the first ']' just before the last ':'.
    long end = -1;
    for (uintptr x = 0; x < n; x++)
      if (hp[x] == ']') {
        end = long(x);
        break;
      }
    if (end < 0) return net_error(errc::invalid_address);  // "missing ']' in address"
    if (uintptr(end + 1) == n) return net_error(errc::missing_port);  // no ':' behind the ']'
    if (end + 1 != i) {
      // Either ']' isn't followed by a colon, or it is followed by a colon
      // that is not the last one.
      return net_error(hp[end + 1] == ':' ? errc::too_many_colons : errc::missing_port);
    }
    *host = hp + 1;
    *hostlen = uintptr(end - 1);
    j = 1;
    k = uintptr(end + 1);  // there can't be a '[' resp. ']' before these positions
  } else {
    *host = hp;
    *hostlen = uintptr(i);
    for (uintptr x = 0; x < uintptr(i); x++)
      if (hp[x] == ':') return net_error(errc::too_many_colons);
  }
  for (uintptr x = j; x < n; x++)
    if (hp[x] == '[') return net_error(errc::invalid_address);  // "unexpected '[' in address"
  for (uintptr x = k; x < n; x++)
    if (hp[x] == ']') return net_error(errc::invalid_address);  // "unexpected ']' in address"
  *port = hp + i + 1;
  *portlen = n - uintptr(i) - 1;
  return 0;
}

// parsePort parses a decimal port, "" meaning 0 (Go: parsePort and
// LookupPort's range check). Service names (/etc/services) are not looked
// up: they are "invalid port".
static int parsePort(const char* s, uintptr n, int* port) {
  if (n == 0) {
    *port = 0;
    return 0;
  }
  uintptr i = 0;
  if (s[0] == '+') i++;
  if (i == n) return net_error(errc::invalid_port);
  uint32 v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return net_error(errc::invalid_port);
    v = v * 10 + uint32(s[i] - '0');
    if (v > 0xFFFF) return net_error(errc::invalid_port);
  }
  *port = int(v);
  return 0;
}

// sockaddrFromIP fills sa for ip:port in family (Go: ipToSockaddr).
static int sockaddrFromIP(int family, const ipaddr& ip, int port, int32 sotype, sockaddr_buf* sa) {
  for (auto& c : sa->b) c = 0;
  sa->sotype = sotype;
  if (family == AF_INET) {
    if (!isV4(ip) && !isUnspecified(ip)) return net_error(errc::invalid_address);  // not an IPv4 address
    auto* s4 = reinterpret_cast<sockaddr_in*>(sa->b);
    s4->sin_family = AF_INET;
    s4->sin_port = __builtin_bswap16(uint16_t(port));
    if (isV4(ip)) rt_memmove(&s4->sin_addr, ip.b + 12, 4);
    sa->len = sizeof(sockaddr_in);
    return 0;
  }
  auto* s6 = reinterpret_cast<sockaddr_in6*>(sa->b);
  s6->sin6_family = AF_INET6;
  s6->sin6_port = __builtin_bswap16(uint16_t(port));
  // As Go's ipToSockaddr: IPv4 0.0.0.0 in an IPv6 socket is the IPv6
  // unspecified address (a dual-stack wildcard), not ::ffff:0.0.0.0.
  if (!(isV4(ip) && isUnspecified(ip))) rt_memmove(&s6->sin6_addr, ip.b, 16);
  s6->sin6_scope_id = ip.zone;
  sa->len = sizeof(sockaddr_in6);
  return 0;
}

// unixSockaddr fills sa for a unix socket name: a path, or "@name" for
// Linux's abstract namespace (Go: UnixAddr.sockaddr).
static int unixSockaddr(const char* name, uintptr n, int32 sotype, sockaddr_buf* sa) {
  for (auto& c : sa->b) c = 0;
  sa->sotype = sotype;
  auto* su = reinterpret_cast<sockaddr_un*>(sa->b);
  if (n == 0) return net_error(errc::missing_address);
  if (n >= sizeof su->sun_path) return EINVAL;  // Go: syscall.EINVAL
  su->sun_family = AF_UNIX;
  rt_memmove(su->sun_path, name, n);
  if (name[0] == '@') {
    su->sun_path[0] = 0;  // abstract: no trailing NUL either
    sa->len = uint32(offsetof(sockaddr_un, sun_path) + n);
  } else {
    sa->len = uint32(offsetof(sockaddr_un, sun_path) + n + 1);
  }
  return 0;
}

// supportsIPv6 and supportsIPv4map: probed once, by binding a socket to
// [::1] (Go: ipStackCapabilities's probes).
constinit static std::atomic<int32> ipv6probe{-1};
static bool supportsIPv6() {
  int32 v = ipv6probe.load(std::memory_order_relaxed);
  if (v < 0) {
    v = 0;
    long s = syscall3(SYS_socket, AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s >= 0) {
      sockaddr_buf sa;
      ipaddr lo{};
      lo.b[15] = 1;
      sockaddrFromIP(AF_INET6, lo, 0, SOCK_STREAM, &sa);
      v = syscall3(SYS_bind, s, long(sa.b), sa.len) == 0;
      syscall1(SYS_close, s);
    }
    ipv6probe.store(v, std::memory_order_relaxed);
  }
  return v != 0;
}

// ---- the hosts file (Go: hosts.go) ----

// hostsLine adds to out the addresses of the hosts-file line [s, s+n) that
// names host (case-insensitively), of the versions wanted; returns the new
// count.
static int hostsLine(const char* s, uintptr n, const char* host, uintptr hostlen, bool want4, bool want6,
                     uint8 (*out)[16], int k, int max) {
  for (uintptr i = 0; i < n; i++)
    if (s[i] == '#') n = i;  // a comment runs to the end of the line
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  uintptr i = 0;
  while (i < n && space(s[i])) i++;
  uintptr a = i;
  while (i < n && !space(s[i])) i++;
  ipaddr ip;
  if (i == a || !parseIP(s + a, i - a, &ip)) return k;
  if (isV4(ip) ? !want4 : !want6) return k;
  while (i < n && k < max) {
    while (i < n && space(s[i])) i++;
    uintptr b = i;
    while (i < n && !space(s[i])) i++;
    if (i - b != hostlen) continue;
    bool same = true;
    for (uintptr j = 0; j < hostlen && same; j++) {
      char x = s[b + j], y = host[j];
      if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
      if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
      same = x == y;
    }
    if (same) {
      rt_memmove(out[k++], ip.b, 16);
      break;
    }
  }
  return k;
}

// lookupStaticHost looks host up in /etc/hosts (Go: lookupStaticHost):
// up to max addresses, in the file's order, as flavour_lookuphost returns
// them; 0 if the file does not name it. Raw system calls only, for a
// flavour without a resolver of its own (the nolibc flavour).
int lookupStaticHost(const char* host, bool want4, bool want6, std::uint8_t (*out)[16], int max) {
  uintptr hostlen = 0;
  while (host[hostlen] != 0) hostlen++;
  long fd = sys_openat(AT_FDCWD, "/etc/hosts", O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return 0;
  char buf[4096];
  uintptr have = 0;
  bool skipping = false;  // inside a line longer than buf: ignored, as no name fits one
  int k = 0;
  for (;;) {
    long r = sys_read(int(fd), buf + have, sizeof buf - have);
    if (r == -EINTR) continue;
    bool eof = r <= 0;
    if (!eof) have += uintptr(r);
    uintptr start = 0;
    for (uintptr i = 0; i < have && k < max; i++) {
      if (buf[i] != '\n') continue;
      if (!skipping) k = hostsLine(buf + start, i - start, host, hostlen, want4, want6, out, k, max);
      skipping = false;
      start = i + 1;
    }
    if (eof || k >= max) {
      if (!skipping && start < have && k < max)
        k = hostsLine(buf + start, have - start, host, hostlen, want4, want6, out, k, max);
      break;
    }
    if (start == 0 && have == sizeof buf) {
      skipping = true;
      start = have;
    }
    rt_memmove(buf, buf + start, have - start);
    have -= start;
  }
  sys_close(int(fd));
  return k;
}

// A resolved list of addresses (Go: addrList), at most a few.
struct addrList {
  static constexpr int kMax = 8;
  ipaddr ip[kMax];
  int n = 0;
  int port = 0;
};

// resolveIP turns a host into addresses: a numeric one, "localhost"
// (127.0.0.1, or ::1 for a network ending in 6: what /etc/hosts says on
// Debian), "" (the unspecified address), or a name the flavour looks up.
static int resolveHost(const network& nw, const char* host, uintptr n, addrList* out) {
  out->n = 0;
  if (n == 0) {
    // No host: the wildcard for listening, the local system for dialing
    // (Go: "If the host is empty ... the local system is assumed").
    setV4(&out->ip[0], 0, 0, 0, 0);
    if (nw.v == '6') out->ip[0] = ipaddr{};
    out->n = 1;
    return 0;
  }
  if (parseIP(host, n, &out->ip[0])) {
    out->n = 1;
  } else if (n == 9 && rt_memcmp(host, "localhost", 9) == 0) {
    if (nw.v == '6') {
      out->ip[0] = ipaddr{};
      out->ip[0].b[15] = 1;
    } else {
      setV4(&out->ip[0], 127, 0, 0, 1);
    }
    out->n = 1;
  } else {
    char name[256];
    if (n >= sizeof name) return net_error(errc::no_such_host);
    rt_memmove(name, host, n);
    name[n] = 0;
    int r = flavour_lookuphost(name, nw.v != '6', nw.v != '4', reinterpret_cast<uint8(*)[16]>(out->ip), addrList::kMax);
    if (r < 0) return -r;
    for (int i = 0; i < r; i++) out->ip[i].zone = 0;
    out->n = r;
  }
  // Filter by the network's version (Go: filterAddrList with ipv4only or
  // ipv6only).
  int k = 0;
  for (int i = 0; i < out->n; i++) {
    bool v4 = isV4(out->ip[i]);
    if ((nw.v == '4' && !v4) || (nw.v == '6' && v4)) continue;
    out->ip[k++] = out->ip[i];
  }
  out->n = k;
  if (k == 0) return net_error(errc::no_suitable_address);
  return 0;
}

static int resolveIPAddr(const network& nw, const char* a, uintptr n, addrList* out) {
  const char *host, *port;
  uintptr hostlen, portlen;
  if (int e = splitHostPort(a, n, &host, &hostlen, &port, &portlen); e != 0) return e;
  if (int e = parsePort(port, portlen, &out->port); e != 0) return e;
  return resolveHost(nw, host, hostlen, out);
}

// favoriteAddrFamily returns the appropriate address family for the given
// network, laddr, raddr and mode, and whether the socket is IPv6-only
// (Go: favoriteAddrFamily).
static int favoriteAddrFamily(const network& nw, const ipaddr* laddr, const ipaddr* raddr, bool listen,
                              bool* ipv6only) {
  *ipv6only = false;
  if (nw.v == '4') return AF_INET;
  if (nw.v == '6') {
    *ipv6only = true;
    return AF_INET6;
  }
  if (listen && (laddr == nullptr || isUnspecified(*laddr))) {
    // A wildcard listener: dual-stack when IPv4-mapped addresses work.
    if (supportsIPv6()) return AF_INET6;
    return AF_INET;
  }
  if ((laddr == nullptr || isV4(*laddr)) && (raddr == nullptr || isV4(*raddr))) return AF_INET;
  return AF_INET6;
}

// ---- sockets (Go: net/sock_posix.go, fd_unix.go) ----

static netfd* newFD(int sysfd, int family, int sotype) {
  void* mem = flavour_malloc(sizeof(netfd), alignof(netfd));
  if (mem == nullptr) return nullptr;
  netfd* fd = new (mem) netfd();
  fd->Sysfd = sysfd;
  fd->family = family;
  fd->sotype = sotype;
  fd->IsStream = sotype == SOCK_STREAM;
  fd->ZeroReadIsEOF = sotype != SOCK_DGRAM && sotype != SOCK_RAW;
  fd->laddr.len = 0;
  fd->raddr.len = 0;
  return fd;
}

static void freeFD(netfd* fd) {
  fd->~netfd();
  flavour_free(fd);
}

// sysSocket makes a socket, non-blocking and close-on-exec (Go: sysSocket),
// with Go's default options (setDefaultSockopts).
static long sysSocket(int family, int sotype, bool ipv6only) {
  long s = syscall3(SYS_socket, family, sotype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return s;
  long r = 0;
  if (family == AF_INET6 && sotype != SOCK_RAW) {
    // Allow both IP versions even if the OS default is otherwise. Note
    // that some operating systems never admit this option.
    sysSetsockoptInt(int(s), IPPROTO_IPV6, IPV6_V6ONLY, ipv6only ? 1 : 0);
  }
  if ((family == AF_INET || family == AF_INET6) && sotype == SOCK_DGRAM) {
    // Allow broadcast.
    r = sysSetsockoptInt(int(s), SOL_SOCKET, SO_BROADCAST, 1);
  }
  if (r < 0) {
    syscall1(SYS_close, s);
    return r;
  }
  return s;
}

// A new TCP connection: Nagle off (Go: newTCPConn's setNoDelay).
static void newTCPConn(netfd* fd) {
  if (fd->family != AF_UNIX && fd->sotype == SOCK_STREAM) sysSetsockoptInt(fd->Sysfd, IPPROTO_TCP, TCP_NODELAY, 1);
}

// connect connects fd to ra, waiting in the poller (Go: netFD.connect).
// deadline: a nanotime, or 0.
static int connect(netfd* fd, const sockaddr_buf* ra, int64 deadline) {
  long r = syscall3(SYS_connect, fd->Sysfd, long(ra->b), ra->len);
  switch (-r) {
    case EINPROGRESS:
    case EALREADY:
    case EINTR:
      break;
    case 0:
    case EISCONN:
      return fd->Init(true);
    default:
      return int(-r);
  }
  if (int e = fd->Init(true); e != 0) return e;
  if (deadline != 0) {
    int64 d = deadline - nanotime();
    poll_runtime_pollSetDeadline(fd->pd, d > 0 ? d : -1, 'w');
  }
  int err = 0;
  for (;;) {
    // Performing multiple connect system calls on a non-blocking socket
    // under Unix variants does not necessarily result in earlier errors
    // being returned. Instead, once runtime-integrated network poller
    // tells us that the socket is ready, get the SO_ERROR socket option to
    // see if the connection succeeded or failed.
    if ((err = fd->waitWrite()) != 0) break;
    int nerr = 0;
    if (long e = sysGetsockoptInt(fd->Sysfd, SOL_SOCKET, SO_ERROR, &nerr); e < 0) {
      err = int(-e);
      break;
    }
    if (nerr == EINPROGRESS || nerr == EALREADY || nerr == EINTR) continue;
    if (nerr == EISCONN) break;
    if (nerr == 0) {
      // The runtime poller can wake us up spuriously; check that we are
      // really connected; if not, wait again.
      sockaddr_buf peer;
      if (sysSockname(SYS_getpeername, fd->Sysfd, &peer) == 0) break;
      continue;
    }
    err = nerr;
    break;
  }
  if (deadline != 0) poll_runtime_pollSetDeadline(fd->pd, 0, 'w');
  return err;
}

// socket returns a network file descriptor, ready for asynchronous I/O
// using the network poller: listening when ra is null, else connected
// (Go: socket). deadline is for the connect, a nanotime or 0.
static int socket(const network& nw, int family, bool ipv6only, const sockaddr_buf* la, const sockaddr_buf* ra,
                  int64 deadline, netfd** out) {
  long s = sysSocket(family, nw.sotype, ipv6only);
  if (s < 0) return int(-s);
  netfd* fd = newFD(int(s), family, nw.sotype);
  if (fd == nullptr) {
    syscall1(SYS_close, s);
    return ENOMEM;
  }
  int err = 0;
  if (ra == nullptr) {
    if (nw.sotype == SOCK_STREAM || nw.sotype == SOCK_SEQPACKET) {
      // listenStream (Go: setDefaultListenerSockopts, bind, listen).
      if (family != AF_UNIX) sysSetsockoptInt(int(s), SOL_SOCKET, SO_REUSEADDR, 1);
      if (long r = syscall3(SYS_bind, s, long(la->b), la->len); r < 0)
        err = int(-r);
      // Go reads the backlog from /proc/sys/net/core/somaxconn; Linux
      // caps whatever listen asks for at that value, so ask for the most.
      else if ((r = syscall2(SYS_listen, s, 65535)) < 0)
        err = int(-r);
      else
        err = fd->Init(true);
    } else {
      // listenDatagram.
      if (long r = syscall3(SYS_bind, s, long(la->b), la->len); r < 0)
        err = int(-r);
      else
        err = fd->Init(true);
    }
  } else {
    if (la != nullptr)
      if (long r = syscall3(SYS_bind, s, long(la->b), la->len); r < 0) err = int(-r);
    if (err == 0) err = connect(fd, ra, deadline);
    if (err == 0) {
      if (sysSockname(SYS_getpeername, int(s), &fd->raddr) != 0) rt_memmove(&fd->raddr, ra, sizeof *ra);
      fd->raddr.sotype = nw.sotype;
      newTCPConn(fd);
    }
  }
  if (err != 0) {
    fd->Close();
    freeFD(fd);
    return err;
  }
  *out = fd;
  return 0;
}

static int listen(const network& nw, const char* a, uintptr n, netfd** out) {
  if (!nw.ip) {
    sockaddr_buf la;
    if (int e = unixSockaddr(a, n, nw.sotype, &la); e != 0) return e;
    int e = socket(nw, AF_UNIX, false, &la, nullptr, 0, out);
    // A path the listener made is removed when it is closed (Go:
    // UnixListener's unlink).
    if (e == 0 && a[0] != '@' && nw.sotype != SOCK_DGRAM) (*out)->unlink = true;
    if (e == 0) rt_memmove(&(*out)->laddr, &la, sizeof la);
    return e;
  }
  addrList al;
  if (int e = resolveIPAddr(nw, a, n, &al); e != 0) return e;
  // Go listens on the first address (Go: listen's first(isIPv4) or the
  // whole list's first).
  bool ipv6only;
  int family = favoriteAddrFamily(nw, &al.ip[0], nullptr, true, &ipv6only);
  sockaddr_buf la;
  if (int e = sockaddrFromIP(family, al.ip[0], al.port, nw.sotype, &la); e != 0) return e;
  return socket(nw, family, ipv6only, &la, nullptr, 0, out);
}

// partialDeadline returns the deadline to use for a single address, when
// multiple addresses are pending (Go: partialDeadline).
static int partialDeadline(int64 now, int64 deadline, int addrsRemaining, int64* out) {
  if (deadline == 0) {
    *out = 0;
    return 0;
  }
  int64 timeRemaining = deadline - now;
  if (timeRemaining <= 0) return net_error(errc::timeout);
  // Tentatively allocate equal time to each remaining address.
  int64 timeout = timeRemaining / addrsRemaining;
  // If the time per address is too short, steal from the end of the list.
  constexpr int64 saneMinimum = int64(2) * 1000 * 1000 * 1000;
  if (timeout < saneMinimum) timeout = timeRemaining < saneMinimum ? timeRemaining : saneMinimum;
  *out = now + timeout;
  return 0;
}

static int dial(const network& nw, const char* a, uintptr n, int64 timeout, netfd** out) {
  int64 deadline = 0;
  if (timeout > 0) {
    deadline = nanotime() + timeout;
    if (deadline < 0) deadline = maxWhen;
  }
  if (!nw.ip) {
    sockaddr_buf ra;
    if (int e = unixSockaddr(a, n, nw.sotype, &ra); e != 0) return e;
    return socket(nw, AF_UNIX, false, nullptr, &ra, deadline, out);
  }
  addrList al;
  if (int e = resolveIPAddr(nw, a, n, &al); e != 0) return e;
  // Dial each address in turn, until one succeeds; the first error is the
  // one reported (Go: dialSerial).
  int firstErr = 0;
  for (int i = 0; i < al.n; i++) {
    int64 partial;
    if (int e = partialDeadline(nanotime(), deadline, al.n - i, &partial); e != 0) {
      if (firstErr == 0) firstErr = e;
      break;
    }
    // Go dials "the local system" for an unspecified address.
    ipaddr ip = al.ip[i];
    if (isUnspecified(ip)) {
      if (isV4(ip))
        setV4(&ip, 127, 0, 0, 1);
      else
        ip.b[15] = 1;
    }
    bool ipv6only;
    int family = favoriteAddrFamily(nw, nullptr, &ip, false, &ipv6only);
    sockaddr_buf ra;
    int e = sockaddrFromIP(family, ip, al.port, nw.sotype, &ra);
    if (e == 0) e = socket(nw, family, ipv6only, nullptr, &ra, partial, out);
    if (e == 0) return 0;
    if (firstErr == 0) firstErr = e;
  }
  return firstErr;
}

// ---- formatting addresses (Go: IP.String, JoinHostPort, UnixAddr.String) ----

struct outbuf {
  char* p;
  uintptr n;
  uintptr len = 0;
  void put(char c) {
    if (len + 1 < n) p[len] = c;
    len++;
  }
  void puts(const char* s) {
    while (*s != 0) put(*s++);
  }
  void putdec(uint32 v) {
    char t[10];
    int i = 0;
    do {
      t[i++] = char('0' + v % 10);
      v /= 10;
    } while (v != 0);
    while (i > 0) put(t[--i]);
  }
  void puthex(uint32 v) {
    static constexpr char hexDigit[] = "0123456789abcdef";
    bool any = false;
    for (int j = 3; j >= 0; j--) {
      uint32 d = (v >> (j * 4)) & 0xf;
      if (d != 0 || any || j == 0) {
        put(hexDigit[d]);
        any = true;
      }
    }
  }
};

// putIP writes ip as Go's IP.String does: dotted for IPv4 (IPv4-mapped
// included), else RFC 5952 with the longest run of zero groups as "::".
static void putIP(outbuf* o, const uint8* p, bool v4) {
  if (v4) {
    for (int i = 0; i < 4; i++) {
      if (i > 0) o->put('.');
      o->putdec(p[i]);
    }
    return;
  }
  if (rt_memcmp(p, v4InV6Prefix, 12) == 0) return putIP(o, p + 12, true);
  // Find longest run of zeros.
  int e0 = -1, e1 = -1;
  for (int i = 0; i < 16; i += 2) {
    int j = i;
    while (j < 16 && p[j] == 0 && p[j + 1] == 0) j += 2;
    if (j > i && j - i > e1 - e0) {
      e0 = i;
      e1 = j;
      i = j;
    }
  }
  // The symbol "::" MUST NOT be used to shorten just one 16 bit 0 field.
  if (e1 - e0 <= 2) e0 = e1 = -1;
  // Print with possible :: in place of run of zeros
  for (int i = 0; i < 16; i += 2) {
    if (i == e0) {
      o->put(':');
      o->put(':');
      i = e1;
      if (i >= 16) break;
    } else if (i > 0) {
      o->put(':');
    }
    o->puthex((uint32(p[i]) << 8) | p[i + 1]);
  }
}

}  // namespace gort::runtime

// ---- the seam (include/gort/net_abi.hpp) ----

namespace gort::detail {

using namespace gort::runtime;

// curg: the net calls are made by goroutines; anything else is a misuse
// that would crash in the semaphores (Go cannot even express it).
static inline void curg() {
  if (__builtin_expect(getg() == nullptr, 0)) {
    print("gort: gort::net called from a thread that gort does not manage, or before the runtime started\n");
    exit_group(2);
  }
}

long netfd_listen(const char* net, std::size_t netlen, const char* addr, std::size_t addrlen, netfd** out) noexcept {
  curg();
  network nw = parseNetwork(net, netlen);
  if (nw.sotype == 0 || nw.sotype == SOCK_DGRAM) return -net_error(errc::unknown_network);
  return -runtime::listen(nw, addr, addrlen, out);
}

long netfd_listen_packet(const char* net, std::size_t netlen, const char* addr, std::size_t addrlen,
                         netfd** out) noexcept {
  curg();
  network nw = parseNetwork(net, netlen);
  if (nw.sotype != SOCK_DGRAM) return -net_error(errc::unknown_network);
  return -runtime::listen(nw, addr, addrlen, out);
}

long netfd_dial(const char* net, std::size_t netlen, const char* addr, std::size_t addrlen, std::int64_t timeout_ns,
                netfd** out) noexcept {
  curg();
  network nw = parseNetwork(net, netlen);
  if (nw.sotype == 0) return -net_error(errc::unknown_network);
  if (addrlen == 0) return -net_error(errc::missing_address);
  return -runtime::dial(nw, addr, addrlen, timeout_ns, out);
}

// Go: netFD.accept, and TCPListener.accept's newTCPConn.
long netfd_accept(netfd* fd, netfd** out) noexcept {
  curg();
  sockaddr_buf rsa;
  long s = fd->Accept(&rsa);
  if (s < 0) return s;
  netfd* nfd = newFD(int(s), fd->family, fd->sotype);
  if (nfd == nullptr) {
    syscall1(SYS_close, s);
    return -ENOMEM;
  }
  if (int e = nfd->Init(true); e != 0) {
    nfd->Close();
    freeFD(nfd);
    return -e;
  }
  rt_memmove(&nfd->raddr, &rsa, sizeof rsa);
  newTCPConn(nfd);
  *out = nfd;
  return 0;
}

// Go: os.NewFile for a descriptor that is, or can be made, non-blocking
// (newFile's kindNonBlock), registered with the poller when epoll takes
// it; regular files and other descriptors that epoll refuses are used in
// blocking mode.
long netfd_open(int sysfd, netfd** out) noexcept {
  curg();
  long fl = sysFcntl(sysfd, F_GETFL, 0);
  if (fl < 0) return fl;
  netfd* fd = newFD(sysfd, 0, SOCK_STREAM);
  if (fd == nullptr) return -ENOMEM;
  fd->isFile = true;
  // Our addition: the libc hooks may have put sysfd on the poller already.
  if (hookfdtakeover != nullptr) hookfdtakeover(sysfd);
  if (fd->Init(true) == 0 && (fl & O_NONBLOCK) == 0) {
    if (sysFcntl(sysfd, F_SETFL, fl | O_NONBLOCK) == 0) {
      fd->restoreFlags = true;
      fd->origFlags = int32(fl);
    } else {
      // Cannot be made non-blocking: use it in blocking mode.
      poll_runtime_pollUnblock(fd->pd);
      poll_runtime_pollClose(fd->pd);
      fd->pd = nullptr;
      fd->isBlocking.store(1);
    }
  }
  *out = fd;
  return 0;
}

long netfd_read(netfd* fd, void* p, std::size_t n, int* err) noexcept {
  curg();
  return fd->Read(p, n, err);
}

long netfd_write(netfd* fd, const void* p, std::size_t n, int* err) noexcept {
  curg();
  return fd->Write(p, n, err);
}

long netfd_read_from(netfd* fd, void* p, std::size_t n, sockaddr_buf* from, int* err) noexcept {
  curg();
  return fd->ReadFrom(p, n, from, err);
}

long netfd_write_to(netfd* fd, const void* p, std::size_t n, const sockaddr_buf* to, int* err) noexcept {
  curg();
  return fd->WriteTo(p, n, to, err);
}

// closeFD: a unix listener removes its socket file first (Go:
// UnixListener.close), then FD.Close.
static int closeFD(netfd* fd) {
  if (fd->unlink && fd->fdmu.incref()) {
    fd->unlink = false;
    auto* su = reinterpret_cast<sockaddr_un*>(fd->laddr.b);
    syscall1(SYS_unlink, long(su->sun_path));
    fd->decref();
  }
  return fd->Close();
}

int netfd_close(netfd* fd) noexcept {
  curg();
  return closeFD(fd);
}

// netfd_free closes fd if nobody has, and frees it once every call on it
// has returned: the Close (which may be another goroutine's, still on its
// way out), and in blocking mode the calls Close did not wait for (Go:
// FD.Close; Go's collector frees the FD when nothing refers to it).
void netfd_free(netfd* fd) noexcept {
  curg();
  if ((fd->fdmu.state.load() & mutexClosed) == 0) closeFD(fd);
  semacquire(&fd->fsema);
  if (!fd->closeWaited) semacquire(&fd->csema);
  freeFD(fd);
}

int netfd_shutdown(netfd* fd, int how) noexcept {
  curg();
  if (int e = fd->incref(); e != 0) return e;
  long r = syscall2(SYS_shutdown, fd->Sysfd, how);
  fd->decref();
  return r < 0 ? int(-r) : 0;
}

int netfd_set_deadline(netfd* fd, std::int64_t d, int mode) noexcept {
  curg();
  return fd->SetDeadline(d, mode);
}

int netfd_setsockopt_int(netfd* fd, int level, int name, int value) noexcept {
  curg();
  if (int e = fd->incref(); e != 0) return e;
  long r = sysSetsockoptInt(fd->Sysfd, level, name, value);
  fd->decref();
  return r < 0 ? int(-r) : 0;
}

// Go keeps both addresses from the moment a socket connects or is
// accepted; here the local one is asked of the kernel when first wanted,
// which saves a system call per accepted connection.
int netfd_addr(netfd* fd, bool remote, sockaddr_buf* out) noexcept {
  curg();
  if (fd->family == 0) return EINVAL;  // a gort::fd
  sockaddr_buf* a = remote ? &fd->raddr : &fd->laddr;
  if (!remote && a->len == 0) {
    if (int e = fd->incref(); e != 0) return e;
    sysSockname(SYS_getsockname, fd->Sysfd, a);
    a->sotype = fd->sotype;
    fd->decref();
  }
  rt_memmove(out, a, sizeof *a);
  out->sotype = fd->sotype;
  return 0;
}

int netfd_sysfd(netfd* fd) noexcept { return fd->Sysfd; }

int netfd_release(netfd* fd, int* err) noexcept {
  curg();
  int sysfd = fd->Sysfd;
  if (!fd->fdmu.incref()) {
    *err = errClosing(fd->isFile);
    return -1;
  }
  fd->keepSysfd = true;
  fd->decref();
  *err = fd->Close();
  netfd_free(fd);
  // In blocking mode, as Go's File.Fd leaves it (a gort::fd that was
  // blocking before has had its flags put back by destroy already).
  if (long fl = sysFcntl(sysfd, F_GETFL, 0); fl >= 0 && (fl & O_NONBLOCK) != 0)
    sysFcntl(sysfd, F_SETFL, fl & ~long(O_NONBLOCK));
  return sysfd;
}

std::size_t net_format_addr(const sockaddr_buf* a, char* buf, std::size_t n) noexcept {
  outbuf o{buf, n};
  const auto* sa = reinterpret_cast<const sockaddr*>(a->b);
  if (a->len == 0) {
    o.puts("<nil>");
  } else if (sa->sa_family == AF_INET) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(a->b);
    putIP(&o, reinterpret_cast<const uint8*>(&s4->sin_addr), true);
    o.put(':');
    o.putdec(__builtin_bswap16(s4->sin_port));
  } else if (sa->sa_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(a->b);
    const auto* ip = reinterpret_cast<const uint8*>(&s6->sin6_addr);
    bool v4 = rt_memcmp(ip, v4InV6Prefix, 12) == 0;
    if (!v4) o.put('[');
    putIP(&o, ip, false);
    if (s6->sin6_scope_id != 0) {
      o.put('%');
      o.putdec(s6->sin6_scope_id);
    }
    if (!v4) o.put(']');
    o.put(':');
    o.putdec(__builtin_bswap16(s6->sin6_port));
  } else if (sa->sa_family == AF_UNIX) {
    const auto* su = reinterpret_cast<const sockaddr_un*>(a->b);
    uintptr len = a->len > offsetof(sockaddr_un, sun_path) ? a->len - offsetof(sockaddr_un, sun_path) : 0;
    if (len > 0 && su->sun_path[0] == 0) {
      // Linux's abstract namespace: "@name" (Go's form).
      o.put('@');
      for (uintptr i = 1; i < len; i++) o.put(su->sun_path[i]);
    } else {
      for (uintptr i = 0; i < len && su->sun_path[i] != 0; i++) o.put(su->sun_path[i]);
    }
  } else {
    o.puts("<unknown address family>");
  }
  if (n > 0) buf[o.len < n ? o.len : n - 1] = 0;
  return o.len;
}

int net_resolve_addr(const char* net, std::size_t netlen, const char* addr, std::size_t addrlen,
                     sockaddr_buf* out) noexcept {
  network nw = parseNetwork(net, netlen);
  if (nw.sotype == 0) return net_error(errc::unknown_network);
  if (!nw.ip) return unixSockaddr(addr, addrlen, nw.sotype, out);
  addrList al;
  if (int e = resolveIPAddr(nw, addr, addrlen, &al); e != 0) return e;
  bool ipv6only;
  int family = favoriteAddrFamily(nw, nullptr, &al.ip[0], false, &ipv6only);
  return sockaddrFromIP(family, al.ip[0], al.port, nw.sotype, out);
}

}  // namespace gort::detail
