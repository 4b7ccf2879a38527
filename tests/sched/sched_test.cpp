// tests/sched/sched_test.cpp: the G/M/P scheduler, seen from outside. Each
// test runs programs from tests/progs/sched_*.cpp as child processes with
// GOMAXPROCS=1, 2 and 4 and matches their output and exit status. The heavy
// ones run in two build variants only (pie-O2 and nopie-O0, where the run
// has them): the scheduler is the same code in all four, and CI has two
// cores.
#include <criterion/criterion.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "harness.hpp"
#include "sanitize.hpp"

namespace {

std::string one_variant() { return some_variants().front(); }

const int kProcs[] = {1, 2, 4};

// where names a run in a failure message.
std::string where(const std::string& v, const std::string& name, int procs) {
  return v + " " + name + " GOMAXPROCS=" + std::to_string(procs);
}

#define EXPECT_EXIT(r, code, w) \
  cr_assert((r).exited && (r).status == (code), "%s: want exit %d, got %s", (w).c_str(), (code), show(r).c_str())

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

// field reads the integer after "key=" in s; -1000 if absent.
long field(const std::string& s, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(s, m, std::regex(key + "=(-?\\d+)"))) return -1000;
  return std::stol(m[1]);
}

}  // namespace

TestSuite(sched, .timeout = 400);

// A spawn tree of 1,000,000 goroutines, joined with a wait_group; the sum of
// their indices is checked and every goroutine is gone afterwards.
// (10^4 under TSan, where each goroutine costs a fiber: gort-debug(7).)
static long spawn_n() { return test_sanitizer() == "thread" ? 10000 : 1000000; }
static std::string spawn_sums(long n) {
  std::string sum = std::to_string(n * (n - 1) / 2), c = std::to_string(n);
  return "count=" + c + " sum=" + sum + " want=" + sum + " ok\n";
}

Test(sched, spawn_tree_of_a_million_goroutines) {
  long N = spawn_n();
  for (const std::string& v : some_variants())
    for (int n : kProcs) {
      result r = runp(v, "sched_spawn", n, {"wg", std::to_string(N)});
      std::string w = where(v, "sched_spawn wg", n);
      EXPECT_EXIT(r, 0, w);
      cr_assert_eq(r.out, "spawn tree: n=" + std::to_string(N) + " " + spawn_sums(N) + "num_goroutine after join: 1\n",
                   "%s: %s", w.c_str(), show(r).c_str());
    }
}

// The same tree on 2 Ps, joined by polling an atomic counter with gosched:
// nothing from the sync package is involved.
Test(sched, spawn_tree_joined_by_polling) {
  std::string v = one_variant();
  long N = spawn_n();
  result r = runp(v, "sched_spawn", 2, {"atomic", std::to_string(N)});
  std::string w = where(v, "sched_spawn atomic", 2);
  EXPECT_EXIT(r, 0, w);
  cr_assert(contains(r.out, spawn_sums(N)), "%s: %s", w.c_str(), show(r).c_str());
}

// GOMAXPROCS=N goroutines that never yield all run at once, on N threads.
Test(sched, goroutines_run_in_parallel_on_gomaxprocs_threads) {
  for (const std::string& v : some_variants())
    for (int n : kProcs) {
      result r = runp(v, "sched_parallel", n);
      std::string w = where(v, "sched_parallel", n);
      EXPECT_EXIT(r, 0, w);
      cr_assert_eq(r.out, "parallel: gomaxprocs=" + std::to_string(n) + " rounds=10 failed=0\n", "%s: %s", w.c_str(),
                   show(r).c_str());
    }
}

