// runtime/netpoll_epoll.cpp: the network poller on Linux's epoll (Go:
// netpoll_epoll.go), with an eventfd for netpollBreak (as Go's later
// releases have it; 1.19 used a pipe).
//
// Difference from Go: netpoll's timeout is the next timer's, and timers
// are nanosecond-precise, so the blocking wait is epoll_pwait2 with a
// timespec (Linux 5.11) where the kernel has it; Go rounds the wait up to
// whole milliseconds (epoll_wait), which is what the fallback does.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>

#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

constinit static int32 epfd = -1;  // epoll descriptor
constinit static int32 netpollEventFd = -1;  // for netpollBreak
// Used to avoid duplicate calls of netpollBreak.
constinit static std::atomic<uint32> netpollWakeSig{0};
// Whether epoll_pwait2 works here (1), not (0), or is not known yet (-1).
constinit static std::atomic<int32> havePwait2{-1};

// Our epoll_event's data for the break eventfd: no pollDesc is at this
// address, and none can be.
static uint64 breakToken() { return reinterpret_cast<uint64>(&netpollEventFd); }

void netpollinit() {
  long r = arch::syscall1(SYS_epoll_create1, EPOLL_CLOEXEC);
  if (r < 0) {
    print("runtime: epollcreate failed with ", -r, "\n");
    throw_("runtime: netpollinit failed");
  }
  epfd = int32(r);
  r = arch::syscall2(SYS_eventfd2, 0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (r < 0) {
    print("runtime: eventfd failed with ", -r, "\n");
    throw_("runtime: eventfd failed");
  }
  netpollEventFd = int32(r);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = breakToken();
  r = arch::syscall4(SYS_epoll_ctl, epfd, EPOLL_CTL_ADD, netpollEventFd, reinterpret_cast<long>(&ev));
  if (r != 0) {
    print("runtime: epollctl failed with ", -r, "\n");
    throw_("runtime: epollctl failed");
  }
}

bool netpollIsPollDescriptor(int32 fd) { return fd == epfd || fd == netpollEventFd; }

int32 netpollopen(int32 fd, pollDesc* pd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = pd;
  return int32(-arch::syscall4(SYS_epoll_ctl, epfd, EPOLL_CTL_ADD, fd, reinterpret_cast<long>(&ev)));
}

int32 netpollrearm(int32 fd, pollDesc* pd) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = pd;
  return int32(-arch::syscall4(SYS_epoll_ctl, epfd, EPOLL_CTL_MOD, fd, reinterpret_cast<long>(&ev)));
}

int32 netpollclose(int32 fd) {
  epoll_event ev{};
  return int32(-arch::syscall4(SYS_epoll_ctl, epfd, EPOLL_CTL_DEL, fd, reinterpret_cast<long>(&ev)));
}

// netpollBreak interrupts an epoll wait.
void netpollBreak() {
  if (epfd < 0) return;
  uint32 zero = 0;
  if (!netpollWakeSig.compare_exchange_strong(zero, 1)) return;
  uint64 one = 1;
  for (;;) {
    long n = sys_write(netpollEventFd, &one, sizeof one);
    if (n == sizeof one) break;
    if (n == -EINTR) continue;
    if (n == -EAGAIN) return;
    print("runtime: netpollBreak write failed with ", -n, "\n");
    throw_("runtime: netpollBreak write failed");
  }
}

// epollwait waits up to delay ns (< 0: for ever) for events.
static long epollwait(epoll_event* ev, int32 nev, int64 delay) {
  if (delay > 0 && havePwait2.load(std::memory_order_relaxed) != 0) {
    kernel_timespec ts{long(delay / 1000000000), long(delay % 1000000000)};
    long n = arch::syscall6(SYS_epoll_pwait2, epfd, reinterpret_cast<long>(ev), nev, reinterpret_cast<long>(&ts), 0, 8);
    if (n != -ENOSYS) {
      havePwait2.store(1, std::memory_order_relaxed);
      return n;
    }
    havePwait2.store(0, std::memory_order_relaxed);
  }
  int32 waitms;
  if (delay < 0) {
    waitms = -1;
  } else if (delay == 0) {
    waitms = 0;
  } else if (delay < 1000000) {
    waitms = 1;
  } else if (delay < int64(1e15)) {
    waitms = int32(delay / 1000000);
  } else {
    // An arbitrary cap on how long to wait for a timer. 1e9 ms == ~11.5
    // days.
    waitms = 1000000000;
  }
  return arch::syscall6(SYS_epoll_pwait, epfd, reinterpret_cast<long>(ev), nev, waitms, 0, 8);
}

gList netpoll(int64 delay) {
  if (epfd == -1) return gList{};
  epoll_event events[128];
retry:
  long n = epollwait(events, 128, delay);
  if (n < 0) {
    if (n != -EINTR) {
      print("runtime: epollwait on fd ", epfd, " failed with ", -n, "\n");
      throw_("runtime: netpoll failed");
    }
    // If a timed sleep was interrupted, just return to recalculate how
    // long we should sleep now.
    if (delay > 0) return gList{};
    goto retry;
  }
  gList toRun;
  for (long i = 0; i < n; i++) {
    epoll_event* ev = &events[i];
    if (ev->events == 0) continue;
    if (ev->data.u64 == breakToken()) {
      if (ev->events != EPOLLIN) {
        print("runtime: netpoll: break fd ready for ", ev->events, "\n");
        throw_("runtime: netpoll: break fd ready for something unexpected");
      }
      if (delay != 0) {
        // netpollBreak could be picked up by a nonblocking poll. Only read
        // the count if blocking.
        uint64 tmp;
        arch::syscall3(SYS_read, netpollEventFd, reinterpret_cast<long>(&tmp), sizeof tmp);
        netpollWakeSig.store(0);
      }
      continue;
    }
    int32 mode = 0;
    if ((ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) mode += 'r';
    if ((ev->events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) mode += 'w';
    if (mode != 0) {
      auto* pd = static_cast<pollDesc*>(ev->data.ptr);
      pd->setEventErr(ev->events == EPOLLERR);
      if ((ev->events & (EPOLLRDHUP | EPOLLHUP)) != 0) pd->rdhup.store(true);
      netpollready(&toRun, pd, mode);
    }
  }
  return toRun;
}

}  // namespace gort::runtime
