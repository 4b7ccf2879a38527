// tests/sync/sema_test.cpp: the semaphores' wait queues (sema.cpp's
// semaRoot) on bare structures. A root keeps a treap of the blocked
// addresses, a search tree by address and a heap by random ticket, and each
// address's waiters in a list under its node, FIFO except for the lifo
// ones, which go first (Go: export_test.go's SemTable, sema_test.go).
// Bare-structure tests: no goroutine parks; sudogs made by hand are queued
// and dequeued directly under the root's lock, on a stand-in M (queue draws
// tickets with fastrand, which reads getg()->m). Random sequences come from
// fixed seeds, so a failure repeats. (Semaphores under running programs are
// tests/sync/sync_test.cpp's.)
#include <criterion/criterion.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <random>
#include <vector>

#include "bare.hpp"

namespace {

inline uintptr addrOf(const void* a) { return reinterpret_cast<uintptr>(a); }

// The waiters the test expects, per address, first to be dequeued first.
using model = std::map<uint32*, std::deque<sudog*>>;

// walk checks the subtree at s, whose parent is parent and whose addresses
// lie strictly between lo and hi, and adds its waiters to got: at each node
// the parent link, the search order by address, the heap order by ticket
// (never below the parent's; odd, so never 0), and its list of waiters: all
// on the node's address, waittail the last of them, or null when the node
// waits alone.
void walk(sudog* s, sudog* parent, uintptr lo, uintptr hi, model& got, int depth) {
  if (s == nullptr) return;
  cr_assert(depth < 10000, "a cycle in the treap");
  uintptr a = addrOf(s->elem);
  cr_assert_eq(s->parent, parent, "node %#lx: parent link %p, want %p", a, (void*)s->parent, (void*)parent);
  cr_assert(a > lo && a < hi, "node %#lx out of search order (between %#lx and %#lx)", a, lo, hi);
  cr_assert(s->ticket & 1, "node %#lx: ticket %u is not odd", a, s->ticket);
  if (parent != nullptr)
    cr_assert_geq(s->ticket, parent->ticket, "node %#lx: ticket %u below its parent's %u", a, s->ticket,
                  parent->ticket);
  std::deque<sudog*>& list = got[static_cast<uint32*>(s->elem)];
  cr_assert(list.empty(), "address %#lx has two nodes", a);
  sudog* last = nullptr;
  for (sudog* w = s; w != nullptr; w = w->waitlink) {
    cr_assert_eq(w->elem, s->elem, "a waiter of %#lx is on %p", a, w->elem);
    cr_assert_lt(list.size(), 100000u, "a cycle in the list of %#lx", a);
    list.push_back(w);
    last = w;
  }
  cr_assert_eq(s->waittail, last == s ? nullptr : last, "node %#lx: waittail", a);
  walk(s->prev, s, lo, a, got, depth + 1);
  walk(s->next, s, a, hi, got, depth + 1);
}

// check checks r's whole treap against want.
void check(semaRoot& r, const model& want, const char* what) {
  model got;
  walk(r.treap, nullptr, 0, ~uintptr(0), got, 0);
  model w;
  for (auto& [a, l] : want)
    if (!l.empty()) w[a] = l;
  cr_assert_eq(got.size(), w.size(), "%s: %zu addresses in the treap, want %zu", what, got.size(), w.size());
  for (auto& [a, l] : w) {
    auto it = got.find(a);
    cr_assert(it != got.end(), "%s: address %p missing from the treap", what, (void*)a);
    cr_assert(it->second == l, "%s: the waiters on %p are not the ones queued, in order", what, (void*)a);
  }
}

// A dequeued sudog has its links and ticket cleared (releaseSudog insists
// on most of them; acquireSudog hands it out again as it is).
void expect_clear(sudog* s) {
  cr_assert_null(s->parent);
  cr_assert_null(s->elem);
  cr_assert_null(s->next);
  cr_assert_null(s->prev);
  cr_assert_null(s->waitlink);
  cr_assert_null(s->waittail);
  cr_assert_eq(s->ticket, 0u);
}

void queue(semaRoot& r, uint32* addr, sudog* s, bool lifo) {
  lock(&r.lock);
  r.queue(addr, s, lifo);
  unlock(&r.lock);
}

sudog* dequeue(semaRoot& r, uint32* addr) {
  lock(&r.lock);
  sudog* s = r.dequeue(addr);
  unlock(&r.lock);
  return s;
}

std::vector<sudog*> newsudogs(int n) {
  std::vector<sudog*> v;
  for (int i = 0; i < n; i++) v.push_back(new sudog());
  return v;
}

}  // namespace

