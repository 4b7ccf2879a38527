// boot/nolibc/stdio.cpp: <stdio.h> for the nolibc flavour.
//
// Output is write-based and unbuffered: each printf, puts or fwrite call
// is formatted on the stack and handed to write(2) (the runtime's write
// hook, so a goroutine that blocks on a full pipe releases its P). So the
// output of one call is never mixed with another goroutine's, and nothing
// is lost at exit or at a crash; fflush has nothing to do. Up to 4 KiB of
// one call go out in one write; longer output in several.
//
// Input (fgets, fread, getc ...) is buffered, one buffer per FILE, guarded
// by a runtime semaphore: a goroutine waiting for another's read parks.
// Files: fopen, fdopen, fclose, fseek, ftell. Not here: scanf and its
// family, wide-character streams, tmpfile, popen.
#include <fcntl.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <new>

#include "format.hpp"

namespace gort::nolibc {

using namespace runtime;

// A stream. glibc's inline stdio macros (putc_unlocked and friends) look
// at the _IO_FILE's buffer pointers, which stay null, so they always call
// __overflow and __uflow below.
struct nfile {
  _IO_FILE io{};
  int fd = -1;
  bool canread = false, canwrite = false;
  bool eof = false, error = false;
  bool allocated = false;  // fopen'ed: fclose frees it
  int ungot = -1;          // a character pushed back by ungetc
  char* rbuf = nullptr;    // the read buffer, kBufSize bytes (malloc'd at first read)
  std::size_t rpos = 0, rlen = 0;
  uint32 sema = 1;  // the stream's lock, a runtime semaphore
};

static constexpr std::size_t kBufSize = 4096;

static nfile* nf(FILE* f) { return reinterpret_cast<nfile*>(f); }

// The stream lock: a goroutine parks on the semaphore; other code (g0, a
// runtime callback) spins, which it may since input never blocks it long.
static void flock(nfile* f) {
  if (ongoroutine()) {
    semacquire(&f->sema);
    return;
  }
  uint32 one = 1;
  while (!__atomic_compare_exchange_n(&f->sema, &one, 0, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
    one = 1;
    osyield();
  }
}

static void funlock(nfile* f) {
  if (getg() != nullptr)
    semrelease(&f->sema);
  else
    __atomic_store_n(&f->sema, 1, __ATOMIC_RELEASE);
}

bool writeall(int fd, const char* p, uintptr n) {
  while (n > 0) {
    ssize_t r = write(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += r;
    n -= uintptr(r);
  }
  return true;
}

// writevall writes two pieces in one system call when it can.
static bool writevall(int fd, const char* a, std::size_t na, const char* b, std::size_t nb) {
  iovec v[2] = {{const_cast<char*>(a), na}, {const_cast<char*>(b), nb}};
  ssize_t r = writev(fd, v, 2);
  if (r < 0) return errno == EINTR ? writevall(fd, a, na, b, nb) : false;
  std::size_t done = std::size_t(r);
  if (done >= na) return writeall(fd, b + (done - na), nb - (done - na));
  return writeall(fd, a + done, na - done) && writeall(fd, b, nb);
}

// refill reads into f's buffer; false at end of file or on error.
static bool refill(nfile* f) {
  if (f->rbuf == nullptr) {
    f->rbuf = static_cast<char*>(std::malloc(kBufSize));
    if (f->rbuf == nullptr) {
      f->error = true;
      return false;
    }
  }
  for (;;) {
    ssize_t r = read(f->fd, f->rbuf, kBufSize);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0)
        f->eof = true;
      else
        f->error = true;
      return false;
    }
    f->rpos = 0;
    f->rlen = std::size_t(r);
    return true;
  }
}

// getc1: the next character of f, or EOF (f locked).
static int getc1(nfile* f) {
  if (f->ungot >= 0) {
    int c = f->ungot;
    f->ungot = -1;
    return c;
  }
  if (!f->canread) {
    f->error = true;
    errno = EBADF;
    return EOF;
  }
  if (f->rpos == f->rlen && !refill(f)) return EOF;
  return static_cast<unsigned char>(f->rbuf[f->rpos++]);
}

static int vfprint(nfile* f, const char* fmt, va_list ap) {
  if (!f->canwrite) {
    f->error = true;
    errno = EBADF;
    return -1;
  }
  char buf[kBufSize];
  fmtsink out{buf, sizeof buf};
  out.fd = f->fd;
  int n = vformat(&out, fmt, ap);
  out.flush();
  if (out.err) {
    f->error = true;
    return -1;
  }
  return n;
}

constinit static nfile stdin_{.fd = 0, .canread = true};
constinit static nfile stdout_{.fd = 1, .canwrite = true};
constinit static nfile stderr_{.fd = 2, .canwrite = true};

}  // namespace gort::nolibc

