// tests/loader/loader_test.cpp: gort-exec and the loader, tested against the
// kernel: every kind of program is started by execve and by gort-exec with
// the same argv and environment, and what it observes of its own start
// (tests/loader/progs/probe.c: argv, envp, auxv, the stack's shape, /proc,
// registers at the entry, signals, rseq, the canary, bss) must be the same;
// then the malformed corpus (mkcorpus.py), --inspect --json, --stop-at-entry,
// the boot trace, gort::exec, and the library's own refusal of a
// multithreaded caller.
#include <elf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "sanitize.hpp"
#include "boot/initstack.hpp"
#include "loader/json.hpp"
#include "loader/loader.hpp"

namespace {

std::string lt() { return test_dir() + "/loader"; }
std::string gort_exec() {
  const char* b = std::getenv("GORT_BIN");
  return std::string(b != nullptr ? b : "build/bin") + "/gort-exec";
}

const std::vector<std::string> kEnv = {"A=1", "B=two words", "PATH=/usr/bin:/bin"};

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) v.push_back(l);
  return v;
}

// differ lists the lines that differ between two outputs, but skip.
std::string differ(const std::string& a, const std::string& b, const std::vector<std::string>& skip = {}) {
  auto la = lines(a), lb = lines(b);
  auto keep = [&](const std::string& l) {
    for (auto& s : skip)
      if (l.rfind(s, 0) == 0) return false;
    return true;
  };
  std::vector<std::string> fa, fb;
  for (auto& l : la)
    if (keep(l)) fa.push_back(l);
  for (auto& l : lb)
    if (keep(l)) fb.push_back(l);
  std::string d;
  for (size_t i = 0; i < std::max(fa.size(), fb.size()); i++) {
    std::string x = i < fa.size() ? fa[i] : "<none>", y = i < fb.size() ? fb[i] : "<none>";
    if (x != y) d += "  execve:    " + x + "\n  gort-exec: " + y + "\n";
  }
  return d;
}

// Whether /proc/self/exe can be set (PR_SET_MM_MAP's exe_fd needs
// CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE).
bool can_set_exe() {
  std::ifstream f("/proc/self/status");
  for (std::string l; std::getline(f, l);)
    if (l.rfind("CapEff:", 0) == 0) {
      uint64_t c = std::stoull(l.substr(7), nullptr, 16);
      return (c >> 21 & 1) || (c >> 40 & 1);
    }
  return false;
}

std::string field(const std::string& out, const std::string& key) {
  for (auto& l : lines(out))
    if (l.rfind(key + "=", 0) == 0) return l.substr(key.size() + 1);
  return "<missing " + key + ">";
}

// compare_probe runs the probe of one kind both ways and compares.
void compare_probe(const std::string& kind, bool static_entry) {
  std::string p = lt() + "/probe-" + kind;
  std::vector<std::string> args = {p, "first arg", "", "last"};
  result k = run(args, &kEnv);
  std::vector<std::string> ga = {gort_exec()};
  ga.insert(ga.end(), args.begin(), args.end());
  result u = run(ga, &kEnv);
  cr_assert(k.exited && k.status == 42, "%s under execve: %s", kind.c_str(), show(k).c_str());
  cr_assert(u.exited && u.status == 42, "%s under gort-exec: %s", kind.c_str(), show(u).c_str());
  cr_assert(u.err.empty(), "gort-exec wrote to stderr: %s", u.err.c_str());
  std::vector<std::string> skip = {"entry rflags="};
  if (!can_set_exe()) skip.push_back("exe=");
  std::string d = differ(k.out, u.out, skip);
  cr_assert(d.empty(), "%s: what the program saw differs:\n%s", kind.c_str(), d.c_str());
  // The facts behind that equality, named, so a failure says which.
  for (const char* f : {"rseq registered", "canary from AT_RANDOM", "/proc/self/cmdline is argv",
                        "/proc/self/environ is envp", "/proc/self/auxv is the stack's", "startstack is &argc",
                        "bytes after _end to the page end zero", "AT_RANDOM bytes nonzero", "stack-labelled",
                        "strings contiguous, argv[0] lowest, execfn last", "entry rsp is &argc"})
    cr_assert(field(u.out, f) == "1", "%s: %s: %s", kind.c_str(), f, u.out.c_str());
  cr_assert(field(u.out, "threads") == "1");
  cr_assert(field(u.out, "top - end of execfn") == "8");
  cr_assert(field(u.out, "&argc % 16") == "0");
  if (static_entry) {
    for (const char* r : {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11", "r12", "r13",
                          "r14", "r15"})
      cr_assert(field(u.out, std::string("entry ") + r) == "0", "%s: %s at the entry: %s", kind.c_str(), r,
                u.out.c_str());
  }
  // rflags: IF set, DF and TF clear (the vDSO's xors may leave ZF, PF).
  uint64_t fl = std::stoull(field(u.out, "entry rflags"), nullptr, 16);
  cr_assert((fl & 0x200) && !(fl & 0x400) && !(fl & 0x100), "rflags %#lx", (unsigned long)fl);
  // Nothing of the launcher is left in the process.
  cr_assert(!contains(u.out, "map gort-exec"), "%s", u.out.c_str());
  size_t maps = 0;
  for (auto& l : lines(u.out)) maps += l.rfind("map ", 0) == 0;
  cr_assert(maps > 3);
}

}  // namespace

