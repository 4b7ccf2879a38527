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
//   - reads, writes, accept and connect on what the poller can watch
//     (sockets, pipes, terminals) are made without blocking first
//     (RWF_NOWAIT, MSG_DONTWAIT, a zero-timeout poll); if that would block
//     and the file is in blocking mode, the goroutine parks on the network
//     poller (netpoll.cpp) and tries again when the file is ready, so no M
//     is held (Go's internal/poll loop; SO_RCVTIMEO and SO_SNDTIMEO become
//     deadlines); if it would not block it costs nothing more;
//   - other waits that would block (poll, select, epoll_wait, waitpid,
//     flock, a read of a regular file not in the page cache) are found out
//     the same way and then made inside entersyscallblock, which hands the
//     P to another M at once;
//   - calls that block only now and then (open, fsync) are made inside
//     entersyscall: retake hands the P off if they do.
// What the caller sees of the call (its result, errno, the file's flags
// and its blocking semantics) is what libc would give. A call made on g0,
// on a thread gort does not manage, before the runtime is up, inside a
// system call already (gort::syscall), in a forked child (fork.cpp) or
// with GODEBUG=syscallhook=0 goes straight to the kernel. The hooks that need libc's own code
// (getaddrinfo, the pthread calls) are the hosted flavour's
// (boot/hooks_hosted.cpp). gort(7), "SYSTEM CALLS", lists them all.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
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
  preemptcheck();  // a pending preemption request is honoured here
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

// ---- descriptors on the poller ----
//
// The program's own descriptors are registered with the poller the first
// time a hooked call on one would block, and looked up by number after
// that: two levels of 4096 slots, made as needed. The table holds one
// reference to each pollDesc, every hook waiting on it another. close (and
// dup2/dup3 onto a registered number) takes the entry out, removes the file
// from epoll, wakes the goroutines waiting on it (they return EBADF: they
// must not retry a number that may now be another file's) and drops the
// table's reference; the last one frees the pollDesc. A file closed behind
// the hooks' back (stdio's own close, fclose) leaves a stale entry, which
// the next use finds out: epoll no longer knows the (file, number) pair,
// and netpollrearm fails with ENOENT.
static constexpr int kFdChunk = 4096, kFdChunks = 1024;  // numbers below 4M
constinit static mutex hookfdlock;
constinit static std::atomic<pollDesc*>* hookfds[kFdChunks];

// fdslot finds fd's slot; hookfdlock held.
static std::atomic<pollDesc*>* fdslot(int fd, bool make) {
  if (fd < 0 || fd >= kFdChunk * kFdChunks) return nullptr;
  std::atomic<pollDesc*>*& chunk = hookfds[fd / kFdChunk];
  if (chunk == nullptr) {
    if (!make) return nullptr;
    // persistentalloc's memory is zeroed: every slot starts null.
    auto* c = static_cast<std::atomic<pollDesc*>*>(persistentalloc(sizeof(std::atomic<pollDesc*>) * kFdChunk, 64));
    __atomic_store_n(&chunk, c, __ATOMIC_RELEASE);
  }
  return &chunk[fd % kFdChunk];
}

static void fdrelease(pollDesc* pd) {
  if (pd->hookrefs.fetch_sub(1) == 1) pollfree(pd);
}

// fdacquire returns fd's pollDesc with a reference for the caller,
// registering fd with the poller at its first use; null when epoll cannot
// watch fd (a regular file, a directory).
static pollDesc* fdacquire(int fd) {
  lock(&hookfdlock);
  std::atomic<pollDesc*>* slot = fdslot(fd, true);
  if (slot == nullptr) {
    unlock(&hookfdlock);
    return nullptr;
  }
  if (pollDesc* pd = slot->load(); pd != nullptr) {
    if (netpollrearm(fd, pd) == 0) {
      pd->hookrefs.fetch_add(1);
      unlock(&hookfdlock);
      return pd;
    }
    // Stale: the file it was made for is gone.
    slot->store(nullptr);
    poll_runtime_pollUnblock(pd);
    fdrelease(pd);
  }
  int32 e;
  pollDesc* pd = poll_runtime_pollOpen(fd, &e);
  if (pd != nullptr) {
    pd->hookrefs.store(2);  // the table's and the caller's
    slot->store(pd);
  }
  unlock(&hookfdlock);
  return pd;
}