TestSuite(sema, .init = bare_setup);

// Waiters on one address leave in the order they came, whatever waits on
// the others; an address nobody waits on gives nothing.
Test(sema, fifo_per_address) {
  fakem fm(nullptr);
  semaRoot r;
  static uint32 words[3];
  model want;
  auto ss = newsudogs(15);
  for (int i = 0; i < 15; i++) {
    uint32* a = &words[i % 2 == 0 ? 0 : 2];  // words[1]: nobody
    queue(r, a, ss[i], false);
    want[a].push_back(ss[i]);
    cr_assert_eq(ss[i]->g_, &fm.g0, "queue records the waiting goroutine");
    check(r, want, "queue");
  }
  cr_assert_null(dequeue(r, &words[1]));
  for (uint32* a : {&words[2], &words[0]}) {
    while (!want[a].empty()) {
      sudog* s = dequeue(r, a);
      cr_assert_eq(s, want[a].front(), "not the first waiter on its address");
      want[a].pop_front();
      expect_clear(s);
      check(r, want, "dequeue");
    }
    cr_assert_null(dequeue(r, a));
  }
  cr_assert_null(r.treap);
}

// A lifo waiter (a gort::mutex waiter that has waited before) goes to the
// head of its address's list, taking over the node in the tree, with the
// others in the tree around it.
Test(sema, lifo_waiter_goes_first) {
  fakem fm(nullptr);
  semaRoot r;
  static uint32 words[32];
  model want;
  auto others = newsudogs(30);
  for (int i = 0; i < 30; i++) {
    uint32* a = &words[i < 15 ? i : i + 1];
    queue(r, a, others[i], false);
    want[a].push_back(others[i]);
  }
  uint32* a = &words[15];
  auto ss = newsudogs(6);
  const bool lifo[6] = {true, false, false, true, false, true};
  for (int i = 0; i < 6; i++) {
    queue(r, a, ss[i], lifo[i]);
    if (lifo[i])
      want[a].push_front(ss[i]);
    else
      want[a].push_back(ss[i]);
    check(r, want, lifo[i] ? "queue lifo" : "queue fifo");
  }
  // ss[5], ss[3], ss[0], ss[1], ss[2], ss[4]
  const int order[6] = {5, 3, 0, 1, 2, 4};
  for (int i : order) {
    sudog* s = dequeue(r, a);
    cr_assert_eq(s, ss[i], "want waiter %d next", i);
    want[a].pop_front();
    expect_clear(s);
    check(r, want, "dequeue");
  }
  cr_assert_null(dequeue(r, a));
  // A lifo waiter on an address with one waiter only.
  uint32* b = &words[31];
  auto tt = newsudogs(3);
  queue(r, b, tt[0], true);
  queue(r, b, tt[1], true);
  queue(r, b, tt[2], false);
  want[b].push_back(tt[0]);
  want[b].push_front(tt[1]);
  want[b].push_back(tt[2]);
  check(r, want, "lifo on a lone waiter, then fifo");
  for (int i : {1, 0, 2}) cr_assert_eq(dequeue(r, b), tt[i], "want waiter %d next", i);
}

