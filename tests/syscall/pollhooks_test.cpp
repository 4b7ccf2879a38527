// tests/syscall/pollhooks_test.cpp: unmodified blocking socket code parks
// on the network poller through the libc hooks (tests/progs/net_blocking):
// a thousand goroutines talking over blocking sockets keep a handful of
// threads, and each call means what it would without gort.
#include <criterion/criterion.h>

#include "harness.hpp"

TestSuite(pollhooks, .timeout = 300);

Test(pollhooks, a_thousand_blocking_connections_on_few_threads) {
  for (const std::string& v : some_variants())
    for (int procs : {1, 2}) {
      result r = runp(v, "net_blocking", procs, {"echo", "1000"});
      cr_assert(r.exited && r.status == 0 && contains(r.out, "echo_on_blocking_sockets: ok"), "%s P=%d: %s",
                v.c_str(), procs, show(r).c_str());
    }
}

// The same with the hooks off: the thread count shows what they save.
Test(pollhooks, without_hooks_each_blocked_goroutine_holds_a_thread) {
  result r = runp("pie-O2", "net_blocking", 2, {"echo", "200"}, {"GODEBUG=syscallhook=0"});
  cr_assert(r.exited && r.status == 1 && contains(r.out, "echo_on_blocking_sockets: FAIL"), "%s", show(r).c_str());
}

Test(pollhooks, blocking_semantics_are_kept) {
  for (const std::string& v : some_variants())
    for (int procs : {1, 2}) {
      result r = runp(v, "net_blocking", procs, {"semantics"});
      cr_assert(r.exited && r.status == 0 && !contains(r.out, "FAIL"), "%s P=%d: %s", v.c_str(), procs,
                show(r).c_str());
      for (const char* s : {"rcvtimeo_times_out", "flags_unchanged", "nonblocking_says_eagain",
                            "blocked_reader_gets_data", "close_wakes_a_blocked_reader",
                            "full_buffer_blocks_then_writes_all"})
        cr_assert(contains(r.out, std::string(s) + ": ok"), "%s P=%d: %s: %s", v.c_str(), procs, s, show(r).c_str());
    }
}
