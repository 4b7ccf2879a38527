// boot/nolibc/format.cpp: the printf engine of the nolibc flavour
// (vformat), for printf, snprintf, fprintf and the rest (stdio.cpp).
//
// C99's conversions: d i u o x X c s p n % and f F e E g G a A, with the
// flags - + space # 0, field width and precision (given or *), the length
// modifiers hh h l ll j z t L q, and glibc's %m (strerror(errno)). Not
// supported: positional arguments (%1$d), wide characters beyond ASCII.
//
// Floating point is exact, as glibc's: the double is turned into the whole
// decimal expansion of its binary value (m * 2^e is the integer m * 2^e, or
// m * 5^-e shifted -e decimal places: at most 767 significant digits) with
// big-integer arithmetic, then rounded half-to-even at the digit the format
// asks for. So printf("%.20f", 0.1) prints 0.10000000000000000555, as glibc
// does. Difference from glibc: a long double (%Lf) is printed at double
// precision.
#include <cstdarg>
#include <cstddef>
#include <cstdint>

#include "format.hpp"

extern "C" char* strerror(int);
extern "C" std::size_t strlen(const char*);
extern "C" int* __errno_location();

namespace gort::nolibc {

void fmtsink::flush() {
  if (fd >= 0 && len > 0) {
    if (!writeall(fd, buf, len)) err = true;
    len = 0;
  }
}

void fmtsink::put(const char* s, std::size_t n) {
  total += n;
  while (n > 0) {
    if (len == cap) {
      if (fd < 0) return;  // a string sink: the rest is only counted
      flush();
    }
    std::size_t k = cap - len < n ? cap - len : n;
    for (std::size_t i = 0; i < k; i++) buf[len + i] = s[i];
    len += k;
    s += k;
    n -= k;
  }
}

void fmtsink::pad(char c, std::size_t n) {
  char b[32];
  for (char& x : b) x = c;
  while (n > 0) {
    std::size_t k = n < sizeof b ? n : sizeof b;
    put(b, k);
    n -= k;
  }
}

namespace {

enum : unsigned {
  fMinus = 1,  // left-justify
  fPlus = 2,   // always a sign
  fSpace = 4,  // a space where the sign would be
  fAlt = 8,    // '#'
  fZero = 16,  // pad with zeros
  fUpper = 32,
};

struct spec {
  unsigned flags = 0;
  int width = 0;
  int prec = -1;  // -1: not given
};

// field prints prefix (sign, 0x), then body, padded to the width: with
// spaces on the left or right, or with zeros between prefix and body.
void field(fmtsink* out, const spec& sp, const char* prefix, std::size_t np, const char* body, std::size_t nb,
           std::size_t zeros = 0) {
  std::size_t len = np + zeros + nb;
  std::size_t padn = sp.width > 0 && std::size_t(sp.width) > len ? std::size_t(sp.width) - len : 0;
  if ((sp.flags & fMinus) == 0 && (sp.flags & fZero) == 0) out->pad(' ', padn);
  out->put(prefix, np);
  if ((sp.flags & fMinus) == 0 && (sp.flags & fZero) != 0) out->pad('0', padn);
  out->pad('0', zeros);
  out->put(body, nb);
  if ((sp.flags & fMinus) != 0) out->pad(' ', padn);
}

// putsign appends the sign of a signed conversion to buf at *n: '-' for a
// negative value, else '+' or ' ' as the flags ask, else nothing.
static void putsign(char* buf, std::size_t* n, spec sp, bool neg) {
  if (neg)
    buf[(*n)++] = '-';
  else if ((sp.flags & fPlus) != 0)
    buf[(*n)++] = '+';
  else if ((sp.flags & fSpace) != 0)
    buf[(*n)++] = ' ';
}

void fmtint(fmtsink* out, spec sp, std::uint64_t v, bool neg, unsigned base) {
  char digits[24];
  std::size_t n = 0;
  const char* dig = (sp.flags & fUpper) != 0 ? "0123456789ABCDEF" : "0123456789abcdef";
  for (std::uint64_t x = v; x != 0; x /= base) digits[sizeof digits - ++n] = dig[x % base];
  std::size_t zeros = 0;
  if (sp.prec >= 0) {
    sp.flags &= ~fZero;  // a precision turns the 0 flag off (C99 7.19.6.1)
    if (std::size_t(sp.prec) > n) zeros = std::size_t(sp.prec) - n;
  } else if (n == 0) {
    zeros = 1;  // 0 prints as "0"
  }
  char prefix[3];
  std::size_t np = 0;
  putsign(prefix, &np, sp, neg);
  if ((sp.flags & fAlt) != 0) {
    if (base == 16 && v != 0) {
      prefix[np++] = '0';
      prefix[np++] = (sp.flags & fUpper) != 0 ? 'X' : 'x';
    } else if (base == 8 && zeros == 0 && (n == 0 || digits[sizeof digits - n] != '0')) {
      zeros = 1;
    }
  }
  field(out, sp, prefix, np, digits + sizeof digits - n, n, zeros);
}

// ---- exact decimal expansion of a double ----

// A big unsigned integer, 32-bit words, least significant first. m * 5^1074
// needs 2547 bits.
struct bigint {
  std::uint32_t w[84];
  int n = 0;
  void mul(std::uint32_t k) {
    std::uint64_t carry = 0;
    for (int i = 0; i < n; i++) {
      std::uint64_t t = std::uint64_t(w[i]) * k + carry;
      w[i] = std::uint32_t(t);
      carry = t >> 32;
    }
    if (carry != 0) w[n++] = std::uint32_t(carry);
  }
  void shl(int bits) {
    int words = bits / 32, r = bits % 32;
    if (r != 0) {
      std::uint32_t carry = 0;
      for (int i = 0; i < n; i++) {
        std::uint32_t t = w[i];
        w[i] = (t << r) | carry;
        carry = t >> (32 - r);
      }
      if (carry != 0) w[n++] = carry;
    }
    if (words > 0) {
      for (int i = n - 1; i >= 0; i--) w[i + words] = w[i];
      for (int i = 0; i < words; i++) w[i] = 0;
      n += words;
    }
  }
  // divmod1e9 divides by 10^9 and returns the remainder.
  std::uint32_t divmod1e9() {
    std::uint64_t rem = 0;
    for (int i = n - 1; i >= 0; i--) {
      std::uint64_t cur = (rem << 32) | w[i];
      w[i] = std::uint32_t(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    while (n > 0 && w[n - 1] == 0) n--;
    return std::uint32_t(rem);
  }
};

// A decimal number 0.d[0]d[1]...d[n-1] * 10^exp10 (n == 0: zero).
struct decimal {
  char d[800];
  int n = 0;
  int exp10 = 1;
  char at(int i) const { return i >= 0 && i < n ? d[i] : '0'; }
};

void exact(double v, decimal* out) {
  std::uint64_t bits;
  __builtin_memcpy(&bits, &v, sizeof bits);
  int be = int((bits >> 52) & 0x7ff);
  std::uint64_t m = bits & ((std::uint64_t(1) << 52) - 1);
  if (be == 0)
    be = 1;  // subnormal
  else
    m |= std::uint64_t(1) << 52;
  int e = be - 1075;  // v = m * 2^e
  out->n = 0;
  out->exp10 = 1;
  if (m == 0) return;
  while ((m & 1) == 0) m >>= 1, e++;  // smaller numbers, same value
  bigint b;
  b.w[0] = std::uint32_t(m);
  b.w[1] = std::uint32_t(m >> 32);
  b.n = b.w[1] != 0 ? 2 : 1;
  int k = 0;  // v = b / 10^k
  if (e >= 0) {
    b.shl(e);
  } else {
    k = -e;
    for (int r = k; r > 0;) {
      int s = r < 13 ? r : 13;
      std::uint32_t p = 1;
      for (int i = 0; i < s; i++) p *= 5;
      b.mul(p);
      r -= s;
    }
  }
  // Decimal digits of b, nine at a time from the bottom.
  char tmp[800];
  int nt = 0;
  while (b.n > 0) {
    std::uint32_t chunk = b.divmod1e9();
    for (int i = 0; i < 9; i++, chunk /= 10) tmp[nt++] = char('0' + chunk % 10);
  }
  while (nt > 0 && tmp[nt - 1] == '0') nt--;  // leading zeros of the top chunk
  for (int i = 0; i < nt; i++) out->d[i] = tmp[nt - 1 - i];
  out->n = nt;
  out->exp10 = nt - k;
  while (out->n > 0 && out->d[out->n - 1] == '0') out->n--;
}

// roundto keeps the first keep digits, rounding half to even on the exact
// value (keep may be 0 or negative: the digits start below the rounding
// place).
void roundto(decimal* x, int keep) {
  if (keep >= x->n) return;
  if (keep < 0) {  // below half a unit of the place: rounds to zero
    x->n = 0;
    x->exp10 = 1;
    return;
  }
  char first = x->d[keep];
  bool up = first > '5' || (first == '5' && (x->n > keep + 1 || (keep > 0 && (x->d[keep - 1] - '0') % 2 == 1)));
  x->n = keep;
  if (up) {
    int i = keep - 1;
    while (i >= 0 && x->d[i] == '9') i--;
    if (i < 0) {  // 999 -> 1000, or a value below the place rounding up to it
      x->d[0] = '1';
      x->n = 1;
      x->exp10++;
    } else {
      x->d[i]++;
      x->n = i + 1;
    }
  }
  while (x->n > 0 && x->d[x->n - 1] == '0') x->n--;
  if (x->n == 0 && !up) x->exp10 = 1;
}

void putdigits(fmtsink* out, const decimal& x, int from, int count) {
  char b[64];
  while (count > 0) {
    int k = count < int(sizeof b) ? count : int(sizeof b);
    for (int i = 0; i < k; i++) b[i] = x.at(from + i);
    out->put(b, std::size_t(k));
    from += k;
    count -= k;
  }
}

// fmtfloat prints v for conversion c (f F e E g G).
void fmtfloat(fmtsink* out, spec sp, double v, char c) {
  bool neg = __builtin_signbit(v);
  if (neg) v = -v;
  char sign[1];
  std::size_t ns = 0;
  putsign(sign, &ns, sp, neg);
  bool upper = c == 'F' || c == 'E' || c == 'G';
  if (__builtin_isinf(v) || __builtin_isnan(v)) {
    sp.flags &= ~fZero;
    const char* s = __builtin_isnan(v) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
    field(out, sp, sign, ns, s, 3);
    return;
  }
  int prec = sp.prec < 0 ? 6 : sp.prec;
  decimal x;
  exact(v, &x);
  char kind = c | 32;  // f, e or g
  bool strip = false;
  if (kind == 'g') {
    int p = prec == 0 ? 1 : prec;
    roundto(&x, p);
    int X = x.n == 0 ? 0 : x.exp10 - 1;
    if (p > X && X >= -4) {
      kind = 'f';
      prec = p - 1 - X;
    } else {
      kind = 'e';
      prec = p - 1;
    }
    strip = (sp.flags & fAlt) == 0;
  }
  if (kind == 'f') {
    roundto(&x, x.exp10 + prec);
    int intlen = x.n > 0 && x.exp10 > 0 ? x.exp10 : 1;
    int frac = prec;
    if (strip) {
      int last = x.n - x.exp10;  // fraction digits that are not zero
      frac = last < 0 ? 0 : last < frac ? last : frac;
    }
    bool point = frac > 0 || (sp.flags & fAlt) != 0;
    std::size_t len = ns + std::size_t(intlen) + (point ? 1 : 0) + std::size_t(frac);
    std::size_t padn = sp.width > 0 && std::size_t(sp.width) > len ? std::size_t(sp.width) - len : 0;
    if ((sp.flags & (fMinus | fZero)) == 0) out->pad(' ', padn);
    out->put(sign, ns);
    if ((sp.flags & fMinus) == 0 && (sp.flags & fZero) != 0) out->pad('0', padn);
    if (x.n > 0 && x.exp10 > 0)
      putdigits(out, x, 0, intlen);
    else
      out->put("0", 1);
    if (point) out->put(".", 1);
    putdigits(out, x, x.exp10, frac);
    if ((sp.flags & fMinus) != 0) out->pad(' ', padn);
    return;
  }
  // e
  roundto(&x, prec + 1);
  int X = x.n == 0 ? 0 : x.exp10 - 1;
  int frac = prec;
  if (strip) frac = x.n - 1 < frac ? (x.n - 1 < 0 ? 0 : x.n - 1) : frac;
  bool point = frac > 0 || (sp.flags & fAlt) != 0;
  char expbuf[8];
  int ne = 0;
  expbuf[ne++] = upper ? 'E' : 'e';
  expbuf[ne++] = X < 0 ? '-' : '+';
  int ax = X < 0 ? -X : X;
  char ed[4];
  int nd = 0;
  do ed[nd++] = char('0' + ax % 10); while ((ax /= 10) > 0);
  if (nd < 2) ed[nd++] = '0';
  while (nd > 0) expbuf[ne++] = ed[--nd];
  std::size_t len = ns + 1 + (point ? 1 : 0) + std::size_t(frac) + std::size_t(ne);
  std::size_t padn = sp.width > 0 && std::size_t(sp.width) > len ? std::size_t(sp.width) - len : 0;
  if ((sp.flags & (fMinus | fZero)) == 0) out->pad(' ', padn);
  out->put(sign, ns);
  if ((sp.flags & fMinus) == 0 && (sp.flags & fZero) != 0) out->pad('0', padn);
  putdigits(out, x, 0, 1);
  if (point) out->put(".", 1);
  putdigits(out, x, 1, frac);
  out->put(expbuf, std::size_t(ne));
  if ((sp.flags & fMinus) != 0) out->pad(' ', padn);
}

// fmthex prints v in hexadecimal floating point (%a, %A), as glibc does:
// 0x1.<52 bits>p<exp>, subnormals as 0x0.<bits>p-1022, trailing zeros
// dropped unless a precision is given.
void fmthex(fmtsink* out, spec sp, double v, bool upper) {
  if (__builtin_isinf(v) || __builtin_isnan(v)) {
    fmtfloat(out, sp, v, upper ? 'E' : 'e');
    return;
  }
  bool neg = __builtin_signbit(v);
  std::uint64_t bits;
  __builtin_memcpy(&bits, &v, sizeof bits);
  int be = int((bits >> 52) & 0x7ff);
  std::uint64_t m = bits & ((std::uint64_t(1) << 52) - 1);
  int lead = be == 0 ? 0 : 1;
  int e = be == 0 ? (m == 0 ? 0 : -1022) : be - 1023;
  int ndig = 13;
  if (sp.prec >= 0 && sp.prec < 13) {  // round the 52 bits to prec hex digits, half to even
    int drop = (13 - sp.prec) * 4;
    std::uint64_t rest = m & ((std::uint64_t(1) << drop) - 1), half = std::uint64_t(1) << (drop - 1);
    m >>= drop;
    if (rest > half || (rest == half && (m & 1) != 0)) m++;
    if (m >> (sp.prec * 4) != 0) {  // carried into the leading digit
      m &= (std::uint64_t(1) << (sp.prec * 4)) - 1;
      lead++;
    }
    ndig = sp.prec;
  }
  const char* dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char body[40];
  int nb = 0;
  body[nb++] = char('0' + lead);
  char fr[16];
  for (int i = 0; i < ndig; i++) fr[i] = dig[(m >> ((ndig - 1 - i) * 4)) & 15];
  int nf = ndig;
  if (sp.prec < 0)
    while (nf > 0 && fr[nf - 1] == '0') nf--;
  if (nf > 0 || (sp.flags & fAlt) != 0) body[nb++] = '.';
  for (int i = 0; i < nf; i++) body[nb++] = fr[i];
  for (int i = 13; i < sp.prec; i++) body[nb++] = '0';
  body[nb++] = upper ? 'P' : 'p';
  body[nb++] = e < 0 ? '-' : '+';
  int ae = e < 0 ? -e : e;
  char ed[6];
  int nd = 0;
  do ed[nd++] = char('0' + ae % 10); while ((ae /= 10) > 0);
  while (nd > 0) body[nb++] = ed[--nd];
  char prefix[3];
  std::size_t np = 0;
  putsign(prefix, &np, sp, neg);
  prefix[np++] = '0';
  prefix[np++] = upper ? 'X' : 'x';
  field(out, sp, prefix, np, body, std::size_t(nb));
}

}  // namespace

int vformat(fmtsink* out, const char* f, va_list ap) {
  while (*f != 0) {
    const char* lit = f;
    while (*f != 0 && *f != '%') f++;
    if (f > lit) out->put(lit, std::size_t(f - lit));
    if (*f == 0) break;
    const char* start = f++;
    spec sp;
    for (;; f++) {
      if (*f == '-') sp.flags |= fMinus;
      else if (*f == '+') sp.flags |= fPlus;
      else if (*f == ' ') sp.flags |= fSpace;
      else if (*f == '#') sp.flags |= fAlt;
      else if (*f == '0') sp.flags |= fZero;
      else if (*f == '\'') continue;  // thousands grouping: none in the C locale
      else break;
    }
    if (*f == '*') {
      sp.width = va_arg(ap, int);
      if (sp.width < 0) {
        sp.flags |= fMinus;
        sp.width = -sp.width;
      }
      f++;
    } else {
      while (*f >= '0' && *f <= '9') sp.width = sp.width * 10 + (*f++ - '0');
    }
    if (*f == '.') {
      f++;
      if (*f == '*') {
        sp.prec = va_arg(ap, int);
        if (sp.prec < 0) sp.prec = -1;
        f++;
      } else {
        sp.prec = 0;
        while (*f >= '0' && *f <= '9') sp.prec = sp.prec * 10 + (*f++ - '0');
      }
    }
    if ((sp.flags & fMinus) != 0) sp.flags &= ~fZero;
    int len = 0;  // 1 h, 2 hh, 3 l, 4 ll/q/j, 5 z, 6 t, 7 L
    if (*f == 'h') {
      len = f[1] == 'h' ? 2 : 1;
      f += len;
    } else if (*f == 'l') {
      len = f[1] == 'l' ? 4 : 3;
      f += len - 2;
    } else if (*f == 'q' || *f == 'j') {
      len = 4;
      f++;
    } else if (*f == 'z') {
      len = 5;
      f++;
    } else if (*f == 't') {
      len = 6;
      f++;
    } else if (*f == 'L') {
      len = 7;
      f++;
    }
    char c = *f;
    if (c == 0) {  // a lone '%' at the end: print it as it is
      out->put(start, std::size_t(f - start));
      break;
    }
    f++;
    switch (c) {
      case 'd':
      case 'i': {
        std::int64_t v;
        if (len == 3 || len == 4 || len == 5 || len == 6) v = va_arg(ap, long);
        else v = va_arg(ap, int);
        if (len == 1) v = short(v);
        if (len == 2) v = static_cast<signed char>(v);
        std::uint64_t u = v < 0 ? 0 - std::uint64_t(v) : std::uint64_t(v);
        fmtint(out, sp, u, v < 0, 10);
        break;
      }
      case 'u':
      case 'o':
      case 'x':
      case 'X': {
        std::uint64_t v;
        if (len == 3 || len == 4 || len == 5 || len == 6) v = va_arg(ap, unsigned long);
        else v = va_arg(ap, unsigned);
        if (len == 1) v = static_cast<unsigned short>(v);
        if (len == 2) v = static_cast<unsigned char>(v);
        if (c == 'X') sp.flags |= fUpper;
        sp.flags &= ~(fPlus | fSpace);
        fmtint(out, sp, v, false, c == 'u' ? 10 : c == 'o' ? 8 : 16);
        break;
      }
      case 'p': {
        void* v = va_arg(ap, void*);
        if (v == nullptr) {
          sp.prec = -1;
          field(out, sp, "", 0, "(nil)", 5);
        } else {
          sp.flags |= fAlt;
          fmtint(out, sp, std::uint64_t(v), false, 16);
        }
        break;
      }
      case 'c': {
        char ch = char(va_arg(ap, int));
        sp.flags &= ~fZero;
        field(out, sp, "", 0, &ch, 1);
        break;
      }
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (s == nullptr) s = "(null)";
        std::size_t n = 0;
        if (len == 3) {  // %ls: ASCII wide characters only
          const wchar_t* ws = reinterpret_cast<const wchar_t*>(s);
          while (ws[n] != 0 && (sp.prec < 0 || n < std::size_t(sp.prec))) n++;
          sp.flags &= ~fZero;
          std::size_t padn = sp.width > 0 && std::size_t(sp.width) > n ? std::size_t(sp.width) - n : 0;
          if ((sp.flags & fMinus) == 0) out->pad(' ', padn);
          for (std::size_t i = 0; i < n; i++) {
            char ch = ws[i] < 128 ? char(ws[i]) : '?';
            out->put(&ch, 1);
          }
          if ((sp.flags & fMinus) != 0) out->pad(' ', padn);
          break;
        }
        while (s[n] != 0 && (sp.prec < 0 || n < std::size_t(sp.prec))) n++;
        sp.flags &= ~fZero;
        field(out, sp, "", 0, s, n);
        break;
      }
      case 'm': {
        const char* s = strerror(*__errno_location());
        sp.flags &= ~fZero;
        field(out, sp, "", 0, s, strlen(s));
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
      case 'a':
      case 'A': {
        double v = len == 7 ? double(va_arg(ap, long double)) : va_arg(ap, double);
        if (c == 'a' || c == 'A')
          fmthex(out, sp, v, c == 'A');
        else
          fmtfloat(out, sp, v, c);
        break;
      }
      case 'n': {
        void* p = va_arg(ap, void*);
        long n = long(out->total);
        if (len == 1) *static_cast<short*>(p) = short(n);
        else if (len == 2) *static_cast<signed char*>(p) = static_cast<signed char>(n);
        else if (len >= 3 && len <= 6) *static_cast<long*>(p) = n;
        else *static_cast<int*>(p) = int(n);
        break;
      }
      case '%':
        out->put("%", 1);
        break;
      default:  // unknown: printed as written, as glibc does
        out->put(start, std::size_t(f - start));
        break;
    }
  }
  return out->total > 0x7fffffff ? -1 : int(out->total);
}

}  // namespace gort::nolibc