// The rotations, on a tree built by hand under a parent p:
// rotateLeft(x) turns (x A (y B C)) into (y (x A B) C), rotateRight(y)
// turns it back; at the root they move r.treap.
Test(sema, rotations_relink_every_pointer) {
  semaRoot r;
  sudog P, X, Y, A, B, C;
  auto link = [](sudog* parent, sudog* left, sudog* right) {
    parent->prev = left;
    parent->next = right;
    if (left != nullptr) left->parent = parent;
    if (right != nullptr) right->parent = parent;
  };
  for (bool atroot : {false, true}) {
    for (sudog* s : {&P, &X, &Y, &A, &B, &C}) s->parent = s->prev = s->next = nullptr;
    link(&X, &A, &Y);
    link(&Y, &B, &C);
    if (atroot) {
      r.treap = &X;
    } else {
      r.treap = &P;
      link(&P, &X, nullptr);
    }
    sudog* top = atroot ? nullptr : &P;
    r.rotateLeft(&X);
    cr_assert_eq(Y.parent, top);
    if (atroot)
      cr_assert_eq(r.treap, &Y);
    else
      cr_assert(r.treap == &P && P.prev == &Y && P.next == nullptr);
    cr_assert(Y.prev == &X && Y.next == &C && X.parent == &Y && C.parent == &Y);
    cr_assert(X.prev == &A && X.next == &B && A.parent == &X && B.parent == &X);
    r.rotateRight(&Y);
    cr_assert_eq(X.parent, top);
    if (atroot)
      cr_assert_eq(r.treap, &X);
    else
      cr_assert(r.treap == &P && P.prev == &X && P.next == nullptr);
    cr_assert(X.prev == &A && X.next == &Y && A.parent == &X && Y.parent == &X);
    cr_assert(Y.prev == &B && Y.next == &C && B.parent == &Y && C.parent == &Y);
  }
  // On the right of the parent too.
  for (sudog* s : {&P, &X, &Y, &A, &B, &C}) s->parent = s->prev = s->next = nullptr;
  link(&X, &A, &Y);
  link(&Y, &B, &C);
  r.treap = &P;
  link(&P, nullptr, &X);
  r.rotateLeft(&X);
  cr_assert(P.next == &Y && P.prev == nullptr && Y.parent == &P);
  r.rotateRight(&Y);
  cr_assert(P.next == &X && P.prev == nullptr && X.parent == &P);
}

// Random sequences of queue (fifo and lifo) and dequeue over 64 addresses
// of one root, against a model: after every step the treap is a search
// tree by address and a heap by ticket with every link consistent, and
// each address's waiters are the model's, in its order. Dequeued sudogs
// are queued again, as acquireSudog would hand them out.
Test(sema, random_queue_dequeue_keeps_the_treap) {
  for (uint64 seed = 1; seed <= 8; seed++) {
    fakem fm(nullptr);
    fm.mm.fastrand = seed * 0x9e3779b97f4a7c15;  // the tickets
    std::mt19937_64 rnd(seed);
    semaRoot r;
    static uint32 words[64];
    model want;
    std::vector<sudog*> spare = newsudogs(300);
    int queued = 0, dequeued = 0, empty = 0;
    char what[64];
    for (int step = 0; step < 4000; step++) {
      uint32* a = &words[rnd() % 64];
      // Mostly queue until there are about 200 waiters, then mostly dequeue.
      bool put = !spare.empty() && rnd() % 100 < (step % 1000 < 500 ? 70u : 30u);
      if (put) {
        sudog* s = spare.back();
        spare.pop_back();
        bool lifo = rnd() % 4 == 0;
        queue(r, a, s, lifo);
        if (lifo)
          want[a].push_front(s);
        else
          want[a].push_back(s);
        queued++;
        std::snprintf(what, sizeof what, "seed %lu step %d: queue%s", seed, step, lifo ? " lifo" : "");
      } else {
        sudog* s = dequeue(r, a);
        if (want[a].empty()) {
          cr_assert_null(s, "seed %lu step %d: a waiter on an address nobody waits on", seed, step);
          empty++;
        } else {
          cr_assert_eq(s, want[a].front(), "seed %lu step %d: not the first waiter on its address", seed, step);
          want[a].pop_front();
          expect_clear(s);
          spare.push_back(s);
          dequeued++;
        }
        std::snprintf(what, sizeof what, "seed %lu step %d: dequeue", seed, step);
      }
      check(r, want, what);
    }
    cr_assert(queued > 1000 && dequeued > 1000 && empty > 10, "seed %lu: %d queued, %d dequeued, %d empty", seed,
              queued, dequeued, empty);
    for (auto& [a, l] : want)
      while (!l.empty()) {
        cr_assert_eq(dequeue(r, a), l.front());
        l.pop_front();
      }
    cr_assert_null(r.treap);
  }
}
