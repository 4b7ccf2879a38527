// runtime/syscall_linux.cpp: the blocking calls of the C library, made the
// way a goroutine must make them (Go: syscall_linux.go's Syscall, which
// brackets every system call with entersyscall and exitsyscall, and
// time.Sleep).
//
// Go's goroutines reach the kernel only through Go's own syscall package,
// so Go's scheduler hears of every call that may block. C++ code calls libc
// (and so does every library it uses), so here the runtime defines the
// blocking entry points of libc itself: read, write, nanosleep, waitpid,
// ... . These definitions sit in the crt object, which every gort program
// links, and the link exports them from the executable (the dynamic list
// the Makefile writes from kHooks below): the executable comes first in
// the dynamic linker's lookup scope, so calls from the program and from
// every shared library it loads, dlopen'ed ones included, bind here
// (ELF interposition). libc's own internal calls do not (stdio's write,
// system's waitpid); sysmon's retakeblocked catches those when they block.
//
// Each hook does the system call itself (through arch/, without libc):
//   - the sleeps park the goroutine on a timer (timeSleep), no M blocks;
//   - reads and waits that would block are found out first without
//     blocking (RWF_NOWAIT, MSG_DONTWAIT, a zero timeout, WNOHANG,
//     LOCK_NB), and then made inside entersyscallblock, which hands the P
//     to another M at once; if they would not block they cost nothing more;
//   - calls that block only now and then (write, open, fsync, connect)
//     are made inside entersyscall: retake hands the P off if they do.
// What the caller sees of the call (its result, errno, the file's flags
// and its blocking semantics) is what libc would give. A call made on g0,
// on a thread gort does not manage, before the runtime is up, inside a
// system call already (gort::syscall), or with GODEBUG=syscallhook=0 goes
// straight to the kernel. The hooks that need libc's own code
// (getaddrinfo, the pthread calls) are the hosted flavour's
// (boot/hooks_hosted.cpp). gort(7), "SYSTEM CALLS", lists them all.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdarg>

#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

using arch::syscall3;
using arch::syscall4;
using arch::syscall5;
using arch::syscall6;

// ret turns a raw result into libc's: -1 with errno set.
static inline long ret(long r) {
  if (__builtin_expect(r < 0 && r > -4096, 0)) {
    *flavour_errno() = int(-r);
    return -1;
  }
  return r;
}

// insyscall makes a system call between entersyscall (or, with block,
// entersyscallblock) and exitsyscall. Its frame stays alive for the whole
// call, which is what the tracebacks of a goroutine in a system call show.
[[gnu::noinline]] static long insyscall(bool block, long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
  if (block)
    entersyscallblock();
  else
    entersyscall();
  long r = syscall6(nr, a1, a2, a3, a4, a5, a6);
  exitsyscall();
  return r;
}

template <class... A>
static inline long call(bool block, long nr, A... a) {
  long v[6] = {long(a)...};
  return insyscall(block, nr, v[0], v[1], v[2], v[3], v[4], v[5]);
}

// direct is a hook's call when it may not go through the scheduler.
template <class... A>
static inline long direct(long nr, A... a) {
  long v[6] = {long(a)...};
  return ret(syscall6(nr, v[0], v[1], v[2], v[3], v[4], v[5]));
}

static inline bool nonblocking(int fd) {
  long fl = syscall3(SYS_fcntl, fd, F_GETFL, 0);
  return fl >= 0 && (fl & O_NONBLOCK) != 0;
}

// readwait reads without waiting first (preadv2 with RWF_NOWAIT, which
// pipes, sockets and the page cache honour; off -1 is the file position,
// as read uses). When that would block and the file is in blocking mode,
// the read is made inside entersyscallblock; a file that does not do
// RWF_NOWAIT (a terminal, some devices) is read inside entersyscall.
static long readwait(int fd, const iovec* iov, int iovcnt, long off) {
  long r = syscall6(SYS_preadv2, fd, long(iov), iovcnt, off, 0, RWF_NOWAIT);
  if (r != -EAGAIN && r != -EOPNOTSUPP) return ret(r);
  bool block = r == -EAGAIN;
  if (block && nonblocking(fd)) return ret(r);
  return ret(call(block, SYS_preadv2, fd, long(iov), iovcnt, off, 0, 0));
}

