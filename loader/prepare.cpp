// loader/prepare.cpp: from a path, argv and envp to a plan: #! scripts
// followed as fs/binfmt_script.c does, the program and its interpreter
// opened and validated, the auxiliary vector and the stack laid out.
// Nothing is mapped here; the only side effects are open descriptors.
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "../boot/initstack.hpp"
#include "loader.hpp"

namespace gort::loader {

namespace {

error sysfail(int err, const std::string& name, const std::string& what) {
  return {err, name + ": " + what + ": " + strerror(err)};
}

uint64_t read_number(const char* path, uint64_t def) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return def;
  char b[64];
  ssize_t n = read(fd, b, sizeof b - 1);
  close(fd);
  if (n <= 0) return def;
  b[n] = 0;
  return strtoull(b, nullptr, 10);
}

// open_file opens one file that is to be executed (the program, or an
// interpreter) and makes the kernel's checks of open_exec: a regular file,
// executable by us, not on a noexec mount; and ours: not set-user/group-ID.
error open_file(const std::string& path, const std::string& what, image* im) {
  im->path = path;
  std::string name = what.empty() ? path : what + " " + path;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sysfail(errno, name, "cannot open");
  im->fd = fd;
  struct stat st;
  if (fstat(fd, &st) != 0) return sysfail(errno, name, "fstat");
  im->size = uint64_t(st.st_size);
  im->mode = st.st_mode;
  if (S_ISDIR(st.st_mode)) return {EACCES, name + ": is a directory"};
  if (!S_ISREG(st.st_mode)) return {EACCES, name + ": not a regular file"};
  if (faccessat(AT_FDCWD, path.c_str(), X_OK, AT_EACCESS) != 0) return sysfail(errno, name, "not executable");
  struct statvfs vfs;
  if (fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC) != 0)
    return {EACCES, name + ": lives on a noexec mount; execve would refuse it too"};
  if ((st.st_mode & S_ISUID) != 0 || ((st.st_mode & S_ISGID) != 0 && (st.st_mode & S_IXGRP) != 0))
    return {EPERM, name + ": is set-user/group-ID; a userland exec cannot change credentials, refusing"};
  if (fgetxattr(fd, "security.capability", nullptr, 0) > 0)
    return {EPERM, name + ": has file capabilities; a userland exec cannot grant them, refusing"};
  return {};
}

// map_file maps a whole file read-only, for validation (and --inspect).
// unmapped again by close_image.
struct filemap {
  const uint8_t* p = nullptr;
  uint64_t n = 0;
  ~filemap() {
    if (p != nullptr && n > 0) munmap(const_cast<uint8_t*>(p), n);
  }
};

error map_file(const image& im, const std::string& name, filemap* m) {
  m->n = im.size;
  if (im.size == 0) return {};
  void* p = mmap(nullptr, im.size, PROT_READ, MAP_PRIVATE, im.fd, 0);
  if (p == MAP_FAILED) return sysfail(errno, name, "mmap");
  m->p = static_cast<const uint8_t*>(p);
  return {};
}

std::string basename_of(const std::string& s) {
  size_t i = s.rfind('/');
  return i == std::string::npos ? s : s.substr(i + 1);
}

std::vector<Elf64_auxv_t> own_auxv() {
  std::vector<Elf64_auxv_t> v;
  int fd = open("/proc/self/auxv", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return v;
  Elf64_auxv_t a[64];
  ssize_t n = read(fd, a, sizeof a);
  close(fd);
  for (ssize_t i = 0; i < n / ssize_t(sizeof a[0]) && a[i].a_type != AT_NULL; i++) v.push_back(a[i]);
  return v;
}

bool is_per_image(uint64_t t) {
  switch (t) {
    case AT_PHDR: case AT_PHENT: case AT_PHNUM: case AT_BASE: case AT_FLAGS: case AT_ENTRY:
    case AT_SECURE: case AT_RANDOM: case AT_EXECFN: case AT_PLATFORM:
      return true;
  }
  return false;
}

}  // namespace