Test(loader, static_program) { compare_probe("static", true); }
Test(loader, static_pie_program) { compare_probe("spie", true); }
Test(loader, dynamic_program) { compare_probe("dyn", false); }

Test(loader, fresh_at_random) {
  std::string p = lt() + "/probe-static";
  // Two launches: the canary (from AT_RANDOM) of each is fresh.
  result a = run({gort_exec(), p}, &kEnv), b = run({gort_exec(), p}, &kEnv);
  cr_assert(a.status == 42 && b.status == 42);
  cr_assert(field(a.out, "canary from AT_RANDOM") == "1" && field(b.out, "canary from AT_RANDOM") == "1");
}

Test(loader, gxx_program) {
  std::string p = lt() + "/hello-cxx";
  result k = run({p, "x"}, &kEnv), u = run({gort_exec(), p, "x"}, &kEnv);
  cr_assert(k.exited && k.status == 5 && contains(k.out, "caught"), "%s", show(k).c_str());
  cr_assert(u.exited && u.status == k.status && u.out == k.out, "%s", show(u).c_str());
}

Test(loader, go_programs) {
  for (const char* v : {"go-static", "go-pie"}) {
    std::string p = lt() + "/" + v;
    result k = run({p, "a", "b"}, &kEnv), u = run({gort_exec(), p, "a", "b"}, &kEnv);
    cr_assert(k.exited && k.status == 3 && contains(k.out, "sum 14"), "%s: %s", v, show(k).c_str());
    cr_assert(u.exited && u.status == 3 && u.out == k.out, "%s: %s", v, show(u).c_str());
  }
}

Test(loader, gort_programs) {
  for (const std::string& v : some_variants()) {
    for (const char* name : {"args", "goroutines", "exitcode"}) {
      std::string p = prog(v, name);
      std::vector<std::string> args = {p, "one", "two three"};
      std::vector<std::string> env = kEnv;
      env.push_back("GOMAXPROCS=1");  // deterministic output
      result k = run(args, &env);
      args.insert(args.begin(), gort_exec());
      result u = run(args, &env);
      cr_assert(k.exited, "%s %s: %s", v.c_str(), name, show(k).c_str());
      cr_assert(u.exited && u.status == k.status, "%s %s: %s\nexecve: %s", v.c_str(), name, show(u).c_str(),
                show(k).c_str());
      cr_assert(u.out == k.out, "%s %s: output differs:\n%s", v.c_str(), name, differ(k.out, u.out).c_str());
      cr_assert(!contains(u.out, "FAIL"), "%s", u.out.c_str());
    }
  }
}