// fdforget takes fd out of the table before the number is closed or
// reused; returns its pollDesc (the table's reference) or null.
static pollDesc* fdforget(int fd) {
  // Most closes are of files the poller never saw: look without the lock
  // first (chunks, once made, stay).
  if (fd < 0 || fd >= kFdChunk * kFdChunks) return nullptr;
  std::atomic<pollDesc*>* chunk = __atomic_load_n(&hookfds[fd / kFdChunk], __ATOMIC_ACQUIRE);
  if (chunk == nullptr || chunk[fd % kFdChunk].load() == nullptr) return nullptr;
  lock(&hookfdlock);
  std::atomic<pollDesc*>* slot = fdslot(fd, false);
  pollDesc* pd = slot != nullptr ? slot->exchange(nullptr) : nullptr;
  if (pd != nullptr) netpollclose(fd);  // while fd is still this file
  unlock(&hookfdlock);
  return pd;
}

// ---- what kind of file a descriptor is ----
//
// The non-blocking first try is worth it only where a call may wait for
// long: sockets and pipes. Its cost elsewhere is measured: pwritev2 takes
// 1.5x write's time here (1,020-1,400 ns against 640-880 to /dev/null),
// and regular files do not do RWF_NOWAIT writes at all (EOPNOTSUPP, so a
// probe would cost a second system call). So each descriptor's kind is
// found once (fstat) and kept, by number, beside the pollDescs; the close,
// dup2 and dup3 hooks forget it. A number closed behind the hooks' back
// and reused keeps the old kind until a call says otherwise (ENOTSOCK,
// EOPNOTSUPP): then it is looked at again.
enum : uint8_t { kindUnknown = 0, kindSocket, kindPipe, kindFile, kindOther };
constinit static std::atomic<uint8_t>* fdkinds[kFdChunks];

[[gnu::noinline]] static std::atomic<uint8_t>* kindchunk(int fd) {
  lock(&hookfdlock);
  std::atomic<uint8_t>* chunk = fdkinds[fd / kFdChunk];
  if (chunk == nullptr) {
    chunk = static_cast<std::atomic<uint8_t>*>(persistentalloc(kFdChunk, 64));  // zeroed: kindUnknown
    __atomic_store_n(&fdkinds[fd / kFdChunk], chunk, __ATOMIC_RELEASE);
  }
  unlock(&hookfdlock);
  return chunk;
}

static inline std::atomic<uint8_t>* kindslot(int fd, bool make) {
  if (uint32(fd) >= uint32(kFdChunk * kFdChunks)) return nullptr;
  std::atomic<uint8_t>* chunk = __atomic_load_n(&fdkinds[fd / kFdChunk], __ATOMIC_ACQUIRE);
  if (__builtin_expect(chunk == nullptr, 0)) {
    if (!make) return nullptr;
    chunk = kindchunk(fd);
  }
  return &chunk[fd % kFdChunk];
}

// fdkind is fd's kind: sockets and pipes (FIFOs) wait on the poller;
// regular files, directories and block devices (kindFile) never wait for
// long; the rest (terminals and other character devices, eventfd and
// other anonymous files) wait for readiness on the poller before a read.
static uint8_t fdkind(int fd) {
  std::atomic<uint8_t>* slot = kindslot(fd, true);
  uint8_t k = slot != nullptr ? slot->load(std::memory_order_relaxed) : uint8_t(kindUnknown);
  if (k != kindUnknown) return k;
  struct stat st;
  if (syscall2(SYS_fstat, fd, long(&st)) != 0) return kindOther;  // EBADF: the call will say so
  switch (st.st_mode & S_IFMT) {
    case S_IFSOCK: k = kindSocket; break;
    case S_IFIFO: k = kindPipe; break;
    case S_IFREG: case S_IFDIR: case S_IFBLK: k = kindFile; break;
    default: k = kindOther; break;
  }
  if (slot != nullptr) slot->store(k, std::memory_order_relaxed);
  return k;
}

static void fdkindforget(int fd) {
  if (std::atomic<uint8_t>* slot = kindslot(fd, false); slot != nullptr) slot->store(kindUnknown);
}

