// tests/gdb/gdb_test.cpp: the gdb extension (scripts/gort-gdb.py), driven in
// batch mode on tests/progs/gdb_target.cpp: live, on a core file made with
// `gort gcore` (and with generate-core-file under GODEBUG=guardmprotect=1),
// on a core written by the kernel after a crash, and the boot walk. The script is not sourced by
// hand: gdb loads it from the program's .debug_gdb_scripts section, which
// tests the embedding too. The program names each goroutine's id in a global
// (goid_mutex_waiter, ...), so the commands can say `goroutine
// goid_mutex_waiter bt` before the ids are known.
//
// Each test runs in two build variants (pie-O2 and nopie-O0, where the run
// has them), one gdb session (two for the core) per variant.
#include <criterion/criterion.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>

#include "harness.hpp"
#include "sanitize.hpp"
#include "skip.hpp"

namespace {

std::string gdb_path() {
  std::string p = sh("command -v gdb");
  while (!p.empty() && (p.back() == '\n' || p.back() == ' ')) p.pop_back();
  return p;
}

// need_ptrace skips the test where this machine forbids gdb to trace a
// child (a container without CAP_SYS_PTRACE or with a seccomp profile that
// denies ptrace): that is the environment, not gort, and is said loudly, in
// a [SKIP] line on stderr for each test (tests/skip.hpp).
void need_ptrace() {
  SKIP_UNDER_SANITIZER("the gdb tests are for plain builds");
  std::string gdb = gdb_path();
  cr_assert(!gdb.empty(), "gdb is not installed (scripts/install-deps test installs it)");
  std::vector<std::string> env = {"PATH=/usr/bin:/bin"};
  result r = run({gdb, "-batch", "-nx", "-ex", "run", "--args", "/bin/true"}, &env, 60);
  for (const char* why : {"ptrace: Operation not permitted", "Could not trace the inferior"})
    if (contains(r.out + r.err, why)) SKIP("gdb may not ptrace a child on this machine (gdb: %s)", why);
}

// rungdb runs gdb in batch mode on prog (and core, if given) with the
// commands, the program's environment set for the inferior.
result rungdb(const std::string& prog, const std::vector<std::string>& cmds, const std::string& core = "",
              std::vector<std::string> env = {}) {
  std::string gdb = gdb_path();
  cr_assert(!gdb.empty(), "gdb is not installed (scripts/install-deps test installs it)");
  std::vector<std::string> argv = {gdb, "-batch", "-nx", "-iex", "add-auto-load-safe-path /", "-iex",
                                   "set width 0", "-iex", "set height 0"};
  for (auto& c : cmds) argv.insert(argv.end(), {"-ex", c});
  argv.push_back(prog);
  if (!core.empty()) argv.push_back(core);
  for (const char* keep : {"PATH", "HOME"})
    if (const char* v = std::getenv(keep)) env.push_back(std::string(keep) + "=" + v);
  env.push_back("GOMAXPROCS=2");
  return run(argv, &env, 120);
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

// section returns the output between "@@name" and the next "@@" marker
// (the commands below echo one before each step).
std::string section(const std::string& out, const std::string& name) {
  std::string start = "@@" + name + "\n";
  auto a = out.find(start);
  if (a == std::string::npos) return "";
  a += start.size();
  auto b = out.find("@@", a);
  return out.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

void mark(std::vector<std::string>& cmds, const std::string& name) { cmds.push_back("echo @@" + name + "\\n"); }

// The roles the program prints ("mutex_waiter=17"), read from gdb's output
// (the inferior shares gdb's stdout).
std::map<std::string, long> roles(const std::string& out) {
  std::map<std::string, long> m;
  std::regex re("^([a-z_0-9]+)=(\\d+)$");
  for (auto& l : lines(out)) {
    std::smatch sm;
    if (std::regex_match(l, sm, re)) m[sm[1]] = std::stol(sm[2]);
  }
  return m;
}

// row finds the `info goroutines` line of goroutine id in text.
std::string row(const std::string& text, long id) {
  std::regex re("^[* ] " + std::to_string(id) + " .*$");
  for (auto& l : lines(text))
    if (std::regex_match(l, re)) return l;
  return "";
}

int count_rows(const std::string& text) {
  int n = 0;
  std::regex re("^[* ] \\d+ +[a-z]+.*$");
  for (auto& l : lines(text)) n += std::regex_match(l, re);
  return n;
}

const char* kRoles[] = {"main",        "spinner",       "mutex_waiter",  "wg_waiter",   "cond_waiter",
                        "locked_waiter", "yielder0",    "yielder1",      "chan_receiver", "chan_sender",
                        "selector",      "nil_receiver", "sleeper"};
const int kGoroutines = 14;  // the roles and one not started

// What `goroutine goid_<role> bt` must contain: our function and, for the
// parked ones, the runtime function they park in.
const std::map<std::string, std::vector<std::string>> kFrames = {
    {"main", {"gdb_target_stop", "main"}},
    {"spinner", {"spinning_loop"}},
    {"mutex_waiter", {"semacquire1", "gort::mutex::lock", "blocked_on_mutex"}},
    {"wg_waiter", {"semacquire1", "gort::wait_group::wait", "blocked_on_wait_group"}},
    {"cond_waiter", {"notifyListWait", "gort::cond::wait", "blocked_on_cond"}},
    {"locked_waiter", {"semacquire1", "blocked_locked_to_thread"}},
    {"yielder0", {"gort::gosched", "yielding_loop"}},
    {"yielder1", {"gort::gosched", "yielding_loop"}},
    {"chan_receiver", {"runtime.chanrecv", "gort::chan<int>::recv", "blocked_on_chan_receive"}},
    {"chan_sender", {"runtime.chansend", "gort::chan<int>::send", "blocked_on_chan_send"}},
    {"selector", {"runtime.selectgo", "gort::select", "blocked_in_select"}},
    {"nil_receiver", {"runtime.chanrecv", "blocked_on_nil_chan"}},
    {"sleeper", {"gort::sleep", "sleeping"}},
};

// The commands that inspect the stopped program, the same live and on a core.
void inspect_cmds(std::vector<std::string>& c) {
  mark(c, "regs-before");
  c.push_back("info registers rip rsp rbp rbx r12 r13 r14 r15");
  c.push_back("frame");
  mark(c, "goroutines");
  c.push_back("info goroutines");
  for (const char* r : kRoles) {
    mark(c, std::string("bt ") + r);
    c.push_back(std::string("goroutine goid_") + r + " bt");
  }
  mark(c, "frame2");
  c.push_back("goroutine goid_mutex_waiter frame 2");
  mark(c, "regs-after");
  c.push_back("info registers rip rsp rbp rbx r12 r13 r14 r15");
  c.push_back("frame");
  mark(c, "bt-after");
  c.push_back("bt");
  mark(c, "ms");
  c.push_back("info ms");
  mark(c, "ps");
  c.push_back("info ps");
  mark(c, "print-g");
  c.push_back("print *$gort_g(goid_cond_waiter)");
  mark(c, "print-gobuf");
  c.push_back("print $gort_g(goid_mutex_waiter)->sched");
  mark(c, "print-m");
  c.push_back("print 'runtime.m0'");
  mark(c, "print-p");
  c.push_back("print *'runtime.allp'[0]");
  for (const char* ch : {"full_chan", "recv_chan", "closed_chan", "nil_chan"}) {
    mark(c, std::string("print ") + ch);
    c.push_back(std::string("print ") + ch);
  }
  mark(c, "print-hchan");
  c.push_back("print *(gort::runtime::hchan *)full_chan.c_");
  mark(c, "refused");
  c.push_back("goroutine goid_mutex_waiter continue");
  mark(c, "all");
  c.push_back("goroutine all info frame");
  mark(c, "end");
}

// Where the inspected program is: live, in a core that gdb wrote at the stop,
// or in a core that the kernel wrote when the program crashed just after it
// (gdb_target crash): there main's goroutine is in the runtime's crash path.
enum class at { live, gdb_core, kernel_core };

// check_inspection matches what inspect_cmds printed. On a core file parked
// goroutines' frames are numbered from 1.
void check_inspection(const result& r, const std::string& w, at where) {
  bool core = where != at::live, crashed = where == at::kernel_core;
  const std::string& out = r.out;
  auto id = roles(out);
  for (const char* role : kRoles)
    cr_assert(id.count(role), "%s: the program did not print %s=: %s", w.c_str(), role, show(r).c_str());

  // info goroutines: 9 rows, each in its known state; the selected thread's
  // goroutine (main, where the breakpoint hit) is marked.
  std::string gs = section(out, "goroutines");
  cr_assert_eq(count_rows(gs), kGoroutines, "%s: want %d goroutines:\n%s", w.c_str(), kGoroutines, gs.c_str());
  struct want {
    const char* role;
    const char* status;
    const char* wait;
    const char* where;
  } wants[] = {
      {"main", "running", "", crashed ? "" : "gdb_target_stop"},
      {"spinner", "running", "", "spinning_loop"},
      {"mutex_waiter", "waiting", "semacquire", ""},
      {"wg_waiter", "waiting", "semacquire", ""},
      {"cond_waiter", "waiting", "sync.Cond.Wait", ""},
      {"locked_waiter", "waiting", "semacquire", "\\[locked to M"},
      {"yielder0", "runnable", "", "[Gg]osched"},
      {"yielder1", "runnable", "", "[Gg]osched"},
      {"chan_receiver", "waiting", "chan receive", "chanrecv"},
      {"chan_sender", "waiting", "chan send", "chansend"},
      {"selector", "waiting", "select", "selectgo"},
      {"nil_receiver", "waiting", "chan receive \\(nil chan\\)", "chanrecv"},
      {"sleeper", "waiting", "sleep", ""},
  };
  for (auto& x : wants) {
    std::string l = row(gs, id[x.role]);
    std::regex re(std::string("^[* ] \\d+ +") + x.status + " +" + x.wait + ".*" + x.where + ".*$");
    cr_assert(std::regex_match(l, re), "%s: %s (goroutine %ld): want %s %s ... %s, got '%s' in\n%s", w.c_str(), x.role,
              id[x.role], x.status, x.wait, x.where, l.c_str(), gs.c_str());
  }
  cr_assert(row(gs, id["main"])[0] == '*', "%s: main's row is not marked current:\n%s", w.c_str(), gs.c_str());
  cr_assert(std::regex_search(gs, std::regex("\\n  \\d+ +runnable .*entry_inline.*\\(not started\\)")),
            "%s: no goroutine shown as not started:\n%s", w.c_str(), gs.c_str());

  // goroutine N bt: each goroutine's own frames.
  for (auto& [role, want_fns] : kFrames) {
    std::string bt = section(out, "bt " + role);
    std::vector<std::string> fns = want_fns;
    if (crashed && role == "main") fns = {"<signal handler called>", "gdb_target_crash", "main"};
    for (auto& fn : fns)
      cr_assert(contains(bt, fn), "%s: goroutine %s bt lacks %s:\n%s", w.c_str(), role.c_str(), fn.c_str(),
                bt.c_str());
    bool parked = role != "main" && role != "spinner";
    // Live, a parked goroutine's top frame is frame 0 (registers written);
    // on a core it is frame 1 (the borrowed frame 0 is hidden).
    std::string first = parked && core ? "#1 " : "#0 ";
    cr_assert(bt.rfind(first, 0) == 0, "%s: goroutine %s bt does not start at %s:\n%s", w.c_str(), role.c_str(),
              first.c_str(), bt.c_str());
    if (parked && core) cr_assert(!contains(bt, "#0 "), "%s: borrowed frame shown:\n%s", w.c_str(), bt.c_str());
  }
  std::string f2 = section(out, "frame2");
  cr_assert(std::regex_search(f2, std::regex("^#2 .*(lock|semacquire)")), "%s: goroutine N frame 2:\n%s", w.c_str(),
            f2.c_str());

  // The thread's registers and selected frame are its own again.
  std::string before = section(out, "regs-before"), after = section(out, "regs-after");
  cr_assert(contains(before, "rip") && before == after, "%s: registers not restored:\n%s\nvs\n%s", w.c_str(),
            before.c_str(), after.c_str());
  std::string bt = section(out, "bt-after");
  cr_assert(bt.rfind(crashed ? "#0  " : "#0  gdb_target_stop", 0) == 0 && contains(bt, "main") &&
                (!crashed || contains(bt, "gdb_target_crash")),
            "%s: bt after:\n%s", w.c_str(), bt.c_str());

  // info ms: every M has its thread; sysmon, main's M (current), the
  // spinner's, and the M that waits for its locked goroutine.
  std::string ms = section(out, "ms");
  cr_assert(std::regex_search(ms, std::regex("\\n  \\d+ +\\d+ +\\d+ +- +- +- +sysmon\\n")), "%s: info ms:\n%s",
            w.c_str(), ms.c_str());
  cr_assert(std::regex_search(ms, std::regex("\\n\\* \\d+ +\\d+ +\\d+ +\\d+ +" + std::to_string(id["main"]) +
                                             " +- +running goroutine " + std::to_string(id["main"]) + "\\n")),
            "%s: info ms, main's M:\n%s", w.c_str(), ms.c_str());
  cr_assert(std::regex_search(ms, std::regex("\\n  \\d+ +\\d+ +\\d+ +\\d+ +" + std::to_string(id["spinner"]) +
                                             " +- +running goroutine " + std::to_string(id["spinner"]) + "\\n")),
            "%s: info ms, the spinner's M:\n%s", w.c_str(), ms.c_str());
  cr_assert(std::regex_search(ms, std::regex("\\n  \\d+ +\\d+ +\\d+ +- +- +" + std::to_string(id["locked_waiter"]) +
                                             " +waiting for its locked goroutine")),
            "%s: info ms, the locked goroutine's M:\n%s", w.c_str(), ms.c_str());
  cr_assert(!std::regex_search(ms, std::regex("\\n[* ] \\d+ +\\S+ +- ")), "%s: an M without a thread:\n%s", w.c_str(),
            ms.c_str());

  // info ps: 2 Ps, both running (main, spinner); the yielders are queued.
  std::string ps = section(out, "ps");
  cr_assert(contains(ps, "gomaxprocs=2 idleprocs=0"), "%s: info ps:\n%s", w.c_str(), ps.c_str());
  cr_assert(std::regex_search(ps, std::regex("\\n  0 +running +\\d+ .*\\n  1 +running +\\d+ ")), "%s: info ps:\n%s",
            w.c_str(), ps.c_str());
  // The sleeper's timer is in a P's heap.
  int timers = 0;
  std::regex prow("^  \\d+ +[a-z]+ +\\S+ +\\S+ +\\d+ +(\\d+) +\\[.*$");
  for (auto& l : lines(ps)) {
    std::smatch sm;
    if (std::regex_match(l, sm, prow)) timers += std::stoi(sm[1]);
  }
  cr_assert(timers >= 1, "%s: no timer in info ps:\n%s", w.c_str(), ps.c_str());
  for (const char* y : {"yielder0", "yielder1"}) {
    std::string n = std::to_string(id[y]);
    cr_assert(std::regex_search(ps, std::regex("(\\[| )" + n + "(,|\\])")), "%s: %s (%s) in no run queue:\n%s",
              w.c_str(), y, n.c_str(), ps.c_str());
  }

  // Pretty printers.
  std::string cw = std::to_string(id["cond_waiter"]);
  std::string pg = section(out, "print-g");
  cr_assert(contains(pg, "goroutine " + cw + " [sync.Cond.Wait] = {goid = " + cw +
                             ", status = waiting, waitreason = sync.Cond.Wait,"),
            "%s: print g:\n%s", w.c_str(), pg.c_str());
  cr_assert(std::regex_search(pg, std::regex("startpc = 0x[0-9a-f]+ <gort::detail::entry_inline")), "%s: print g:\n%s",
            w.c_str(), pg.c_str());
  std::string pb = section(out, "print-gobuf");
  cr_assert(std::regex_search(pb, std::regex("= \\{pc=\\S*semacquire1 at runtime/sema.cpp:\\d+, sp=0x[0-9a-f]+\\}")),
            "%s: print gobuf:\n%s", w.c_str(), pb.c_str());
  std::string pm = section(out, "print-m");
  cr_assert(std::regex_search(pm, std::regex("= M0 \\(LWP \\d+\\) \\[.+\\] = \\{id = 0, procid = \\d+,")),
            "%s: print m:\n%s", w.c_str(), pm.c_str());
  std::string pp = section(out, "print-p");
  cr_assert(std::regex_search(pp, std::regex("= P0 \\[running, M\\d+, runq \\[.*\\]\\] = \\{id = 0, status = running,")),
            "%s: print p:\n%s", w.c_str(), pp.c_str());

  // Channels: state, waiting goroutines (a sender with its value), the
  // buffered values oldest first.
  std::string snd = std::to_string(id["chan_sender"]), rcv = std::to_string(id["chan_receiver"]),
              sel = std::to_string(id["selector"]);
  std::string pc = section(out, "print full_chan");
  cr_assert(contains(pc, "= gort::chan<int> (len 2, cap 2, open) recvq=[] sendq=[" + snd + " (33)] = {11, 22}\n"),
            "%s: print full_chan:\n%s", w.c_str(), pc.c_str());
  pc = section(out, "print recv_chan");
  cr_assert(contains(pc, "= gort::chan<int> (len 0, cap 0, open) recvq=[" + rcv + ", " + sel + "] sendq=[]\n") ||
                contains(pc, "= gort::chan<int> (len 0, cap 0, open) recvq=[" + sel + ", " + rcv + "] sendq=[]\n"),
            "%s: print recv_chan:\n%s", w.c_str(), pc.c_str());
  pc = section(out, "print closed_chan");
  cr_assert(contains(pc, "= gort::chan<int> (len 1, cap 3, closed) recvq=[] sendq=[] = {7}\n"),
            "%s: print closed_chan:\n%s", w.c_str(), pc.c_str());
  pc = section(out, "print nil_chan");
  cr_assert(contains(pc, "= gort::chan<int> nil\n"), "%s: print nil_chan:\n%s", w.c_str(), pc.c_str());
  pc = section(out, "print-hchan");
  cr_assert(contains(pc, "= chan (len 2, cap 2, open) recvq=[] sendq=[" + snd + "] elemsize=4\n"),
            "%s: print hchan:\n%s", w.c_str(), pc.c_str());

  // A command that would resume the program is refused.
  cr_assert(contains(r.err, "'continue' would resume the program"), "%s: continue not refused:\n%s", w.c_str(),
            show(r).c_str());

  // goroutine all: a header per goroutine, 9 of them.
  std::string all = section(out, "all");
  int headers = 0;
  for (auto& l : lines(all)) headers += std::regex_match(l, std::regex("^goroutine \\d+ \\[.*\\]:$"));
  cr_assert_eq(headers, kGoroutines, "%s: goroutine all:\n%s", w.c_str(), all.c_str());
  cr_assert(contains(all, "goroutine " + cw + " [sync.Cond.Wait]:"), "%s: goroutine all:\n%s", w.c_str(), all.c_str());
}

// Each test has its own file: the tests may run at the same time (--jobs).
std::string core_path(const std::string& v, const std::string& test) {
  return test_dir() + "/gdb-" + test + "-" + v + ".core";
}

// The kernel's version from uname(2), as major * 1000 + minor.
int kernel_version() {
  int major = 0, minor = 0;
  std::sscanf(sh("uname -r").c_str(), "%d.%d", &major, &minor);
  return major * 1000 + minor;
}

// gdb_core runs gdb_target under gdb to its stop, has gdb write a core there
// with gen (a command taking the file name) and lets the program finish;
// then inspects the core. The live run's output comes first in the result.
result gdb_core(const std::string& v, const std::string& w, const std::string& gen,
                const std::vector<std::string>& env, const std::string& test) {
  std::string core = core_path(v, test);
  std::remove(core.c_str());
  const std::string guard = "x/x $gort_g(goid_mutex_waiter)->stack.lo - 8";
  std::vector<std::string> c = {"break gdb_target_stop", "run"};
  mark(c, "stack-lo");
  c.push_back("print/x $gort_g(goid_mutex_waiter)->stack.lo");
  mark(c, "guard-before");
  c.push_back(guard);
  mark(c, "gcore");
  c.push_back(gen + " " + core);
  mark(c, "guard-after");
  c.push_back(guard);
  c.push_back("x/x $gort_g(goid_mutex_waiter)->stack.lo");
  mark(c, "continue");
  c.push_back("continue");
  result r1 = rungdb(prog(v, "gdb_target"), c, "", env);
  cr_assert(!r1.timedout && r1.exited && r1.status == 0 && contains(r1.out, "Saved corefile"), "%s: %s", w.c_str(),
            show(r1).c_str());
  // Only the vsyscall page may be unreadable.
  for (auto& l : lines(r1.err))
    cr_assert(!contains(l, "Memory read failed") || contains(l, "0xffffffffff600000"),
              "%s: gcore could not read the program's memory: %s", w.c_str(), show(r1).c_str());
  // Afterwards the program goes on as if nothing happened.
  cr_assert(contains(section(r1.out, "continue"), "gdb_target: done"), "%s: %s", w.c_str(), show(r1).c_str());
  std::vector<std::string> c2;
  inspect_cmds(c2);
  result r = rungdb(prog(v, "gdb_target"), c2, core);
  // The roles were printed by the live run.
  r.out = r1.out + r.out;
  r.err = r1.err + r.err;
  std::remove(core.c_str());
  cr_assert(!r.timedout && r.exited && r.status == 0, "%s: %s", w.c_str(), show(r).c_str());
  cr_assert(!contains(r.out, "warning: gort:"), "%s: %s", w.c_str(), show(r).c_str());
  check_inspection(r, w, at::gdb_core);
  return r;
}

}  // namespace

TestSuite(gdb, .timeout = 300);

// Live: stopped at a breakpoint, with the registers of parked goroutines
// written into the selected thread for each command and put back after.
Test(gdb, live_process) {
  need_ptrace();
  for (const std::string& v : some_variants()) {
    std::vector<std::string> c = {"break gdb_target_stop", "run"};
    inspect_cmds(c);
    // The unwinder way works on a live process too.
    c.push_back("set gort-switch unwinder");
    mark(c, "unwinder");
    c.push_back("goroutine goid_wg_waiter bt");
    mark(c, "unwinder-end");
    c.push_back("kill");
    result r = rungdb(prog(v, "gdb_target"), c);
    std::string w = v + " live";
    cr_assert(!r.timedout && r.exited && r.status == 0, "%s: %s", w.c_str(), show(r).c_str());
    cr_assert(contains(r.out, "gdb_target_stop (goroutines=14)"), "%s: %s", w.c_str(), show(r).c_str());
    check_inspection(r, w, at::live);
    std::string u = section(r.out, "unwinder");
    cr_assert(u.rfind("#1 ", 0) == 0 && contains(u, "blocked_on_wait_group"), "%s: unwinder mode:\n%s", w.c_str(),
              u.c_str());
  }
}

// A core file made with `gort gcore` (never the system's core_pattern), with
// the runtime's default guards, then inspected: registers cannot be written,
// so parked goroutines are shown through the frame unwinder. Where the
// guards are MADV_GUARD_INSTALL ones, gort gcore lifts them for the dump
// (else the core would lose the mappings that hold them) and puts them back:
// a guard page cannot be read before and after, and the program finishes.
Test(gdb, core_file) {
  need_ptrace();
  bool madv = kernel_version() >= 6013;
  for (const std::string& v : some_variants()) {
    std::string w = v + " core";
    result r = gdb_core(v, w, "gort gcore", {}, "core_file");
    std::string lifted = section(r.out, "gcore");
    cr_assert_eq(madv, std::regex_search(lifted, std::regex("gort gcore: [1-9]\\d* stack guards lifted")),
                 "%s: kernel %d: %s", w.c_str(), kernel_version(), lifted.c_str());
    if (madv) {
      // gdb's errors go to stderr: the read below the stack fails before
      // and after, and the stack's first word is readable after.
      std::smatch sm;
      std::string lo_s = section(r.out, "stack-lo");
      cr_assert(std::regex_search(lo_s, sm, std::regex("= (0x[0-9a-f]+)")), "%s: %s", w.c_str(), lo_s.c_str());
      unsigned long lo = std::stoul(sm[1].str(), nullptr, 16);
      char below[64], first[64];
      std::snprintf(below, sizeof below, "Cannot access memory at address %#lx", lo - 8);
      std::snprintf(first, sizeof first, "%#lx:\t0x", lo);
      size_t n = 0;
      for (size_t i = r.err.find(below); i != std::string::npos; i = r.err.find(below, i + 1)) n++;
      cr_assert_eq(n, 2u, "%s: the guard below a stack is not in place before and after gort gcore: %s", w.c_str(),
                   show(r).c_str());
      cr_assert(contains(section(r.out, "guard-after"), first), "%s: the stack is not readable after: %s", w.c_str(),
                show(r).c_str());
    }
  }
}

// With GODEBUG=guardmprotect=1 the guards are mappings of their own, which
// gdb's plain generate-core-file skips: that way works too.
Test(gdb, core_file_guardmprotect) {
  need_ptrace();
  std::string v = some_variants().front();
  std::string w = v + " core guardmprotect";
  gdb_core(v, w, "generate-core-file", {"GODEBUG=guardmprotect=1"}, "core_file_guardmprotect");
}

// A core written by the kernel: gdb_target crash faults just after its stop,
// and GOTRACEBACK=crash makes the runtime die by that SIGSEGV, dumping core. Only
// where /proc/sys/kernel/core_pattern names a plain file (written in the
// crashing program's directory), not a pipe to a core handler or another
// directory, and where the core size limit can be raised.
Test(gdb, kernel_core) {
  need_ptrace();
  std::string pattern = sh("cat /proc/sys/kernel/core_pattern");
  while (!pattern.empty() && (pattern.back() == '\n' || pattern.back() == ' ')) pattern.pop_back();
  if (pattern.empty() || pattern.find_first_of("|/%") != std::string::npos) {
    SKIP("core_pattern '%s' is not a plain file name: a kernel core cannot be made here", pattern.c_str());
    return;
  }
  for (const std::string& v : some_variants()) {
    std::string w = v + " kernel core";
    std::string dir = test_dir() + "/gdb-kcore-" + v;
    sh("rm -rf '" + dir + "' && mkdir -p '" + dir + "'");
    std::vector<std::string> env = {"GOMAXPROCS=2", "GOTRACEBACK=crash"};
    if (const char* p = std::getenv("PATH")) env.push_back(std::string("PATH=") + p);
    result r1 = run({"/bin/sh", "-c", "ulimit -c unlimited 2>/dev/null || exit 77; cd \"$0\" && exec \"$1\" crash", dir,
                     prog(v, "gdb_target")},
                    &env, 60);
    if (r1.exited && r1.status == 77) {
      SKIP("the core size limit cannot be raised");
      return;
    }
    cr_assert(!r1.timedout && !r1.exited && r1.signal == SIGSEGV, "%s: %s", w.c_str(), show(r1).c_str());
    cr_assert(contains(r1.err, "nil pointer dereference"), "%s: %s", w.c_str(), show(r1).c_str());
    // pattern, or pattern.PID with kernel.core_uses_pid.
    std::string core = sh("ls -1 '" + dir + "' | grep -E '^" + pattern + "(\\.[0-9]+)?$' | head -1");
    while (!core.empty() && core.back() == '\n') core.pop_back();
    cr_assert(!core.empty(), "%s: no core file in %s (core_pattern '%s')", w.c_str(), dir.c_str(), pattern.c_str());
    std::vector<std::string> c;
    inspect_cmds(c);
    result r = rungdb(prog(v, "gdb_target"), c, dir + "/" + core);
    r.out = r1.out + r.out;
    sh("rm -rf '" + dir + "'");
    cr_assert(!r.timedout && r.exited && r.status == 0, "%s: %s", w.c_str(), show(r).c_str());
    cr_assert(contains(r.out, "Program terminated with signal SIGSEGV"), "%s: %s", w.c_str(), show(r).c_str());
    cr_assert(!contains(r.out, "warning: gort:"), "%s: %s", w.c_str(), show(r).c_str());
    check_inspection(r, w, at::kernel_core);
  }
}

// gort boot: one stop per boot step, in Go's order, each named and
// explained; the walk's breakpoints are gone after the last.
Test(gdb, boot_walk) {
  need_ptrace();
  const char* steps[][2] = {
      {"_rt0_amd64_linux", "_rt0_amd64_linux"},
      {"runtime.rt0_go", "runtime.rt0_go"},
      {"runtime.args", "runtime.args"},
      {"runtime.osinit", "runtime.osinit"},
      {"runtime.schedinit", "runtime.schedinit"},
      {"runtime.newproc", "runtime.newproc"},
      {"runtime.mstart", "runtime.mstart"},
      {"runtime.main", "runtime.main"},
      {"package init (flavour_init)", "gort::runtime::flavour_init"},
      {"main", "main"},
  };
  for (const std::string& v : some_variants()) {
    std::vector<std::string> c = {"gort boot"};
    for (int i = 1; i < 10; i++) c.push_back("continue");
    c.push_back("info breakpoints");
    c.push_back("kill");
    result r = rungdb(prog(v, "gdb_target"), c);
    std::string w = v + " boot";
    cr_assert(!r.timedout && r.exited && r.status == 0, "%s: %s", w.c_str(), show(r).c_str());
    std::vector<std::string> ls = lines(r.out);
    size_t at = 0;
    for (int i = 0; i < 10; i++) {
      std::string head = "gort boot: step " + std::to_string(i + 1) + "/10: " + steps[i][0];
      while (at < ls.size() && ls[at] != head) at++;
      cr_assert(at < ls.size(), "%s: step '%s' missing or out of order: %s", w.c_str(), head.c_str(), show(r).c_str());
      // Then gdb's own stop line, at that function.
      std::regex stopline("^(Thread \\d+ \"gdb_target\" hit )?Breakpoint \\d+, (0x[0-9a-f]+ in )?" +
                          std::string(steps[i][1]) + " ?\\(.*");
      size_t k = at + 1;
      while (k < ls.size() && k < at + 12 && !std::regex_match(ls[k], stopline)) k++;
      cr_assert(k < ls.size() && k < at + 12, "%s: no stop at %s after '%s': %s", w.c_str(), steps[i][1],
                head.c_str(), show(r).c_str());
      at = k;
    }
    cr_assert(contains(r.out, "No breakpoints or watchpoints."), "%s: breakpoints left: %s", w.c_str(),
              show(r).c_str());
    // The program itself did not run past main's start.
    cr_assert(!contains(r.out, "main=1"), "%s: %s", w.c_str(), show(r).c_str());
  }
}