Test(loader, scripts) {
  std::string d = lt() + "/scripts";
  sh("mkdir -p " + d);
  std::string probe = lt() + "/probe-static";
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(d + "/" + name) << text;
    chmod((d + "/" + name).c_str(), 0755);
  };
  write("plain.sh", "#!/bin/sh\necho \"script $0 [$*]\"\nexit 4\n");
  write("witharg.sh", "#!/bin/sh -e\necho \"with -e: $-\"\nexit 6\n");
  write("probe.script", "#! " + probe + "  an  argument \nignored\n");  // the probe as interpreter
  write("nested.script", "#!" + d + "/probe.script\n");                 // a script as interpreter
  for (const char* s : {"plain.sh", "witharg.sh", "probe.script", "nested.script"}) {
    std::string path = d + "/" + s;
    result k = run({path, "x y"}, &kEnv), u = run({gort_exec(), path, "x y"}, &kEnv);
    cr_assert(k.exited, "%s: %s", s, show(k).c_str());
    cr_assert(u.exited && u.status == k.status, "%s: %s vs %s", s, show(u).c_str(), show(k).c_str());
    std::string diff = differ(k.out, u.out, {"entry rflags=", "exe="});
    cr_assert(diff.empty(), "%s:\n%s", s, diff.c_str());
  }
  // The kernel's splicing, checked on the probe's argv.
  result u = run({gort_exec(), d + "/probe.script", "x y"}, &kEnv);
  cr_assert(contains(u.out, "argv[0]=" + probe + "\nargv[1]=an  argument\nargv[2]=" + d + "/probe.script\nargv[3]=x y\n"),
            "%s", u.out.c_str());
  cr_assert(contains(u.out, "auxv EXECFN=\"" + d + "/probe.script\""), "%s", u.out.c_str());
  cr_assert(contains(u.out, "comm=probe.script"), "%s", u.out.c_str());
}

Test(loader, malformed_corpus) {
  std::ifstream m(lt() + "/corpus/MANIFEST");
  int n = 0;
  for (std::string line; std::getline(m, line);) {
    std::vector<std::string> f;
    size_t i = 0;
    for (;;) {
      size_t j = line.find('\t', i);
      f.push_back(line.substr(i, j == std::string::npos ? std::string::npos : j - i));
      if (j == std::string::npos) break;
      i = j + 1;
    }
    cr_assert(f.size() == 4, "bad manifest line %s", line.c_str());
    std::string path = lt() + "/corpus/" + f[0];
    std::vector<std::string> argv = {gort_exec()};
    if (!f[3].empty()) argv.push_back(f[3]);
    argv.push_back(path);
    result r = run(argv, &kEnv);
    int want = std::stoi(f[1]);
    cr_assert(r.exited && r.status == want, "%s: want status %d: %s", f[0].c_str(), want, show(r).c_str());
    if (want != 42) {
      // One line, naming the file, saying what is wrong; nothing ran.
      cr_assert(count(r.err, "\n") == 1 && r.err.rfind("gort-exec: ", 0) == 0, "%s: %s", f[0].c_str(), r.err.c_str());
      cr_assert(contains(r.err, f[0]), "%s: the message does not name the file: %s", f[0].c_str(), r.err.c_str());
      cr_assert(contains(r.err, f[2]), "%s: want \"%s\" in: %s", f[0].c_str(), f[2].c_str(), r.err.c_str());
      cr_assert(r.out.empty());
    }
    n++;
  }
  cr_assert(n >= 26, "only %d corpus cases", n);
}

Test(loader, not_found_and_not_a_file) {
  result r = run({gort_exec(), "/nonexistent/prog"});
  cr_assert(r.exited && r.status == 127 && contains(r.err, "/nonexistent/prog"), "%s", show(r).c_str());
  r = run({gort_exec(), "no-such-command-anywhere"});
  cr_assert(r.exited && r.status == 127 && contains(r.err, "command not found"), "%s", show(r).c_str());
  r = run({gort_exec(), "/tmp"});
  cr_assert(r.exited && r.status == 126 && contains(r.err, "is a directory"), "%s", show(r).c_str());
  r = run({gort_exec()});
  cr_assert(r.exited && r.status == 125, "%s", show(r).c_str());
  r = run({gort_exec(), "--inspect", "--bogus", "x"});
  cr_assert(r.exited && r.status == 125, "%s", show(r).c_str());
  // PATH search, as a shell: "true" is found.
  r = run({gort_exec(), "true"});
  cr_assert(r.exited && r.status == 0, "%s", show(r).c_str());
}

Test(loader, boot_trace) {
  result r = run({gort_exec(), "--trace", lt() + "/probe-dyn"}, &kEnv);
  cr_assert(r.status == 42, "%s", show(r).c_str());
  for (const char* step : {"prepare ", "plan: dynamic-pie", "reserve ", "interpreter", "stack [", "entry ",
                           "commit: the point of no return"})
    cr_assert(contains(r.err, step), "no '%s' in the trace:\n%s", step, r.err.c_str());
}