// fdclosed wakes the goroutines waiting on pd, whose number was closed,
// and drops the table's reference. Waking them needs a P: from a thread
// gort does not manage they stay asleep (as a thread blocked on a file
// that another thread closed does).
static void fdclosed(pollDesc* pd) {
  if (cansyscall()) {
    poll_runtime_pollUnblock(pd);
    fdrelease(pd);
  }
}

// hookfdtakeover (netpoll.hpp): gort::fd takes fd over. Goroutines still
// waiting on it through a hook wake with EBADF, as at a close; from then
// on the hooks see a non-blocking file they leave alone.
void hookfdtakeover(int32 fd) {
  fdkindforget(fd);
  if (pollDesc* pd = fdforget(fd); pd != nullptr) fdclosed(pd);
}

// sockettimeout reads SO_RCVTIMEO or SO_SNDTIMEO of a socket, in ns (0:
// none, or not a socket).
static int64 sockettimeout(int fd, int opt) {
  struct timeval tv{};
  socklen_t len = sizeof tv;
  if (syscall5(SYS_getsockopt, fd, SOL_SOCKET, opt, long(&tv), long(&len)) != 0) return 0;
  return int64(tv.tv_sec) * 1000000000 + int64(tv.tv_usec) * 1000;
}

// pollwait makes attempt() (a call that does not block and returns -EAGAIN
// when it would) until it does not return -EAGAIN, parking the goroutine
// on the poller between attempts until fd is ready for mode ('r' or 'w').
// timeout (ns, 0: none) is how long it may wait in all, as SO_RCVTIMEO and
// SO_SNDTIMEO say for a blocking socket: then it returns -EAGAIN. -EBADF
// if fd is closed meanwhile. Sets *notpollable (and returns 0) when the
// poller cannot watch fd: the caller then blocks as it would have.
template <class F>
static long pollwait(int fd, int32 mode, int64 timeout, bool* notpollable, F attempt) {
  pollDesc* pd = fdacquire(fd);
  if (pd == nullptr) {
    *notpollable = true;
    return 0;
  }
  *notpollable = false;
  uint32* sema = mode == 'r' ? &pd->hookrsema : &pd->hookwsema;
  semacquire1(sema, false, waitReason::ioWait);  // behind another waiter: waiting for I/O too
  if (timeout > 0) poll_runtime_pollSetDeadline(pd, timeout, mode);
  long r;
  for (;;) {
    int32 e = poll_runtime_pollReset(pd, mode);
    if (e == pollNoError) {
      r = attempt();
      if (r != -EAGAIN) break;
      e = poll_runtime_pollWait(pd, mode);
    }
    if (e == pollErrClosing) {
      r = -EBADF;
      break;
    }
    if (e == pollErrTimeout) {
      r = -EAGAIN;
      break;
    }
    // pollNoError: ready, try again. pollErrNotPollable (an error event):
    // try again too; the call reports the error.
  }
  if (timeout > 0) poll_runtime_pollSetDeadline(pd, 0, mode);
  semrelease(sema);
  fdrelease(pd);
  return r;
}

// ready reports whether fd is ready for events, without waiting (-EAGAIN
// if not): the attempt of the calls that cannot be made non-blocking one
// at a time (accept, connect, a terminal's read).
static long ready(int fd, short events) {
  pollfd p{fd, events, 0};
  long r = syscall3(SYS_poll, long(&p), 1, 0);
  return r == 0 ? -EAGAIN : r < 0 ? r : 0;
}

// ---- reads ----

