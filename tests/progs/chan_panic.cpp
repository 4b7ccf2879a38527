// tests/progs/chan_panic.cpp: channel misuse panics as in Go (message on
// stderr, exit status 2). argv[1] names the scenario:
//   send_closed           send on a closed buffered channel with room
//   send_closed_unbuf     send on a closed unbuffered channel
//   try_send_closed       try_send on a closed channel (Go: a select with
//                         a default does not hide the panic)
//   select_send_closed    a select whose send case is on a closed channel,
//                         with a ready receive and a default beside it
//                         (the send is chosen sooner or later; it panics)
//   send_blocked_close    a goroutine blocked sending on an unbuffered
//                         channel panics when main closes it
//   select_blocked_close  the same for a goroutine blocked in a select
//                         with a send case
//   close_closed          close of a closed channel
//   close_nil             close of a nil channel
//   make_negative         make with a negative capacity
//   make_huge_count       a capacity beyond the index type (2^31)
//   make_huge_bytes       a buffer of 2^20+1 one-MiB elements (over 2^40
//                         bytes)
//   recover               each panic above caught as gort::panic_error
//                         (Go's recover), on main and on a blocked
//                         goroutine; prints one line per recovery, exits 0
// Each prints "before" first, and "after" if the misuse went unnoticed.
#include <gort/gort.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>

struct big {
  char bytes[1 << 20];
};

// waits lets the goroutine that must panic run: up to 5 s of yielding.
static void wait_for_panic() {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < end) gort::gosched();
}

// started_blocked waits until the goroutine has started (it sets *flag
// just before it blocks) and gives it a little time to block.
static void started_blocked(std::atomic<bool>* flag) {
  while (!flag->load()) gort::gosched();
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(10);
  while (std::chrono::steady_clock::now() < end) gort::gosched();
}

int main(int argc, char** argv) {
  const char* s = argc > 1 ? argv[1] : "";
  std::printf("before\n");
  std::fflush(stdout);
  static std::atomic<bool> flag{false};
  if (std::strcmp(s, "send_closed") == 0) {
    gort::chan<int> c(4);
    c.close();
    c.send(1);
  } else if (std::strcmp(s, "send_closed_unbuf") == 0) {
    gort::chan<int> c(0);
    c.close();
    c.send(1);
  } else if (std::strcmp(s, "try_send_closed") == 0) {
    gort::chan<int> c(4);
    c.close();
    c.try_send(1);
  } else if (std::strcmp(s, "select_send_closed") == 0) {
    gort::chan<int> c(4), r(1);
    c.close();
    for (int i = 0; i < 1000; i++) {
      r.try_send(i);
      gort::select(gort::case_recv(r), gort::case_send(c, 1), gort::case_default());
    }
  } else if (std::strcmp(s, "send_blocked_close") == 0) {
    gort::chan<int> c(0);
    gort::go([c] {
      flag = true;
      c.send(1);
    });
    started_blocked(&flag);
    c.close();
    wait_for_panic();
  } else if (std::strcmp(s, "select_blocked_close") == 0) {
    gort::chan<int> c(0), other(0);
    gort::go([c, other] {
      flag = true;
      gort::select(gort::case_recv(other), gort::case_send(c, 1));
    });
    started_blocked(&flag);
    c.close();
    wait_for_panic();
  } else if (std::strcmp(s, "close_closed") == 0) {
    gort::chan<int> c(1);
    c.close();
    c.close();
  } else if (std::strcmp(s, "close_nil") == 0) {
    gort::chan<int> c;
    c.close();
  } else if (std::strcmp(s, "make_negative") == 0) {
    gort::chan<int> c(-1);
  } else if (std::strcmp(s, "make_huge_count") == 0) {
    gort::chan<char> c(std::int64_t(1) << 31);
  } else if (std::strcmp(s, "make_huge_bytes") == 0) {
    gort::chan<big> c((std::int64_t(1) << 20) + 1);
  } else if (std::strcmp(s, "recover") == 0) {
    auto attempt = [](const char* what, auto f) {
      try {
        f();
        std::printf("%s: not raised\n", what);
      } catch (const gort::panic_error& e) {
        std::printf("%s: recovered: %s\n", what, e.what());
      }
    };
    gort::chan<int> c(1), nil;
    c.close();
    attempt("send", [&] { c.send(1); });
    attempt("select", [&] { gort::select(gort::case_send(c, 1)); });
    attempt("close", [&] { c.close(); });
    attempt("close_nil", [&] { nil.close(); });
    attempt("make", [&] { gort::chan<int> bad(-1); });
    gort::chan<int> u(0);
    gort::chan<bool> done(1);
    gort::go([u, done, attempt]() mutable {
      flag = true;
      attempt("blocked_send", [&] { u.send(1); });
      done.send(true);
    });
    started_blocked(&flag);
    u.close();
    done.recv();
  } else {
    std::printf("unknown scenario\n");
    return 1;
  }
  std::printf("after\n");
  return 0;
}