Test(loader, stop_at_entry) {
  std::string p = lt() + "/probe-static";
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(gort_exec().c_str(), "gort-exec", "--stop-at-entry", p.c_str(), "stopped", (char*)nullptr);
    _exit(127);
  }
  int st = 0;
  cr_assert(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "status %#x", st);
  // Stopped just before the jump: the program is mapped, the launcher gone.
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string all((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  cr_assert(contains(all, "probe-static") && !contains(all, "gort-exec"), "%s", all.c_str());
  std::ifstream cl("/proc/" + std::to_string(pid) + "/cmdline");
  std::string cmd((std::istreambuf_iterator<char>(cl)), std::istreambuf_iterator<char>());
  cr_assert(cmd == p + std::string("\0stopped\0", 9), "cmdline %s", cmd.c_str());
  kill(pid, SIGCONT);
  cr_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 42, "status %#x", st);
}

// --inspect --json against readelf and nm, and its stack against the
// kernel's (the probe reports the padding the kernel left).
namespace {

std::string readelf_field(const std::string& path, const std::string& key) {
  for (auto& l : lines(sh("LC_ALL=C readelf -hlW " + path)))
    if (contains(l, key)) return l.substr(l.find(key) + key.size());
  return "";
}

tjson::value inspect(const std::string& path, std::vector<std::string> args = {}) {
  std::vector<std::string> argv = {gort_exec(), "--inspect", "--json", path};
  argv.insert(argv.end(), args.begin(), args.end());
  result r = run(argv, &kEnv);
  cr_assert(r.exited && r.status == 0, "%s", show(r).c_str());
  try {
    return tjson::parse(r.out);
  } catch (std::exception& e) {
    cr_assert_fail("bad JSON (%s): %s", e.what(), r.out.c_str());
  }
  return {};
}

void check_common(const tjson::value& j, const std::string& path) {
  uint64_t entry = std::stoull(readelf_field(path, "Entry point address:"), nullptr, 16);
  cr_assert(uint64_t(j["entry"].n) == entry, "entry %ld, readelf %#lx", j["entry"].n, (unsigned long)entry);
  std::string sym = sh("nm " + path + " | awk '$1 ~ /^0*" + [&] {
    char b[32];
    snprintf(b, sizeof b, "%lx", (unsigned long)entry);
    return std::string(b);
  }() + "$/ && ($2 == \"T\" || $2 == \"t\") && $3 !~ /^__(start|stop)_/ {print $3; exit}'");
  if (!sym.empty()) sym.pop_back();
  // (The linker's __start_gort_rt shares the entry's address: the crt's
  // code opens the runtime's section.)
  cr_assert(j["entry_symbol"].s == sym, "entry symbol %s, nm %s", j["entry_symbol"].s.c_str(), sym.c_str());
  // The PT_LOADs, as readelf lists them.
  std::vector<uint64_t> vaddrs;
  for (auto& l : lines(sh("LC_ALL=C readelf -lW " + path + " | awk '$1 == \"LOAD\" {print $3}'")))
    vaddrs.push_back(std::stoull(l, nullptr, 16));
  cr_assert(j["segments"].a.size() == vaddrs.size(), "%zu segments, readelf %zu", j["segments"].a.size(), vaddrs.size());
  for (size_t i = 0; i < vaddrs.size(); i++) cr_assert(uint64_t(j["segments"][i]["vaddr"].n) == vaddrs[i]);
  // The auxv in the kernel's order.
  size_t at = 0;
  for (auto& a : j["auxv"].a) {
    while (at < std::size(gort::boot::kernelAuxvOrder) && gort::boot::kernelAuxvOrder[at] != uint64_t(a["type"].n)) at++;
    cr_assert(at < std::size(gort::boot::kernelAuxvOrder), "auxv %s out of the kernel's order", a["name"].s.c_str());
  }
  cr_assert(j["stack"]["sp"].n % 16 == 0);
}

bool calls(const tjson::value& hop, const std::string& name) {
  for (auto& c : hop["calls"].a)
    if (c.s == name) return true;
  return false;
}

}  // namespace

