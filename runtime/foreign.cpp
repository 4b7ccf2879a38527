// runtime/foreign.cpp: threads that gort does not manage (std::thread,
// pthread_create, a library's callback thread) calling into the runtime.
//
// Go lets a C thread call Go code through cgo: the thread borrows an extra
// M and may do anything a goroutine does. gort has no such M, so such a
// thread has no g (getg() is null) and may only do what needs none: the
// operations that never wait (try_send, try_recv, select with a default
// case, close, an uncontended gort::mutex, wait_group::done, ...). Those
// complete with goroutines as usual, and the goroutines they make runnable
// are readied from here (readyforeign). An operation that would have to
// wait ends the program with a message instead (foreignblock), as any
// other gort call from such a thread does (api.cpp's notstarted).
//
// Deadlock detection cannot see these threads: while one is alive, a
// goroutine waiting for it is not deadlocked (Go, with cgo, likewise never
// reports a deadlock: its extra M counts as running). checkdead therefore
// asks foreignthreads before it reports one.
#include <fcntl.h>

#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

[[noreturn]] void foreignblock() {
  print("gort: gort called from a thread that gort does not manage (std::thread, pthread_create,\n"
        "gort: a library's thread) would wait: such a thread may only use operations that never\n"
        "gort: wait (try_send, try_recv, select with a default case, close, wait_group::done);\n"
        "gort: see gort(3), THREADS THAT GORT DOES NOT MANAGE\n");
  exit_group(2);
}

// readyforeign makes gp, waiting, runnable from a thread without an M:
// with no P of ours to put it on, it goes to the global run queue, and an
// idle P is woken for it if there is one (Go's injectglist does the same
// for a thread without a P).
void readyforeign(g* gp) {
  if (readgstatus(gp) != _Gwaiting) throw_("bad g->status in ready");
  casgstatus(gp, _Gwaiting, _Grunnable);
  lock(&sched.lock);
  globrunqput(gp);
  unlock(&sched.lock);
  wakep();
}

// fastrandforeign is fastrand for a thread without an M (a select from
// it): wyrand on a shared state.
uint32 fastrandforeign() {
  static constinit std::atomic<uint64> state{0};
  uint64 s = state.fetch_add(0xa0761d6478bd642f, std::memory_order_relaxed) + 0xa0761d6478bd642f;
  s ^= startupRandom;
  unsigned __int128 r = (unsigned __int128)s * (s ^ 0xe7037ed1a0b428db);
  return uint32(uint64(r >> 64) ^ uint64(r));
}

// threadcount: the process's threads, the 20th field of /proc/self/stat
// (num_threads), less TSan's own background thread, which its
// pthread_create starts the first time the process makes a thread. Read
// with raw system calls; -1 if unreadable.
int64 threadcount() {
  int fd = int(sys_openat(AT_FDCWD, "/proc/self/stat", O_RDONLY | O_CLOEXEC, 0));
  if (fd < 0) return -1;
  char buf[1024];
  long n = sys_read(fd, buf, sizeof buf - 1);
  sys_close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  // Fields after the command name, which is in parentheses and may hold
  // spaces: ") S ppid ..."; num_threads is the 18th after the ')'.
  long i = n - 1;
  while (i > 0 && buf[i] != ')') i--;
  int field = 2;
  int64 threads = 0;
  for (i++; i < n; i++) {
    if (buf[i] == ' ') {
      field++;
      continue;
    }
    if (field == 20) {
      for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) threads = threads * 10 + (buf[i] - '0');
      break;
    }
  }
  if (GORT_TSAN && threads > 1) threads--;
  return threads;
}

// foreignthreads reports whether the process has threads that are not Ms
// (or Ms that have ended: exited, the nexited of them). Called by checkdead
// under sched.lock, only when it is about to report a deadlock.
bool foreignthreads(int32 nexited) {
  int64 threads = threadcount();
  return threads > int64(mcount()) + nexited;
}

}  // namespace gort::runtime
