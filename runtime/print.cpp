// runtime/print.cpp: the runtime's own output (Go: print.go). Writes to fd 2
// with raw write(2): usable before libc, in a signal handler and while dying.
// Output between printlock and printunlock is gathered in one buffer and
// written at once, so lines from different Ms do not interleave.
#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

constinit static mutex debuglock;
static char printbuf[512];
static uintptr printlen;

void printflush() {
  uintptr off = 0;
  while (off < printlen) {
    long r = sys_write(2, printbuf + off, printlen - off);
    if (r <= 0) break;
    off += uintptr(r);
  }
  printlen = 0;
}

void printlock() {
  g* gp = getg();
  m* mp = gp != nullptr ? gp->m : nullptr;
  if (mp == nullptr) {  // before m0 is bound: single-threaded
    return;
  }
  mlocksadd(mp, 1);  // do not reschedule between printlock and printunlock
  if (mp->printlock++ == 0) lock(&debuglock);
}

void printunlock() {
  g* gp = getg();
  m* mp = gp != nullptr ? gp->m : nullptr;
  if (mp == nullptr) {
    printflush();
    return;
  }
  if (--mp->printlock == 0) {
    printflush();
    unlock(&debuglock);
  }
  mlocksadd(mp, -1);
}

void printbytes(const char* s, uintptr n) {
  for (uintptr i = 0; i < n; i++) {
    if (printlen == sizeof printbuf) printflush();
    printbuf[printlen++] = s[i];
  }
}

void printstring(const char* s) {
  if (s == nullptr) s = "(null)";
  printbytes(s, rt_strlen(s));
}

void printnl() { printbytes("\n", 1); }

void printuint(uint64 v) {
  char buf[24];
  int i = sizeof buf;
  do {
    buf[--i] = char('0' + v % 10);
    v /= 10;
  } while (v != 0);
  printbytes(buf + i, sizeof buf - i);
}

void printint(int64 v) {
  if (v < 0) {
    printbytes("-", 1);
    printuint(uint64(0) - uint64(v));
    return;
  }
  printuint(uint64(v));
}

void printhex(uint64 v) {
  static const char dig[] = "0123456789abcdef";
  char buf[24];
  int i = sizeof buf;
  do {
    buf[--i] = dig[v % 16];
    v /= 16;
  } while (v != 0);
  buf[--i] = 'x';
  buf[--i] = '0';
  printbytes(buf + i, sizeof buf - i);
}

void printpointer(const void* v) { printhex(reinterpret_cast<uintptr>(v)); }

}  // namespace gort::runtime