Test(inspect, gort_program) {
  std::string p = prog("pie-O2", "args");
  tjson::value j = inspect(p);
  check_common(j, p);
  cr_assert(j["kind"].s == "dynamic-pie" && j["entry_symbol"].s == "_rt0_amd64_linux");
  auto& ch = j["chain"];
  cr_assert(ch.a.size() == 3 && ch[0]["name"].s == "_rt0_amd64_linux" && ch[1]["name"].s == "_rt0_amd64" &&
            ch[2]["name"].s == "runtime.rt0_go");
  for (const char* f : {"runtime.args", "runtime.osinit", "runtime.schedinit", "runtime.newproc", "runtime.mstart"})
    cr_assert(calls(ch[2], f), "rt0_go does not call %s", f);
  std::string interp = readelf_field(p, "[Requesting program interpreter: ");
  cr_assert(j["interp"]["path"].s + "]" == interp, "%s vs %s", j["interp"]["path"].s.c_str(), interp.c_str());
  cr_assert(j["tls"].k == tjson::value::object);
}

Test(inspect, go_binary) {
  std::string p = lt() + "/go-static";
  tjson::value j = inspect(p);
  check_common(j, p);
  cr_assert(j["kind"].s == "static" && j["interp"].k == tjson::value::null);
  auto& ch = j["chain"];
  cr_assert(ch.a.size() >= 3 && ch[0]["name"].s == "_rt0_amd64_linux" && ch[1]["name"].s == "_rt0_amd64");
  const tjson::value& rt0 = ch[ch.a.size() - 1];
  cr_assert(rt0["name"].s.rfind("runtime.rt0_go", 0) == 0, "%s", rt0["name"].s.c_str());
  for (const char* f : {"runtime.schedinit", "runtime.newproc", "runtime.mstart"}) {
    bool found = false;
    for (auto& c : rt0["calls"].a) found = found || c.s.rfind(f, 0) == 0;
    cr_assert(found, "rt0_go does not call %s", f);
  }
}

Test(inspect, static_c_program_and_its_stack) {
  std::string p = lt() + "/probe-static";
  tjson::value j = inspect(p, {"x"});
  check_common(j, p);
  cr_assert(j["kind"].s == "static" && j["placement"].s == "fixed");
  cr_assert(j["chain"][0]["name"].s == "probe_entry" && j["chain"].a.size() >= 2 && j["chain"][1]["name"].s == "_start");
  cr_assert(calls(j["chain"][1], "__libc_start_main"));
  // The padding between AT_NULL and AT_RANDOM that --inspect predicts is
  // the one the kernel leaves.
  result k = run({p, "x"}, &kEnv);
  const auto& s = j["stack"];
  int64_t pad = s["auxv"].n - 16 * int64_t(j["auxv"].a.size() + 1) - s["random"].n;
  cr_assert(field(k.out, "padding between AT_NULL and AT_RANDOM") == std::to_string(pad), "inspect %ld, kernel %s",
            (long)pad, field(k.out, "padding between AT_NULL and AT_RANDOM").c_str());
  cr_assert(field(k.out, "auxv entries") == std::to_string(j["auxv"].a.size()));
}

// gort::exec: a gort program replaces itself, from a goroutine, with many
// threads running.
Test(gort_exec, replaces_a_running_gort_program) {
  std::string p = lt() + "/probe-dyn";
  result r = run({lt() + "/exec_gort", p, "from gort"}, &kEnv);
  if (test_sanitizer() == "thread") {
    // Refused there, with its reason (loader/exec_api.cpp), and the
    // program goes on.
    cr_assert(r.exited && r.status == 1, "%s", show(r).c_str());
    cr_assert(contains(r.out, "exec failed: " + std::to_string(ENOTSUP) + " " + p +
                                  ": gort::exec is not available under ThreadSanitizer\n"),
              "%s", r.out.c_str());
    return;
  }
  cr_assert(r.exited && r.status == 42, "%s", show(r).c_str());
  cr_assert(contains(r.out, "exec of a missing file: ENOENT (/nonexistent/program: cannot open"), "%s", r.out.c_str());
  cr_assert(contains(r.out, "exec of a non-executable: EACCES"), "%s", r.out.c_str());
  cr_assert(contains(r.out, "argv[0]=" + p + "\nargv[1]=from gort\n"), "%s", r.out.c_str());
  cr_assert(field(r.out, "threads") == "1", "%s", r.out.c_str());
  // The runtime's handlers (SIGSEGV, SIGQUIT, ...) are gone; SIGUSR1 stays
  // ignored, SIGUSR2 blocked (the mask of the exec'ing thread).
  cr_assert(!contains(r.out, "caught"), "%s", r.out.c_str());
  cr_assert(contains(r.out, "signal 10 ignored"), "%s", r.out.c_str());
  cr_assert(contains(r.out, "blocked: 12\n"), "%s", r.out.c_str());
  cr_assert(!contains(r.out, "map exec_gort") && !contains(r.out, "map libgort"), "%s", r.out.c_str());
  for (const char* f : {"rseq registered", "/proc/self/cmdline is argv", "canary from AT_RANDOM"})
    cr_assert(field(r.out, f) == "1", "%s: %s", f, r.out.c_str());
}

