// chan_exit: main returns while goroutines are still blocked on global
// channels (a receiver, a sender, a sender on a full buffer, a select).
// Go's rule: the program just ends, with main's status. The globals'
// destructors run at exit while their channels still have waiters; they
// must not free a channel a waiter is queued on, nor report anything.
#include <gort/gort.hpp>

#include <cstdio>
#include <string>

gort::chan<int> unbuffered(0);
gort::chan<std::string> full(1);
gort::chan<long> other(0);

int main() {
  gort::go([] { unbuffered.recv(); });
  gort::go([] {
    other.send(1);
  });
  full.send("kept");
  gort::go([] { full.send("blocked"); });
  gort::go([] { gort::select(gort::case_recv(unbuffered), gort::case_send(other, 2L)); });
  for (int i = 0; i < 100; i++) gort::gosched();
  std::printf("main returns with %d goroutines\n", gort::num_goroutine());
  return 3;
}