// nstimespec is a timespec's length in nanoseconds, or -1 if invalid.
static inline int64 nstimespec(const timespec* ts) {
  if (ts == nullptr || ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000) return -1;
  if (ts->tv_sec >= (int64(1) << 62) / 1000000000) return int64(1) << 62;
  return int64(ts->tv_sec) * 1000000000 + ts->tv_nsec;
}

// The functions below must keep their libc names: asm labels fix the
// symbols, since the C++ names live in this namespace.
#define HOOK(name) asm(#name)

// ---- reads: what would wait is found out first ----

extern "C" ssize_t hook_read(int fd, void* buf, size_t n) HOOK(read);
ssize_t hook_read(int fd, void* buf, size_t n) {
  if (!hookable()) return direct(SYS_read, fd, buf, n);
  iovec v{buf, n};
  return readwait(fd, &v, 1, -1);
}

extern "C" ssize_t hook_readv(int fd, const iovec* iov, int iovcnt) HOOK(readv);
ssize_t hook_readv(int fd, const iovec* iov, int iovcnt) {
  if (!hookable()) return direct(SYS_readv, fd, iov, iovcnt);
  return readwait(fd, iov, iovcnt, -1);
}

extern "C" ssize_t hook_pread(int fd, void* buf, size_t n, off_t off) HOOK(pread);
extern "C" ssize_t hook_pread64(int fd, void* buf, size_t n, off_t off) HOOK(pread64);
ssize_t hook_pread(int fd, void* buf, size_t n, off_t off) {
  if (!hookable() || off < 0) return direct(SYS_pread64, fd, buf, n, off);
  iovec v{buf, n};
  return readwait(fd, &v, 1, off);
}
ssize_t hook_pread64(int fd, void* buf, size_t n, off_t off) { return hook_pread(fd, buf, n, off); }

// recvflags: a receive that would wait is found out with MSG_DONTWAIT.
static long recvwait(int fd, long nr, long a1, long a2, long flags, long a4, long a5) {
  if (!hookable() || (flags & MSG_DONTWAIT) != 0) return direct(nr, fd, a1, a2, flags, a4, a5);
  long r = syscall6(nr, fd, a1, a2, flags | MSG_DONTWAIT, a4, a5);
  if (r != -EAGAIN || nonblocking(fd)) return ret(r);
  return ret(call(true, nr, fd, a1, a2, flags, a4, a5));
}

extern "C" ssize_t hook_recv(int fd, void* buf, size_t n, int flags) HOOK(recv);
ssize_t hook_recv(int fd, void* buf, size_t n, int flags) {
  return recvwait(fd, SYS_recvfrom, long(buf), long(n), flags, 0, 0);
}

extern "C" ssize_t hook_recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* from, socklen_t* fromlen)
    HOOK(recvfrom);
ssize_t hook_recvfrom(int fd, void* buf, size_t n, int flags, sockaddr* from, socklen_t* fromlen) {
  return recvwait(fd, SYS_recvfrom, long(buf), long(n), flags, long(from), long(fromlen));
}

extern "C" ssize_t hook_recvmsg(int fd, msghdr* msg, int flags) HOOK(recvmsg);
ssize_t hook_recvmsg(int fd, msghdr* msg, int flags) {
  if (!hookable() || (flags & MSG_DONTWAIT) != 0) return direct(SYS_recvmsg, fd, msg, flags);
  long r = syscall3(SYS_recvmsg, fd, long(msg), flags | MSG_DONTWAIT);
  if (r != -EAGAIN || nonblocking(fd)) return ret(r);
  return ret(call(true, SYS_recvmsg, fd, msg, flags));
}