// readwait reads without waiting first (preadv2 with RWF_NOWAIT, which
// pipes, sockets and the page cache honour; off -1 is the file position,
// as read uses). When that would block and the file is in blocking mode:
// on the poller if it can watch the file, else inside entersyscallblock
// (a regular file not in the page cache). A file that does not do
// RWF_NOWAIT (a terminal, some devices) waits on the poller for
// readiness, then reads inside entersyscall.
static long readwait(int fd, const iovec* iov, int iovcnt, long off) {
  long r = syscall6(SYS_preadv2, fd, long(iov), iovcnt, off, 0, RWF_NOWAIT);
  if ((r != -EAGAIN && r != -EOPNOTSUPP) || nonblocking(fd)) return ret(r);
  bool notpollable = false;
  int64 tmo = off < 0 ? sockettimeout(fd, SO_RCVTIMEO) : 0;
  if (r == -EAGAIN) {
    if (off < 0) {
      r = pollwait(fd, 'r', tmo, &notpollable,
                   [&] { return syscall6(SYS_preadv2, fd, long(iov), iovcnt, off, 0, RWF_NOWAIT); });
      if (!notpollable) return ret(r);
    }
    return ret(call(true, SYS_preadv2, fd, long(iov), iovcnt, off, 0, 0));
  }
  // EOPNOTSUPP: wait for readiness, then read.
  r = pollwait(fd, 'r', tmo, &notpollable, [&] { return ready(fd, POLLIN); });
  if (!notpollable && r < 0) return ret(r);
  return ret(call(notpollable, SYS_preadv2, fd, long(iov), iovcnt, off, 0, 0));
}

static long recvwait(int fd, long nr, long a1, long a2, long flags, long a4, long a5);

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
  if (sancaller(__builtin_return_address(0)) || !hookable()) return direct(SYS_read, fd, buf, n);
  switch (fdkind(fd)) {
    case kindSocket:
      // read of a socket is recvfrom with no flags.
      if (long r = recvwait(fd, SYS_recvfrom, long(buf), long(n), 0, 0, 0); r != -1 || *flavour_errno() != ENOTSOCK)
        return r;
      fdkindforget(fd);  // another file now: look again
      return hook_read(fd, buf, n);
    case kindFile:
      return ret(call(false, SYS_read, fd, buf, n));
  }
  iovec v{buf, n};
  return readwait(fd, &v, 1, -1);
}

