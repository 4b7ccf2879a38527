// boot/nolibc/unistd.cpp: the plain system calls of the C library, for the
// nolibc flavour: each one a system call through arch/, its result turned
// into libc's (-1 and errno). The calls that may block for long (read,
// write, open, nanosleep, waitpid, poll, ...) are not here: they are the
// runtime's hooks (runtime/syscall_linux.cpp), which tell the scheduler;
// so are close, dup2 and dup3, which keep the poller's view of a
// descriptor true.
// Also: time (through the vDSO), signals (with the runtime's restorer),
// directories (getdents64), sysconf, getauxval.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <cstring>

#include "../../runtime/runtime.hpp"
#include "../../runtime/sys_linux.hpp"
#include "../initstack.hpp"
#include "nolibc.hpp"

namespace gort::nolibc {

long ret(long r) {
  if (__builtin_expect(r < 0 && r > -4096, 0)) {
    errno = int(-r);
    return -1;
  }
  return r;
}

template <class... A>
static inline long sys(long nr, A... a) {
  long v[6] = {long(a)...};
  return ret(arch::syscall6(nr, v[0], v[1], v[2], v[3], v[4], v[5]));
}

}  // namespace gort::nolibc

using gort::nolibc::sys;
namespace rt = gort::runtime;

extern "C" {

// ---- files and descriptors ----

int pipe(int fds[2]) { return int(sys(SYS_pipe2, fds, 0)); }
int pipe2(int fds[2], int flags) { return int(sys(SYS_pipe2, fds, flags)); }
int dup(int fd) { return int(sys(SYS_dup, fd)); }
off_t lseek(int fd, off_t off, int whence) { return sys(SYS_lseek, fd, off, whence); }
off_t lseek64(int fd, off_t off, int whence) { return sys(SYS_lseek, fd, off, whence); }
int unlink(const char* p) { return int(sys(SYS_unlinkat, AT_FDCWD, p, 0)); }
int unlinkat(int dfd, const char* p, int flags) { return int(sys(SYS_unlinkat, dfd, p, flags)); }
int rmdir(const char* p) { return int(sys(SYS_unlinkat, AT_FDCWD, p, AT_REMOVEDIR)); }
int mkdir(const char* p, mode_t mode) { return int(sys(SYS_mkdirat, AT_FDCWD, p, mode)); }
int mkdirat(int dfd, const char* p, mode_t mode) { return int(sys(SYS_mkdirat, dfd, p, mode)); }
int rename(const char* a, const char* b) { return int(sys(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 0)); }
int renameat(int da, const char* a, int db, const char* b) { return int(sys(SYS_renameat2, da, a, db, b, 0)); }
int access(const char* p, int mode) { return int(sys(SYS_faccessat, AT_FDCWD, p, mode)); }
int faccessat(int dfd, const char* p, int mode, int) { return int(sys(SYS_faccessat, dfd, p, mode)); }
int chmod(const char* p, mode_t mode) { return int(sys(SYS_fchmodat, AT_FDCWD, p, mode)); }
int fchmod(int fd, mode_t mode) { return int(sys(SYS_fchmod, fd, mode)); }
int chdir(const char* p) { return int(sys(SYS_chdir, p)); }
int fchdir(int fd) { return int(sys(SYS_fchdir, fd)); }
int truncate(const char* p, off_t n) { return int(sys(SYS_truncate, p, n)); }
int ftruncate(int fd, off_t n) { return int(sys(SYS_ftruncate, fd, n)); }
int symlink(const char* a, const char* b) { return int(sys(SYS_symlinkat, a, AT_FDCWD, b)); }
int link(const char* a, const char* b) { return int(sys(SYS_linkat, AT_FDCWD, a, AT_FDCWD, b, 0)); }
ssize_t readlink(const char* __restrict p, char* __restrict buf, size_t n) {
  return sys(SYS_readlinkat, AT_FDCWD, p, buf, n);
}
ssize_t readlinkat(int dfd, const char* __restrict p, char* __restrict buf, size_t n) {
  return sys(SYS_readlinkat, dfd, p, buf, n);
}
mode_t umask(mode_t m) { return mode_t(gort::arch::syscall1(SYS_umask, m)); }
int fstat(int fd, struct stat* st) { return int(sys(SYS_fstat, fd, st)); }
int stat(const char* __restrict p, struct stat* __restrict st) { return int(sys(SYS_newfstatat, AT_FDCWD, p, st, 0)); }
int lstat(const char* __restrict p, struct stat* __restrict st) {
  return int(sys(SYS_newfstatat, AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW));
}
int fstatat(int dfd, const char* __restrict p, struct stat* __restrict st, int flags) {
  return int(sys(SYS_newfstatat, dfd, p, st, flags));
}
int fstat64(int fd, struct stat64* st) { return int(sys(SYS_fstat, fd, st)); }
int stat64(const char* __restrict p, struct stat64* __restrict st) { return int(sys(SYS_newfstatat, AT_FDCWD, p, st, 0)); }

char* getcwd(char* buf, size_t n) {
  if (buf == nullptr) {
    if (n == 0) n = 4096;
    buf = static_cast<char*>(malloc(n));
    if (buf == nullptr) return nullptr;
  }
  return sys(SYS_getcwd, buf, n) < 0 ? nullptr : buf;
}

int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return int(sys(SYS_ioctl, fd, req, arg));
}