// After the work is done, every thread but the one main sleeps on is parked
// and uses no CPU. There are at least GOMAXPROCS of them (the Ms that ran the
// work at once, and sysmon).
Test(sched, idle_program_parks_all_threads) {
  for (const std::string& v : some_variants())
    for (int n : kProcs) {
      result r = runp(v, "sched_idle", n);
      std::string w = where(v, "sched_idle", n);
      EXPECT_EXIT(r, 0, w);
      cr_assert(contains(r.out, "all " + std::to_string(n) + " Ps busy at once: yes, sum ok: yes, goroutines left: 1\n"),
                "%s: %s", w.c_str(), show(r).c_str());
      long others = field(r.out, "threads"), busy = field(r.out, "busy");
      cr_assert(busy == 0 && others >= n, "%s: want >= %d parked threads, none busy: %s", w.c_str(), n,
                show(r).c_str());
    }
}

// While goroutines only compute and yield, the process has at most
// GOMAXPROCS + 3 threads: one M per P, sysmon, and slack for an M that has
// given up its P but not parked yet while another is being started. And at
// least GOMAXPROCS: all Ps were put to work.
Test(sched, thread_count_bounded_while_computing) {
  SKIP_UNDER_TSAN("its goroutines outnumber the 8128 threads and fibers TSan allows alive at once");
  for (const std::string& v : some_variants())
    for (int n : kProcs) {
      result r = runp(v, "sched_threads", n);
      std::string w = where(v, "sched_threads", n);
      EXPECT_EXIT(r, 0, w);
      cr_assert(contains(r.out, "sum ok\n"), "%s: %s", w.c_str(), show(r).c_str());
      long mx = field(r.out, "max");
      cr_assert(mx >= n && mx <= n + 3, "%s: %ld threads, want %d to %d: %s", w.c_str(), mx, n, n + 3,
                show(r).c_str());
    }
}

// lock_os_thread: main is on m0 during init; a locked goroutine keeps its
// thread across gosched and parking, alone; locks nest; a goroutine that
// exits locked takes its thread with it.
Test(sched, lock_os_thread_keeps_the_thread) {
  for (const std::string& v : some_variants())
    for (int n : kProcs) {
      result r = runp(v, "sched_lockosthread", n);
      std::string w = where(v, "sched_lockosthread", n);
      EXPECT_EXIT(r, 0, w);
      cr_assert_eq(r.out, "lock_os_thread: gomaxprocs=" + std::to_string(n) + " ok\n", "%s: %s", w.c_str(),
                   show(r).c_str());
    }
}

// gomaxprocs(n) while workers compute and spawn: queries, previous values,
// no more workers running than the new setting allows, a checked sum.
Test(sched, gomaxprocs_changes_under_load) {
  for (const std::string& v : some_variants())
    for (int n : kProcs) {
      result r = runp(v, "sched_gomaxprocs", n, {"change"});
      std::string w = where(v, "sched_gomaxprocs change", n);
      EXPECT_EXIT(r, 0, w);
      cr_assert(contains(r.out, "initial gomaxprocs=" + std::to_string(n) + "\n") &&
                    contains(r.out, "sum ok\ngomaxprocs change: ok\n"),
                "%s: %s", w.c_str(), show(r).c_str());
    }
}

// Go 1.19's runtime.GOMAXPROCS has no upper limit (debug.go hands any n > 0
// to procresize; the old _MaxGomaxprocs cap went away in Go 1.10):
// GOMAXPROCS(5000) returns the previous setting and then 5000 is in force.
Test(sched, gomaxprocs_5000_as_in_go) {
  std::string v = one_variant();
  result r = runp(v, "sched_gomaxprocs", 2, {"huge"});
  std::string w = where(v, "sched_gomaxprocs huge", 2);
  EXPECT_EXIT(r, 0, w);
  cr_assert_eq(r.out, "gomaxprocs(5000): returned 2, then 5000; ok\n", "%s: %s", w.c_str(), show(r).c_str());
}