// The library refuses, before the point of no return, to commit in a
// process with another thread; the plan is still loaded and unload() gives
// the addresses back.
Test(library, refuses_a_multithreaded_caller) {
  gort::loader::request req;
  req.path = lt() + "/probe-static";
  req.argv = {req.path};
  gort::loader::plan p;
  gort::loader::error e = gort::loader::prepare(req, &p);
  cr_assert(!e, "%s", e.msg.c_str());
  e = gort::loader::load(&p);
  cr_assert(!e, "%s", e.msg.c_str());
  std::atomic<bool> stop{false};
  std::thread t([&] {
    while (!stop) usleep(1000);
  });
  e = gort::loader::commit(&p);
  stop = true;
  t.join();
  cr_assert(e.err == EBUSY && contains(e.msg, "threads"), "%d %s", e.err, e.msg.c_str());
  cr_assert(msync(reinterpret_cast<void*>(0x400000), 4096, MS_ASYNC) == 0, "the image is mapped");
  gort::loader::unload(&p);
  gort::loader::close_files(&p);
  cr_assert(msync(reinterpret_cast<void*>(0x400000), 4096, MS_ASYNC) != 0 && errno == ENOMEM, "unload left it");
}

Test(library, shebang_parsing_follows_the_kernel) {
  std::string i, a;
  bool has = false;
  const char s1[] = "#! /bin/sh  -e -x \nrest";
  cr_assert(gort::loader::parse_shebang(s1, sizeof s1 - 1, &i, &a, &has) == 0 && i == "/bin/sh" && has && a == "-e -x");
  const char s2[] = "#!/usr/bin/env\tpython3";
  cr_assert(gort::loader::parse_shebang(s2, sizeof s2 - 1, &i, &a, &has) == 0 && i == "/usr/bin/env" && a == "python3");
  const char s3[] = "#!   \n";
  cr_assert(gort::loader::parse_shebang(s3, sizeof s3 - 1, &i, &a, &has) == ENOEXEC);
}

// Inputs on which the fuzzer once found a fault (tests/loader/fuzz-crashes/,
// replayed by every fuzzing run too): gort-exec refuses each with one line,
// or runs it; never a crash.
Test(loader, fuzz_crashes) {
  std::string dir = lt() + "/fuzz-crashes";
  sh("rm -rf " + dir + " && mkdir -p " + dir + " && cp tests/loader/fuzz-crashes/* " + dir + "/ && chmod 755 " + dir + "/*");
  int n = 0;
  for (auto& name : lines(sh("ls " + dir))) {
    if (name.empty()) continue;
    result r = run({gort_exec(), dir + "/" + name});
    cr_assert(r.exited, "%s: %s", name.c_str(), show(r).c_str());
    if (r.status == 126 || r.status == 127)
      cr_assert(count(r.err, "\n") == 1 && contains(r.err, name), "%s: %s", name.c_str(), r.err.c_str());
    n++;
  }
  cr_assert(n >= 1);
}

// Only a program that calls gort::exec links the loader and libelf: the
// others start as before (no more shared objects, no loader code).
Test(gort_exec, linked_only_when_used) {
  std::string plain = prog("pie-O2", "args"), user = lt() + "/exec_gort";
  cr_assert(sh("readelf -d " + plain + " | grep -c 'libelf'") == "0\n", "%s needs libelf", plain.c_str());
  cr_assert(sh("nm " + plain + " | grep -c 'gort6loader'") == "0\n", "%s has loader code", plain.c_str());
  cr_assert(sh("readelf -d " + user + " | grep -c 'libelf'") == "1\n");
  cr_assert(sh("nm " + user + " | grep -c ' T _ZN4gort4execE'") == "1\n");
}