extern "C" ssize_t hook_readv(int fd, const iovec* iov, int iovcnt) HOOK(readv);
ssize_t hook_readv(int fd, const iovec* iov, int iovcnt) {
  if (!hookable()) return direct(SYS_readv, fd, iov, iovcnt);
  if (fdkind(fd) == kindFile) return ret(call(false, SYS_readv, fd, iov, iovcnt));
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

// recvwait: a receive that would wait is found out with MSG_DONTWAIT, and
// waits on the poller. (MSG_WAITALL, which a non-blocking receive cannot
// keep, blocks inside entersyscallblock instead.)
static long recvwait(int fd, long nr, long a1, long a2, long flags, long a4, long a5) {
  if (!hookable() || (flags & MSG_DONTWAIT) != 0) return direct(nr, fd, a1, a2, flags, a4, a5);
  long r = syscall6(nr, fd, a1, a2, flags | MSG_DONTWAIT, a4, a5);
  if (r != -EAGAIN || nonblocking(fd)) return ret(r);
  if ((flags & MSG_WAITALL) == 0) {
    bool notpollable;
    r = pollwait(fd, 'r', sockettimeout(fd, SO_RCVTIMEO), &notpollable,
                 [&] { return syscall6(nr, fd, a1, a2, flags | MSG_DONTWAIT, a4, a5); });
    if (!notpollable) return ret(r);
  }
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
  if ((flags & MSG_WAITALL) == 0) {
    bool notpollable;
    r = pollwait(fd, 'r', sockettimeout(fd, SO_RCVTIMEO), &notpollable,
                 [&] { return syscall3(SYS_recvmsg, fd, long(msg), flags | MSG_DONTWAIT); });
    if (!notpollable) return ret(r);
  }
  return ret(call(true, SYS_recvmsg, fd, msg, flags));
}

// acceptwait: a blocking listener with no connection queued waits on the
// poller. accept itself cannot be made non-blocking for one call, so a
// connection that another thread takes between the readiness and the
// accept leaves this one blocked in the kernel (sysmon's retakeblocked
// then takes the P, as for any such call).
static long acceptwait(int fd, sockaddr* addr, socklen_t* len, int flags) {
  if (!hookable() || nonblocking(fd)) return direct(SYS_accept4, fd, addr, len, flags);
  bool notpollable = false;
  if (ready(fd, POLLIN) == -EAGAIN) {
    long r = pollwait(fd, 'r', sockettimeout(fd, SO_RCVTIMEO), &notpollable, [&] { return ready(fd, POLLIN); });
    if (!notpollable && r < 0) return ret(r);
  }
  return ret(call(notpollable, SYS_accept4, fd, addr, len, flags));
}

extern "C" int hook_accept(int fd, sockaddr* addr, socklen_t* len) HOOK(accept);
int hook_accept(int fd, sockaddr* addr, socklen_t* len) { return int(acceptwait(fd, addr, len, 0)); }

extern "C" int hook_accept4(int fd, sockaddr* addr, socklen_t* len, int flags) HOOK(accept4);
int hook_accept4(int fd, sockaddr* addr, socklen_t* len, int flags) { return int(acceptwait(fd, addr, len, flags)); }

// connect on a blocking socket: made non-blocking for the one call (the
// file status flags are shared with other threads for that moment), then
// the goroutine waits on the poller for the connection, within
// SO_SNDTIMEO (EINPROGRESS when it runs out, as the kernel says).
extern "C" int hook_connect(int fd, const sockaddr* addr, socklen_t len) HOOK(connect);
int hook_connect(int fd, const sockaddr* addr, socklen_t len) {
  long fl = hookable() ? syscall3(SYS_fcntl, fd, F_GETFL, 0) : -1;
  if (fl < 0 || (fl & O_NONBLOCK) != 0) return int(direct(SYS_connect, fd, addr, len));
  syscall3(SYS_fcntl, fd, F_SETFL, fl | O_NONBLOCK);
  long r = syscall3(SYS_connect, fd, long(addr), len);
  syscall3(SYS_fcntl, fd, F_SETFL, fl);
  if (r != -EINPROGRESS) return int(ret(r));
  bool notpollable;
  r = pollwait(fd, 'w', sockettimeout(fd, SO_SNDTIMEO), &notpollable, [&] { return ready(fd, POLLOUT); });
  if (notpollable) {
    pollfd p{fd, POLLOUT, 0};
    r = call(true, SYS_poll, &p, 1, -1);
  }
  if (r == -EAGAIN) return int(ret(-EINPROGRESS));
  if (r < 0) return int(ret(r));
  int err = 0;
  socklen_t elen = sizeof err;
  r = syscall5(SYS_getsockopt, fd, SOL_SOCKET, SO_ERROR, long(&err), long(&elen));
  if (r < 0) return int(ret(r));
  return int(ret(-long(err)));
}

// ---- writes: all of it, as a blocking write does ----

// writewait writes the n bytes of iov (iovcnt of them, at most 64)
// without blocking (pwritev2 with RWF_NOWAIT; sendmsg with MSG_DONTWAIT
// for sendmsg's callers), and when the file is full and in blocking mode,
// waits on the poller and writes the rest, until all is written, as a
// blocking write would; within SO_SNDTIMEO, after which it returns what
// was written (or -EAGAIN). Files the poller cannot watch, and those
// without RWF_NOWAIT, write inside entersyscall.
static long writewait(int fd, const iovec* iov0, int iovcnt, long (*attempt)(int, iovec*, int, void*), void* arg) {
  iovec iov[64];
  if (iovcnt > 64 || iovcnt < 0) return -EINVAL;
  for (int i = 0; i < iovcnt; i++) iov[i] = iov0[i];
  long total = 0;
  long r = attempt(fd, iov, iovcnt, arg);
  if (r == -EOPNOTSUPP) return -EOPNOTSUPP;
  int64 tmo = -1;
  for (;;) {
    if (r < 0 && r != -EAGAIN) return total > 0 ? total : r;
    if (r > 0) {
      total += r;
      // Skip what was written.
      long k = r;
      int i = 0;
      while (i < iovcnt && k >= long(iov[i].iov_len)) k -= long(iov[i++].iov_len);
      if (i == iovcnt) return total;
      iov[i].iov_base = static_cast<char*>(iov[i].iov_base) + k;
      iov[i].iov_len -= k;
      for (int j = i; j < iovcnt; j++) iov[j - i] = iov[j];
      iovcnt -= i;
      r = attempt(fd, iov, iovcnt, arg);
      continue;
    }
    // Would block: a non-blocking file says so, a blocking one waits.
    if (nonblocking(fd)) return total > 0 ? total : -EAGAIN;
    if (tmo < 0) tmo = sockettimeout(fd, SO_SNDTIMEO);
    bool notpollable;
    r = pollwait(fd, 'w', tmo, &notpollable, [&] { return attempt(fd, iov, iovcnt, arg); });
    if (notpollable) return -EOPNOTSUPP;
    if (r == -EAGAIN) return total > 0 ? total : -EAGAIN;  // timed out
  }
}

static long pwritenowait(int fd, iovec* iov, int n, void*) {
  return syscall6(SYS_pwritev2, fd, long(iov), n, -1, 0, RWF_NOWAIT);
}

static long socknowait(int fd, iovec* iov, int n, void*);

// writeiov writes as a blocking write does: sockets and pipes without
// waiting first and on the poller when full, the rest inside entersyscall
// (nr: write's or writev's system call, for those).
static long writeiov(int fd, const iovec* iov, int iovcnt, long nr, const void* buf, size_t n) {
  long r = -EOPNOTSUPP;
  switch (fdkind(fd)) {
    case kindSocket:
      r = writewait(fd, iov, iovcnt, socknowait, nullptr);
      if (r == -ENOTSOCK) fdkindforget(fd);
      break;
    case kindPipe:
      r = writewait(fd, iov, iovcnt, pwritenowait, nullptr);
      if (r == -EOPNOTSUPP) fdkindforget(fd);
      break;
  }
  if (r != -EOPNOTSUPP && r != -ENOTSOCK) return ret(r);
  if (nr == SYS_write) return ret(call(false, SYS_write, fd, buf, n));
  return ret(call(false, SYS_writev, fd, iov, iovcnt));
}

extern "C" ssize_t hook_write(int fd, const void* buf, size_t n) HOOK(write);
ssize_t hook_write(int fd, const void* buf, size_t n) {
  if (!hookable()) return direct(SYS_write, fd, buf, n);
  iovec v{const_cast<void*>(buf), n};
  return writeiov(fd, &v, 1, SYS_write, buf, n);
}

extern "C" ssize_t hook_writev(int fd, const iovec* iov, int iovcnt) HOOK(writev);
ssize_t hook_writev(int fd, const iovec* iov, int iovcnt) {
  if (!hookable()) return direct(SYS_writev, fd, iov, iovcnt);
  if (iovcnt > 64) return ret(call(false, SYS_writev, fd, iov, iovcnt));
  return writeiov(fd, iov, iovcnt, SYS_writev, nullptr, 0);
}

// sendmsg's attempt: arg is the caller's msghdr, whose iovec we replace.
struct sendargs {
  const msghdr* msg;
  int flags;
};
// A socket's write: sendmsg with MSG_DONTWAIT (write(2) on a socket is
// send with no flags; SIGPIPE is raised the same way).
static long socknowait(int fd, iovec* iov, int n, void*) {
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = size_t(n);
  return syscall3(SYS_sendmsg, fd, long(&m), MSG_DONTWAIT);
}

static long sendnowait(int fd, iovec* iov, int n, void* arg) {
  auto* a = static_cast<sendargs*>(arg);
  msghdr m = *a->msg;
  m.msg_iov = iov;
  m.msg_iovlen = size_t(n);
  return syscall3(SYS_sendmsg, fd, long(&m), a->flags | MSG_DONTWAIT);
}

static long sendwait(int fd, const msghdr* msg, int flags) {
  if (!hookable() || (flags & MSG_DONTWAIT) != 0) return direct(SYS_sendmsg, fd, msg, flags);
  sendargs a{msg, flags};
  // A datagram goes whole or not at all: only its first attempt's
  // result counts, and writewait's "rest" never arises.
  long r = msg->msg_iovlen <= 64 ? writewait(fd, msg->msg_iov, int(msg->msg_iovlen), sendnowait, &a) : -EOPNOTSUPP;
  if (r != -EOPNOTSUPP) return ret(r);
  return ret(call(false, SYS_sendmsg, fd, msg, flags));
}

extern "C" ssize_t hook_send(int fd, const void* buf, size_t n, int flags) HOOK(send);
ssize_t hook_send(int fd, const void* buf, size_t n, int flags) {
  iovec v{const_cast<void*>(buf), n};
  msghdr m{};
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  return sendwait(fd, &m, flags);
}

extern "C" ssize_t hook_sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* to, socklen_t tolen)
    HOOK(sendto);
