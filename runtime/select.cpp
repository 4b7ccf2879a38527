// runtime/select.cpp: select (Go: select.go).
//
// selectgo in three passes, as Go's:
//   1. Lock every channel involved (in address order, each once), then look
//      at the cases in a random order (the poll order) for one that can go
//      at once.
//   2. If none can and the select may block, queue a sudog on every channel
//      and park. Whoever wakes us wins g->selectDone and leaves its sudog
//      in g->param.
//   3. Relock all, take our other sudogs off their queues, and complete the
//      winning case.
#include "chan.hpp"

namespace gort::runtime {

static inline uintptr sortkey(hchan* c) { return reinterpret_cast<uintptr>(c); }

// sellock locks each distinct channel once, in lock order (duplicates are
// adjacent there).
static void sellock(scase* scases, uint16_t* lockorder, int n) {
  hchan* c = nullptr;
  for (int i = 0; i < n; i++) {
    hchan* c0 = scases[lockorder[i]].c;
    if (c0 != c) {
      c = c0;
      lock(&c->lock);
    }
  }
}

// selunlock unlocks in reverse order. Go warns that once the last lock is
// released the select's frame may be gone (the goroutine can be readied
// and return); here the cases are read before each unlock, the same way.
static void selunlock(scase* scases, uint16_t* lockorder, int n) {
  for (int i = n - 1; i >= 0; i--) {
    hchan* c = scases[lockorder[i]].c;
    if (i > 0 && c == scases[lockorder[i - 1]].c) continue;  // unlocked on the next iteration
    unlock(&c->lock);
  }
}

// selparkcommit is gopark's unlockf for a select: it unlocks the channels
// by walking our sudogs, which are in lock order, rather than the cases,
// because after the first unlock the select's frame may be in use again.
static bool selparkcommit(g* gp, void*) {
  hchan* lastc = nullptr;
  for (sudog* sg = gp->waiting; sg != nullptr; sg = sg->waitlink) {
    // The same channel may appear in several adjacent sudogs: unlock it
    // only after the last of them.
    if (sg->c != lastc && lastc != nullptr) unlock(&lastc->lock);
    lastc = sg->c;
  }
  if (lastc != nullptr) unlock(&lastc->lock);
  gp->parkingOnChan.store(false, std::memory_order_release);
  return true;
}

void block() {
  gopark(nullptr, nullptr, waitReason::selectNoCases);
  throw_("unreachable");
}

struct selunlockArgs {
  scase* scases;
  uint16_t* lockorder;
  int n;
};
static void selunlockf(void* a) {
  auto* s = static_cast<selunlockArgs*>(a);
  selunlock(s->scases, s->lockorder, s->n);
}

// fastrandn returns a number in [0, n) (Go: fastrandn, Lemire's reduction).
static inline uint32 fastrandn(uint32 n) { return uint32((uint64(fastrand()) * uint64(n)) >> 32); }

int selectgo(scase* cas0, uint16_t* order0, int nsends, int nrecvs, bool block, bool* recvOK) {
  int ncases = nsends + nrecvs;
  scase* scases = cas0;
  uint16_t* pollorder = order0;
  uint16_t* lockorder = order0 + ncases;
  *recvOK = false;

  // The poll order: a random permutation of the cases that have a channel
  // (a nil channel's case can never be chosen). An inside-out Fisher-Yates
  // shuffle, built as we go.
  int norder = 0;
  for (int i = 0; i < ncases; i++) {
    scase* cas = &scases[i];
    if (cas->c == nullptr) {
      cas->elem = nullptr;
      continue;
    }
    uint32 j = fastrandn(uint32(norder + 1));
    pollorder[norder] = pollorder[j];
    pollorder[j] = uint16_t(i);
    norder++;
  }

  // The lock order: the cases sorted by channel address. A heap sort, for
  // n log n time in constant space; starting from the poll order keeps the
  // order random among cases on the same channel.
  for (int i = 0; i < norder; i++) {
    int j = i;
    hchan* c = scases[pollorder[i]].c;
    while (j > 0 && sortkey(scases[lockorder[(j - 1) / 2]].c) < sortkey(c)) {
      int k = (j - 1) / 2;
      lockorder[j] = lockorder[k];
      j = k;
    }
    lockorder[j] = pollorder[i];
  }
  for (int i = norder - 1; i >= 0; i--) {
    uint16_t o = lockorder[i];
    hchan* c = scases[o].c;
    lockorder[i] = lockorder[0];
    int j = 0;
    for (;;) {
      int k = j * 2 + 1;
      if (k >= i) break;
      if (k + 1 < i && sortkey(scases[lockorder[k]].c) < sortkey(scases[lockorder[k + 1]].c)) k++;
      if (sortkey(c) < sortkey(scases[lockorder[k]].c)) {
        lockorder[j] = lockorder[k];
        j = k;
        continue;
      }
      break;
    }
    lockorder[j] = o;
  }

  if (norder == 0) {
    // Only nil channels (or none): a blocking select waits forever.
    if (!block) return -1;
    gopark(nullptr, nullptr, waitReason::selectNoCases);
    throw_("unreachable");
  }

  sellock(scases, lockorder, norder);
  selunlockArgs ua{scases, lockorder, norder};

  // Pass 1: is any case ready now?
  int casi = -1;
  scase* cas = nullptr;
  hchan* c = nullptr;
  sudog* sg = nullptr;
  for (int n = 0; n < norder; n++) {
    casi = pollorder[n];
    cas = &scases[casi];
    c = cas->c;
    if (casi >= nsends) {
      if ((sg = c->sendq.dequeue()) != nullptr) goto recv;
      if (c->qcount > 0) goto bufrecv;
      if (c->closed != 0) goto rclose;
    } else {
      if (c->closed != 0) goto sclose;
      if ((sg = c->recvq.dequeue()) != nullptr) goto send;
      if (c->qcount < c->dataqsiz) goto bufsend;
    }
  }

  if (!block) {
    selunlock(scases, lockorder, norder);
    return -1;
  }

  {
    // Pass 2: queue a sudog on every channel, in lock order, linked
    // through gp->waiting in that order (selparkcommit relies on it).
    g* gp = getg();
    if (gp->waiting != nullptr) throw_("gp.waiting != nil");
    sudog** nextp = &gp->waiting;
    for (int n = 0; n < norder; n++) {
      int ci = lockorder[n];
      scase* k = &scases[ci];
      sudog* s = acquireSudog();
      s->g_ = gp;
      s->isSelect = true;
      s->elem = k->elem;
      s->releasetime = 0;
      s->c = k->c;
      *nextp = s;
      nextp = &s->waitlink;
      if (ci < nsends)
        k->c->sendq.enqueue(s);
      else
        k->c->recvq.enqueue(s);
    }

    // Wait for a case to fire.
    gp->param = nullptr;
    gp->parkingOnChan.store(true, std::memory_order_relaxed);
    gopark(selparkcommit, nullptr, waitReason::select);

    sellock(scases, lockorder, norder);
    __atomic_store_n(&gp->selectDone, 0, __ATOMIC_RELAXED);
    sg = static_cast<sudog*>(gp->param);
    gp->param = nullptr;

    // Pass 3: take our sudogs off the channels that did not fire (or they
    // would pile up on quiet channels), and find the one that did.
    casi = -1;
    cas = nullptr;
    bool caseSuccess = false;
    sudog* sglist = gp->waiting;
    // Clear the case pointers first: once unlinked from gp->waiting nothing
    // may reach our frame through them.
    for (sudog* s1 = gp->waiting; s1 != nullptr; s1 = s1->waitlink) {
      s1->isSelect = false;
      s1->elem = nullptr;
      s1->c = nullptr;
    }
    gp->waiting = nullptr;

    for (int n = 0; n < norder; n++) {
      int ci = lockorder[n];
      scase* k = &scases[ci];
      if (sg == sglist) {
        // This one was dequeued by whoever woke us.
        casi = ci;
        cas = k;
        caseSuccess = sglist->success;
      } else if (ci < nsends) {
        k->c->sendq.dequeueSudoG(sglist);
      } else {
        k->c->recvq.dequeueSudoG(sglist);
      }
      sudog* sgnext = sglist->waitlink;
      sglist->waitlink = nullptr;
      releaseSudog(sglist);
      sglist = sgnext;
    }

    if (cas == nullptr) throw_("selectgo: bad wakeup");
    c = cas->c;
    if (casi < nsends) {
      if (!caseSuccess) goto sclose;  // woken by close
    } else {
      *recvOK = caseSuccess;
    }
    selunlock(scases, lockorder, norder);
    return casi;
  }

bufrecv:
  // A value is in the buffer.
  {
    *recvOK = true;
    chanbufget(c, cas->elem);
    selunlock(scases, lockorder, norder);
    return casi;
  }

bufsend:
  // Room in the buffer.
  chanbufput(c, cas->elem);
  selunlock(scases, lockorder, norder);
  return casi;

recv:
  // A sender is parked on c.
  chanrecv_direct(c, sg, cas->elem, selunlockf, &ua);
  *recvOK = true;
  return casi;

rclose:
  // c is closed and drained.
  selunlock(scases, lockorder, norder);
  *recvOK = false;
  return casi;

send:
  // A receiver is parked on c.
  chansend_direct(c, sg, cas->elem, selunlockf, &ua);
  return casi;

sclose:
  selunlock(scases, lockorder, norder);
  panicplain("send on closed channel");
}

}  // namespace gort::runtime