// acceptwait: a blocking accept with no connection queued waits inside
// entersyscallblock (poll with a zero timeout tells).
static long acceptwait(int fd, sockaddr* addr, socklen_t* len, int flags) {
  if (!hookable()) return direct(SYS_accept4, fd, addr, len, flags);
  pollfd p{fd, POLLIN, 0};
  bool block = syscall3(SYS_poll, long(&p), 1, 0) == 0 && !nonblocking(fd);
  return ret(call(block, SYS_accept4, fd, addr, len, flags));
}

extern "C" int hook_accept(int fd, sockaddr* addr, socklen_t* len) HOOK(accept);
int hook_accept(int fd, sockaddr* addr, socklen_t* len) { return int(acceptwait(fd, addr, len, 0)); }

extern "C" int hook_accept4(int fd, sockaddr* addr, socklen_t* len, int flags) HOOK(accept4);
int hook_accept4(int fd, sockaddr* addr, socklen_t* len, int flags) { return int(acceptwait(fd, addr, len, flags)); }

// ---- writes, opens, syncs: blocking only now and then ----

#define SYSCALL_HOOK(ret_t, name, nr, params, ...)                      \
  extern "C" ret_t hook_##name params HOOK(name);                       \
  ret_t hook_##name params {                                            \
    if (!hookable()) return ret_t(direct(nr, __VA_ARGS__));             \
    return ret_t(ret(call(false, nr, __VA_ARGS__)));                    \
  }

SYSCALL_HOOK(ssize_t, write, SYS_write, (int fd, const void* buf, size_t n), fd, buf, n)
SYSCALL_HOOK(ssize_t, writev, SYS_writev, (int fd, const iovec* iov, int iovcnt), fd, iov, iovcnt)
SYSCALL_HOOK(ssize_t, pwrite, SYS_pwrite64, (int fd, const void* buf, size_t n, off_t off), fd, buf, n, off)
SYSCALL_HOOK(ssize_t, pwrite64, SYS_pwrite64, (int fd, const void* buf, size_t n, off_t off), fd, buf, n, off)
SYSCALL_HOOK(ssize_t, send, SYS_sendto, (int fd, const void* buf, size_t n, int flags), fd, buf, n, flags, 0, 0)
SYSCALL_HOOK(ssize_t, sendto, SYS_sendto,
             (int fd, const void* buf, size_t n, int flags, const sockaddr* to, socklen_t tolen), fd, buf, n, flags,
             to, tolen)
SYSCALL_HOOK(ssize_t, sendmsg, SYS_sendmsg, (int fd, const msghdr* msg, int flags), fd, msg, flags)
SYSCALL_HOOK(int, connect, SYS_connect, (int fd, const sockaddr* addr, socklen_t len), fd, addr, len)
SYSCALL_HOOK(int, fsync, SYS_fsync, (int fd), fd)
SYSCALL_HOOK(int, fdatasync, SYS_fdatasync, (int fd), fd)

// open and openat take a mode only with O_CREAT or O_TMPFILE.
static inline bool wantsmode(int flags) { return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE; }

static int openat1(int dirfd, const char* path, int flags, mode_t mode) {
  if (!hookable()) return int(direct(SYS_openat, dirfd, path, flags, mode));
  return int(ret(call(false, SYS_openat, dirfd, path, flags, mode)));
}

static inline mode_t modearg(int flags, va_list ap) { return wantsmode(flags) ? va_arg(ap, mode_t) : 0; }

extern "C" int hook_open(const char* path, int flags, ...) HOOK(open);
extern "C" int hook_open64(const char* path, int flags, ...) HOOK(open64);
extern "C" int hook_openat(int dirfd, const char* path, int flags, ...) HOOK(openat);
extern "C" int hook_openat64(int dirfd, const char* path, int flags, ...) HOOK(openat64);
int hook_open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = modearg(flags, ap);
  va_end(ap);
  return openat1(AT_FDCWD, path, flags, mode);
}
int hook_open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = modearg(flags, ap);
  va_end(ap);
  return openat1(AT_FDCWD, path, flags, mode);
}
int hook_openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = modearg(flags, ap);
  va_end(ap);
  return openat1(dirfd, path, flags, mode);
}
int hook_openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = modearg(flags, ap);
  va_end(ap);
  return openat1(dirfd, path, flags, mode);
}

