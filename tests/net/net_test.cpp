// tests/net/net_test.cpp: gort::net and gort::fd (<gort/net.hpp>,
// runtime/net.cpp) over the poller (runtime/netpoll*.cpp). Runs
// tests/progs/net_go.cpp (Go's own tests of package net and of the
// runtime's poller, ported) and tests/progs/net_scenarios.cpp at
// GOMAXPROCS 1 and 2, each matching one "<scenario>: ok" line per scenario
// (the programs describe them at the top).
#include <criterion/criterion.h>

#include "harness.hpp"

TestSuite(net, .timeout = 300);

namespace {

void run_scenarios(const std::string& name, const std::vector<std::string>& scenarios,
                   std::vector<std::string> env = {}) {
  for (const std::string& v : some_variants())
    for (int procs : {1, 2}) {
      result r = runp(v, name, procs, {}, env, 120);
      expect_scenarios(r, name + " " + v + " GOMAXPROCS=" + std::to_string(procs), procs, scenarios);
    }
}

}  // namespace

Test(net, go_net_and_runtime_tests_ported) {
  run_scenarios("net_go", {"netpoll_deadlock", "tcp_server", "read_timeout", "readfrom_timeout", "write_timeout",
                           "various_deadlines", "close_read", "close_write", "conn_close", "listener_close",
                           "zero_byte_read", "unblocks_read", "udp_server", "unix_server", "netpoll_break",
                           "parallelism"});
}

// timer_earlier spins on one P waiting for a timer only the other M can
// run: asynchronous preemption (when gort has it) would let the spinner's
// own P run it and hide a missing netpollBreak, so it is off.
Test(net, deadlines_close_half_close_fds_addresses) {
  run_scenarios("net_scenarios",
                {"accept_deadline", "dial_timeout", "read_deadline", "write_deadline", "close_blocked", "half_close",
                 "fd_pipe", "fd_file", "parked_not_threads", "addresses", "eof_after_short_read", "timer_earlier"},
                {"GODEBUG=asyncpreemptoff=1"});
}
