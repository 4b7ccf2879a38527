// runtime/netpoll.cpp: the integrated network poller, its portable part
// (Go: netpoll.go). The epoll side (netpollinit, netpollopen, netpoll,
// netpollBreak) is in netpoll_epoll.cpp.
//
// A goroutine that wants to read from a file that has nothing to read
// does not block its thread: it parks on the file's pollDesc
// (poll_runtime_pollWait), and the M that next polls the network
// (findRunnable, before it would steal or sleep; sysmon, if nobody has for
// 10 ms) finds the file ready in epoll and makes the goroutine runnable
// again. Deadlines are timers that unblock it. The callers are
// gort::net (<gort/net.hpp>: api side in net.cpp) and the libc hooks for
// descriptors the program opened itself (syscall_linux.cpp).
#include "runtime.hpp"

namespace gort::runtime {

// Our pollDescs are 4 KiB at a time from persistentalloc (Go's
// pollBlockSize), never freed.
static constexpr uintptr kPollBlockSize = 4 * 1024;

struct pollCache {
  mutex lock;
  pollDesc* first = nullptr;
  // PollDesc objects must be type-stable, because we can get ready
  // notification from epoll after the descriptor is closed/reused. Stale
  // notifications are detected using seq variable, seq is incremented
  // when deadlines are changed or descriptor is reused.
  pollDesc* alloc();
  void free(pollDesc* pd);
};

constinit static mutex netpollInitLock;
constinit std::atomic<uint32> netpollInited{0};
constinit static pollCache pollcache;
constinit std::atomic<uint32> netpollWaiters{0};

static void netpollDeadline(void* arg, uintptr seq);
static void netpollReadDeadline(void* arg, uintptr seq);
static void netpollWriteDeadline(void* arg, uintptr seq);
static g* netpollunblock(pollDesc* pd, int32 mode, bool ioready);
static void netpollgoready(g* gp);
static bool netpollblock(pollDesc* pd, int32 mode, bool waitio);

// publishInfo updates pd->atomicInfo (returned by pd->info()) using the
// other values in pd. It must be called while holding pd->lock, and it
// must be called after changing anything that might affect the info bits.
// In practice this means after changing closing or changing rd or wd from
// < 0 to >= 0.
void pollDesc::publishInfo() {
  uint32 info = 0;
  if (closing) info |= pollClosing;
  if (rd < 0) info |= pollExpiredReadDeadline;
  if (wd < 0) info |= pollExpiredWriteDeadline;
  // Set all of x except the pollEventErr bit.
  uint32 x = atomicInfo.load();
  while (!atomicInfo.compare_exchange_weak(x, (x & pollEventErr) | info)) {
  }
}

// setEventErr sets the result of pd.info() & pollEventErr to b.
void pollDesc::setEventErr(bool b) {
  uint32 x = atomicInfo.load();
  while (((x & pollEventErr) != 0) != b && !atomicInfo.compare_exchange_weak(x, x ^ pollEventErr)) {
  }
}

void netpollGenericInit() {
  if (netpollInited.load() == 0) {
    lock(&netpollInitLock);
    if (netpollInited.load() == 0) {
      netpollinit();
      netpollInited.store(1);
    }
    unlock(&netpollInitLock);
  }
}

bool netpollinited() { return netpollInited.load() != 0; }

// poll_runtime_isPollServerDescriptor reports whether fd is a descriptor
// being used by netpoll.
bool poll_runtime_isPollServerDescriptor(int32 fd) { return netpollIsPollDescriptor(fd); }

pollDesc* poll_runtime_pollOpen(int32 fd, int32* errno_) {
  netpollGenericInit();
  pollDesc* pd = pollcache.alloc();
  lock(&pd->lock);
  uintptr wg = pd->wg.load();
  if (wg != 0 && wg != pdReady) throw_("runtime: blocked write on free polldesc");
  uintptr rg = pd->rg.load();
  if (rg != 0 && rg != pdReady) throw_("runtime: blocked read on free polldesc");
  pd->fd = fd;
  pd->closing = false;
  pd->setEventErr(false);
  pd->rdhup.store(false, std::memory_order_relaxed);
  pd->rseq++;
  pd->rg.store(0);
  pd->rd = 0;
  pd->wseq++;
  pd->wg.store(0);
  pd->wd = 0;
  pd->publishInfo();
  unlock(&pd->lock);

  int32 e = netpollopen(fd, pd);
  if (e != 0) {
    pollcache.free(pd);
    *errno_ = e;
    return nullptr;
  }
  *errno_ = 0;
  return pd;
}

void poll_runtime_pollClose(pollDesc* pd) {
  if (!pd->closing) throw_("runtime: close polldesc w/o unblock");
  uintptr wg = pd->wg.load();
  if (wg != 0 && wg != pdReady) throw_("runtime: blocked write on closing polldesc");
  uintptr rg = pd->rg.load();
  if (rg != 0 && rg != pdReady) throw_("runtime: blocked read on closing polldesc");
  netpollclose(pd->fd);
  pollcache.free(pd);
}

void pollfree(pollDesc* pd) {
  if (!pd->closing) throw_("runtime: free polldesc w/o unblock");
  uintptr wg = pd->wg.load(), rg = pd->rg.load();
  if ((wg != 0 && wg != pdReady) || (rg != 0 && rg != pdReady)) throw_("runtime: blocked I/O on freed polldesc");
  pollcache.free(pd);
}

void pollCache::free(pollDesc* pd) {
  runtime::lock(&this->lock);
  pd->link = first;
  first = pd;
  runtime::unlock(&this->lock);
}

// poll_runtime_pollReset prepares a descriptor for polling in mode, which
// is 'r' or 'w'. This returns an error code; the codes are above.
int32 poll_runtime_pollReset(pollDesc* pd, int32 mode) {
  int32 errcode = netpollcheckerr(pd, mode);
  if (errcode != pollNoError) return errcode;
  if (mode == 'r')
    pd->rg.store(0);
  else if (mode == 'w')
    pd->wg.store(0);
  return pollNoError;
}

// poll_runtime_pollWait waits for a descriptor to be ready for reading or
// writing, according to mode, which is 'r' or 'w'. This returns an error
// code; the codes are above.
int32 poll_runtime_pollWait(pollDesc* pd, int32 mode) {
  int32 errcode = netpollcheckerr(pd, mode);
  if (errcode != pollNoError) return errcode;
  while (!netpollblock(pd, mode, false)) {
    errcode = netpollcheckerr(pd, mode);
    if (errcode != pollNoError) return errcode;
    // Can happen if timeout has fired and unblocked us, but before we had
    // a chance to run, timeout has been reset. Pretend it has not happened
    // and retry.
  }
  return pollNoError;
}

void poll_runtime_pollSetDeadline(pollDesc* pd, int64 d, int32 mode) {
  lock(&pd->lock);
  if (pd->closing) {
    unlock(&pd->lock);
    return;
  }
  int64 rd0 = pd->rd, wd0 = pd->wd;
  bool combo0 = rd0 > 0 && rd0 == wd0;
  if (d > 0) {
    d += nanotime();
    if (d <= 0) {
      // If the user has a deadline in the future, but the delay
      // calculation overflows, then set the deadline to the maximum
      // possible value.
      d = maxWhen;
    }
  }
  if (mode == 'r' || mode == 'r' + 'w') pd->rd = d;
  if (mode == 'w' || mode == 'r' + 'w') pd->wd = d;
  pd->publishInfo();
  bool combo = pd->rd > 0 && pd->rd == pd->wd;
  void (*rtf)(void*, uintptr) = combo ? netpollDeadline : netpollReadDeadline;
  if (pd->rt.f == nullptr) {
    if (pd->rd > 0) {
      pd->rt.f = rtf;
      // Copy current seq into the timer arg. Timer func will check the
      // seq against current descriptor seq, if they differ the descriptor
      // was reused or timers were reset.
      pd->rt.arg = pd;
      pd->rt.seq = pd->rseq;
      resettimer(&pd->rt, pd->rd);
    }
  } else if (pd->rd != rd0 || combo != combo0) {
    pd->rseq++;  // invalidate current timers
    if (pd->rd > 0) {
      modtimer(&pd->rt, pd->rd, 0, rtf, pd, pd->rseq);
    } else {
      deltimer(&pd->rt);
      pd->rt.f = nullptr;
    }
  }
  if (pd->wt.f == nullptr) {
    if (pd->wd > 0 && !combo) {
      pd->wt.f = netpollWriteDeadline;
      pd->wt.arg = pd;
      pd->wt.seq = pd->wseq;
      resettimer(&pd->wt, pd->wd);
    }
  } else if (pd->wd != wd0 || combo != combo0) {
    pd->wseq++;  // invalidate current timers
    if (pd->wd > 0 && !combo) {
      modtimer(&pd->wt, pd->wd, 0, netpollWriteDeadline, pd, pd->wseq);
    } else {
      deltimer(&pd->wt);
      pd->wt.f = nullptr;
    }
  }
  // If we set the new deadline in the past, unblock currently pending IO
  // if any. Note that pd->publishInfo has already been called, above,
  // immediately after modifying rd and wd.
  g* rg = nullptr;
  g* wg = nullptr;
  if (pd->rd < 0) rg = netpollunblock(pd, 'r', false);
  if (pd->wd < 0) wg = netpollunblock(pd, 'w', false);
  unlock(&pd->lock);
  if (rg != nullptr) netpollgoready(rg);
  if (wg != nullptr) netpollgoready(wg);
}

void poll_runtime_pollUnblock(pollDesc* pd) {
  lock(&pd->lock);
  if (pd->closing) throw_("runtime: unblock on closing polldesc");
  pd->closing = true;
  pd->rseq++;
  pd->wseq++;
  pd->publishInfo();
  g* rg = netpollunblock(pd, 'r', false);
  g* wg = netpollunblock(pd, 'w', false);
  if (pd->rt.f != nullptr) {
    deltimer(&pd->rt);
    pd->rt.f = nullptr;
  }
  if (pd->wt.f != nullptr) {
    deltimer(&pd->wt);
    pd->wt.f = nullptr;
  }
  unlock(&pd->lock);
  if (rg != nullptr) netpollgoready(rg);
  if (wg != nullptr) netpollgoready(wg);
}

// netpollready is called by the platform-specific netpoll function. It
// declares that the fd associated with pd is ready for I/O. The toRun
// argument is used to build a list of goroutines to return from netpoll.
// The mode argument is 'r', 'w', or 'r'+'w' to indicate whether the fd is
// ready for reading or writing or both.
void netpollready(gList* toRun, pollDesc* pd, int32 mode) {
  g* rg = nullptr;
  g* wg = nullptr;
  if (mode == 'r' || mode == 'r' + 'w') rg = netpollunblock(pd, 'r', true);
  if (mode == 'w' || mode == 'r' + 'w') wg = netpollunblock(pd, 'w', true);
  if (rg != nullptr) toRun->push(rg);
  if (wg != nullptr) toRun->push(wg);
}

int32 netpollcheckerr(pollDesc* pd, int32 mode) {
  uint32 info = pd->info();
  if ((info & pollClosing) != 0) return pollErrClosing;
  if ((mode == 'r' && (info & pollExpiredReadDeadline) != 0) ||
      (mode == 'w' && (info & pollExpiredWriteDeadline) != 0))
    return pollErrTimeout;
  // Report an event scanning error only on a read event. An error on a
  // write event will be captured in a subsequent write call that is able
  // to report a more specific error.
  if (mode == 'r' && (info & pollEventErr) != 0) return pollErrNotPollable;
  return pollNoError;
}

static bool netpollblockcommit(g* gp, void* gpp) {
  uintptr expect = pdWait;
  bool r = static_cast<std::atomic<uintptr>*>(gpp)->compare_exchange_strong(expect, reinterpret_cast<uintptr>(gp));
  if (r) {
    // Bump the count of goroutines waiting for the poller. The scheduler
    // uses this to decide whether to block waiting for the poller if there
    // is nothing else to do.
    netpollWaiters.fetch_add(1);
  }
  return r;
}

static void netpollgoready(g* gp) {
  netpollWaiters.fetch_sub(1);
  goready(gp);
}

// netpollblock returns true if IO is ready, or false if timedout or
// closed. waitio: wait only for completed IO, ignore errors. Concurrent
// calls to netpollblock in the same mode are forbidden, as pollDesc can
// hold only a single waiting goroutine for each mode.
static bool netpollblock(pollDesc* pd, int32 mode, bool waitio) {
  std::atomic<uintptr>* gpp = mode == 'w' ? &pd->wg : &pd->rg;

  // set the gpp semaphore to pdWait
  for (;;) {
    // Consume notification if already ready.
    uintptr expect = pdReady;
    if (gpp->compare_exchange_strong(expect, 0)) return true;
    expect = 0;
    if (gpp->compare_exchange_strong(expect, pdWait)) break;
    // Double check that this isn't corrupt; otherwise we'd loop forever.
    if (uintptr v = gpp->load(); v != pdReady && v != 0) throw_("runtime: double wait");
  }

  // need to recheck error states after setting gpp to pdWait this is
  // necessary because runtime_pollUnblock/runtime_pollSetDeadline/
  // deadlineimpl do the opposite: store to closing/rd/wd, publishInfo,
  // load of rg/wg
  if (waitio || netpollcheckerr(pd, mode) == pollNoError) gopark(netpollblockcommit, gpp, waitReason::ioWait);
  // be careful to not lose concurrent pdReady notification
  uintptr old = gpp->exchange(0);
  if (old > pdWait) throw_("runtime: corrupted polldesc");
  return old == pdReady;
}

static g* netpollunblock(pollDesc* pd, int32 mode, bool ioready) {
  std::atomic<uintptr>* gpp = mode == 'w' ? &pd->wg : &pd->rg;
  for (;;) {
    uintptr old = gpp->load();
    if (old == pdReady) return nullptr;
    if (old == 0 && !ioready) {
      // Only set pdReady for ioready. runtime_pollWait will check for
      // timeout/cancel before waiting.
      return nullptr;
    }
    uintptr nw = ioready ? pdReady : 0;
    if (gpp->compare_exchange_strong(old, nw)) {
      if (old == pdWait) old = 0;
      return reinterpret_cast<g*>(old);
    }
  }
}

static void netpolldeadlineimpl(pollDesc* pd, uintptr seq, bool read, bool write) {
  lock(&pd->lock);
  // Seq arg is seq when the timer was set. If it's stale, ignore the timer
  // event.
  uintptr currentSeq = read ? pd->rseq : pd->wseq;
  if (seq != currentSeq) {
    // The descriptor was reused or timers were reset.
    unlock(&pd->lock);
    return;
  }
  g* rg = nullptr;
  if (read) {
    if (pd->rd <= 0 || pd->rt.f == nullptr) throw_("runtime: inconsistent read deadline");
    pd->rd = -1;
    pd->publishInfo();
    rg = netpollunblock(pd, 'r', false);
  }
  g* wg = nullptr;
  if (write) {
    if (pd->wd <= 0 || (pd->wt.f == nullptr && !read)) throw_("runtime: inconsistent write deadline");
    pd->wd = -1;
    pd->publishInfo();
    wg = netpollunblock(pd, 'w', false);
  }
  unlock(&pd->lock);
  if (rg != nullptr) netpollgoready(rg);
  if (wg != nullptr) netpollgoready(wg);
}

static void netpollDeadline(void* arg, uintptr seq) {
  netpolldeadlineimpl(static_cast<pollDesc*>(arg), seq, true, true);
}

static void netpollReadDeadline(void* arg, uintptr seq) {
  netpolldeadlineimpl(static_cast<pollDesc*>(arg), seq, true, false);
}

static void netpollWriteDeadline(void* arg, uintptr seq) {
  netpolldeadlineimpl(static_cast<pollDesc*>(arg), seq, false, true);
}

pollDesc* pollCache::alloc() {
  runtime::lock(&this->lock);
  if (first == nullptr) {
    constexpr uintptr pdSize = (sizeof(pollDesc) + 63) & ~uintptr(63);
    uintptr n = kPollBlockSize / pdSize;
    if (n == 0) n = 1;
    // Never freed: epoll may still report a pollDesc after its fd is
    // closed (see above).
    auto* mem = static_cast<unsigned char*>(persistentalloc(n * pdSize, 64));
    for (uintptr i = 0; i < n; i++) {
      auto* pd = new (mem + i * pdSize) pollDesc();
      pd->link = first;
      first = pd;
    }
  }
  pollDesc* pd = first;
  first = pd->link;
  runtime::unlock(&this->lock);
  return pd;
}

}  // namespace gort::runtime