extern "C" int hook_creat(const char* path, mode_t mode) HOOK(creat);
int hook_creat(const char* path, mode_t mode) { return openat1(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

// ---- waiting: a zero timeout, WNOHANG or LOCK_NB first ----

extern "C" int hook_poll(pollfd* fds, nfds_t n, int timeout) HOOK(poll);
int hook_poll(pollfd* fds, nfds_t n, int timeout) {
  if (!hookable() || timeout == 0) return int(direct(SYS_poll, fds, n, timeout));
  long r = syscall3(SYS_poll, long(fds), long(n), 0);
  if (r != 0) return int(ret(r));
  return int(ret(call(true, SYS_poll, fds, n, timeout)));
}

extern "C" int hook_ppoll(pollfd* fds, nfds_t n, const timespec* ts, const sigset_t* mask) HOOK(ppoll);
int hook_ppoll(pollfd* fds, nfds_t n, const timespec* ts, const sigset_t* mask) {
  // The kernel's sigset is 8 bytes on x86-64.
  if (!hookable() || (ts != nullptr && ts->tv_sec == 0 && ts->tv_nsec == 0))
    return int(direct(SYS_ppoll, fds, n, ts, mask, 8));
  timespec zero{0, 0};
  long r = syscall5(SYS_ppoll, long(fds), long(n), long(&zero), long(mask), 8);
  if (r != 0) return int(ret(r));
  return int(ret(call(true, SYS_ppoll, fds, n, ts, mask, 8)));
}

// selectwait probes with a zero timeout on copies of the sets, which the
// kernel rewrites, and keeps the originals for the call that waits.
static int selectwait(int n, fd_set* r, fd_set* w, fd_set* e, long nr, void* tmo, bool zerotmo, void* sig) {
  if (!hookable() || zerotmo) return int(direct(nr, n, r, w, e, tmo, sig));
  fd_set cr, cw, ce;
  uintptr bytes = uintptr(n < 0 ? 0 : n > FD_SETSIZE ? FD_SETSIZE : n + 7) / 8;
  if (r != nullptr) rt_memmove(&cr, r, bytes);
  if (w != nullptr) rt_memmove(&cw, w, bytes);
  if (e != nullptr) rt_memmove(&ce, e, bytes);
  kernel_timespec zts{0, 0};
  struct timeval ztv{0, 0};
  void* z = nr == SYS_select ? static_cast<void*>(&ztv) : static_cast<void*>(&zts);
  long res = syscall6(nr, n, long(r ? &cr : nullptr), long(w ? &cw : nullptr), long(e ? &ce : nullptr), long(z),
                      long(sig));
  if (res != 0) {
    if (res > 0) {
      if (r != nullptr) rt_memmove(r, &cr, bytes);
      if (w != nullptr) rt_memmove(w, &cw, bytes);
      if (e != nullptr) rt_memmove(e, &ce, bytes);
    }
    return int(ret(res));
  }
  return int(ret(call(true, nr, n, r, w, e, tmo, sig)));
}

extern "C" int hook_select(int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* tv) HOOK(select);
int hook_select(int n, fd_set* r, fd_set* w, fd_set* e, struct timeval* tv) {
  bool zero = tv != nullptr && tv->tv_sec == 0 && tv->tv_usec == 0;
  return selectwait(n, r, w, e, SYS_select, tv, zero, nullptr);
}

extern "C" int hook_pselect(int n, fd_set* r, fd_set* w, fd_set* e, const timespec* ts, const sigset_t* mask)
    HOOK(pselect);
int hook_pselect(int n, fd_set* r, fd_set* w, fd_set* e, const timespec* ts, const sigset_t* mask) {
  // pselect6's sixth argument: the mask and its size, in the kernel's terms.
  struct {
    const sigset_t* ss;
    unsigned long len;
  } sig{mask, 8};
  bool zero = ts != nullptr && ts->tv_sec == 0 && ts->tv_nsec == 0;
  // pselect, unlike select, must not change *ts: give the kernel a copy.
  timespec t = ts != nullptr ? *ts : timespec{};
  return selectwait(n, r, w, e, SYS_pselect6, ts != nullptr ? &t : nullptr, zero, mask != nullptr ? &sig : nullptr);
}

extern "C" int hook_epoll_wait(int epfd, epoll_event* ev, int max, int timeout) HOOK(epoll_wait);
int hook_epoll_wait(int epfd, epoll_event* ev, int max, int timeout) {
  if (!hookable() || timeout == 0) return int(direct(SYS_epoll_pwait, epfd, ev, max, timeout, 0, 8));
  long r = syscall6(SYS_epoll_pwait, epfd, long(ev), max, 0, 0, 8);
  if (r != 0) return int(ret(r));
  return int(ret(call(true, SYS_epoll_pwait, epfd, ev, max, timeout, 0, 8)));
}

extern "C" int hook_epoll_pwait(int epfd, epoll_event* ev, int max, int timeout, const sigset_t* mask)
    HOOK(epoll_pwait);
int hook_epoll_pwait(int epfd, epoll_event* ev, int max, int timeout, const sigset_t* mask) {
  if (!hookable() || timeout == 0) return int(direct(SYS_epoll_pwait, epfd, ev, max, timeout, mask, 8));
  long r = syscall6(SYS_epoll_pwait, epfd, long(ev), max, 0, long(mask), 8);
  if (r != 0) return int(ret(r));
  return int(ret(call(true, SYS_epoll_pwait, epfd, ev, max, timeout, mask, 8)));
}

// waitwait: wait4 or waitid without WNOHANG looks with it first, so a
// child that has already changed state costs no handoff.
extern "C" pid_t hook_wait4(pid_t pid, int* status, int options, struct rusage* ru) HOOK(wait4);
pid_t hook_wait4(pid_t pid, int* status, int options, struct rusage* ru) {
  if (!hookable() || (options & WNOHANG) != 0) return pid_t(direct(SYS_wait4, pid, status, options, ru));
  long r = syscall4(SYS_wait4, pid, long(status), options | WNOHANG, long(ru));
  if (r != 0) return pid_t(ret(r));
  return pid_t(ret(call(true, SYS_wait4, pid, status, options, ru)));
}

extern "C" pid_t hook_waitpid(pid_t pid, int* status, int options) HOOK(waitpid);
pid_t hook_waitpid(pid_t pid, int* status, int options) { return hook_wait4(pid, status, options, nullptr); }

extern "C" pid_t hook_wait(int* status) HOOK(wait);
pid_t hook_wait(int* status) { return hook_wait4(-1, status, 0, nullptr); }

extern "C" int hook_waitid(idtype_t idtype, id_t id, siginfo_t* info, int options) HOOK(waitid);
int hook_waitid(idtype_t idtype, id_t id, siginfo_t* info, int options) {
  if (!hookable() || (options & WNOHANG) != 0) return int(direct(SYS_waitid, idtype, id, info, options, 0));
  siginfo_t probe{};
  long r = syscall5(SYS_waitid, idtype, long(id), long(&probe), options | WNOHANG, 0);
  if (r < 0 || probe.si_pid != 0) {
    if (r == 0 && info != nullptr) *info = probe;
    return int(ret(r));
  }
  return int(ret(call(true, SYS_waitid, idtype, id, info, options, 0)));
}

extern "C" int hook_flock(int fd, int op) HOOK(flock);
int hook_flock(int fd, int op) {
  if (!hookable() || (op & LOCK_NB) != 0 || (op & LOCK_UN) != 0) return int(direct(SYS_flock, fd, op));
  long r = syscall3(SYS_flock, fd, op | LOCK_NB, 0);
  if (r != -EWOULDBLOCK) return int(ret(r));
  return int(ret(call(true, SYS_flock, fd, op)));
}

// fcntl: only the waiting lock commands wait; the others pass through.
extern "C" int hook_fcntl(int fd, int cmd, ...) HOOK(fcntl);
extern "C" int hook_fcntl64(int fd, int cmd, ...) HOOK(fcntl64);
static int fcntl1(int fd, int cmd, long arg) {
  if (!hookable() || (cmd != F_SETLKW && cmd != F_OFD_SETLKW)) return int(direct(SYS_fcntl, fd, cmd, arg));
  long r = syscall3(SYS_fcntl, fd, cmd == F_SETLKW ? F_SETLK : F_OFD_SETLK, arg);
  if (r != -EAGAIN && r != -EACCES) return int(ret(r));
  return int(ret(call(true, SYS_fcntl, fd, cmd, arg)));
}
int hook_fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return fcntl1(fd, cmd, arg);
}
int hook_fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  long arg = va_arg(ap, long);
  va_end(ap);
  return fcntl1(fd, cmd, arg);
}