void trace(const plan& p, const char* fmt, ...) {
  if (p.req.trace_fd < 0) return;
  static timespec t0;
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (t0.tv_sec == 0 && t0.tv_nsec == 0) t0 = now;
  long us = (now.tv_sec - t0.tv_sec) * 1000000 + (now.tv_nsec - t0.tv_nsec) / 1000;
  char line[1024];
  int k = snprintf(line, sizeof line, "gort-exec: +%ldus ", us);
  va_list ap;
  va_start(ap, fmt);
  k += vsnprintf(line + k, sizeof line - k - 1, fmt, ap);
  va_end(ap);
  if (k > int(sizeof line) - 2) k = int(sizeof line) - 2;
  line[k++] = '\n';
  (void)!write(p.req.trace_fd, line, size_t(k));
}

void close_files(plan* p) {
  for (image* im : {&p->prog, &p->interp})
    if (im->fd >= 0) {
      close(im->fd);
      im->fd = -1;
    }
}

error prepare(const request& req, plan* p) {
  *p = plan{};
  p->req = req;
  p->execfn = req.path;
  p->comm = basename_of(req.path).substr(0, 15);
  p->argv = req.argv;
  if (p->argv.empty()) p->argv.push_back("");  // Linux 5.18+: argc 0 becomes [""]
  trace(*p, "prepare %s (argc %zu, envc %zu)", req.path.c_str(), req.argv.size(), req.envp.size());

  // E2BIG as the kernel computes it (bprm_stack_limits): the strings and
  // pointers may take a quarter of RLIMIT_STACK, at most 6 MiB, at least
  // 128 KiB; one string at most 32 pages.
  rlimit rl{};
  getrlimit(RLIMIT_STACK, &rl);
  p->stack_rlimit = rl.rlim_cur;
  {
    uint64_t limit = uint64_t(8 << 20) / 4 * 3;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 4 < limit) limit = rl.rlim_cur / 4;
    if (limit < 32 * kPage) limit = 32 * kPage;
    uint64_t total = (p->argv.size() + req.envp.size()) * 8 + req.path.size() + 1;
    const std::vector<std::string>* lists[] = {&p->argv, &req.envp};
    for (const std::vector<std::string>* v : lists)
      for (const std::string& s : *v) {
        if (s.size() + 1 > 32 * kPage) return {E2BIG, req.path + ": an argument or environment string is longer than 128 KiB"};
        total += s.size() + 1;
      }
    if (total > limit) return {E2BIG, req.path + ": arguments and environment too long (" + std::to_string(total) + " bytes)"};
  }

  uint64_t va_space = read_number("/proc/sys/kernel/randomize_va_space", 2);
  p->randomize = (personality(0xffffffff) & ADDR_NO_RANDOMIZE) == 0 && va_space != 0;
  p->randomize_brk = va_space > 1;
  policy pol = req.pol;
  pol.mmap_min_addr = read_number("/proc/sys/vm/mmap_min_addr", 65536);
  p->req.pol = pol;

  // The program, following #! lines (at most 5 deep, as the kernel).
  std::string path = req.path;
  for (int depth = 0;; depth++) {
    image im;
    const std::string what = depth == 0 ? "" : "interpreter";
    error e = open_file(path, depth == 0 ? "" : req.path + ": bad interpreter", &im);
    if (e) {
      if (im.fd >= 0) close(im.fd);
      return e;
    }
    const std::string name = depth == 0 ? path : req.path + ": interpreter " + path;
    char head[256] = {};
    ssize_t n = pread(im.fd, head, sizeof head, 0);
    if (n >= 2 && head[0] == '#' && head[1] == '!') {
      if (depth >= 5) {
        close(im.fd);
        return {ELOOP, req.path + ": more than 5 levels of #! interpreters"};
      }
      std::string interp, arg;
      bool has_arg = false;
      if (parse_shebang(head, uint64_t(n), &interp, &arg, &has_arg) != 0) {
        close(im.fd);
        return {ENOEXEC, name + ": #! line names no interpreter (or one longer than the kernel reads)"};
      }
      close(im.fd);
      // argv becomes: interp [arg] path argv[1..] (argv[0] is dropped).
      std::vector<std::string> a = {interp};
      if (has_arg) a.push_back(arg);
      a.push_back(path);
      a.insert(a.end(), p->argv.begin() + 1, p->argv.end());
      p->argv = a;
      p->scripts.push_back(path);
      trace(*p, "%s: #! script, interpreter %s%s%s", path.c_str(), interp.c_str(), has_arg ? " with argument " : "",
            has_arg ? arg.c_str() : "");
      path = interp;
      continue;
    }
    filemap m;
    if (im.size == 0) {
      close(im.fd);
      return {ENOEXEC, name + ": empty file (not an ELF file, no #! line)"};
    }
    if ((e = map_file(im, name, &m))) {
      close(im.fd);
      return e;
    }
    if ((e = validate(m.p, m.n, name, pol, false, &im.elf))) {
      close(im.fd);
      return e;
    }
    p->prog = im;
    break;
  }
  p->prog.fixed = p->prog.elf.type == ET_EXEC;
  for (const std::string& w : p->prog.elf.warnings) trace(*p, "warning: %s: %s", p->prog.path.c_str(), w.c_str());

  // The interpreter (ld.so), opened relative to the cwd as the kernel does.
  if (p->prog.elf.has_interp) {
    const std::string& ip = p->prog.elf.interp;
    const std::string name = req.path + ": interpreter " + ip;
    image im;
    error e = open_file(ip, req.path + ": interpreter", &im);
    if (e) {
      if (im.fd >= 0) close(im.fd);
      close_files(p);
      return e;
    }
    char head[2] = {};
    if (pread(im.fd, head, 2, 0) == 2 && head[0] == '#' && head[1] == '!') e = {ELIBBAD, name + ": is a #! script, not an ELF interpreter"};
    filemap m;
    if (!e && im.size == 0) e = {ELIBBAD, name + ": empty file"};
    if (!e) e = map_file(im, name, &m);
    if (!e) e = validate(m.p, m.n, name, pol, true, &im.elf);
    if (e) {
      close(im.fd);
      close_files(p);
      return e;
    }
    im.fixed = im.elf.type == ET_EXEC;
    p->interp = im;
  }
  const bool dyn = p->prog.elf.type == ET_DYN;
  p->k = p->prog.elf.has_interp ? (dyn ? kind::dynamic_pie : kind::dynamic_exec)
                                 : (dyn ? kind::static_pie : kind::static_exec);
  p->prog.kernel_base = p->k == kind::dynamic_pie;

  // The auxiliary vector: the kernel's order (boot/initstack.hpp); values
  // that belong to the machine or the user (vDSO, HWCAP, page size, ids,
  // rseq) are passed through from ours; values of the image are recomputed
  // by load(). Tags this launcher does not know are kept, after the known
  // ones; AT_EXECFD (binfmt_misc only) is dropped.
  std::vector<Elf64_auxv_t> own = own_auxv();
  auto find = [&](uint64_t t, uint64_t* v) {
    for (auto& a : own)
      if (a.a_type == t) {
        *v = a.a_un.a_val;
        return true;
      }
    return false;
  };
  for (unsigned long t : boot::kernelAuxvOrder) {
    uint64_t v = 0;
    if (is_per_image(t))
      p->auxv.push_back({t, 0, true});
    else if (find(t, &v))
      p->auxv.push_back({t, v, false});
  }
  for (auto& a : own) {
    bool known = a.a_type == AT_EXECFD;
    for (unsigned long t : boot::kernelAuxvOrder) known = known || a.a_type == t;
    if (!known) p->auxv.push_back({a.a_type, a.a_un.a_val, false});
  }

  // The stack's layout, from its top down (create_elf_tables).
  stackplan& s = p->stack;
  uint64_t top = 0;
  top -= 8;                                   // the NULL word
  top -= p->execfn.size() + 1;
  s.off_execfn = top;
  for (const std::string& e : req.envp) top -= e.size() + 1;
  for (const std::string& a : p->argv) top -= a.size() + 1;
  s.strings = -top;
  trace(*p, "plan: %s %s, %zu PT_LOADs%s%s, auxv %zu entries", kind_name(p->k), p->prog.path.c_str(),
        p->prog.elf.loads.size(), p->interp.fd >= 0 ? ", interpreter " : "",
        p->interp.fd >= 0 ? p->interp.path.c_str() : "", p->auxv.size() + 1);
  return {};
}

}  // namespace gort::loader
