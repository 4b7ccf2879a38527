// runtime/chan.hpp: channels and select (Go: chan.go, select.go).
//
// The public template gort::chan<T> (include/gort/chan.hpp) is a typed,
// reference-counted handle on an hchan; everything that touches wait queues
// and buffers is here, type-erased through a chantype, as Go's runtime is
// through its *_type.
#pragma once

#include "runtime.hpp"

namespace gort::runtime {

// How to move and destroy elements of one channel type. Go copies element
// bytes with typedmemmove and clears them with typedmemclr; C++ objects have
// move constructors and destructors instead. For a trivially copyable T the
// public header leaves move and destroy null and the runtime copies bytes.
// The layout is mirrored by gort::detail::chantype (api.cpp checks).
struct chantype {
  uintptr size;
  uintptr align;
  // Construct *dst from std::move(*src). src stays alive: its owner
  // destroys it. Must not throw (the header requires nothrow move).
  void (*move)(void* dst, void* src) noexcept;
  void (*destroy)(void* obj) noexcept;
};

// A FIFO of sudogs waiting on one side of a channel (Go: waitq).
struct waitq {
  // first is read without the channel's lock by the fast paths (chansend1,
  // chanrecv2, empty/full: Go's plain reads in chansend/chanrecv), so it is
  // written atomically (setfirst), always under the lock.
  sudog* first = nullptr;
  sudog* last = nullptr;
  void setfirst(sudog* s) { sanstore(&first, s, __ATOMIC_RELAXED); }
  void enqueue(sudog* sgp);
  sudog* dequeue();
  void dequeueSudoG(sudog* sgp);
};

struct hchan {
  uint32 qcount = 0;    // elements in the buffer
  uint32 dataqsiz = 0;  // size of the circular buffer (the capacity)
  unsigned char* buf = nullptr;  // dataqsiz elements, each elemsize bytes
  uintptr elemsize = 0;
  uint32 closed = 0;
  const chantype* elemtype = nullptr;
  uint32 sendx = 0;  // send index into buf
  uint32 recvx = 0;  // receive index into buf
  waitq recvq;       // blocked receivers
  waitq sendq;       // blocked senders

  // lock protects every field above, and several fields of the sudogs
  // blocked on this channel. Go's rule holds: do not change another G's
  // status while holding it (goready after unlock), since that can deadlock
  // with stopping the world.
  mutex lock;

  // Difference from Go: no garbage collector frees the channel, so it is
  // reference-counted by its handles (gort::chan<T> copies). A goroutine
  // parked on a channel holds a handle, so the count never drops to zero
  // while anyone waits on it.
  std::atomic<int64> refs{1};