int isatty(int fd) {
  struct termios t;
  return sys(SYS_ioctl, fd, TCGETS, &t) == 0 ? 1 : 0;
}

// ---- processes ----

int unshare(int flags) { return int(sys(SYS_unshare, flags)); }

pid_t getpid() { return pid_t(gort::arch::syscall0(SYS_getpid)); }
pid_t getppid() { return pid_t(gort::arch::syscall0(SYS_getppid)); }
pid_t gettid() { return pid_t(gort::arch::syscall0(SYS_gettid)); }
uid_t getuid() { return uid_t(gort::arch::syscall0(SYS_getuid)); }
uid_t geteuid() { return uid_t(gort::arch::syscall0(SYS_geteuid)); }
gid_t getgid() { return gid_t(gort::arch::syscall0(SYS_getgid)); }
gid_t getegid() { return gid_t(gort::arch::syscall0(SYS_getegid)); }
pid_t setsid() { return pid_t(sys(SYS_setsid)); }
int kill(pid_t pid, int sig) { return int(sys(SYS_kill, pid, sig)); }
int tgkill(pid_t tgid, pid_t tid, int sig) { return int(sys(SYS_tgkill, tgid, tid, sig)); }
int raise(int sig) { return tgkill(getpid(), gettid(), sig); }
int sched_yield() { return int(sys(SYS_sched_yield)); }
[[noreturn]] void _exit(int code) { rt::exit_group(code); }

int sched_getaffinity(pid_t pid, size_t n, cpu_set_t* set) {
  long r = sys(SYS_sched_getaffinity, pid, n, set);
  if (r < 0) return -1;
  memset(reinterpret_cast<char*>(set) + r, 0, n - size_t(r));  // the kernel fills only its own size
  return 0;
}
int sched_setaffinity(pid_t pid, size_t n, const cpu_set_t* set) { return int(sys(SYS_sched_setaffinity, pid, n, set)); }

// fork: a child with one thread, the caller's, as under glibc; it should
// call execve or _exit soon (the other Ms do not exist in it).
pid_t fork() { return pid_t(sys(SYS_clone, SIGCHLD, 0, 0, 0, 0)); }

int execve(const char* path, char* const argv[], char* const envp[]) { return int(sys(SYS_execve, path, argv, envp)); }
int execv(const char* path, char* const argv[]) { return execve(path, argv, environ); }

int execvp(const char* file, char* const argv[]) {
  if (strchr(file, '/') != nullptr) return execv(file, argv);
  const char* path = getenv("PATH");
  if (path == nullptr) path = "/usr/local/bin:/bin:/usr/bin";
  char buf[4096];
  int err = ENOENT;
  for (const char* p = path;;) {
    const char* e = strchrnul(p, ':');
    size_t n = size_t(e - p), k = strlen(file);
    if (n + k + 2 <= sizeof buf) {
      memcpy(buf, p, n);
      if (n == 0) buf[n++] = '.';
      buf[n] = '/';
      memcpy(buf + n + 1, file, k + 1);
      execv(buf, argv);
      if (errno != ENOENT && errno != ENOTDIR) err = errno;
    }
    if (*e == 0) break;
    p = e + 1;
  }
  errno = err;
  return -1;
}