ssize_t hook_sendto(int fd, const void* buf, size_t n, int flags, const sockaddr* to, socklen_t tolen) {
  iovec v{const_cast<void*>(buf), n};
  msghdr m{};
  m.msg_name = const_cast<sockaddr*>(to);
  m.msg_namelen = tolen;
  m.msg_iov = &v;
  m.msg_iovlen = 1;
  return sendwait(fd, &m, flags);
}

extern "C" ssize_t hook_sendmsg(int fd, const msghdr* msg, int flags) HOOK(sendmsg);
ssize_t hook_sendmsg(int fd, const msghdr* msg, int flags) { return sendwait(fd, msg, flags); }

// ---- closing ----

extern "C" int hook_close(int fd) HOOK(close);
int hook_close(int fd) {
  if (sancaller(__builtin_return_address(0))) return int(direct(SYS_close, fd));
  fdkindforget(fd);
  pollDesc* pd = getg() != nullptr ? fdforget(fd) : nullptr;
  long r = syscall3(SYS_close, fd, 0, 0);
  if (pd != nullptr) fdclosed(pd);
  return int(ret(r));
}

extern "C" int hook_dup2(int oldfd, int newfd) HOOK(dup2);
int hook_dup2(int oldfd, int newfd) {
  if (oldfd != newfd) fdkindforget(newfd);
  pollDesc* pd = getg() != nullptr && oldfd != newfd ? fdforget(newfd) : nullptr;
  long r = syscall3(SYS_dup2, oldfd, newfd, 0);
  if (pd != nullptr) fdclosed(pd);
  return int(ret(r));
}