  // The detached one-shot timer that sends on this channel, if any (Go
  // 1.23: hchan.timer, "timer feeding this chan"). It holds one reference
  // to the channel, and the channel holds the reference its handle gave
  // up (chansettimer): when the last handle goes, nothing can receive
  // from the channel any more, so chanrelease stops the timer and drops
  // that reference, and both are freed (Go 1.23's collector frees an
  // unreferenced timer even before it fires; Go 1.19 kept it until then).
  std::atomic<struct timer*> timer{nullptr};
};

// One case of a select, as the public header lays them out: sends first,
// then receives (Go: scase). elem: the value to send, or the storage to
// receive into (raw, uninitialised; null to discard the value).
struct scase {
  hchan* c;
  void* elem;
};

hchan* makechan(const chantype* t, int64 size) RUNTIME_SYM("makechan");
void chanretain(hchan* c) RUNTIME_SYM("chanretain");
void chanrelease(hchan* c) RUNTIME_SYM("chanrelease");
// chansettimer makes the detached one-shot timer t, whose f sends on c
// and which holds a reference to c, c's (hchan::timer): c takes over the
// caller's reference to t.
void chansettimer(hchan* c, timer* t);
// chansend puts *ep on c. With block false it returns false instead of
// waiting. *ep is moved from (not destroyed) when the value is sent.
// With closed non-null, a send on a closed channel sets *closed and
// returns false instead of panicking (sendTime, which runs on g0).
bool chansend(hchan* c, void* ep, bool block, bool* closed = nullptr) RUNTIME_SYM("chansend");
// chanrecv receives from c into the raw storage ep (or discards when ep is
// null). selected: false if it would have blocked (block false only).
// received: a value was constructed at ep; false when c is closed and
// drained, in which case ep was left untouched.
struct recvResult {
  bool selected;
  bool received;
};
recvResult chanrecv(hchan* c, void* ep, bool block) RUNTIME_SYM("chanrecv");
void chansend1(hchan* c, void* elem) RUNTIME_SYM("chansend1");
void chanrecv1(hchan* c, void* elem) RUNTIME_SYM("chanrecv1");
bool chanrecv2(hchan* c, void* elem) RUNTIME_SYM("chanrecv2");
bool selectnbsend(hchan* c, void* elem) RUNTIME_SYM("selectnbsend");
// Returns 0: nothing ready; 1: received a value; 2: closed.
int selectnbrecv(hchan* c, void* elem) RUNTIME_SYM("selectnbrecv");
void closechan(hchan* c) RUNTIME_SYM("closechan");
int64 chanlen(hchan* c) RUNTIME_SYM("chanlen");
int64 chancap(hchan* c) RUNTIME_SYM("chancap");

// selectgo runs a select over ncases = nsends + nrecvs cases (sends first).
// order0 is scratch for 2*ncases uint16s. Returns the index of the chosen
// case, or -1 when block is false and nothing was ready; *recvOK says
// whether a receive got a value (false: the channel was closed).
int selectgo(scase* cas0, uint16_t* order0, int nsends, int nrecvs, bool block, bool* recvOK)
    RUNTIME_SYM("selectgo");
// block parks the goroutine forever (Go: an empty select{}).
[[noreturn]] void block() RUNTIME_SYM("block");

// Shared by chan.cpp and select.cpp.
void chansend_direct(hchan* c, sudog* sg, void* ep, void (*unlockf)(void*), void* arg);
void chanrecv_direct(hchan* c, sudog* sg, void* ep, void (*unlockf)(void*), void* arg);
inline unsigned char* chanbuf(hchan* c, uint32 i) { return c->buf + uintptr(i) * c->elemsize; }
void typedmemmoveSlow(const chantype* t, void* dst, void* src);
// typedmemmove moves an element (see chantype); inline for the common
// word-sized, trivially copyable element.
inline void typedmemmove(const chantype* t, void* dst, void* src) {
  if (t->move == nullptr && t->size == 8)
    __builtin_memcpy(dst, src, 8);
  else
    typedmemmoveSlow(t, dst, src);
}
inline void typedmemclr(const chantype* t, void* obj) {
  if (t->destroy != nullptr) t->destroy(obj);
}

// chanbufput moves *ep to the tail of c's buffer, which has room;
// chanbufget moves the head of the buffer, which holds a value, to *ep (or
// drops it when ep is null). c is locked. (Go repeats these lines in
// chansend, chanrecv and selectgo.)
inline void chanbufput(hchan* c, void* ep) {
  typedmemmove(c->elemtype, chanbuf(c, c->sendx), ep);
  if (++c->sendx == c->dataqsiz) c->sendx = 0;
  __atomic_store_n(&c->qcount, c->qcount + 1, __ATOMIC_RELEASE);
}
inline void chanbufget(hchan* c, void* ep) {
  unsigned char* qp = chanbuf(c, c->recvx);
  if (ep != nullptr) typedmemmove(c->elemtype, ep, qp);
  typedmemclr(c->elemtype, qp);
  if (++c->recvx == c->dataqsiz) c->recvx = 0;
  __atomic_store_n(&c->qcount, c->qcount - 1, __ATOMIC_RELAXED);
}

}  // namespace gort::runtime
