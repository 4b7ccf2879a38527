// runtime/netpoll.hpp: the network poller (Go: netpoll.go, and
// internal/poll's view of it). Included by runtime.hpp.
#pragma once

#include "runtime2.hpp"
#include "time.hpp"

namespace gort::runtime {

// Error codes of poll_runtime_pollReset and poll_runtime_pollWait (Go's
// values, internal/poll/fd_poll_runtime.go).
enum : int32 {
  pollNoError = 0,         // no error
  pollErrClosing = 1,      // descriptor is closed
  pollErrTimeout = 2,      // I/O timeout
  pollErrNotPollable = 3,  // general error polling descriptor
};

// pollDesc contains 2 binary semaphores, rg and wg, to park reader and
// writer goroutines respectively. The semaphore can be in the following
// states:
//
//   pdReady - io readiness notification is pending;
//             a goroutine consumes the notification by changing the state to 0.
//   pdWait  - a goroutine prepares to park on the semaphore, but not yet parked;
//             the goroutine commits to park by changing the state to G pointer,
//             or, alternatively, concurrent io notification changes the state to pdReady,
//             or, alternatively, concurrent timeout/close changes the state to 0.
//   G pointer - the goroutine is blocked on the semaphore;
//             io notification or timeout/close changes the state to pdReady or 0 respectively
//             and unparks the goroutine.
//   0       - none of the above.
inline constexpr uintptr pdReady = 1;
inline constexpr uintptr pdWait = 2;

// pollInfo bits: what netpollcheckerr needs, published atomically.
enum : uint32 {
  pollClosing = 1 << 0,
  pollEventErr = 1 << 1,
  pollExpiredReadDeadline = 1 << 2,
  pollExpiredWriteDeadline = 1 << 3,
};

// Network poller descriptor (Go: pollDesc). Type-stable: pollDescs come
// from pollcache, made with persistentalloc and never freed, because epoll
// may report a descriptor after it was closed and its pollDesc reused;
// stale notifications and timers are told apart by rseq/wseq.
struct pollDesc {
  pollDesc* link = nullptr;  // in pollcache, protected by pollcache.lock
  int32 fd = -1;             // constant for pollDesc usage lifetime

  // atomicInfo holds bits from closing, rd, and wd, which are only ever
  // written while holding the lock, summarized for use by
  // netpollcheckerr, which cannot acquire the lock. After writing these
  // fields under lock in a way that might change the summary, code must
  // call publishInfo before releasing the lock (and before calling
  // netpollunblock). atomicInfo also holds the eventErr bit, recording
  // whether a poll event on the fd got an error; atomicInfo is the only
  // source of truth for that bit.
  std::atomic<uint32> atomicInfo{0};

  // rg, wg hold pdReady, pdWait, the G waiting for read / write, or 0.
  std::atomic<uintptr> rg{0};
  std::atomic<uintptr> wg{0};

  // Our addition: set by netpoll when epoll reports that the peer shut
  // down its side or the connection hung up (EPOLLRDHUP, EPOLLHUP), before
  // it readies the reader; cleared by poll_runtime_pollOpen. net.cpp's
  // Read skips the system call that would only say EAGAIN after a short
  // read of a stream socket (nginx's rule), which is safe only while no
  // end of stream can be pending unreported: this tells it one may be.
  std::atomic<bool> rdhup{false};

  mutex lock;  // protects the following fields
  bool closing = false;
  uint32 user = 0;  // user settable cookie (the libc hooks' generation)
  uintptr rseq = 0;  // protects from stale read timers
  timer rt;          // read deadline timer (set if rt.f != nullptr)
  int64 rd = 0;      // read deadline (a nanotime in the future, -1 when expired)
  uintptr wseq = 0;  // protects from stale write timers
  timer wt;          // write deadline timer
  int64 wd = 0;      // write deadline (a nanotime in the future, -1 when expired)

  // Our addition, for the libc hooks' descriptors (syscall_linux.cpp):
  // references held (the hooks' table and each hook using pd; the last
  // one frees pd), and the semaphores that let one goroutine at a time
  // wait in each mode (two threads reading one socket are allowed in C;
  // Go's netpollblock is not).
  std::atomic<int32> hookrefs{0};
  uint32 hookrsema = 1;
  uint32 hookwsema = 1;

  uint32 info() const { return atomicInfo.load(); }
  void publishInfo();
  void setEventErr(bool b);
};

// ---- netpoll.cpp (Go: netpoll.go) ----
extern std::atomic<uint32> netpollInited;
extern std::atomic<uint32> netpollWaiters;
void netpollGenericInit();
bool netpollinited();
bool poll_runtime_isPollServerDescriptor(int32 fd);
// poll_runtime_pollOpen registers fd with the poller (edge-triggered);
// returns its pollDesc, or null with *errno set.
pollDesc* poll_runtime_pollOpen(int32 fd, int32* errno_);
void poll_runtime_pollClose(pollDesc* pd);
// pollfree returns a closed pd (poll_runtime_pollUnblock'ed) to the cache
// without touching epoll: for a caller that removed the descriptor from
// epoll itself, or whose descriptor is gone (our addition).
void pollfree(pollDesc* pd);
// hookfdtakeover makes the libc hooks (syscall_linux.cpp) let go of fd,
// which gort::fd takes over (net.cpp): epoll takes a file once, and the
// gort::fd's registration must be the one. Weak: the hooks live in the
// crt, and a binary linked without it (the bare-structure tests) has none.
[[gnu::weak]] void hookfdtakeover(int32 fd);
// mode is 'r', 'w' (or 'r'+'w' for deadlines).
int32 poll_runtime_pollReset(pollDesc* pd, int32 mode);
int32 poll_runtime_pollWait(pollDesc* pd, int32 mode);
// d: 0 no deadline; < 0 already expired; > 0 a duration from now, in ns.
void poll_runtime_pollSetDeadline(pollDesc* pd, int64 d, int32 mode);
void poll_runtime_pollUnblock(pollDesc* pd);
void netpollready(gList* toRun, pollDesc* pd, int32 mode);
int32 netpollcheckerr(pollDesc* pd, int32 mode);

// ---- netpoll_epoll.cpp (Go: netpoll_epoll.go) ----
void netpollinit();
bool netpollIsPollDescriptor(int32 fd);
int32 netpollopen(int32 fd, pollDesc* pd);
int32 netpollclose(int32 fd);
// netpollrearm re-arms fd's registration for pd (EPOLL_CTL_MOD); ENOENT
// says epoll no longer knows the file (it was closed behind our back).
int32 netpollrearm(int32 fd, pollDesc* pd);
void netpollBreak();
// netpoll checks for ready network connections and returns the goroutines
// that become runnable. delay < 0: blocks indefinitely; 0: polls; > 0:
// blocks for up to that many nanoseconds. Runs on g0, without a P when it
// blocks.
gList netpoll(int64 delay) RUNTIME_SYM("netpoll");

}  // namespace gort::runtime