long syscall(long nr, ...) {
  va_list ap;
  va_start(ap, nr);
  long a[6];
  for (long& x : a) x = va_arg(ap, long);
  va_end(ap);
  return gort::nolibc::ret(gort::arch::syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}

// ---- memory ----

void* mmap(void* addr, size_t n, int prot, int flags, int fd, off_t off) {
  long r = sys(SYS_mmap, addr, n, prot, flags, fd, off);
  return r == -1 ? MAP_FAILED : reinterpret_cast<void*>(r);
}
void* mmap64(void* addr, size_t n, int prot, int flags, int fd, off_t off) { return mmap(addr, n, prot, flags, fd, off); }
int munmap(void* addr, size_t n) { return int(sys(SYS_munmap, addr, n)); }
int mprotect(void* addr, size_t n, int prot) { return int(sys(SYS_mprotect, addr, n, prot)); }
int madvise(void* addr, size_t n, int advice) { return int(sys(SYS_madvise, addr, n, advice)); }
int msync(void* addr, size_t n, int flags) { return int(sys(SYS_msync, addr, n, flags)); }
void* mremap(void* old, size_t oldn, size_t n, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  void* addr = (flags & MREMAP_FIXED) != 0 ? va_arg(ap, void*) : nullptr;
  va_end(ap);
  long r = sys(SYS_mremap, old, oldn, n, flags, addr);
  return r == -1 ? MAP_FAILED : reinterpret_cast<void*>(r);
}
int getpagesize() { return int(rt::physPageSize); }

// ---- limits and resources ----

int getrlimit(__rlimit_resource_t res, struct rlimit* rl) { return int(sys(SYS_prlimit64, 0, res, 0, rl)); }
int setrlimit(__rlimit_resource_t res, const struct rlimit* rl) { return int(sys(SYS_prlimit64, 0, res, rl, 0)); }
int prlimit(pid_t pid, enum __rlimit_resource res, const struct rlimit* nl, struct rlimit* ol) {
  return int(sys(SYS_prlimit64, pid, res, nl, ol));
}
int getrusage(__rusage_who_t who, struct rusage* ru) { return int(sys(SYS_getrusage, who, ru)); }
int sysinfo(struct sysinfo* si) { return int(sys(SYS_sysinfo, si)); }
int uname(struct utsname* u) { return int(sys(SYS_uname, u)); }
int get_nprocs() { return rt::getproccount(); }
int get_nprocs_conf() { return rt::getproccount(); }

long sysconf(int name) {
  switch (name) {
    case _SC_PAGESIZE: return long(rt::physPageSize);
    case _SC_NPROCESSORS_ONLN:
    case _SC_NPROCESSORS_CONF: return rt::getproccount();
    case _SC_CLK_TCK: return 100;
    case _SC_ARG_MAX: return 2097152;
    case _SC_LINE_MAX: return 2048;
    case _SC_NGROUPS_MAX: return 65536;
    case _SC_OPEN_MAX: {
      struct rlimit rl;
      return getrlimit(RLIMIT_NOFILE, &rl) == 0 ? long(rl.rlim_cur) : 1024;
    }
    case _SC_PHYS_PAGES:
    case _SC_AVPHYS_PAGES: {
      struct sysinfo si;
      if (sysinfo(&si) != 0) return -1;
      unsigned long b = name == _SC_PHYS_PAGES ? si.totalram : si.freeram;
      return long(b * si.mem_unit / rt::physPageSize);
    }
  }
  errno = EINVAL;
  return -1;
}

unsigned long getauxval(unsigned long type) {
  if (rt::envp_ == nullptr) return 0;
  for (const Elf64_auxv_t* a = gort::boot::initstack_auxv(rt::envp_); a->a_type != AT_NULL; a++)
    if (a->a_type == type) return a->a_un.a_val;
  errno = ENOENT;
  return 0;
}

ssize_t getrandom(void* buf, size_t n, unsigned flags) { return sys(SYS_getrandom, buf, n, flags); }
int getentropy(void* buf, size_t n) {
  if (n > 256) {
    errno = EIO;
    return -1;
  }
  return getrandom(buf, n, 0) == ssize_t(n) ? 0 : -1;
}

// ---- time ----

int clock_gettime(clockid_t clk, struct timespec* ts) { return int(gort::nolibc::ret(rt::clockgettime(clk, ts))); }
int clock_getres(clockid_t clk, struct timespec* ts) { return int(sys(SYS_clock_getres, clk, ts)); }
int gettimeofday(struct timeval* __restrict tv, void* __restrict) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return -1;
  tv->tv_sec = ts.tv_sec;
  tv->tv_usec = ts.tv_nsec / 1000;
  return 0;
}
time_t time(time_t* t) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (t != nullptr) *t = ts.tv_sec;
  return ts.tv_sec;
}
unsigned alarm(unsigned s) {
  struct itimerval nv{}, ov{};
  nv.it_value.tv_sec = s;
  sys(SYS_setitimer, ITIMER_REAL, &nv, &ov);
  return unsigned(ov.it_value.tv_sec + (ov.it_value.tv_usec != 0));
}