// ---- sleeping: the goroutine parks on a timer ----
//
// Difference from libc: a signal does not cut these sleeps short (no
// EINTR, *rem untouched): the goroutine sleeps on a runtime timer, not in
// the kernel, and signals are handled by whichever thread they reach.

extern "C" int hook_nanosleep(const timespec* req, timespec* rem) HOOK(nanosleep);
int hook_nanosleep(const timespec* req, timespec* rem) {
  if (!hookable()) return int(direct(SYS_nanosleep, req, rem));
  int64 ns = nstimespec(req);
  if (ns < 0) return int(ret(-EINVAL));
  timeSleep(ns);
  return 0;
}

extern "C" int hook_clock_nanosleep(clockid_t clk, int flags, const timespec* req, timespec* rem)
    HOOK(clock_nanosleep);
int hook_clock_nanosleep(clockid_t clk, int flags, const timespec* req, timespec* rem) {
  // clock_nanosleep returns the error number itself, not -1 and errno.
  bool timeclock = clk == CLOCK_MONOTONIC || clk == CLOCK_REALTIME || clk == CLOCK_BOOTTIME;
  if (!hookable() || !timeclock) {
    long r = hookable() ? call(true, SYS_clock_nanosleep, clk, flags, req, rem)
                        : syscall4(SYS_clock_nanosleep, clk, flags, long(req), long(rem));
    return r < 0 ? int(-r) : 0;
  }
  int64 ns = nstimespec(req);
  if (ns < 0) return EINVAL;
  if ((flags & TIMER_ABSTIME) != 0) {
    kernel_timespec now;
    sys_clock_gettime(clk, &now);
    ns -= int64(now.tv_sec) * 1000000000 + now.tv_nsec;
  }
  timeSleep(ns);
  return 0;
}

extern "C" unsigned hook_sleep(unsigned seconds) HOOK(sleep);
unsigned hook_sleep(unsigned seconds) {
  if (!hookable()) {
    kernel_timespec ts{long(seconds), 0}, rem{0, 0};
    if (sys_nanosleep(&ts, &rem) < 0) return unsigned(rem.tv_sec + (rem.tv_nsec != 0));
    return 0;
  }
  timeSleep(int64(seconds) * 1000000000);
  return 0;
}

extern "C" int hook_usleep(useconds_t usec) HOOK(usleep);
int hook_usleep(useconds_t usec) {
  if (!hookable()) {
    kernel_timespec ts{long(usec / 1000000), long(usec % 1000000) * 1000};
    return int(ret(sys_nanosleep(&ts, nullptr)));
  }
  timeSleep(int64(usec) * 1000);
  return 0;
}

}  // namespace gort::runtime
