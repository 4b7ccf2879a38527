// boot/nolibc/symtab.cpp: runtime/symtab.hpp for the nolibc flavour, with
// no library underneath (libunwind and libdw need libc).
//
// The walk: a DWARF call-frame interpreter over the program's .eh_frame,
// found through .eh_frame_hdr's sorted table (PT_GNU_EH_FRAME, which
// settls recorded). Every function GCC compiles has an FDE (x86-64's
// -fasynchronous-unwind-tables), and so does the runtime's assembly; the
// outermost frames say ".cfi_undefined rip", where the walk ends. A frame
// of the signal restorer (runtime.sigreturn__sigaction) is the kernel's
// signal frame: the next registers come from its ucontext. A pc without
// an FDE is walked by its frame pointer, if it has one.
//
// The names: the executable's own file (/proc/self/exe), mapped read-only
// at the first traceback: functions from .symtab, source positions from
// .debug_line (DWARF 2 to 5), inlined calls from .debug_info's
// DW_TAG_inlined_subroutine entries, as libdw would find them. A program
// without debug information gets names and module only, as in the hosted
// flavour.
//
// Everything here runs under traceback.cpp's tracebacklock, possibly on a
// signal stack: no malloc, only static buffers and the runtime's mmap.
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/ucontext.h>

#include "../../runtime/runtime.hpp"
#include "../../runtime/symtab.hpp"
#include "../../runtime/sys_linux.hpp"
#include "dwarf.hpp"
#include "nolibc.hpp"

extern "C" char runtime_sigreturn[] asm("runtime.sigreturn__sigaction");