extern "C" int hook_dup3(int oldfd, int newfd, int flags) HOOK(dup3);
int hook_dup3(int oldfd, int newfd, int flags) {
  if (oldfd != newfd) fdkindforget(newfd);
  pollDesc* pd = getg() != nullptr && oldfd != newfd ? fdforget(newfd) : nullptr;
  long r = syscall3(SYS_dup3, oldfd, newfd, flags);
  if (pd != nullptr) fdclosed(pd);
  return int(ret(r));
}

// ---- writes, opens, syncs: blocking only now and then ----

#define SYSCALL_HOOK(ret_t, name, nr, params, ...)                      \
  extern "C" ret_t hook_##name params HOOK(name);                       \
  ret_t hook_##name params {                                            \
    if (!hookable()) return ret_t(direct(nr, __VA_ARGS__));             \
    return ret_t(ret(call(false, nr, __VA_ARGS__)));                    \
  }

SYSCALL_HOOK(ssize_t, pwrite, SYS_pwrite64, (int fd, const void* buf, size_t n, off_t off), fd, buf, n, off)
SYSCALL_HOOK(ssize_t, pwrite64, SYS_pwrite64, (int fd, const void* buf, size_t n, off_t off), fd, buf, n, off)
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
  if (sancaller(__builtin_return_address(0))) return int(direct(SYS_openat, AT_FDCWD, path, flags, mode));
  return openat1(AT_FDCWD, path, flags, mode);
}
int hook_open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = modearg(flags, ap);
  va_end(ap);
  if (sancaller(__builtin_return_address(0))) return int(direct(SYS_openat, AT_FDCWD, path, flags, mode));
  return openat1(AT_FDCWD, path, flags, mode);
}
int hook_openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = modearg(flags, ap);
  va_end(ap);
  if (sancaller(__builtin_return_address(0))) return int(direct(SYS_openat, dirfd, path, flags, mode));
  return openat1(dirfd, path, flags, mode);
}
int hook_openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = modearg(flags, ap);
  va_end(ap);
  if (sancaller(__builtin_return_address(0))) return int(direct(SYS_openat, dirfd, path, flags, mode));
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
  if ((cmd != F_SETLKW && cmd != F_OFD_SETLKW) || !hookable()) return int(direct(SYS_fcntl, fd, cmd, arg));
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
