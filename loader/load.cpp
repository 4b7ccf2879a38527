// loader/load.cpp: the images, the stack and the hand-off page, mapped into
// fresh reservations beside the caller (which keeps running untouched):
// everything here can be taken back by unload().
//
// Placement follows load_elf_binary (fs/binfmt_elf.c, "DOC: PIE handling"):
//   ET_EXEC          at its link addresses (MAP_FIXED_NOREPLACE: a clash
//                    with the caller is reported, never clobbered)
//   ET_DYN + interp  ELF_ET_DYN_BASE + 28 random bits of pages, aligned to
//                    the largest p_align; mmap's choice if that is taken
//   ET_DYN alone     mmap's choice (static-pie, or ld.so run directly)
//   interpreter      mmap's choice
// Each PT_LOAD as elf_load(): the file pages MAP_PRIVATE, the bss tail of
// the last file page zeroed TO THE END OF THE PAGE (padzero: ld.so's
// minimal malloc relies on it), anonymous pages for the rest of the bss,
// and the holes between segments left unmapped.
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "../boot/initstack.hpp"
#include "handoff.h"
#include "loader.hpp"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

extern "C" const char gort_handoff_code[], gort_handoff_code_end[];

namespace gort::loader {

namespace {

constexpr uint64_t kEtDynBase = 0x7ffffffff000ULL / 3 * 2;  // ELF_ET_DYN_BASE (47-bit)
constexpr uint64_t kStackExpand = 128 << 10;                // setup_arg_pages' stack_expand

std::string hex(uint64_t v) {
  char b[32];
  snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

uint64_t random64() {
  uint64_t r = 0;
  if (getrandom(&r, sizeof r, 0) != sizeof r) r = uint64_t(getpid()) * 0x9e3779b97f4a7c15ULL;
  return r;
}

uint64_t read_number(const char* path, uint64_t def) {
  FILE* f = fopen(path, "re");
  if (f == nullptr) return def;
  unsigned long long v = def;
  if (fscanf(f, "%llu", &v) != 1) v = def;
  fclose(f);
  return v;
}

struct vma {
  uint64_t lo, hi;
  std::string line;
};

std::vector<vma> own_maps() {
  std::vector<vma> v;
  FILE* f = fopen("/proc/self/maps", "re");
  if (f == nullptr) return v;
  char line[4096];
  while (fgets(line, sizeof line, f) != nullptr) {
    unsigned long long lo, hi;
    if (sscanf(line, "%llx-%llx", &lo, &hi) != 2) continue;
    line[strcspn(line, "\n")] = 0;
    v.push_back({lo, hi, line});
  }
  fclose(f);
  return v;
}

// who_has names the caller's mapping that occupies part of [lo, hi).
std::string who_has(uint64_t lo, uint64_t hi) {
  for (const vma& m : own_maps())
    if (m.lo < hi && lo < m.hi) return m.line;
  return "?";
}

// reserve takes [addr, addr+len) or, with addr 0, somewhere mmap chooses,
// aligned to align: PROT_NONE, nothing committed.
error reserve(const std::string& name, uint64_t addr, uint64_t len, uint64_t align, bool fixed, uint64_t* out) {
  const int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  if (addr != 0) {
    void* r = mmap(reinterpret_cast<void*>(addr), len, PROT_NONE, flags | MAP_FIXED_NOREPLACE, -1, 0);
    if (r != MAP_FAILED && uint64_t(r) == addr) {
      *out = addr;
      return {};
    }
    if (r != MAP_FAILED) munmap(r, len);  // a kernel older than 4.17 took it as a hint
    if (fixed)
      return {EBUSY, name + ": ET_EXEC image wants [" + hex(addr) + "," + hex(addr + len) +
                         ") but that range is already mapped in this process (" + who_has(addr, addr + len) + ")"};
  }
  uint64_t extra = align > kPage ? align : 0;
  void* r = mmap(nullptr, len + extra, PROT_NONE, flags, -1, 0);
  if (r == MAP_FAILED) return {ENOMEM, name + ": cannot reserve " + std::to_string(len >> 10) + " KiB: " + strerror(errno)};
  uint64_t a = uint64_t(r), b = (a + align - 1) & ~(align - 1);
  if (b > a) munmap(r, b - a);
  if (a + len + extra > b + len) munmap(reinterpret_cast<void*>(b + len), a + len + extra - (b + len));
  *out = b;
  return {};
}

int prot_of(uint32_t f) {
  return ((f & PF_R) ? PROT_READ : 0) | ((f & PF_W) ? PROT_WRITE : 0) | ((f & PF_X) ? PROT_EXEC : 0);
}

// map_image maps one validated image at im->bias (chosen here).
error map_image(plan* p, image* im, const std::string& name) {
  const elfinfo& e = im->elf;
  uint64_t span = e.hi - e.lo, base = 0;
  uint64_t want = 0;
  if (im->fixed) {
    want = e.lo;
  } else if (im->kernel_base) {
    // load_bias = ELF_ET_DYN_BASE + arch_mmap_rnd(), aligned; then
    // ELF_PAGESTART(load_bias - first p_vaddr).
    uint64_t b = kEtDynBase;
    if (p->randomize) {
      uint64_t bits = read_number("/proc/sys/vm/mmap_rnd_bits", 28);
      b += (random64() & ((uint64_t(1) << bits) - 1)) << 12;
    }
    b &= ~(e.maxalign - 1);
    want = pagedown(b - e.ph[e.loads.front()].p_vaddr) + e.lo;
  }
  error err = reserve(name, want, span, e.maxalign, im->fixed, &base);
  if (err) return err;
  im->bias = base - e.lo;
  im->mapped = true;
  trace(*p, "reserve %s [%#llx,%#llx) %s, bias %#llx", im->path.c_str(), (unsigned long long)base,
        (unsigned long long)(base + span), im->fixed ? "at its link addresses" : (base == want ? "at the kernel's base" : "where mmap chose"),
        (unsigned long long)im->bias);

  uint64_t covered = base;  // the reservation below this is dealt with
  for (int i : e.loads) {
    const Elf64_Phdr& ph = e.ph[i];
    uint64_t start = im->bias + ph.p_vaddr, pstart = pagedown(start);
    uint64_t fileend = start + ph.p_filesz, memend = start + ph.p_memsz;
    int prot = prot_of(ph.p_flags);
    // The hole between the previous segment and this one.
    if (pstart > covered) munmap(reinterpret_cast<void*>(covered), pstart - covered);
    if (ph.p_filesz > 0) {
      uint64_t len = pageup(fileend) - pstart;
      void* r = mmap(reinterpret_cast<void*>(pstart), len, prot,
                     MAP_PRIVATE | MAP_FIXED, im->fd, off_t(pagedown(ph.p_offset)));
      if (r == MAP_FAILED) return {ENOMEM, name + ": mmap of PT_LOAD[" + std::to_string(i) + "]: " + strerror(errno)};
      // padzero: the rest of the last file page, up to the page's end,
      // when the segment has a bss (errors ignored on read-only ones, as
      // the kernel does: it cannot write there either).
      if (ph.p_memsz > ph.p_filesz && (prot & PROT_WRITE) && pageup(fileend) > fileend)
        memset(reinterpret_cast<void*>(fileend), 0, pageup(fileend) - fileend);
    }
    uint64_t anon = ph.p_filesz > 0 ? pageup(fileend) : pstart;
    if (pageup(memend) > anon) {
      void* r = mmap(reinterpret_cast<void*>(anon), pageup(memend) - anon, prot,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      if (r == MAP_FAILED) return {ENOMEM, name + ": bss of PT_LOAD[" + std::to_string(i) + "]: " + strerror(errno)};
    }
    if (pageup(memend) > covered) covered = pageup(memend);
  }
  if (base + span > covered) munmap(reinterpret_cast<void*>(covered), base + span - covered);
  return {};
}

// A place in the vDSO for the hand-off's last instruction: "syscall", then
// only instructions that clear registers (xor r32, r32, not rsp), at most
// one leave first, then "ret". Kernels built with CONFIG_ZERO_CALL_USED_REGS
// (Debian's) end the vDSO's system-call fallbacks exactly so; elsewhere a
// bare "syscall; ret" may be all there is. dirty: the registers that are
// left non-zero at the entry (rcx and r11, which the syscall instruction
// writes, rdi and rsi, munmap's arguments), of those the xors do not clear.
struct gadget {
  uint64_t at = 0;
  uint64_t leave = 0;
  uint32_t dirty = 0;  // bit n: register n (0 rax, 1 rcx, ... 6 rsi, 7 rdi, 11 r11)
};

gadget find_gadget(const uint8_t* b, uint64_t n) {
  gadget best;
  int bestscore = -1;
  for (uint64_t i = 0; i + 3 <= n; i++) {
    if (b[i] != 0x0f || b[i + 1] != 0x05) continue;
    uint32_t cleared = 0;
    bool leave = false, ok = false;
    for (uint64_t j = i + 2; j < n && j < i + 64;) {
      if (b[j] == 0xc3) {
        ok = true;
        break;
      }
      if (b[j] == 0xc9 && j == i + 2) {
        leave = true;
        j++;
        continue;
      }
      int rex = 0;
      uint64_t k = j;
      if (b[k] == 0x45) rex = 8, k++;
      if (k + 1 < n && b[k] == 0x31 && (b[k + 1] & 0xc0) == 0xc0 && ((b[k + 1] >> 3) & 7) == (b[k + 1] & 7)) {
        int r = (b[k + 1] & 7) + rex;
        if (r == 4) break;  // rsp
        cleared |= 1u << r;
        j = k + 2;
        continue;
      }
      break;
    }
    if (!ok) continue;
    uint32_t dirty = ((1u << 1) | (1u << 11) | (1u << 6) | (1u << 7)) & ~cleared;
    int score = 8 - __builtin_popcount(dirty) * 2 + (leave ? 0 : 1);
    if (score > bestscore) {
      bestscore = score;
      best.at = i;
      best.leave = leave;
      best.dirty = dirty;
    }
  }
  return best;
}

}  // namespace

void unload(plan* p) {
  for (image* im : {&p->prog, &p->interp})
    if (im->mapped) {
      munmap(reinterpret_cast<void*>(im->bias + im->elf.lo), im->elf.hi - im->elf.lo);
      im->mapped = false;
    }
  if (p->stack_hi > p->stack_lo) munmap(reinterpret_cast<void*>(p->stack_lo), p->stack_hi - p->stack_lo);
  if (p->handoff != 0) munmap(reinterpret_cast<void*>(p->handoff), kHandoffSize);
  p->stack_lo = p->stack_hi = p->handoff = 0;
  p->loaded = false;
}

error load(plan* p) {
  p->loaded = true;  // from here, unload() has something to undo
  error e = map_image(p, &p->prog, p->req.path);
  if (!e && p->interp.fd >= 0) e = map_image(p, &p->interp, p->req.path + ": interpreter " + p->interp.path);
  if (e) {
    unload(p);
    return e;
  }
  const elfinfo& pe = p->prog.elf;
  const uint64_t bias = p->prog.bias;
  p->entry = p->interp.fd >= 0 ? p->interp.bias + p->interp.elf.entry : bias + pe.entry;

  // brk: after the highest PT_LOAD, then (randomize_va_space 2) a guard
  // page and a random page within 1 GiB; a static-pie's goes to
  // ELF_ET_DYN_BASE first.
  uint64_t end = 0;
  for (int i : pe.loads) end = std::max<uint64_t>(end, bias + pe.ph[i].p_vaddr + pe.ph[i].p_memsz);
  p->brk = pageup(end);
  if (p->randomize && p->randomize_brk) {
    uint64_t b = p->k == kind::static_pie ? pageup(kEtDynBase) : p->brk + kPage;
    p->brk = b + (random64() % ((1ULL << 30) >> 12) << 12);
  }

  // The stack: the kernel's lies at the top of user space, below which mmap
  // leaves at least 128 MiB; ours goes a little below the caller's own
  // [stack] (which the hand-off unmaps), and grows down as the kernel's
  // does (MAP_GROWSDOWN, up to RLIMIT_STACK).
  const auto& envp = p->req.envp;
  uint64_t strings = 8 + p->execfn.size() + 1;
  for (const auto& s : envp) strings += s.size() + 1;
  for (const auto& s : p->argv) strings += s.size() + 1;
  uint64_t gap = p->randomize ? random64() % 8192 : 0;
  auto l = boot::initstack_plan(p->argv.size(), envp.size(), strings, p->auxv.size() + 1, gap);
  p->stack.size = l.sp;
  p->stack.strings = strings;
  p->stack.gap = gap;
  p->stack.off_platform = l.platform;
  p->stack.off_random = l.random;
  p->stack.off_auxv = l.auxv;
  p->stack.off_envp = l.envp;
  p->stack.off_argv = l.argv;
  p->stack.off_argc = l.sp;
  p->stack.pad = l.auxv - 16 * (p->auxv.size() + 1) - l.random;
  uint64_t used = pageup(l.sp);
  uint64_t size = used + kStackExpand;
  if (p->stack_rlimit != ~0ULL && size > p->stack_rlimit && p->stack_rlimit >= used) size = std::max(used, pageup(p->stack_rlimit));
  uint64_t top = 0;
  const std::vector<vma> maps = own_maps();  // read once: /proc/self/maps is slow to produce
  for (const vma& m : maps)
    if (m.line.find("[stack]") != std::string::npos) top = m.lo - (8 << 20);
  int sprot = PROT_READ | PROT_WRITE | (pe.execstack ? PROT_EXEC : 0);
  void* s = MAP_FAILED;
  if (top > size + (1 << 30))
    s = mmap(reinterpret_cast<void*>(top - size), size, sprot,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_GROWSDOWN, -1, 0);
  if (s == MAP_FAILED || uint64_t(s) != top - size) {
    if (s != MAP_FAILED) munmap(s, size);
    s = mmap(nullptr, size, sprot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
  }
  if (s == MAP_FAILED) {
    int err = errno;
    unload(p);
    return {ENOMEM, p->req.path + ": cannot map the stack: " + strerror(err)};
  }
  p->stack_lo = uint64_t(s);
  p->stack_hi = top = uint64_t(s) + size;
  trace(*p, "stack [%#llx,%#llx) %s, rsp %#llx (%llu bytes used, gap %llu)", (unsigned long long)p->stack_lo,
        (unsigned long long)p->stack_hi, pe.execstack ? "RWX" : "RW", (unsigned long long)(top - l.sp),
        (unsigned long long)l.sp, (unsigned long long)gap);

  // Write it: strings from the top down, then the tables.
  char* t = reinterpret_cast<char*>(top);
  uint64_t at = strings;
  std::vector<uint64_t> argp, envpp;
  for (const auto& a : p->argv) {
    argp.push_back(top - at);
    memcpy(t - at, a.c_str(), a.size() + 1);
    at -= a.size() + 1;
  }
  for (const auto& v : envp) {
    envpp.push_back(top - at);
    memcpy(t - at, v.c_str(), v.size() + 1);
    at -= v.size() + 1;
  }
  uint64_t execfn = top - at;
  memcpy(t - at, p->execfn.c_str(), p->execfn.size() + 1);
  memcpy(t - l.platform, "x86_64", 7);
  uint8_t rnd[16];
  if (getrandom(rnd, sizeof rnd, 0) != sizeof rnd) {
    unload(p);
    return {EIO, p->req.path + ": getrandom failed"};
  }
  memcpy(t - l.random, rnd, 16);

  for (auxent& a : p->auxv) {
    switch (a.type) {
      case AT_PHDR: a.value = bias + pe.phdr_vaddr; break;
      case AT_PHENT: a.value = sizeof(Elf64_Phdr); break;
      case AT_PHNUM: a.value = pe.phnum; break;
      case AT_BASE: a.value = p->interp.fd >= 0 ? p->interp.bias : 0; break;
      case AT_FLAGS: a.value = 0; break;
      case AT_ENTRY: a.value = bias + pe.entry; break;
      case AT_SECURE: a.value = 0; break;
      case AT_RANDOM: a.value = top - l.random; break;
      case AT_EXECFN: a.value = execfn; break;
      case AT_PLATFORM: a.value = top - l.platform; break;
    }
  }
  uint64_t* w = reinterpret_cast<uint64_t*>(top - l.sp);
  *w++ = p->argv.size();
  for (uint64_t a : argp) *w++ = a;
  *w++ = 0;
  for (uint64_t a : envpp) *w++ = a;
  *w++ = 0;
  for (const auxent& a : p->auxv) {
    *w++ = a.type;
    *w++ = a.value;
  }
  *w++ = AT_NULL;
  *w++ = 0;
  p->sp = top - l.sp;

  // The hand-off page, filled but for what commit() learns last.
  void* h = mmap(nullptr, kHandoffSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (h == MAP_FAILED) {
    int err = errno;
    unload(p);
    return {ENOMEM, p->req.path + ": cannot map the hand-off page: " + strerror(err)};
  }
  p->handoff = uint64_t(h);
  auto* ho = static_cast<handoff*>(h);
  size_t code = size_t(gort_handoff_code_end - gort_handoff_code);
  static_assert(sizeof(handoff) <= HO_CODE);
  if (HO_CODE + code > kHandoffSize) {
    unload(p);
    return {ENOMEM, "hand-off code too large"};
  }
  memcpy(static_cast<char*>(h) + HO_CODE, gort_handoff_code, code);
  ho->entry = p->entry;
  ho->sp = p->sp;
  ho->self = p->handoff;
  ho->self_len = kHandoffSize;
  ho->flags = p->req.stop_at_entry ? HO_F_STOP : 0;


  // The vDSO stays (as the kernel's would be there); find in it a
  // "syscall; ret" or "syscall; leave; ret" for the hand-off page to unmap
  // itself with (handoff_amd64.S explains).
  uint64_t vdso = 0;
  for (const auxent& a : p->auxv)
    if (a.type == AT_SYSINFO_EHDR) vdso = a.value;
  std::vector<std::pair<uint64_t, uint64_t>> keep;
  for (const vma& m : maps) {
    bool special = m.line.find("[vdso]") != std::string::npos || m.line.find("[vvar") != std::string::npos ||
                   m.line.find("[uprobes]") != std::string::npos;
    if (special) keep.push_back({m.lo, m.hi});
    if (vdso != 0 && m.lo == vdso && m.line.find("[vdso]") != std::string::npos) {
      gadget g = find_gadget(reinterpret_cast<const uint8_t*>(m.lo), m.hi - m.lo);
      if (g.at != 0) {
        ho->gadget = m.lo + g.at;
        ho->gadget_leave = g.leave;
        p->gadget_dirty = g.dirty;
      }
    }
  }
  p->gadget = ho->gadget;
  keep.push_back({p->prog.bias + pe.lo, p->prog.bias + pe.hi});
  if (p->interp.fd >= 0) keep.push_back({p->interp.bias + p->interp.elf.lo, p->interp.bias + p->interp.elf.hi});
  keep.push_back({p->stack_lo, p->stack_hi});
  keep.push_back({p->handoff, p->handoff + kHandoffSize});
  std::sort(keep.begin(), keep.end());
  // Everything else of user space goes: the caller's image, its libraries,
  // heap, stacks, and what libraries mapped (libelf's view of the file).
  // The top is 47 bits, or 56 with 5-level paging (a munmap just past the
  // 47-bit window fails with EINVAL where that is the limit).
  uint64_t limit = 0x7ffffffff000ULL;
  if (munmap(reinterpret_cast<void*>(limit), kPage) == 0) limit = 0x00fffffffffff000ULL;
  uint64_t from = 0;
  uint32_t n = 0;
  for (auto& k : keep) {
    if (k.first > from) {
      if (n == kMaxHoles) {
        unload(p);
        return {ENOMEM, "too many mappings to keep"};
      }
      ho->holes[n++] = {from, k.first - from};
    }
    from = std::max(from, k.second);
  }
  if (limit > from) ho->holes[n++] = {from, limit - from};
  ho->nholes = n;

  // PR_SET_MM_MAP's view of the new program (load_elf_binary's
  // start_code..end_data; brk; the stack and the strings; the auxv).
  prctl_mm_map& mm = ho->mm;
  uint64_t sc = ~0ULL, ec = 0, sd = 0, ed = 0;
  for (int i : pe.loads) {
    const Elf64_Phdr& ph = pe.ph[i];
    if ((ph.p_flags & PF_X) && ph.p_vaddr < sc) sc = ph.p_vaddr;
    if (ph.p_vaddr > sd) sd = ph.p_vaddr;
    if ((ph.p_flags & PF_X) && ph.p_vaddr + ph.p_filesz > ec) ec = ph.p_vaddr + ph.p_filesz;
    if (ph.p_vaddr + ph.p_filesz > ed) ed = ph.p_vaddr + ph.p_filesz;
  }
  mm.start_code = sc + bias;
  mm.end_code = ec + bias;
  mm.start_data = sd + bias;
  mm.end_data = ed + bias;
  mm.start_brk = mm.brk = p->brk;
  mm.start_stack = p->sp;
  mm.arg_start = argp.empty() ? top - strings : argp.front();
  mm.arg_end = envpp.empty() ? execfn : envpp.front();
  mm.env_start = mm.arg_end;
  mm.env_end = execfn;
  mm.auxv = reinterpret_cast<__u64*>(top - l.auxv);
  mm.auxv_size = uint32_t(16 * (p->auxv.size() + 1));
  mm.exe_fd = uint32_t(-1);
  trace(*p, "entry %#llx%s, %u ranges to unmap at the hand-off; its last syscall from the vDSO at %#llx%s",
        (unsigned long long)p->entry, p->interp.fd >= 0 ? " (the interpreter's)" : "", n,
        (unsigned long long)ho->gadget,
        ho->gadget == 0 ? " (none found: the hand-off page stays)"
                        : p->gadget_dirty == 0 ? " (every register zero at the entry)" : " (some registers not zero)");
  return {};
}

}  // namespace gort::loader