namespace {

// Go 1.19's schedtrace (proc.go), line by line.
const std::regex kSched(
    "SCHED (\\d+)ms: gomaxprocs=(\\d+) idleprocs=(\\d+) threads=(\\d+) spinningthreads=(\\d+) "
    "idlethreads=(\\d+) runqueue=(\\d+) \\[(\\d+(?: \\d+)*)\\]");
const std::regex kSchedDetail(
    "SCHED (\\d+)ms: gomaxprocs=(\\d+) idleprocs=(\\d+) threads=(\\d+) spinningthreads=(\\d+) "
    "idlethreads=(\\d+) runqueue=(\\d+) gcwaiting=(\\d+) nmidlelocked=(-?\\d+) stopwait=(\\d+) sysmonwait=(\\d+)");
const std::regex kP(
    "  P(\\d+): status=(\\d+) schedtick=(\\d+) syscalltick=(\\d+) m=(-1|\\d+) runqsize=(\\d+) gfreecnt=(\\d+) "
    "timerslen=(\\d+)");
const std::regex kM(
    "  M(\\d+): p=(-1|\\d+) curg=(-1|\\d+) mallocing=(\\d+) throwing=(\\d+) preemptoff=(\\S*) locks=(-?\\d+) "
    "dying=(\\d+) spinning=(true|false) blocked=(true|false) lockedg=(-1|\\d+)");
const std::regex kG("  G(\\d+): status=(\\d+)\\((.*)\\) m=(-1|\\d+) lockedm=(-1|\\d+)");

// The run lasts about 1000 ms (sched_trace.cpp); sysmon traces every
// interval ms from 0 ms on. Loose bounds: a loaded machine delays sysmon.
void check_times(const std::vector<long>& ms, int interval, const std::string& w, const std::string& err) {
  long want = 1000 / interval + 1;
  // (Under TSan the run itself takes about twice as long: no upper bound.)
  long most = test_sanitizer() == "thread" ? 4 * want : want + want / 2;
  cr_assert(long(ms.size()) >= want / 2 + 1 && long(ms.size()) <= most,
            "%s: %zu SCHED lines for a 1000 ms run at schedtrace=%d:\n%s", w.c_str(), ms.size(), interval,
            err.substr(0, 3000).c_str());
  cr_assert_eq(ms.front(), 0, "%s: the first trace is at 0ms: %s", w.c_str(), err.substr(0, 500).c_str());
  for (size_t i = 1; i < ms.size(); i++)
    cr_assert(ms[i] - ms[i - 1] >= interval - 1, "%s: traces at %ldms and %ldms, less than %d ms apart", w.c_str(),
              ms[i - 1], ms[i], interval);
  // The workers stop at 500 ms and main then sleeps in nanosleep: a trace
  // after 500 ms shows that sysmon went on tracing while the program slept.
  // (A tighter bound, 700 ms, failed on a loaded 2-core CI machine, where
  // sysmon's thread can wait hundreds of ms for a CPU.)
  cr_assert_geq(ms.back(), 500, "%s: the last trace is at %ldms of a 1000 ms run", w.c_str(), ms.back());
}

}  // namespace

Test(sched, schedtrace_lines_match_go) {
  std::string v = one_variant();
  for (int n : kProcs) {
    result r = runp(v, "sched_trace", n, {}, {"GODEBUG=schedtrace=100"});
    std::string w = where(v, "sched_trace GODEBUG=schedtrace=100", n);
    EXPECT_EXIT(r, 0, w);
    cr_assert(contains(r.out, "ran "), "%s: %s", w.c_str(), show(r).c_str());
    std::vector<long> ms;
    for (const std::string& l : lines(r.err)) {
      std::smatch m;
      cr_assert(std::regex_match(l, m, kSched), "%s: not Go's schedtrace line: \"%s\"", w.c_str(), l.c_str());
      ms.push_back(std::stol(m[1]));
      long procs = std::stol(m[2]), idle = std::stol(m[3]), threads = std::stol(m[4]);
      long spinning = std::stol(m[5]), idlem = std::stol(m[6]);
      cr_assert_eq(procs, n, "%s: %s", w.c_str(), l.c_str());
      cr_assert(idle <= procs && spinning <= threads && idlem <= threads && threads >= 1, "%s: %s", w.c_str(),
                l.c_str());
      std::string qs = m[8];
      cr_assert_eq(std::count(qs.begin(), qs.end(), ' ') + 1, n, "%s: one run queue length per P: %s", w.c_str(),
                   l.c_str());
    }
    check_times(ms, 100, w, r.err);
  }
}