using gort::nolibc::nf;
using gort::nolibc::nfile;

extern "C" {

FILE* stdin = &gort::nolibc::stdin_.io;
FILE* stdout = &gort::nolibc::stdout_.io;
FILE* stderr = &gort::nolibc::stderr_.io;

// ---- output ----

int vfprintf(FILE* __restrict f, const char* __restrict fmt, va_list ap) { return gort::nolibc::vfprint(nf(f), fmt, ap); }

int fprintf(FILE* __restrict f, const char* __restrict fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vfprintf(f, fmt, ap);
  va_end(ap);
  return n;
}

int vprintf(const char* __restrict fmt, va_list ap) { return vfprintf(stdout, fmt, ap); }

int printf(const char* __restrict fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vfprintf(stdout, fmt, ap);
  va_end(ap);
  return n;
}

int vdprintf(int fd, const char* __restrict fmt, va_list ap) {
  char buf[gort::nolibc::kBufSize];
  gort::nolibc::fmtsink out{buf, sizeof buf};
  out.fd = fd;
  int n = gort::nolibc::vformat(&out, fmt, ap);
  out.flush();
  return out.err ? -1 : n;
}

int dprintf(int fd, const char* __restrict fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vdprintf(fd, fmt, ap);
  va_end(ap);
  return n;
}

int vsnprintf(char* __restrict s, size_t n, const char* __restrict fmt, va_list ap) {
  char dummy;
  gort::nolibc::fmtsink out{n > 0 ? s : &dummy, n > 0 ? n - 1 : 0};
  int r = gort::nolibc::vformat(&out, fmt, ap);
  if (n > 0) s[out.len] = 0;
  return r;
}

int snprintf(char* __restrict s, size_t n, const char* __restrict fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(s, n, fmt, ap);
  va_end(ap);
  return r;
}

int vsprintf(char* __restrict s, const char* __restrict fmt, va_list ap) { return vsnprintf(s, size_t(-1) >> 1, fmt, ap); }

int sprintf(char* __restrict s, const char* __restrict fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vsprintf(s, fmt, ap);
  va_end(ap);
  return r;
}

int vasprintf(char** __restrict out, const char* __restrict fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(nullptr, 0, fmt, ap2);
  va_end(ap2);
  *out = nullptr;
  if (n < 0) return -1;
  auto* s = static_cast<char*>(malloc(size_t(n) + 1));
  if (s == nullptr) return -1;
  vsnprintf(s, size_t(n) + 1, fmt, ap);
  *out = s;
  return n;
}

int asprintf(char** __restrict out, const char* __restrict fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(out, fmt, ap);
  va_end(ap);
  return n;
}

size_t fwrite(const void* __restrict p, size_t size, size_t n, FILE* __restrict f) {
  nfile* x = nf(f);
  if (size == 0 || n == 0) return 0;
  if (!x->canwrite || !gort::nolibc::writeall(x->fd, static_cast<const char*>(p), size * n)) {
    x->error = true;
    return 0;
  }
  return n;
}

int fputs(const char* __restrict s, FILE* __restrict f) { return fwrite(s, 1, strlen(s), f) == 1 || *s == 0 ? 1 : EOF; }

int puts(const char* s) {
  nfile* x = nf(stdout);
  if (!gort::nolibc::writevall(x->fd, s, strlen(s), "\n", 1)) {
    x->error = true;
    return EOF;
  }
  return 1;
}

int fputc(int c, FILE* f) {
  char ch = char(c);
  return fwrite(&ch, 1, 1, f) == 1 ? static_cast<unsigned char>(ch) : EOF;
}

int putc(int c, FILE* f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }
int fputc_unlocked(int c, FILE* f) { return fputc(c, f); }
int putc_unlocked(int c, FILE* f) { return fputc(c, f); }
int putchar_unlocked(int c) { return fputc(c, stdout); }
int fputs_unlocked(const char* __restrict s, FILE* __restrict f) { return fputs(s, f); }
size_t fwrite_unlocked(const void* __restrict p, size_t size, size_t n, FILE* __restrict f) {
  return fwrite(p, size, n, f);
}
// What glibc's inline putc_unlocked calls when its (always empty) buffer is full.
int __overflow(FILE* f, int c) { return c == EOF ? 0 : fputc(c, f); }

void perror(const char* s) {
  int e = errno;
  if (s != nullptr && *s != 0)
    fprintf(stderr, "%s: %s\n", s, strerror(e));
  else
    fprintf(stderr, "%s\n", strerror(e));
}

int fflush(FILE*) { return 0; }  // nothing is buffered on output
int fflush_unlocked(FILE*) { return 0; }
int setvbuf(FILE* __restrict, char* __restrict, int, size_t) { return 0; }
void setbuf(FILE* __restrict, char* __restrict) {}
void setbuffer(FILE* __restrict, char* __restrict, size_t) {}
void setlinebuf(FILE*) {}

// ---- input ----

int fgetc(FILE* f) {
  nfile* x = nf(f);
  gort::nolibc::flock(x);
  int c = gort::nolibc::getc1(x);
  gort::nolibc::funlock(x);
  return c;
}
int getc(FILE* f) { return fgetc(f); }
int getchar() { return fgetc(stdin); }
int fgetc_unlocked(FILE* f) { return fgetc(f); }
int getc_unlocked(FILE* f) { return fgetc(f); }
int getchar_unlocked() { return fgetc(stdin); }
int __uflow(FILE* f) { return fgetc(f); }

int ungetc(int c, FILE* f) {
  if (c == EOF) return EOF;
  nfile* x = nf(f);
  gort::nolibc::flock(x);
  int r = x->ungot < 0 ? (x->ungot = static_cast<unsigned char>(c)) : EOF;
  if (r != EOF) x->eof = false;
  gort::nolibc::funlock(x);
  return r;
}

char* fgets(char* __restrict s, int n, FILE* __restrict f) {
  if (n <= 0) return nullptr;
  nfile* x = nf(f);
  gort::nolibc::flock(x);
  int i = 0;
  while (i < n - 1) {
    int c = gort::nolibc::getc1(x);
    if (c == EOF) break;
    s[i++] = char(c);
    if (c == '\n') break;
  }
  gort::nolibc::funlock(x);
  if (i == 0) return nullptr;
  s[i] = 0;
  return s;
}
char* fgets_unlocked(char* __restrict s, int n, FILE* __restrict f) { return fgets(s, n, f); }

size_t fread(void* __restrict p, size_t size, size_t n, FILE* __restrict f) {
  if (size == 0 || n == 0) return 0;
  nfile* x = nf(f);
  auto* d = static_cast<char*>(p);
  std::size_t want = size * n, got = 0;
  gort::nolibc::flock(x);
  if (x->ungot >= 0 && got < want) {
    d[got++] = char(x->ungot);
    x->ungot = -1;
  }
  while (got < want) {
    if (x->rpos < x->rlen) {
      std::size_t k = x->rlen - x->rpos < want - got ? x->rlen - x->rpos : want - got;
      memcpy(d + got, x->rbuf + x->rpos, k);
      x->rpos += k;
      got += k;
    } else if (!x->canread || !gort::nolibc::refill(x)) {
      break;
    }
  }
  gort::nolibc::funlock(x);
  return got / size;
}
size_t fread_unlocked(void* __restrict p, size_t size, size_t n, FILE* __restrict f) { return fread(p, size, n, f); }

ssize_t getdelim(char** __restrict line, size_t* __restrict cap, int delim, FILE* __restrict f) {
  nfile* x = nf(f);
  gort::nolibc::flock(x);
  std::size_t n = 0;
  ssize_t r = -1;
  for (;;) {
    int c = gort::nolibc::getc1(x);
    if (c == EOF) break;
    if (*line == nullptr || n + 2 > *cap) {
      std::size_t ncap = *cap < 64 ? 128 : *cap * 2;
      auto* nl = static_cast<char*>(realloc(*line, ncap));
      if (nl == nullptr) {
        x->error = true;
        break;
      }
      *line = nl;
      *cap = ncap;
    }
    (*line)[n++] = char(c);
    if (c == delim) break;
  }
  gort::nolibc::funlock(x);
  if (n > 0) {
    (*line)[n] = 0;
    r = ssize_t(n);
  }
  return r;
}

ssize_t getline(char** __restrict line, size_t* __restrict cap, FILE* __restrict f) {
  return getdelim(line, cap, '\n', f);
}

// ---- state ----

int feof(FILE* f) { return nf(f)->eof; }
int ferror(FILE* f) { return nf(f)->error; }
void clearerr(FILE* f) { nf(f)->eof = nf(f)->error = false; }
int feof_unlocked(FILE* f) { return feof(f); }
int ferror_unlocked(FILE* f) { return ferror(f); }
void clearerr_unlocked(FILE* f) { clearerr(f); }
int fileno(FILE* f) { return nf(f)->fd; }
int fileno_unlocked(FILE* f) { return nf(f)->fd; }
void flockfile(FILE* f) { gort::nolibc::flock(nf(f)); }
void funlockfile(FILE* f) { gort::nolibc::funlock(nf(f)); }

// ---- files ----

// modeflags turns an fopen mode into open flags, or -1.
static int modeflags(const char* mode, bool* r, bool* w) {
  int fl;
  switch (*mode) {
    case 'r': fl = O_RDONLY; *r = true; *w = false; break;
    case 'w': fl = O_WRONLY | O_CREAT | O_TRUNC; *r = false; *w = true; break;
    case 'a': fl = O_WRONLY | O_CREAT | O_APPEND; *r = false; *w = true; break;
    default: return -1;
  }
  for (const char* m = mode + 1; *m != 0; m++) {
    if (*m == '+') {
      fl = (fl & ~(O_RDONLY | O_WRONLY)) | O_RDWR;
      *r = *w = true;
    } else if (*m == 'x') {
      fl |= O_EXCL;
    } else if (*m == 'e') {
      fl |= O_CLOEXEC;
    }
  }
  return fl;
}

FILE* fdopen(int fd, const char* mode) {
  bool r, w;
  if (modeflags(mode, &r, &w) < 0) {
    errno = EINVAL;
    return nullptr;
  }
  auto* x = static_cast<nfile*>(malloc(sizeof(nfile)));
  if (x == nullptr) return nullptr;
  new (x) nfile();
  x->fd = fd;
  x->canread = r;
  x->canwrite = w;
  x->allocated = true;
  return &x->io;
}

FILE* fopen(const char* __restrict path, const char* __restrict mode) {
  bool r, w;
  int fl = modeflags(mode, &r, &w);
  if (fl < 0) {
    errno = EINVAL;
    return nullptr;
  }
  int fd = open(path, fl, 0666);
  if (fd < 0) return nullptr;
  FILE* f = fdopen(fd, mode);
  if (f == nullptr) close(fd);
  return f;
}
FILE* fopen64(const char* __restrict path, const char* __restrict mode) { return fopen(path, mode); }

int fclose(FILE* f) {
  nfile* x = nf(f);
  int r = close(x->fd);
  free(x->rbuf);
  x->rbuf = nullptr;
  if (x->allocated) free(x);
  return r == 0 ? 0 : EOF;
}

int fseeko(FILE* f, off_t off, int whence) {
  nfile* x = nf(f);
  gort::nolibc::flock(x);
  if (whence == SEEK_CUR) off -= off_t(x->rlen - x->rpos) + (x->ungot >= 0 ? 1 : 0);
  x->rpos = x->rlen = 0;
  x->ungot = -1;
  x->eof = false;
  off_t r = lseek(x->fd, off, whence);
  gort::nolibc::funlock(x);
  return r < 0 ? -1 : 0;
}
int fseek(FILE* f, long off, int whence) { return fseeko(f, off, whence); }
int fseeko64(FILE* f, off_t off, int whence) { return fseeko(f, off, whence); }
void rewind(FILE* f) {
  fseeko(f, 0, SEEK_SET);
  clearerr(f);
}

off_t ftello(FILE* f) {
  nfile* x = nf(f);
  gort::nolibc::flock(x);
  off_t r = lseek(x->fd, 0, SEEK_CUR);
  if (r >= 0) r -= off_t(x->rlen - x->rpos) + (x->ungot >= 0 ? 1 : 0);
  gort::nolibc::funlock(x);
  return r;
}
long ftell(FILE* f) { return ftello(f); }
off_t ftello64(FILE* f) { return ftello(f); }

int remove(const char* path) {
  if (unlink(path) == 0) return 0;
  if (errno == EISDIR) return rmdir(path);
  return -1;
}

}  // extern "C"