// ---- signals ----
//
// glibc's struct sigaction carries a 128-byte sigset_t; the kernel's has
// 8 bytes, and needs SA_RESTORER: the runtime's restorer, the same bytes
// as glibc's __restore_rt. As the hosted flavour's hooks do
// (boot/hooks_hosted.cpp), sigaction and signal leave the runtime's
// preemption handler in place and keep the program's action for the
// signals the runtime did not send (sigpreemptaction); a new signal mask
// is told to the runtime (sigmaskchanged), against which the preemption
// handler recognises code running inside a signal handler (gort(7),
// "PREEMPTION").

extern void sigreturn__sigaction() asm("runtime.sigreturn__sigaction");

struct ksigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  unsigned long mask;
};

int sigaction(int sig, const struct sigaction* __restrict act, struct sigaction* __restrict old) {
  if (rt::sigpreemptaction(sig, act, old)) return 0;
  ksigaction k{}, ko{};
  if (act != nullptr) {
    k.handler = reinterpret_cast<void*>(act->sa_handler);
    k.flags = unsigned(act->sa_flags) | 0x04000000;  // SA_RESTORER
    k.restorer = reinterpret_cast<void*>(sigreturn__sigaction);
    memcpy(&k.mask, &act->sa_mask, sizeof k.mask);
  }
  if (sys(SYS_rt_sigaction, sig, act != nullptr ? &k : nullptr, old != nullptr ? &ko : nullptr, 8) < 0) return -1;
  if (old != nullptr) {
    memset(old, 0, sizeof *old);
    old->sa_handler = reinterpret_cast<__sighandler_t>(ko.handler);
    old->sa_flags = int(ko.flags & ~0x04000000ul);
    memcpy(&old->sa_mask, &ko.mask, sizeof ko.mask);
  }
  return 0;
}

__sighandler_t signal(int sig, __sighandler_t h) {
  if (h == SIG_ERR) {
    errno = EINVAL;
    return SIG_ERR;
  }
  struct sigaction sa{}, old{};
  sa.sa_handler = h;
  sa.sa_flags = SA_RESTART;
  if (sigaction(sig, &sa, &old) < 0) return SIG_ERR;
  return old.sa_handler;
}

int sigemptyset(sigset_t* s) {
  memset(s, 0, sizeof *s);
  return 0;
}
int sigfillset(sigset_t* s) {
  memset(s, 0xff, sizeof *s);
  return 0;
}
static bool sigok(int sig) {
  if (sig > 0 && sig <= 64) return true;
  errno = EINVAL;
  return false;
}
int sigaddset(sigset_t* s, int sig) {
  if (!sigok(sig)) return -1;
  reinterpret_cast<unsigned long*>(s)[0] |= 1ul << (sig - 1);
  return 0;
}
int sigdelset(sigset_t* s, int sig) {
  if (!sigok(sig)) return -1;
  reinterpret_cast<unsigned long*>(s)[0] &= ~(1ul << (sig - 1));
  return 0;
}
int sigismember(const sigset_t* s, int sig) {
  if (!sigok(sig)) return -1;
  return (reinterpret_cast<const unsigned long*>(s)[0] >> (sig - 1)) & 1;
}
int sigprocmask(int how, const sigset_t* __restrict set, sigset_t* __restrict old) {
  if (old != nullptr) memset(old, 0, sizeof *old);
  int r = int(sys(SYS_rt_sigprocmask, how, set, old, 8));
  if (r == 0 && set != nullptr) rt::sigmaskchanged();
  return r;
}
int pthread_sigmask(int how, const sigset_t* __restrict set, sigset_t* __restrict old) {
  return sigprocmask(how, set, old) == 0 ? 0 : errno;
}
int sigaltstack(const stack_t* __restrict ss, stack_t* __restrict old) { return int(sys(SYS_sigaltstack, ss, old)); }