namespace gort::runtime {

using nolibc::dwarf::reader;
using nolibc::dwarf::readencoded;
using u8 = std::uint8_t;

// ---- the walk ----

// DWARF register numbers on x86-64 (the psABI's): rax rdx rcx rbx rsi rdi
// rbp rsp r8..r15, and 16, the return address (rip).
enum : int { dRBX = 3, dRBP = 6, dRSP = 7, dR12 = 12, dR13 = 13, dR14 = 14, dR15 = 15, dRIP = 16, kNumRegs = 17 };

struct unwindstate {
  uintptr regs[kNumRegs];
  bool known[kNumRegs];
  bool exact;      // regs[dRIP] is the instruction itself (a fault, an interrupted pc), not a return address
  bool sigframe;   // this frame is the signal restorer's
};
static_assert(sizeof(unwindstate) <= sizeof(tbcursor));

static unwindstate* st(tbcursor* c) { return reinterpret_cast<unwindstate*>(c->opaque); }

bool tbinit(tbcursor* c, const gobuf& b) {
  unwindstate* s = st(c);
  *s = unwindstate{};
  s->regs[dRIP] = b.pc;
  s->regs[dRSP] = b.sp;
  s->regs[dRBP] = b.bp;
  s->regs[dRBX] = b.rbx;
  s->regs[dR12] = b.r12;
  s->regs[dR13] = b.r13;
  s->regs[dR14] = b.r14;
  s->regs[dR15] = b.r15;
  for (int r : {dRIP, dRSP, dRBP, dRBX, dR12, dR13, dR14, dR15}) s->known[r] = true;
  return b.pc != 0;
}

// The mcontext's general registers in DWARF order.
static constexpr int kGregOfDwarf[kNumRegs] = {REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI,
                                               REG_RBP, REG_RSP, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                               REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP};

static void fromucontext(unwindstate* s, const ucontext_t* uc) {
  for (int r = 0; r < kNumRegs; r++) {
    s->regs[r] = uintptr(uc->uc_mcontext.gregs[kGregOfDwarf[r]]);
    s->known[r] = true;
  }
  s->exact = true;
}

bool tbinitsig(tbcursor* c, void* uc) {
  unwindstate* s = st(c);
  *s = unwindstate{};
  fromucontext(s, static_cast<const ucontext_t*>(uc));
  return true;
}

void tbframe(tbcursor* c, uintptr* pc, uintptr* sp) {
  *pc = st(c)->regs[dRIP];
  *sp = st(c)->regs[dRSP];
}

// inrestorer: pc (a lookup address) is in the signal restorer, or in the
// nop before it where a return address into it minus one falls.
static bool inrestorer(uintptr pc) {
  uintptr r = reinterpret_cast<uintptr>(runtime_sigreturn);
  return pc + 1 >= r && pc < r + 16;
}

bool tbsignalframe(tbcursor* c) { return st(c)->sigframe; }

// ---- .eh_frame: finding the FDE of a pc ----

struct cie {
  uintptr codealign = 1;
  int64 dataalign = 0;
  int ra = dRIP;
  u8 fdeenc = nolibc::dwarf::peAbsptr;
  bool hasaug = false;
  bool signal = false;
  const u8* insns = nullptr;
  const u8* end = nullptr;
};

struct fde {
  uintptr pcbegin = 0, pcend = 0;
  const u8* insns = nullptr;
  const u8* end = nullptr;
  cie c;
};

static bool parsecie(const u8* p, cie* out) {
  reader r{p, p + 16};
  bool d64;
  uint64 len = r.initlen(&d64);
  r.end = r.p + len;
  if (r.offset(d64) != 0) return false;  // a CIE's id is 0 in .eh_frame
  u8 version = r.u8v();
  const char* aug = r.cstr();
  if (version >= 4) r.skip(2);  // address and segment size
  out->codealign = r.uleb();
  out->dataalign = r.sleb();
  out->ra = version == 1 ? r.u8v() : int(r.uleb());
  const u8* augend = nullptr;
  for (const char* a = aug; *a != 0; a++) {
    switch (*a) {
      case 'z': {
        uint64 n = r.uleb();
        augend = r.p + n;
        out->hasaug = true;
        break;
      }
      case 'R': out->fdeenc = r.u8v(); break;
      case 'L': r.u8v(); break;
      case 'P': {
        u8 enc = r.u8v();
        readencoded(r, enc);
        break;
      }
      case 'S': out->signal = true; break;
      default:
        if (augend == nullptr) return false;  // unknown, and no length to skip it by
        r.p = augend;
        a = " ";  // stop: the rest of the string describes data we skip
        break;
    }
  }
  if (augend != nullptr) r.p = augend;
  out->insns = r.p;
  out->end = r.end;
  return !r.bad;
}

static bool parsefde(const u8* p, fde* out) {
  reader r{p, p + 16};
  bool d64;
  uint64 len = r.initlen(&d64);
  r.end = r.p + len;
  const u8* idpos = r.p;
  uint64 id = r.offset(d64);
  if (id == 0) return false;  // a CIE
  if (!parsecie(idpos - id, &out->c)) return false;
  out->pcbegin = readencoded(r, out->c.fdeenc);
  out->pcend = out->pcbegin + readencoded(r, out->c.fdeenc & 0x0f);
  if (out->c.hasaug) r.skip(r.uleb());
  out->insns = r.p;
  out->end = r.end;
  return !r.bad;
}

// findfde finds the FDE covering pc through .eh_frame_hdr's binary search
// table.
static bool findfde(uintptr pc, fde* out) {
  const u8* hdr = nolibc::self.ehframehdr;
  if (hdr == nullptr || hdr[0] != 1) return false;
  reader r{hdr + 4, hdr + 64};
  u8 ptrenc = hdr[1], countenc = hdr[2], tabenc = hdr[3];
  readencoded(r, ptrenc);
  uint64 count = readencoded(r, countenc);
  if (tabenc != (nolibc::dwarf::peDatarel | nolibc::dwarf::peSdata4) || count == 0) return false;
  auto* tab = reinterpret_cast<const int32*>(r.p);  // (initial location, FDE) pairs, relative to hdr
  uintptr base = reinterpret_cast<uintptr>(hdr);
  uint64 lo = 0, hi = count;
  while (hi - lo > 1) {
    uint64 mid = (lo + hi) / 2;
    if (base + uintptr(int64(tab[2 * mid])) <= pc)
      lo = mid;
    else
      hi = mid;
  }
  if (base + uintptr(int64(tab[2 * lo])) > pc) return false;
  if (!parsefde(reinterpret_cast<const u8*>(base + uintptr(int64(tab[2 * lo + 1]))), out)) return false;
  return pc >= out->pcbegin && pc < out->pcend;
}

// ---- the call-frame program ----

enum : u8 { ruleSame, ruleUndef, ruleOffset, ruleValOffset, ruleReg, ruleExpr, ruleValExpr };

struct regrule {
  u8 kind = ruleSame;
  int64 n = 0;              // offset, or register
  const u8* expr = nullptr;  // expression (its length comes first, uleb)
};

struct cfarow {
  int cfareg = dRSP;
  int64 cfaoff = 0;
  const u8* cfaexpr = nullptr;
  regrule rules[kNumRegs];
};

// evalexpr runs a DWARF expression (stack machine), starting with push on
// the stack when given; false when it uses what we do not have.
static bool evalexpr(const u8* e, const unwindstate* s, bool push, uintptr pushed, uintptr* out) {
  reader r{e, e + 16};
  uint64 len = r.uleb();
  r.end = r.p + len;
  uintptr stk[32];
  int n = 0;
  if (push) stk[n++] = pushed;
  auto pop = [&]() -> uintptr { return n > 0 ? stk[--n] : 0; };
  while (r.more() && !r.bad) {
    u8 op = r.u8v();
    if (n >= 30) return false;
    if (op >= 0x30 && op <= 0x4f) {  // DW_OP_lit0..31
      stk[n++] = op - 0x30;
    } else if (op >= 0x70 && op <= 0x8f) {  // DW_OP_breg0..31
      int reg = op - 0x70;
      int64 off = r.sleb();
      if (reg >= kNumRegs || !s->known[reg]) return false;
      stk[n++] = s->regs[reg] + uintptr(off);
    } else {
      switch (op) {
        case 0x08: stk[n++] = r.u8v(); break;                                // const1u
        case 0x09: stk[n++] = uintptr(int64(int8_t(r.u8v()))); break;        // const1s
        case 0x0a: stk[n++] = r.u16v(); break;                               // const2u
        case 0x0b: stk[n++] = uintptr(int64(int16_t(r.u16v()))); break;      // const2s
        case 0x0c: stk[n++] = r.u32v(); break;                               // const4u
        case 0x0d: stk[n++] = uintptr(int64(int32(r.u32v()))); break;        // const4s
        case 0x0e: case 0x0f: stk[n++] = r.u64v(); break;                    // const8u/s
        case 0x10: stk[n++] = r.uleb(); break;                               // constu
        case 0x11: stk[n++] = uintptr(r.sleb()); break;                      // consts
        case 0x12: if (n == 0) return false; stk[n] = stk[n - 1]; n++; break;  // dup
        case 0x13: pop(); break;                                             // drop
        case 0x14: if (n < 2) return false; stk[n] = stk[n - 2]; n++; break;  // over
        case 0x16: if (n < 2) return false; { uintptr t = stk[n - 1]; stk[n - 1] = stk[n - 2]; stk[n - 2] = t; } break;
        case 0x06: { uintptr a = pop(); stk[n++] = *reinterpret_cast<const uintptr*>(a); break; }  // deref
        case 0x1a: { uintptr b = pop(), a = pop(); stk[n++] = a & b; break; }
        case 0x1c: { uintptr b = pop(), a = pop(); stk[n++] = a - b; break; }
        case 0x1e: { uintptr b = pop(), a = pop(); stk[n++] = a * b; break; }
        case 0x1f: { uintptr a = pop(); stk[n++] = 0 - a; break; }
        case 0x20: { uintptr a = pop(); stk[n++] = ~a; break; }
        case 0x21: { uintptr b = pop(), a = pop(); stk[n++] = a | b; break; }
        case 0x22: { uintptr b = pop(), a = pop(); stk[n++] = a + b; break; }
        case 0x23: { uintptr a = pop(); stk[n++] = a + r.uleb(); break; }   // plus_uconst
        case 0x24: { uintptr b = pop(), a = pop(); stk[n++] = a << b; break; }
        case 0x25: { uintptr b = pop(), a = pop(); stk[n++] = a >> b; break; }
        case 0x26: { uintptr b = pop(), a = pop(); stk[n++] = uintptr(int64(a) >> b); break; }
        case 0x27: { uintptr b = pop(), a = pop(); stk[n++] = a ^ b; break; }
        case 0x29: { uintptr b = pop(), a = pop(); stk[n++] = a == b; break; }
        case 0x2a: { uintptr b = pop(), a = pop(); stk[n++] = int64(a) >= int64(b); break; }
        case 0x2b: { uintptr b = pop(), a = pop(); stk[n++] = int64(a) > int64(b); break; }
        case 0x2c: { uintptr b = pop(), a = pop(); stk[n++] = int64(a) <= int64(b); break; }
        case 0x2d: { uintptr b = pop(), a = pop(); stk[n++] = int64(a) < int64(b); break; }
        case 0x2e: { uintptr b = pop(), a = pop(); stk[n++] = a != b; break; }
        case 0x2f: { int16_t d = int16_t(r.u16v()); r.p += d; break; }                 // skip
        case 0x28: { int16_t d = int16_t(r.u16v()); if (pop() != 0) r.p += d; break; }  // bra
        case 0x92: {                                                                     // bregx
          uint64 reg = r.uleb();
          int64 off = r.sleb();
          if (reg >= uint64(kNumRegs) || !s->known[reg]) return false;
          stk[n++] = s->regs[reg] + uintptr(off);
          break;
        }
        case 0x96: break;  // nop
        default: return false;
      }
    }
  }
  if (n == 0 || r.bad) return false;
  *out = stk[n - 1];
  return true;
}

// runcfa executes call-frame instructions [p, end) until the location
// passes target (loc starts at the FDE's start).
static void runcfa(const u8* p, const u8* end, const cie& c, uintptr loc, uintptr target, cfarow* row,
                   const cfarow* initial) {
  reader r{p, end};
  cfarow saved[8];
  int nsaved = 0;
  while (r.more() && !r.bad) {
    u8 op = r.u8v();
    u8 hi = op & 0xc0, lo = op & 0x3f;
    if (hi == 0x40) {  // advance_loc
      loc += lo * c.codealign;
      if (loc > target) return;
      continue;
    }
    if (hi == 0x80) {  // offset
      if (lo < kNumRegs) row->rules[lo] = {ruleOffset, int64(r.uleb()) * c.dataalign, nullptr};
      else r.uleb();
      continue;
    }
    if (hi == 0xc0) {  // restore
      if (lo < kNumRegs && initial != nullptr) row->rules[lo] = initial->rules[lo];
      continue;
    }
    auto setrule = [&](uint64 reg, regrule rule) {
      if (reg < uint64(kNumRegs)) row->rules[reg] = rule;
    };
    switch (op) {
      case 0x00: break;  // nop
      case 0x01: loc = readencoded(r, c.fdeenc); if (loc > target) return; break;  // set_loc
      case 0x02: loc += r.u8v() * c.codealign; if (loc > target) return; break;
      case 0x03: loc += r.u16v() * c.codealign; if (loc > target) return; break;
      case 0x04: loc += r.u32v() * c.codealign; if (loc > target) return; break;
      case 0x05: { uint64 reg = r.uleb(); setrule(reg, {ruleOffset, int64(r.uleb()) * c.dataalign, nullptr}); break; }
      case 0x06: { uint64 reg = r.uleb(); if (initial != nullptr && reg < uint64(kNumRegs)) row->rules[reg] = initial->rules[reg]; break; }
      case 0x07: setrule(r.uleb(), {ruleUndef, 0, nullptr}); break;
      case 0x08: setrule(r.uleb(), {ruleSame, 0, nullptr}); break;
      case 0x09: { uint64 reg = r.uleb(); setrule(reg, {ruleReg, int64(r.uleb()), nullptr}); break; }
      case 0x0a: if (nsaved < 8) saved[nsaved++] = *row; break;  // remember_state
      case 0x0b: if (nsaved > 0) *row = saved[--nsaved]; break;  // restore_state (the CFA rule too, as libgcc's)
      case 0x0c: row->cfareg = int(r.uleb()); row->cfaoff = int64(r.uleb()); row->cfaexpr = nullptr; break;
      case 0x0d: row->cfareg = int(r.uleb()); row->cfaexpr = nullptr; break;
      case 0x0e: row->cfaoff = int64(r.uleb()); break;
      case 0x0f: row->cfaexpr = r.p; r.skip(r.uleb()); break;  // def_cfa_expression
      case 0x10: { uint64 reg = r.uleb(); const u8* e = r.p; r.skip(r.uleb()); setrule(reg, {ruleExpr, 0, e}); break; }
      case 0x11: { uint64 reg = r.uleb(); setrule(reg, {ruleOffset, r.sleb() * c.dataalign, nullptr}); break; }
      case 0x12: row->cfareg = int(r.uleb()); row->cfaoff = r.sleb() * c.dataalign; row->cfaexpr = nullptr; break;
      case 0x13: row->cfaoff = r.sleb() * c.dataalign; break;
      case 0x14: { uint64 reg = r.uleb(); setrule(reg, {ruleValOffset, int64(r.uleb()) * c.dataalign, nullptr}); break; }
      case 0x15: { uint64 reg = r.uleb(); setrule(reg, {ruleValOffset, r.sleb() * c.dataalign, nullptr}); break; }
      case 0x16: { uint64 reg = r.uleb(); const u8* e = r.p; r.skip(r.uleb()); setrule(reg, {ruleValExpr, 0, e}); break; }
      case 0x2e: r.uleb(); break;  // GNU_args_size
      case 0x2f: { uint64 reg = r.uleb(); setrule(reg, {ruleOffset, -int64(r.uleb()) * c.dataalign, nullptr}); break; }
      default: return;  // unknown: stop here, with what we have
    }
  }
}

// stepfp: a frame without an FDE, walked by its frame pointer (rbp points
// at the saved rbp, the return address above it).
static bool stepfp(unwindstate* s) {
  uintptr bp = s->regs[dRBP];
  if (!s->known[dRBP] || bp == 0 || bp % 8 != 0 || bp <= s->regs[dRSP]) return false;
  auto* f = reinterpret_cast<const uintptr*>(bp);
  s->regs[dRIP] = f[1];
  s->regs[dRSP] = bp + 16;
  s->regs[dRBP] = f[0];
  s->exact = false;
  s->sigframe = false;
  return s->regs[dRIP] != 0;
}

bool tbstep(tbcursor* c) {
  unwindstate* s = st(c);
  uintptr pc = s->regs[dRIP];
  if (pc == 0) return false;
  uintptr lookup = s->exact ? pc : pc - 1;
  if (inrestorer(lookup)) {
    // The kernel's signal frame: rt_sigframe's ucontext sits at sp (the
    // handler's return into the restorer popped pretcode).
    fromucontext(s, reinterpret_cast<const ucontext_t*>(s->regs[dRSP]));
    s->sigframe = false;
    return true;
  }
  fde f;
  if (!findfde(lookup, &f)) return stepfp(s);
  cfarow initial, row;
  runcfa(f.c.insns, f.c.end, f.c, f.pcbegin, lookup, &initial, nullptr);
  row = initial;
  runcfa(f.insns, f.end, f.c, f.pcbegin, lookup, &row, &initial);
  uintptr cfa;
  if (row.cfaexpr != nullptr) {
    if (!evalexpr(row.cfaexpr, s, false, 0, &cfa)) return false;
  } else {
    if (row.cfareg >= kNumRegs || !s->known[row.cfareg]) return false;
    cfa = s->regs[row.cfareg] + uintptr(row.cfaoff);
  }
  unwindstate next = *s;
  for (int r = 0; r < kNumRegs; r++) {
    const regrule& rule = row.rules[r];
    switch (rule.kind) {
      case ruleSame: break;
      case ruleUndef: next.known[r] = false; break;
      case ruleOffset: next.regs[r] = *reinterpret_cast<const uintptr*>(cfa + uintptr(rule.n)); next.known[r] = true; break;
      case ruleValOffset: next.regs[r] = cfa + uintptr(rule.n); next.known[r] = true; break;
      case ruleReg:
        if (rule.n < 0 || rule.n >= kNumRegs) return false;
        next.regs[r] = s->regs[rule.n];
        next.known[r] = s->known[rule.n];
        break;
      case ruleExpr: {
        uintptr a;
        if (!evalexpr(rule.expr, s, true, cfa, &a)) return false;
        next.regs[r] = *reinterpret_cast<const uintptr*>(a);
        next.known[r] = true;
        break;
      }
      case ruleValExpr:
        if (!evalexpr(rule.expr, s, true, cfa, &next.regs[r])) return false;
        next.known[r] = true;
        break;
    }
  }
  int ra = f.c.ra < kNumRegs ? f.c.ra : dRIP;
  if (row.rules[ra].kind == ruleUndef || !next.known[ra]) return false;  // the outermost frame
  next.regs[dRIP] = next.regs[ra];
  next.regs[dRSP] = cfa;
  next.known[dRSP] = true;
  if (next.regs[dRIP] == 0 || cfa <= s->regs[dRSP]) return false;  // the end, or a walk going nowhere
  next.exact = f.c.signal;
  next.sigframe = inrestorer(next.regs[dRIP]);
  *s = next;
  return true;
}

// ---- the executable's file: symbols, lines, inline scopes ----

struct elffile {
  bool tried = false;
  const u8* base = nullptr;
  uintptr size = 0;
  char path[512] = {};
  const Elf64_Sym* syms = nullptr;
  uintptr nsyms = 0;
  const char* strtab = nullptr;
  struct section {
    const u8* p = nullptr;
    uintptr n = 0;
  } line, linestr, str, info, abbrev, addr, rnglists, ranges, stroffsets;
};
static elffile exe;

static bool nameis(const char* a, const char* b) {
  while (*a != 0 && *a == *b) a++, b++;
  return *a == *b;
}

// openexe maps /proc/self/exe at the first traceback.
static void openexe() {
  if (exe.tried) return;
  exe.tried = true;
  long n = arch::syscall4(SYS_readlinkat, AT_FDCWD, long("/proc/self/exe"), long(exe.path), sizeof exe.path - 1);
  if (n <= 0) {
    const char* p = nolibc::self.path != nullptr ? nolibc::self.path : "?";
    n = 0;
    while (p[n] != 0 && n < long(sizeof exe.path) - 1) exe.path[n] = p[n], n++;
  }
  exe.path[n] = 0;
  long fd = sys_openat(AT_FDCWD, "/proc/self/exe", O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return;
  long size = arch::syscall3(SYS_lseek, fd, 0, 2 /* SEEK_END */);
  long v = size > long(sizeof(Elf64_Ehdr)) ? sys_mmap(nullptr, uintptr(size), PROT_READ, MAP_PRIVATE, int(fd), 0) : -1;
  sys_close(int(fd));
  if (v < 0 && v > -4096) return;
  exe.base = reinterpret_cast<const u8*>(v);
  exe.size = uintptr(size);
  auto* eh = reinterpret_cast<const Elf64_Ehdr*>(exe.base);
  if (eh->e_shoff == 0 || eh->e_shoff + uintptr(eh->e_shnum) * sizeof(Elf64_Shdr) > exe.size) return;
  auto* sh = reinterpret_cast<const Elf64_Shdr*>(exe.base + eh->e_shoff);
  const char* names = reinterpret_cast<const char*>(exe.base + sh[eh->e_shstrndx].sh_offset);
  for (int i = 0; i < eh->e_shnum; i++) {
    if (sh[i].sh_type == SHT_NOBITS || sh[i].sh_offset + sh[i].sh_size > exe.size) continue;
    const char* name = names + sh[i].sh_name;
    elffile::section s{exe.base + sh[i].sh_offset, sh[i].sh_size};
    if (sh[i].sh_type == SHT_SYMTAB) {
      exe.syms = reinterpret_cast<const Elf64_Sym*>(s.p);
      exe.nsyms = s.n / sizeof(Elf64_Sym);
      exe.strtab = reinterpret_cast<const char*>(exe.base + sh[sh[i].sh_link].sh_offset);
    } else if (nameis(name, ".debug_line")) exe.line = s;
    else if (nameis(name, ".debug_line_str")) exe.linestr = s;
    else if (nameis(name, ".debug_str")) exe.str = s;
    else if (nameis(name, ".debug_info")) exe.info = s;
    else if (nameis(name, ".debug_abbrev")) exe.abbrev = s;
    else if (nameis(name, ".debug_addr")) exe.addr = s;
    else if (nameis(name, ".debug_rnglists")) exe.rnglists = s;
    else if (nameis(name, ".debug_ranges")) exe.ranges = s;
    else if (nameis(name, ".debug_str_offsets")) exe.stroffsets = s;
  }
}

// Link-time address of a run-time pc.
static uintptr linkaddr(uintptr pc) { return pc - nolibc::self.bias; }

// The paths that findfunc and funcinlines return are built here; findfunc
// starts the pool over.
static char pathpool[16384];
static uintptr pathused;

static const char* joinpath(const char* dir, const char* sub, const char* name) {
  uintptr start = pathused;
  auto add = [&](const char* s) {
    if (s == nullptr || *s == 0) return;
    if (pathused > start && pathpool[pathused - 1] != '/' && pathused < sizeof pathpool) pathpool[pathused++] = '/';
    while (*s != 0 && pathused < sizeof pathpool - 1) pathpool[pathused++] = *s++;
  };
  if (name != nullptr && name[0] == '/') {
    add(name);
  } else {
    if (sub == nullptr || sub[0] != '/') add(dir);
    add(sub);
    add(name);
  }
  if (pathused >= sizeof pathpool - 1) return "?";
  pathpool[pathused++] = 0;
  return pathpool + start;
}

// ---- .debug_line ----

struct linefiles {
  // Enough of a line program's header to name its files.
  int version = 0;
  bool d64 = false;
  const u8* dirs = nullptr;   // v5: the directory entries; v<5: the include_directories strings
  uint64 ndirs = 0;
  const u8* dirfmt = nullptr;  // v5 entry formats
  uint64 ndirfmt = 0;
  const u8* files = nullptr;
  uint64 nfiles = 0;
  const u8* filefmt = nullptr;
  uint64 nfilefmt = 0;
  const u8* end = nullptr;  // of the header
};

static const char* strat(const elffile::section& s, uint64 off) {
  return off < s.n ? reinterpret_cast<const char*>(s.p + off) : nullptr;
}

// skipform reads past one attribute value of form f, returning it when it
// is a number or a string offset; *str is set for a string.
static uint64 readform(reader& r, uint64 f, bool d64, const char** str, int addrsize = 8) {
  *str = nullptr;
  switch (f) {
    case 0x01: return addrsize == 4 ? r.u32v() : r.u64v();  // addr
    case 0x08: *str = r.cstr(); return 0;                    // string
    case 0x0e: *str = strat(exe.str, r.offset(d64)); return 0;       // strp
    case 0x1f: *str = strat(exe.linestr, r.offset(d64)); return 0;   // line_strp
    case 0x0b: case 0x11: case 0x0c: case 0x25: case 0x29: return r.u8v();  // data1 ref1 flag strx1 addrx1
    case 0x05: case 0x12: case 0x26: case 0x2a: return r.u16v();            // data2 ref2 strx2 addrx2
    case 0x27: case 0x2b: { uint64 v = r.u16v(); return v | uint64(r.u8v()) << 16; }  // strx3 addrx3
    case 0x06: case 0x13: case 0x28: case 0x2c: case 0x1c: return r.u32v();  // data4 ref4 strx4 addrx4 ref_sup4
    case 0x07: case 0x14: case 0x20: case 0x24: return r.u64v();             // data8 ref8 ref_sig8 ref_sup8
    case 0x1e: r.skip(16); return 0;                                          // data16
    case 0x0d: return uint64(r.sleb());                                        // sdata
    case 0x0f: case 0x15: case 0x1a: case 0x1b: case 0x22: case 0x23: return r.uleb();  // udata ref_udata strx addrx loclistx rnglistx
    case 0x10: case 0x17: case 0x1d: return r.offset(d64);                    // ref_addr sec_offset strp_sup
    case 0x19: return 1;                                                       // flag_present
    case 0x0a: r.skip(r.u8v()); return 0;                                      // block1
    case 0x03: r.skip(r.u16v()); return 0;                                     // block2
    case 0x04: r.skip(r.u32v()); return 0;                                     // block4
    case 0x09: case 0x18: r.skip(r.uleb()); return 0;                          // block exprloc
    case 0x1f01: case 0x1f02: return r.uleb();                                 // GNU_addr_index GNU_str_index
    case 0x1f20: case 0x1f21: return r.offset(d64);                            // GNU_ref_alt GNU_strp_alt
    default: r.bad = true; return 0;
  }
}

// v5 entry: read the path and directory index per the format.
static void readentry(reader& r, const u8* fmt, uint64 nfmt, bool d64, const char** path, uint64* dir) {
  reader f{fmt, fmt + 64 * 2};
  *path = nullptr;
  *dir = 0;
  for (uint64 i = 0; i < nfmt; i++) {
    uint64 type = f.uleb(), form = f.uleb();
    const char* s;
    uint64 v = readform(r, form, d64, &s);
    if (type == 1) *path = s;        // DW_LNCT_path
    else if (type == 2) *dir = v;    // DW_LNCT_directory_index
  }
}

static const char* linedir(const linefiles& h, uint64 i) {
  if (h.version >= 5) {
    reader r{h.dirs, h.end};
    const char* p = nullptr;
    uint64 d;
    for (uint64 k = 0; k <= i && k < h.ndirs; k++) readentry(r, h.dirfmt, h.ndirfmt, h.d64, &p, &d);
    return i < h.ndirs ? p : nullptr;
  }
  if (i == 0) return nullptr;  // the compilation directory, which v<5 does not record here
  reader r{h.dirs, h.end};
  for (uint64 k = 1; r.more(); k++) {
    const char* s = r.cstr();
    if (*s == 0) break;
    if (k == i) return s;
  }
  return nullptr;
}

// linefile gives file i of a line program (v5: 0-based, v<5: 1-based) as a
// path, and the compilation directory where the header has it.
static const char* linefile(const linefiles& h, uint64 i, const char** compdir) {
  const char* name = nullptr;
  uint64 dir = 0;
  if (h.version >= 5) {
    reader r{h.files, h.end};
    for (uint64 k = 0; k <= i && k < h.nfiles; k++) readentry(r, h.filefmt, h.nfilefmt, h.d64, &name, &dir);
    if (i >= h.nfiles) return nullptr;
  } else {
    reader r{h.files, h.end};
    for (uint64 k = 1; r.more(); k++) {
      const char* s = r.cstr();
      if (*s == 0) return nullptr;
      uint64 d = r.uleb();
      r.uleb(), r.uleb();
      if (k == i) {
        name = s;
        dir = d;
        break;
      }
    }
    if (name == nullptr) return nullptr;
  }
  const char* cd = h.version >= 5 ? linedir(h, 0) : nullptr;
  if (compdir != nullptr) *compdir = cd;
  const char* d = linedir(h, dir);
  if (h.version >= 5 && dir == 0) d = nullptr;  // dir 0 is cd itself
  return joinpath(cd, d, name);
}

// lineheader reads a line program's header at r; r then points at its
// program, and *end at its end.
static bool lineheader(reader& r, linefiles* h, const u8** end, const u8** prog, u8* minlen, int8_t* linebase,
                       u8* linerange, u8* opbase, const u8** oplens) {
  uint64 len = r.initlen(&h->d64);
  *end = r.p + len;
  if (*end > r.end || len == 0) return false;
  h->version = r.u16v();
  if (h->version < 2 || h->version > 5) return false;
  if (h->version >= 5) r.skip(2);  // address and segment selector size
  uint64 hlen = r.offset(h->d64);
  *prog = r.p + hlen;
  h->end = *prog;
  *minlen = r.u8v();
  if (h->version >= 4) r.u8v();  // maximum operations per instruction
  r.u8v();                       // default_is_stmt
  *linebase = int8_t(r.u8v());
  *linerange = r.u8v();
  *opbase = r.u8v();
  *oplens = r.p;
  r.skip(*opbase > 0 ? *opbase - 1 : 0);
  if (h->version >= 5) {
    h->ndirfmt = r.u8v();
    h->dirfmt = r.p;
    for (uint64 i = 0; i < h->ndirfmt; i++) r.uleb(), r.uleb();
    h->ndirs = r.uleb();
    h->dirs = r.p;
    for (uint64 i = 0; i < h->ndirs; i++) {
      const char* p;
      uint64 d;
      readentry(r, h->dirfmt, h->ndirfmt, h->d64, &p, &d);
    }
    h->nfilefmt = r.u8v();
    h->filefmt = r.p;
    for (uint64 i = 0; i < h->nfilefmt; i++) r.uleb(), r.uleb();
    h->nfiles = r.uleb();
    h->files = r.p;
  } else {
    h->dirs = r.p;
    while (r.more() && *r.cstr() != 0) {
    }
    h->files = r.p;
  }
  return *linerange != 0 && !r.bad;
}

// findline runs the line programs until a row covers pc (link address).
static bool findline(uintptr pc, const char** file, int* line, const char** compdir) {
  reader r{exe.line.p, exe.line.p + exe.line.n};
  while (r.more() && !r.bad) {
    linefiles h;
    const u8 *end, *prog, *oplens;
    u8 minlen, linerange, opbase;
    int8_t linebase;
    if (!lineheader(r, &h, &end, &prog, &minlen, &linebase, &linerange, &opbase, &oplens)) return false;
    reader p{prog, end};
    uint64 addr = 0, fileidx = 1;
    int64 ln = 1;
    bool have = false;  // a row has been emitted in this sequence
    uint64 paddr = 0, pfile = 0;
    int64 pline = 0;
    auto emit = [&](bool endseq) -> bool {
      if (have && paddr <= pc && pc < addr) {
        *file = linefile(h, pfile, compdir);
        *line = int(pline);
        return true;
      }
      have = !endseq;
      paddr = addr, pfile = fileidx, pline = ln;
      return false;
    };
    while (p.more() && !p.bad) {
      u8 op = p.u8v();
      if (op >= opbase) {
        u8 adj = u8(op - opbase);
        addr += uint64(adj / linerange) * minlen;
        ln += linebase + adj % linerange;
        if (emit(false)) return true;
        continue;
      }
      switch (op) {
        case 0: {  // extended
          uint64 n = p.uleb();
          const u8* next = p.p + n;
          u8 sub = n > 0 ? p.u8v() : 0;
          if (sub == 1) {  // end_sequence
            if (emit(true)) return true;
            addr = 0, fileidx = 1, ln = 1;
            have = false;
          } else if (sub == 2) {
            addr = p.u64v();
          }
          p.p = next;
          break;
        }
        case 1: if (emit(false)) return true; break;  // copy
        case 2: addr += p.uleb() * minlen; break;
        case 3: ln += p.sleb(); break;
        case 4: fileidx = p.uleb(); break;
        case 5: p.uleb(); break;
        case 6: case 7: case 10: case 11: break;
        case 8: addr += uint64((255 - opbase) / linerange) * minlen; break;
        case 9: addr += p.u16v(); break;
        default:
          for (int i = 0; i < oplens[op - 1]; i++) p.uleb();
          break;
      }
    }
    r.p = end;
  }
  return false;
}

// ---- symbols ----

funcinfo findfunc(uintptr pc) {
  funcinfo f;
  openexe();
  pathused = 0;
  f.module = exe.path;
  uintptr a = linkaddr(pc);
  const Elf64_Sym* best = nullptr;
  for (uintptr i = 0; i < exe.nsyms; i++) {
    const Elf64_Sym& s = exe.syms[i];
    int type = ELF64_ST_TYPE(s.st_info);
    if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF || s.st_value > a) continue;
    if (s.st_size != 0 && a >= s.st_value + s.st_size) continue;
    if (best == nullptr || s.st_value > best->st_value ||
        (s.st_value == best->st_value && best->st_size == 0 && s.st_size != 0))
      best = &s;
  }
  if (best != nullptr) {
    f.name = exe.strtab + best->st_name;
    f.entry = best->st_value + nolibc::self.bias;
  }
  if (exe.line.p != nullptr) findline(a, &f.file, &f.line, &f.compdir);
  return f;
}

// ---- .debug_info: inlined calls ----

struct unit {
  const u8* start;  // the unit header
  const u8* dies;   // its first DIE
  const u8* end;
  int version;
  bool d64;
  int addrsize;
  const u8* abbrev;
  uint64 addrbase, rnglistsbase, stroffbase;
  uint64 lowpc;  // the unit's base address
  const u8* stmtline;  // its line program (for call_file)
};

// findabbrev finds abbreviation code in a unit's table: *specs is left
// at its attribute specs; returns the tag (0 if not found) and whether the
// entry has children. GCC numbers abbreviations from 1 up: an index of
// the table, made when the table changes, finds most in one step.
static const u8* abbrevindex[4096];  // code -> the entry's tag, for the table below
static const u8* abbrevtable;
static uint64 findabbrev(const u8* table, uint64 code, reader* specs, bool* children) {
  const u8* tend = exe.abbrev.p + exe.abbrev.n;
  if (table != abbrevtable) {
    abbrevtable = table;
    for (const u8*& e : abbrevindex) e = nullptr;
    reader r{table, tend};
    while (r.more() && !r.bad) {
      uint64 c = r.uleb();
      if (c == 0) break;
      if (c < 4096) abbrevindex[c] = r.p;
      r.uleb();
      r.u8v();
      for (;;) {
        uint64 name = r.uleb(), form = r.uleb();
        if (form == 0x21) r.sleb();  // implicit_const
        if (name == 0 && form == 0) break;
      }
    }
  }
  reader r{nullptr, tend};
  if (code < 4096 && abbrevindex[code] != nullptr) {
    r.p = abbrevindex[code];
  } else {  // not in the index: look it up
    r.p = table;
    for (;;) {
      uint64 c = r.uleb();
      if (c == 0 || r.bad) return 0;
      if (c == code) break;
      r.uleb();
      r.u8v();
      for (;;) {
        uint64 name = r.uleb(), form = r.uleb();
        if (form == 0x21) r.sleb();
        if (name == 0 && form == 0) break;
      }
    }
  }
  uint64 tag = r.uleb();
  *children = r.u8v() != 0;
  *specs = r;
  return tag;
}

// A DIE's attributes we care about.
struct dieattrs {
  uint64 tag = 0;
  bool children = false;
  uint64 lowpc = 0, highpc = 0;
  bool haslow = false, hashigh = false, highisoffset = false;
  bool hasranges = false;
  uint64 ranges = 0;
  bool rangesx = false;
  const char* name = nullptr;
  const char* linkage = nullptr;
  const u8* origin = nullptr;  // abstract_origin or specification, as a DIE address
  uint64 callfile = 0;
  int64 callline = 0;
  bool hascall = false;
  uint64 stmtlist = 0;
  bool hasstmt = false;
  const char* compdir = nullptr;
  uint64 addrbase = 0, rnglistsbase = 0, stroffbase = 0;
  bool hasaddrbase = false, hasrngbase = false, hasstroffbase = false;
};

static uint64 addrx(const unit& u, uint64 i) {
  uint64 off = u.addrbase + i * 8;
  return off + 8 <= exe.addr.n ? *reinterpret_cast<const uint64*>(exe.addr.p + off) : 0;
}

static const char* strx(const unit& u, uint64 i, bool d64) {
  uint64 w = d64 ? 8 : 4, off = u.stroffbase + i * w;
  if (off + w > exe.stroffsets.n) return nullptr;
  uint64 s = d64 ? *reinterpret_cast<const uint64*>(exe.stroffsets.p + off)
                 : *reinterpret_cast<const uint32*>(exe.stroffsets.p + off);
  return strat(exe.str, s);
}

// readdie reads the DIE at r (r moves past it).
static bool readdie(reader& r, const unit& u, dieattrs* d) {
  *d = dieattrs{};
  uint64 code = r.uleb();
  if (code == 0) return true;  // a null entry: end of siblings
  reader specs{nullptr, nullptr};
  d->tag = findabbrev(u.abbrev, code, &specs, &d->children);
  if (d->tag == 0) return false;
  for (;;) {
    uint64 at = specs.uleb(), form = specs.uleb();
    int64 implicit = form == 0x21 ? specs.sleb() : 0;
    if (at == 0 && form == 0) break;
    if (form == 0x16) form = r.uleb();  // indirect
    const char* s = nullptr;
    uint64 v = form == 0x21 ? uint64(implicit) : readform(r, form, u.d64, &s, u.addrsize);
    if (form == 0x1a || form == 0x25 || form == 0x26 || form == 0x27 || form == 0x28 || form == 0x1f02)
      s = strx(u, v, u.d64);
    bool isaddrx = form == 0x1b || (form >= 0x29 && form <= 0x2c) || form == 0x1f01;
    switch (at) {
      case 0x03: d->name = s; break;                                                  // name
      case 0x6e: case 0x2007: d->linkage = s; break;                                  // linkage_name
      case 0x11: d->lowpc = isaddrx ? addrx(u, v) : v; d->haslow = true; break;       // low_pc
      case 0x12:                                                                      // high_pc
        d->highpc = isaddrx ? addrx(u, v) : v;
        d->hashigh = true;
        d->highisoffset = form != 0x01 && !isaddrx;
        break;
      case 0x55: d->ranges = v; d->hasranges = true; d->rangesx = form == 0x23; break;  // ranges
      case 0x31: case 0x47:                                                            // abstract_origin specification
        if (form == 0x10) d->origin = exe.info.p + v;
        else if (form >= 0x11 && form <= 0x15) d->origin = u.start + v;
        break;
      case 0x58: d->callfile = v; d->hascall = true; break;  // call_file
      case 0x59: d->callline = int64(v); break;              // call_line
      case 0x10: d->stmtlist = v; d->hasstmt = true; break;  // stmt_list
      case 0x1b: d->compdir = s; break;                      // comp_dir
      case 0x73: d->addrbase = v; d->hasaddrbase = true; break;
      case 0x74: d->rnglistsbase = v; d->hasrngbase = true; break;
      case 0x72: d->stroffbase = v; d->hasstroffbase = true; break;
      default: break;
    }
  }
  return !r.bad;
}

// covers says whether a DIE's code ranges contain pc (link address).
static bool covers(const unit& u, const dieattrs& d, uint64 pc) {
  if (d.haslow && d.hashigh) {
    uint64 hi = d.highisoffset ? d.lowpc + d.highpc : d.highpc;
    return pc >= d.lowpc && pc < hi;
  }
  if (!d.hasranges) return false;
  if (u.version >= 5) {
    uint64 off = d.ranges;
    if (d.rangesx) {  // an index into the offsets after rnglists_base
      uint64 w = u.d64 ? 8 : 4, at = u.rnglistsbase + d.ranges * w;
      if (at + w > exe.rnglists.n) return false;
      off = u.rnglistsbase + (u.d64 ? *reinterpret_cast<const uint64*>(exe.rnglists.p + at)
                                    : *reinterpret_cast<const uint32*>(exe.rnglists.p + at));
    }
    if (off >= exe.rnglists.n) return false;
    reader r{exe.rnglists.p + off, exe.rnglists.p + exe.rnglists.n};
    uint64 base = u.lowpc;
    while (r.more() && !r.bad) {
      u8 kind = r.u8v();
      uint64 a = 0, b = 0;
      switch (kind) {
        case 0: return false;                                            // end_of_list
        case 1: base = addrx(u, r.uleb()); continue;                     // base_addressx
        case 2: a = addrx(u, r.uleb()); b = addrx(u, r.uleb()); break;   // startx_endx
        case 3: a = addrx(u, r.uleb()); b = a + r.uleb(); break;         // startx_length
        case 4: a = base + r.uleb(); b = base + r.uleb(); break;         // offset_pair
        case 5: base = r.u64v(); continue;                               // base_address
        case 6: a = r.u64v(); b = r.u64v(); break;                       // start_end
        case 7: a = r.u64v(); b = a + r.uleb(); break;                   // start_length
        default: return false;
      }
      if (pc >= a && pc < b) return true;
    }
    return false;
  }
  if (d.ranges >= exe.ranges.n) return false;
  reader r{exe.ranges.p + d.ranges, exe.ranges.p + exe.ranges.n};
  uint64 base = u.lowpc;
  while (r.more() && !r.bad) {
    uint64 a = r.u64v(), b = r.u64v();
    if (a == 0 && b == 0) return false;
    if (a == ~uint64(0)) {
      base = b;
      continue;
    }
    if (pc >= base + a && pc < base + b) return true;
  }
  return false;
}

// skipchildren moves r past the children of a DIE that has them.
static void skipchildren(reader& r, const unit& u) {
  int depth = 1;
  dieattrs d;
  while (depth > 0 && r.more() && !r.bad) {
    if (!readdie(r, u, &d)) return;
    if (d.tag == 0)
      depth--;
    else if (d.children)
      depth++;
  }
}

// originname follows abstract_origin and specification to the name to
// print (dwarf_attr_integrate's walk): the linkage name, or the plain one.
static const char* originname(const unit& u, dieattrs d) {
  for (int i = 0; i < 4; i++) {
    if (d.linkage != nullptr) return d.linkage;
    if (d.origin == nullptr) break;
    reader r{d.origin, u.end};
    const char* plain = d.name;
    if (!readdie(r, u, &d)) return plain;
    if (d.name == nullptr) d.name = plain;
  }
  return d.linkage != nullptr ? d.linkage : d.name;
}

// The line program header of a unit (stmt_list), to name call_file.
static bool unitlines(uint64 stmt, linefiles* h) {
  if (stmt >= exe.line.n) return false;
  reader r{exe.line.p + stmt, exe.line.p + exe.line.n};
  const u8 *end, *prog, *oplens;
  u8 minlen, linerange, opbase;
  int8_t linebase;
  return lineheader(r, h, &end, &prog, &minlen, &linebase, &linerange, &opbase, &oplens);
}

int funcinlines(uintptr pc, inlinecall* out, int max) {
  openexe();
  if (exe.info.p == nullptr || exe.abbrev.p == nullptr) return 0;
  uint64 a = linkaddr(pc);
  reader units{exe.info.p, exe.info.p + exe.info.n};
  while (units.more() && !units.bad) {
    unit u{};
    u.start = units.p;
    uint64 len = units.initlen(&u.d64);
    u.end = units.p + len;
    if (u.end > exe.info.p + exe.info.n || len == 0) return 0;
    u.version = units.u16v();
    uint64 abbrevoff;
    if (u.version >= 5) {
      u8 type = units.u8v();
      u.addrsize = units.u8v();
      abbrevoff = units.offset(u.d64);
      if (type == 2 || type == 6) units.skip(8 + (u.d64 ? 8 : 4));  // type units: signature, type offset
      else if (type == 4 || type == 5) units.skip(8);                // skeleton, split: dwo id
    } else {
      abbrevoff = units.offset(u.d64);
      u.addrsize = units.u8v();
    }
    u.abbrev = exe.abbrev.p + abbrevoff;
    u.dies = units.p;
    units.p = u.end;
    if (abbrevoff >= exe.abbrev.n) continue;
    reader r{u.dies, u.end};
    dieattrs cu;
    if (!readdie(r, u, &cu) || cu.tag != 0x11) continue;  // DW_TAG_compile_unit
    u.addrbase = cu.addrbase;
    u.rnglistsbase = cu.rnglistsbase;
    u.stroffbase = cu.stroffbase;
    u.lowpc = cu.lowpc;
    if (!covers(u, cu, a) || !cu.children) continue;
    // Down the tree: into the DIEs that contain pc, collecting the
    // inlined subroutines (outermost first), until the deepest.
    const u8* chain[64];
    int n = 0;
    int depth = 1;
    dieattrs d;
    while (r.more() && !r.bad && depth > 0) {
      const u8* at = r.p;
      if (!readdie(r, u, &d)) break;
      if (d.tag == 0) {
        depth--;
        continue;
      }
      bool in = (d.tag == 0x2e || d.tag == 0x1d || d.tag == 0x0b) && covers(u, d, a);  // subprogram, inlined, lexical block
      if (in && d.tag == 0x1d && n < 64) chain[n++] = at;
      if (!d.children) continue;
      if (in || d.tag == 0x39 || d.tag == 0x02 || d.tag == 0x13 || d.tag == 0x17)  // namespace, class, struct, union
        depth++;
      else
        skipchildren(r, u);
    }
    linefiles h;
    const char* cd = cu.compdir;
    bool lines = cu.hasstmt && unitlines(cu.stmtlist, &h);
    int k = 0;
    // Only the innermost inlined call, with the physical frame at its call
    // site: what libdw's dwarf_getscopes gives the hosted flavour's
    // tracebacks (after an inlined instance it lists the scopes of the
    // abstract definition, not the calls around it), so that both
    // flavours print the same frames.
    for (int i = n - 1; i >= 0 && i >= n - 1 && k < max; i--) {
      reader dr{chain[i], u.end};
      readdie(dr, u, &d);
      inlinecall& c = out[k++];
      c.name = originname(u, d);
      c.callline = int(d.callline);
      c.callfile = lines && d.hascall ? linefile(h, d.callfile, nullptr) : nullptr;
      if (c.callfile != nullptr && c.callfile[0] != '/' && cd != nullptr) c.callfile = joinpath(cd, nullptr, c.callfile);
    }
    return k;
  }
  return 0;
}

}  // namespace gort::runtime