Test(sched, scheddetail_lines_match_go) {
  std::string v = one_variant();
  for (int n : kProcs) {
    result r = runp(v, "sched_trace", n, {}, {"GODEBUG=schedtrace=200,scheddetail=1"});
    std::string w = where(v, "sched_trace GODEBUG=schedtrace=200,scheddetail=1", n);
    EXPECT_EXIT(r, 0, w);
    std::smatch lm;
    cr_assert(std::regex_search(r.out, lm, std::regex("locked goroutine G(\\d+)")), "%s: %s", w.c_str(),
              show(r).c_str());
    std::string lockedg = lm[1];
    std::vector<std::string> ls = lines(r.err);
    std::vector<long> ms;
    bool sawlocked = false;
    size_t i = 0;
    while (i < ls.size()) {
      std::smatch m;
      cr_assert(std::regex_match(ls[i], m, kSchedDetail), "%s: line %zu is not Go's detailed SCHED line: \"%s\"",
                w.c_str(), i, ls[i].c_str());
      ms.push_back(std::stol(m[1]));
      cr_assert_eq(std::stol(m[2]), n, "%s: %s", w.c_str(), ls[i].c_str());
      long threads = std::stol(m[4]);
      i++;
      // One line per P, in order.
      for (int pi = 0; pi < n; pi++, i++) {
        cr_assert(i < ls.size() && std::regex_match(ls[i], m, kP) && std::stol(m[1]) == pi,
                  "%s: want the line of P%d, got \"%s\"", w.c_str(), pi, i < ls.size() ? ls[i].c_str() : "EOF");
      }
      // One line per M: threads= of them.
      std::set<std::string> ms_ids;
      std::map<std::string, std::string> mlockedg;  // M id -> lockedg
      while (i < ls.size() && std::regex_match(ls[i], m, kM)) {
        cr_assert(ms_ids.insert(m[1]).second, "%s: M%s listed twice", w.c_str(), std::string(m[1]).c_str());
        mlockedg[m[1]] = m[11];
        i++;
      }
      // threads= counts reserved M ids (mnext - nmfreed); allm gains the M
      // only in mcommoninit. startm reserves the id under sched.lock and
      // creates the M after dropping it, exactly as Go's startm does, so a
      // trace may count up to one M per P that is not on allm yet.
      long nm = long(ms_ids.size());
      cr_assert(nm <= threads && threads <= nm + n, "%s: threads=%ld but %ld M lines (at line %zu: \"%s\")",
                w.c_str(), threads, nm, i, i < ls.size() ? ls[i].c_str() : "EOF");
      // Then the goroutines, main among them.
      bool sawmain = false;
      size_t g0 = i;
      while (i < ls.size() && std::regex_match(ls[i], m, kG)) {
        if (m[1] == "1") sawmain = true;
        std::string gm = m[4], glm = m[5];
        cr_assert(gm == "-1" || ms_ids.count(gm), "%s: %s names an M that is not listed", w.c_str(), ls[i].c_str());
        cr_assert(glm == "-1" || ms_ids.count(glm), "%s: %s names an M that is not listed", w.c_str(),
                  ls[i].c_str());
        if (m[1] == lockedg && glm != "-1" && mlockedg[glm] == lockedg) sawlocked = true;
        i++;
      }
      cr_assert(i > g0 && sawmain, "%s: no G lines, or no G1, before line %zu: \"%s\"", w.c_str(), i,
                i < ls.size() ? ls[i].c_str() : "EOF");
    }
    check_times(ms, 200, w, r.err);
    cr_assert(sawlocked, "%s: no trace shows G%s locked to an M (lockedm=M and that M's lockedg=%s):\n%s", w.c_str(),
              lockedg.c_str(), lockedg.c_str(), r.err.substr(0, 3000).c_str());
  }
}