// ---- sockets and events (the calls that do not wait) ----

int socket(int d, int t, int p) { return int(sys(SYS_socket, d, t, p)); }
int socketpair(int d, int t, int p, int fds[2]) { return int(sys(SYS_socketpair, d, t, p, fds)); }
int bind(int fd, const struct sockaddr* a, socklen_t n) { return int(sys(SYS_bind, fd, a, n)); }
int listen(int fd, int n) { return int(sys(SYS_listen, fd, n)); }
int shutdown(int fd, int how) { return int(sys(SYS_shutdown, fd, how)); }
int setsockopt(int fd, int l, int o, const void* v, socklen_t n) { return int(sys(SYS_setsockopt, fd, l, o, v, n)); }
int getsockopt(int fd, int l, int o, void* __restrict v, socklen_t* __restrict n) {
  return int(sys(SYS_getsockopt, fd, l, o, v, n));
}
int getsockname(int fd, struct sockaddr* __restrict a, socklen_t* __restrict n) { return int(sys(SYS_getsockname, fd, a, n)); }
int getpeername(int fd, struct sockaddr* __restrict a, socklen_t* __restrict n) { return int(sys(SYS_getpeername, fd, a, n)); }
int epoll_create1(int flags) { return int(sys(SYS_epoll_create1, flags)); }
int epoll_create(int n) { return n <= 0 ? (errno = EINVAL, -1) : epoll_create1(0); }
int epoll_ctl(int ep, int op, int fd, struct epoll_event* ev) { return int(sys(SYS_epoll_ctl, ep, op, fd, ev)); }
int eventfd(unsigned v, int flags) { return int(sys(SYS_eventfd2, v, flags)); }

// Byte order: calls at -O0; above it, <arpa/inet.h> makes them macros
// (which are undone here to define the functions).
#undef htonl
#undef htons
#undef ntohl
#undef ntohs
uint32_t htonl(uint32_t v) { return __builtin_bswap32(v); }
uint16_t htons(uint16_t v) { return __builtin_bswap16(v); }
uint32_t ntohl(uint32_t v) { return __builtin_bswap32(v); }
uint16_t ntohs(uint16_t v) { return __builtin_bswap16(v); }

// ---- directories ----
//
// glibc's struct dirent is the kernel's linux_dirent64: readdir returns
// entries straight from getdents64's buffer.

struct __dirstream {
  int fd;
  size_t pos, len;
  alignas(8) char buf[8192];
};

DIR* fdopendir(int fd) {
  auto* d = static_cast<DIR*>(malloc(sizeof(DIR)));
  if (d == nullptr) return nullptr;
  d->fd = fd;
  d->pos = d->len = 0;
  return d;
}

DIR* opendir(const char* p) {
  int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  DIR* d = fdopendir(fd);
  if (d == nullptr) close(fd);
  return d;
}

struct dirent* readdir(DIR* d) {
  if (d->pos >= d->len) {
    long n = sys(SYS_getdents64, d->fd, d->buf, sizeof d->buf);
    if (n <= 0) return nullptr;
    d->len = size_t(n);
    d->pos = 0;
  }
  auto* e = reinterpret_cast<struct dirent*>(d->buf + d->pos);
  d->pos += e->d_reclen;
  return e;
}
struct dirent64* readdir64(DIR* d) { return reinterpret_cast<struct dirent64*>(readdir(d)); }

int closedir(DIR* d) {
  int r = close(d->fd);
  free(d);
  return r;
}
int dirfd(DIR* d) { return d->fd; }
void rewinddir(DIR* d) {
  lseek(d->fd, 0, SEEK_SET);
  d->pos = d->len = 0;
}

}  // extern "C"
