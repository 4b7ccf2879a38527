// runtime/netpoll_stub.cpp: the network poller for a runtime that polls no
// network yet (Go: netpoll_stub.go, which serves Go's ports without a
// poller). What it does provide is the place where an M with nothing to do
// sleeps until the next timer: findRunnable calls netpoll(delay), and a
// timer started or moved earlier meanwhile cuts the sleep short through
// netpollBreak (wakeNetPoller).
//
// What is missing is the poller itself: an epoll-based netpoll (Go:
// netpoll_epoll.go) would keep these functions, sleeping in epoll_wait with
// the timeout instead of on a note, and findRunnable would not change.
#include "runtime.hpp"

namespace gort::runtime {

constinit std::atomic<uint32> netpollInited{0};
// Goroutines blocked on I/O; always 0 here.
constinit std::atomic<uint32> netpollWaiters{0};

// Only one M sleeps in netpoll at a time (findRunnable's swap of
// sched.lastpoll to 0 sees to it); the lock holds off a second one all
// the same.
constinit static mutex netpollStubLock;
constinit static note netpollNote;

// netpollBroken says a wake-up is already posted on netpollNote, so that a
// second netpollBreak does not wake the note twice. Guarded by
// netpollBrokenLock.
constinit static mutex netpollBrokenLock;
constinit static bool netpollBroken;

void netpollGenericInit() { netpollInited.store(1); }

bool netpollinited() { return netpollInited.load() != 0; }

// netpollBreak wakes the M sleeping in netpoll, or makes the next sleep
// return at once.
void netpollBreak() {
  lock(&netpollBrokenLock);
  bool broken = netpollBroken;
  netpollBroken = true;
  if (!broken) notewakeup(&netpollNote);
  unlock(&netpollBrokenLock);
}

// netpoll returns the goroutines whose I/O is ready: none here. With delay
// > 0 it first sleeps for up to delay ns (until netpollBreak); delay < 0
// would mean "until woken", which only a poller with waiters asks for.
// Runs on g0, without a P.
gList netpoll(int64 delay) {
  if (delay != 0) {
    lock(&netpollStubLock);

    lock(&netpollBrokenLock);
    noteclear(&netpollNote);
    netpollBroken = false;
    unlock(&netpollBrokenLock);

    notetsleep(&netpollNote, delay);
    unlock(&netpollStubLock);
    // Let a thread waiting for netpollStubLock have a turn.
    osyield();
  }
  return gList{};
}

}  // namespace gort::runtime
