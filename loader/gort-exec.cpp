// loader/gort-exec.cpp: gort-exec(1), a userland exec and boot inspector.
//
//   gort-exec [options] PROGRAM [ARGS...]
//
// starts PROGRAM without execve (loader/loader.hpp), or with --inspect
// shows how it would boot. Exit status: the program's own once it runs;
// before that, 127 when PROGRAM is not found, 126 when it cannot be
// executed (as a shell), 125 for a usage error of gort-exec itself.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "loader.hpp"

extern char** environ;

namespace {

constexpr int kUsage = 125;

const char* kHelp =
    "usage: gort-exec [options] PROGRAM [ARGS...]\n"
    "Start PROGRAM without execve: map it, build its initial stack and auxv as the kernel\n"
    "would, and jump to its entry. PROGRAM without a '/' is searched in PATH.\n"
    "\n"
    "  --inspect          show how PROGRAM would boot (segments, placement, interpreter, TLS,\n"
    "                     entry chain, the stack and auxv it would get); do not run it\n"
    "  --json             with --inspect: the same as one JSON object\n"
    "  --trace            a boot trace of the launcher's steps, on stderr\n"
    "  --stop-at-entry    raise SIGSTOP just before the jump (attach gdb -p there)\n"
    "  --allow-execstack  run a program that asks for an executable stack\n"
    "  -a, --argv0 NAME   pass NAME as argv[0] (as exec -a)\n"
    "  -h, --help         this text;  --version  the version\n"
    "\n"
    "Exit status: PROGRAM's; 127 not found, 126 cannot execute, 125 usage. See gort-exec(1).\n";

// search_path resolves a name without '/' as execvp does; a name with a
// '/' is used as it is.
std::string search_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = getenv("PATH");
  std::string ps = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::string found;
  size_t i = 0;
  for (;;) {
    size_t j = ps.find(':', i);
    std::string dir = ps.substr(i, j == std::string::npos ? std::string::npos : j - i);
    std::string cand = (dir.empty() ? "." : dir) + "/" + name;
    if (access(cand.c_str(), X_OK) == 0) return cand;
    if (found.empty() && access(cand.c_str(), F_OK) == 0) found = cand;  // exists: report its error
    if (j == std::string::npos) break;
    i = j + 1;
  }
  return found;
}

}  // namespace

int main(int argc, char** argv) {
  gort::loader::request req;
  bool inspect = false, json = false;
  const char* argv0 = nullptr;
  int i = 1;
  for (; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--") {
      i++;
      break;
    }
    if (a.size() < 2 || a[0] != '-') break;
    if (a == "--inspect") inspect = true;
    else if (a == "--json") json = true;
    else if (a == "--trace") req.trace_fd = 2;
    else if (a == "--stop-at-entry") req.stop_at_entry = true;
    else if (a == "--allow-execstack") req.pol.allow_execstack = true;
    else if (a == "-a" || a == "--argv0") {
      if (++i == argc) {
        fprintf(stderr, "gort-exec: %s needs a NAME\n%s", a.c_str(), kHelp);
        return kUsage;
      }
      argv0 = argv[i];
    } else if (a == "-h" || a == "--help") {
      fputs(kHelp, stdout);
      return 0;
    } else if (a == "--version") {
      puts("gort-exec (gort 0.1)");
      return 0;
    } else {
      fprintf(stderr, "gort-exec: unknown option %s\n%s", a.c_str(), kHelp);
      return kUsage;
    }
  }
  if (i == argc) {
    fprintf(stderr, "gort-exec: no PROGRAM\n%s", kHelp);
    return kUsage;
  }
  if (json && !inspect) {
    fprintf(stderr, "gort-exec: --json goes with --inspect\n");
    return kUsage;
  }
  std::string name = argv[i];
  req.path = search_path(name);
  if (req.path.empty()) {
    fprintf(stderr, "gort-exec: %s: command not found\n", name.c_str());
    return 127;
  }
  for (int k = i; k < argc; k++) req.argv.push_back(argv[k]);
  if (argv0 != nullptr) req.argv[0] = argv0;
  for (char** e = environ; *e != nullptr; e++) req.envp.push_back(*e);

  gort::loader::plan p;
  gort::loader::error e = gort::loader::prepare(req, &p);
  if (e) {
    fprintf(stderr, "gort-exec: %s\n", e.msg.c_str());
    return gort::loader::shell_status(e.err);
  }
  if (inspect) {
    std::string out = json ? gort::loader::inspect_json(p) : gort::loader::inspect_text(p);
    fwrite(out.data(), 1, out.size(), stdout);
    gort::loader::close_files(&p);
    return 0;
  }
  fflush(nullptr);
  if ((e = gort::loader::load(&p)) || (e = gort::loader::commit(&p))) {
    gort::loader::unload(&p);
    gort::loader::close_files(&p);
    fprintf(stderr, "gort-exec: %s\n", e.msg.c_str());
    return gort::loader::shell_status(e.err);
  }
  return 126;  // not reached: commit returns only on failure
}
