// loader/inspect.cpp: gort-exec --inspect: how a program would boot, from
// the plan (nothing is mapped), as text or as one JSON object.
//
// The entry chain is read from the code, not guessed from names: from the
// entry's symbol, unconditional jumps (e9 rel32, eb rel8) whose target is
// exactly the start of a function symbol are followed (the stubs
// _rt0_amd64_linux -> _rt0_amd64 -> rt0_go of gort and Go); in each hop,
// calls (e8 rel32) to the start of a function symbol are listed, and
// indirect calls through the GOT (ff 15) are named by the GOT slot's
// relocation (__libc_start_main@GOT in a dynamic _start). No instruction
// decoder: requiring exact symbol starts keeps false matches rare
// (research/ulexec.md section 5).
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include <algorithm>
#include <map>

#include "../boot/initstack.hpp"
#include "loader.hpp"

namespace gort::loader {

namespace {

std::string hex(uint64_t v) {
  char b[32];
  snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') o += '\\', o += char(c);
    else if (c < 0x20) {
      char b[8];
      snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else o += char(c);
  }
  return o + "\"";
}

const char* auxname(uint64_t t) {
  switch (t) {
    case AT_SYSINFO_EHDR: return "AT_SYSINFO_EHDR";
    case AT_MINSIGSTKSZ: return "AT_MINSIGSTKSZ";
    case AT_HWCAP: return "AT_HWCAP";
    case AT_PAGESZ: return "AT_PAGESZ";
    case AT_CLKTCK: return "AT_CLKTCK";
    case AT_PHDR: return "AT_PHDR";
    case AT_PHENT: return "AT_PHENT";
    case AT_PHNUM: return "AT_PHNUM";
    case AT_BASE: return "AT_BASE";
    case AT_FLAGS: return "AT_FLAGS";
    case AT_ENTRY: return "AT_ENTRY";
    case AT_UID: return "AT_UID";
    case AT_EUID: return "AT_EUID";
    case AT_GID: return "AT_GID";
    case AT_EGID: return "AT_EGID";
    case AT_SECURE: return "AT_SECURE";
    case AT_RANDOM: return "AT_RANDOM";
    case AT_HWCAP2: return "AT_HWCAP2";
    case AT_EXECFN: return "AT_EXECFN";
    case AT_PLATFORM: return "AT_PLATFORM";
    case AT_RSEQ_FEATURE_SIZE: return "AT_RSEQ_FEATURE_SIZE";
    case AT_RSEQ_ALIGN: return "AT_RSEQ_ALIGN";
  }
  return nullptr;
}

std::string auxlabel(uint64_t t) {
  const char* n = auxname(t);
  return n != nullptr ? n : "AT_" + std::to_string(t);
}

std::string flags(uint32_t f) {
  return std::string((f & PF_R) ? "R" : "-") + ((f & PF_W) ? "W" : "-") + ((f & PF_X) ? "X" : "-");
}

struct fn {
  std::string name;
  uint64_t size;
};

struct hop {
  std::string name;
  uint64_t addr = 0, size = 0;
  std::vector<std::string> calls;
};

// symbols of one file: function starts, and GOT slots named by relocations.
struct symbols {
  std::map<uint64_t, fn> funcs;
  std::map<uint64_t, std::string> got;
  std::string build_id;
  bool stripped = true;
};

symbols read_symbols(Elf* e) {
  symbols s;
  Elf_Scn* scn = nullptr;
  bool have_symtab = false;
  while ((scn = elf_nextscn(e, scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) != nullptr && sh.sh_type == SHT_SYMTAB) have_symtab = true;
  }
  scn = nullptr;
  while ((scn = elf_nextscn(e, scn)) != nullptr) {
    GElf_Shdr sh;
    if (gelf_getshdr(scn, &sh) == nullptr) continue;
    Elf_Data* d = elf_getdata(scn, nullptr);
    if (d == nullptr) continue;
    if (sh.sh_type == SHT_SYMTAB || (sh.sh_type == SHT_DYNSYM && !have_symtab)) {
      s.stripped = false;
      size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
      for (size_t i = 0; i < n; i++) {
        GElf_Sym sym;
        if (gelf_getsym(d, int(i), &sym) == nullptr) continue;
        if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || sym.st_value == 0) continue;
        const char* nm = elf_strptr(e, sh.sh_link, sym.st_name);
        if (nm == nullptr || *nm == 0) continue;
        auto it = s.funcs.find(sym.st_value);
        if (it == s.funcs.end() || (GELF_ST_BIND(sym.st_info) == STB_GLOBAL && it->second.size <= sym.st_size))
          s.funcs[sym.st_value] = {nm, sym.st_size};
      }
    } else if (sh.sh_type == SHT_RELA) {
      Elf_Scn* symscn = elf_getscn(e, sh.sh_link);
      GElf_Shdr ssh;
      if (symscn == nullptr || gelf_getshdr(symscn, &ssh) == nullptr) continue;
      Elf_Data* sd = elf_getdata(symscn, nullptr);
      size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
      for (size_t i = 0; i < n; i++) {
        GElf_Rela r;
        if (gelf_getrela(d, int(i), &r) == nullptr) continue;
        uint32_t type = GELF_R_TYPE(r.r_info);
        if (type != R_X86_64_GLOB_DAT && type != R_X86_64_JUMP_SLOT) continue;
        GElf_Sym sym;
        if (sd == nullptr || gelf_getsym(sd, int(GELF_R_SYM(r.r_info)), &sym) == nullptr) continue;
        const char* nm = elf_strptr(e, ssh.sh_link, sym.st_name);
        if (nm != nullptr && *nm != 0) s.got[r.r_offset] = std::string(nm) + "@GOT";
      }
    } else if (sh.sh_type == SHT_NOTE) {
      size_t off = 0, noff, doff;
      GElf_Nhdr nh;
      while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0)
        if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp((char*)d->d_buf + noff, "GNU", 4) == 0) {
          const uint8_t* b = static_cast<const uint8_t*>(d->d_buf) + doff;
          for (size_t i = 0; i < nh.n_descsz; i++) {
            char x[3];
            snprintf(x, sizeof x, "%02x", b[i]);
            s.build_id += x;
          }
        }
    }
  }
  return s;
}

// code returns the file bytes of [addr, addr+n) (file addresses), or null.
const uint8_t* code(const elfinfo& f, const uint8_t* file, uint64_t fsize, uint64_t addr, uint64_t n) {
  for (int i : f.loads) {
    const Elf64_Phdr& p = f.ph[i];
    if (addr >= p.p_vaddr && addr + n <= p.p_vaddr + p.p_filesz && p.p_offset + (addr - p.p_vaddr) + n <= fsize)
      return file + p.p_offset + (addr - p.p_vaddr);
  }
  return nullptr;
}

std::vector<hop> chain(const elfinfo& f, const uint8_t* file, uint64_t fsize, const symbols& s) {
  std::vector<hop> out;
  uint64_t at = f.entry;
  for (int depth = 0; depth < 8; depth++) {
    auto it = s.funcs.find(at);
    if (it == s.funcs.end()) break;
    hop h{it->second.name, at, it->second.size, {}};
    uint64_t size = h.size != 0 ? h.size : 64;
    const uint8_t* b = code(f, file, fsize, at, size);
    uint64_t next = 0;
    if (b != nullptr) {
      for (uint64_t i = 0; i < size; i++) {
        int32_t rel;
        if (b[i] == 0xe8 && i + 5 <= size) {
          memcpy(&rel, b + i + 1, 4);
          auto t = s.funcs.find(at + i + 5 + int64_t(rel));
          if (t != s.funcs.end()) h.calls.push_back(t->second.name);
        } else if (b[i] == 0xff && i + 6 <= size && b[i + 1] == 0x15) {
          memcpy(&rel, b + i + 2, 4);
          auto t = s.got.find(at + i + 6 + int64_t(rel));
          if (t != s.got.end()) h.calls.push_back(t->second);
        } else if (next == 0 && b[i] == 0xe9 && i + 5 <= size) {
          memcpy(&rel, b + i + 1, 4);
          uint64_t t = at + i + 5 + int64_t(rel);
          if (t != at && s.funcs.count(t)) next = t;
        } else if (next == 0 && b[i] == 0xeb && i + 2 <= size) {
          uint64_t t = at + i + 2 + int64_t(int8_t(b[i + 1]));
          if (t != at && s.funcs.count(t)) next = t;
        }
      }
    }
    std::vector<std::string> uniq;
    for (auto& c : h.calls)
      if (std::find(uniq.begin(), uniq.end(), c) == uniq.end()) uniq.push_back(c);
    h.calls = uniq;
    out.push_back(h);
    if (next == 0) break;
    at = next;
  }
  return out;
}

struct report {
  symbols sym, isym;
  std::vector<hop> ch, ich;
  std::string entry_sym;
};

report analyse(const plan& p) {
  report r;
  static bool v = elf_version(EV_CURRENT) != EV_NONE;
  (void)v;
  const image* ims[] = {&p.prog, &p.interp};
  for (int k = 0; k < 2; k++) {
    const image& im = *ims[k];
    if (im.fd < 0 || im.size == 0) continue;
    void* m = mmap(nullptr, im.size, PROT_READ, MAP_PRIVATE, im.fd, 0);
    if (m == MAP_FAILED) continue;
    Elf* e = elf_memory(static_cast<char*>(m), im.size);
    if (e != nullptr) {
      symbols s = read_symbols(e);
      std::vector<hop> c = chain(im.elf, static_cast<const uint8_t*>(m), im.size, s);
      if (k == 0) {
        r.sym = s, r.ch = c;
        auto it = s.funcs.find(im.elf.entry);
        if (it != s.funcs.end()) r.entry_sym = it->second.name;
      } else {
        r.isym = s, r.ich = c;
      }
      elf_end(e);
    }
    munmap(m, im.size);
  }
  return r;
}

std::string placement(const plan& p, const image& im, bool interp) {
  if (im.fixed) return "at its link addresses (ET_EXEC)";
  if (!interp && p.k == kind::dynamic_pie)
    return std::string("ELF_ET_DYN_BASE 0x555555554aaa") + (p.randomize ? " + random (mmap_rnd_bits pages)" : "") +
           ", aligned to " + hex(im.elf.maxalign) + ", as the kernel; mmap's choice if taken";
  return "where mmap chooses (top-down), aligned to " + hex(im.elf.maxalign);
}

// The per-image auxv values as they would be, relative to the bias for a
// position-independent image.
std::string auxvalue(const plan& p, const auxent& a, bool* relative) {
  *relative = false;
  const elfinfo& f = p.prog.elf;
  bool pie = !p.prog.fixed;
  auto rel = [&](uint64_t v) {
    *relative = pie;
    return pie ? "bias+" + hex(v) : hex(v);
  };
  switch (a.type) {
    case AT_PHDR: return rel(f.phdr_vaddr);
    case AT_PHENT: return "56";
    case AT_PHNUM: return std::to_string(f.phnum);
    case AT_BASE: return p.interp.fd >= 0 ? "interpreter's bias" : "0";
    case AT_FLAGS: return "0";
    case AT_ENTRY: return rel(f.entry);
    case AT_SECURE: return "0";
    case AT_RANDOM: return "-> 16 bytes from getrandom";
    case AT_EXECFN: return "-> \"" + p.execfn + "\"";
    case AT_PLATFORM: return "-> \"x86_64\"";
  }
  return hex(a.value);
}

}  // namespace

std::string inspect_text(const plan& p) {
  report r = analyse(p);
  const elfinfo& f = p.prog.elf;
  std::string o;
  auto line = [&](const std::string& k, const std::string& v) {
    char b[32];
    snprintf(b, sizeof b, "%-16s: ", k.c_str());
    o += b + v + "\n";
  };
  line("program", p.prog.path + " (" + std::to_string(p.prog.size) + " bytes)");
  if (!p.scripts.empty()) {
    std::string s;
    for (auto& x : p.scripts) s += x + " -> ";
    line("#! chain", s + p.prog.path);
  }
  line("kind", std::string(kind_name(p.k)) + (f.type == ET_EXEC ? " (ET_EXEC)" : " (ET_DYN)"));
  if (!r.sym.build_id.empty()) line("build-id", r.sym.build_id);
  line("entry", hex(f.entry) + (r.entry_sym.empty() ? "" : " " + r.entry_sym));
  std::string ch;
  for (size_t i = 0; i < r.ch.size(); i++)
    ch += (i ? " -> " : "") + r.ch[i].name + "@" + hex(r.ch[i].addr) + "[" + std::to_string(r.ch[i].size) + "B]";
  line("entry chain", ch.empty() ? (r.sym.stripped ? "(no symbols)" : "(entry is not a function symbol)") : ch);
  for (const hop& h : r.ch)
    if (!h.calls.empty()) {
      std::string c;
      for (size_t i = 0; i < h.calls.size(); i++) c += (i ? ", " : "") + h.calls[i];
      line("  calls", h.name + ": " + c);
    }
  line("placement", placement(p, p.prog, false));
  for (int i : f.loads) {
    const Elf64_Phdr& ph = f.ph[i];
    char b[256];
    snprintf(b, sizeof b, "[%d] %s vaddr %#llx memsz %#llx filesz %#llx offset %#llx align %#llx%s", i,
             flags(ph.p_flags).c_str(), (unsigned long long)ph.p_vaddr, (unsigned long long)ph.p_memsz,
             (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_offset, (unsigned long long)ph.p_align,
             ph.p_memsz > ph.p_filesz ? " (bss: zeroed to the end of its page, then anonymous pages)" : "");
    line("PT_LOAD", b);
  }
  if (f.tls >= 0) {
    const Elf64_Phdr& t = f.ph[f.tls];
    uint64_t al = t.p_align ? t.p_align : 1;
    line("PT_TLS", ".tdata " + std::to_string(t.p_filesz) + " B, .tbss " + std::to_string(t.p_memsz - t.p_filesz) +
                       " B, align " + std::to_string(al) + "; variant II block at %fs:-" +
                       hex((t.p_memsz + al - 1) / al * al) + " (the TCB at %fs:0; glibc: canary %fs:0x28)");
  } else {
    line("PT_TLS", "none");
  }
  line("stack exec", f.execstack ? "PT_GNU_STACK RWX (allowed by --allow-execstack)" : "no (PT_GNU_STACK RW)");
  if (p.interp.fd >= 0) {
    const elfinfo& i = p.interp.elf;
    line("interpreter", p.interp.path + " (" + (i.type == ET_DYN ? "ET_DYN" : "ET_EXEC") + ", " +
                            std::to_string(i.loads.size()) + " PT_LOADs, span " + hex(i.hi - i.lo) + ")");
    line("  placement", placement(p, p.interp, true));
    std::string ic;
    for (size_t k = 0; k < r.ich.size(); k++) ic += (k ? " -> " : "") + r.ich[k].name + "@" + hex(r.ich[k].addr);
    line("  entry", hex(i.entry) + (ic.empty() ? "" : " " + ic) + "; it jumps to AT_ENTRY with rdx = _dl_fini");
  } else {
    line("interpreter", "none: the kernel would jump to the entry directly, rdx = 0");
  }
  std::string av;
  for (size_t i = 0; i < p.argv.size(); i++) av += (i ? " " : "") + jstr(p.argv[i]);
  line("argv", av);
  line("envp", std::to_string(p.req.envp.size()) + " strings");
  uint64_t strings = 8 + p.execfn.size() + 1;
  for (auto& s : p.req.envp) strings += s.size() + 1;
  for (auto& s : p.argv) strings += s.size() + 1;
  auto l0 = boot::initstack_plan(p.argv.size(), p.req.envp.size(), strings, p.auxv.size() + 1, 0);
  char b[512];
  snprintf(b, sizeof b,
           "top-8 NULL | top-%lu execfn | strings from top-%lu | gap 0-8191 (%s) | \"x86_64\" at top-%lu-gap | "
           "AT_RANDOM top-%lu-gap | auxv top-%lu-gap (%zu entries) | envp top-%lu-gap | argv top-%lu-gap | "
           "rsp = &argc = top-%lu-gap (16-aligned)",
           (unsigned long)(9 + p.execfn.size()), (unsigned long)l0.strings, p.randomize ? "random" : "0: ASLR off",
           l0.platform, l0.random, l0.auxv, p.auxv.size() + 1, l0.envp, l0.argv, l0.sp);
  line("initial stack", b);
  for (const auxent& a : p.auxv) {
    bool rel;
    std::string v = auxvalue(p, a, &rel);
    line("  " + auxlabel(a.type), v + (a.per_image ? "  (this image)" : "  (inherited)"));
  }
  line("  AT_NULL", "0");
  for (auto& w : f.warnings) line("warning", w);
  line("not exact", "/proc/self/exe stays the launcher's without CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE; "
                    "the file is not ETXTBSY-protected while it runs; POSIX timers are not deleted");
  return o;
}

std::string inspect_json(const plan& p) {
  report r = analyse(p);
  const elfinfo& f = p.prog.elf;
  std::string o = "{";
  auto kv = [&](const std::string& k, const std::string& v) { o += (o.size() > 1 ? "," : "") + jstr(k) + ":" + v; };
  auto num = [](uint64_t v) { return std::to_string(v); };
  kv("path", jstr(p.prog.path));
  kv("execfn", jstr(p.execfn));
  kv("size", num(p.prog.size));
  kv("kind", jstr(kind_name(p.k)));
  kv("type", jstr(f.type == ET_EXEC ? "ET_EXEC" : "ET_DYN"));
  kv("build_id", jstr(r.sym.build_id));
  kv("entry", num(f.entry));
  kv("entry_symbol", jstr(r.entry_sym));
  std::string scripts = "[";
  for (size_t i = 0; i < p.scripts.size(); i++) scripts += (i ? "," : "") + jstr(p.scripts[i]);
  kv("scripts", scripts + "]");
  std::string argv = "[";
  for (size_t i = 0; i < p.argv.size(); i++) argv += (i ? "," : "") + jstr(p.argv[i]);
  kv("argv", argv + "]");
  auto hops = [&](const std::vector<hop>& c) {
    std::string s = "[";
    for (size_t i = 0; i < c.size(); i++) {
      s += std::string(i ? "," : "") + "{\"name\":" + jstr(c[i].name) + ",\"addr\":" + num(c[i].addr) +
           ",\"size\":" + num(c[i].size) + ",\"calls\":[";
      for (size_t k = 0; k < c[i].calls.size(); k++) s += (k ? "," : "") + jstr(c[i].calls[k]);
      s += "]}";
    }
    return s + "]";
  };
  kv("chain", hops(r.ch));
  auto segs = [&](const elfinfo& e) {
    std::string s = "[";
    bool first = true;
    for (int i : e.loads) {
      const Elf64_Phdr& ph = e.ph[i];
      s += std::string(first ? "" : ",") + "{\"index\":" + num(i) + ",\"flags\":" + jstr(flags(ph.p_flags)) +
           ",\"vaddr\":" + num(ph.p_vaddr) + ",\"memsz\":" + num(ph.p_memsz) + ",\"filesz\":" + num(ph.p_filesz) +
           ",\"offset\":" + num(ph.p_offset) + ",\"align\":" + num(ph.p_align) + "}";
      first = false;
    }
    return s + "]";
  };
  kv("segments", segs(f));
  kv("placement", jstr(p.prog.fixed ? "fixed" : p.k == kind::dynamic_pie ? "kernel-base" : "mmap"));
  kv("span", "[" + num(f.lo) + "," + num(f.hi) + "]");
  kv("phdr_vaddr", num(f.phdr_vaddr));
  if (f.tls >= 0) {
    const Elf64_Phdr& t = f.ph[f.tls];
    uint64_t al = t.p_align ? t.p_align : 1;
    kv("tls", "{\"vaddr\":" + num(t.p_vaddr) + ",\"filesz\":" + num(t.p_filesz) + ",\"memsz\":" + num(t.p_memsz) +
                  ",\"align\":" + num(al) + ",\"tp_offset\":-" + num((t.p_memsz + al - 1) / al * al) + "}");
  } else {
    kv("tls", "null");
  }
  kv("execstack", f.execstack ? "true" : "false");
  if (p.interp.fd >= 0) {
    const elfinfo& i = p.interp.elf;
    kv("interp", "{\"path\":" + jstr(p.interp.path) + ",\"type\":" + jstr(i.type == ET_DYN ? "ET_DYN" : "ET_EXEC") +
                     ",\"entry\":" + num(i.entry) + ",\"segments\":" + segs(i) + ",\"chain\":" + hops(r.ich) + "}");
  } else {
    kv("interp", "null");
  }
  uint64_t strings = 8 + p.execfn.size() + 1;
  for (auto& s : p.req.envp) strings += s.size() + 1;
  for (auto& s : p.argv) strings += s.size() + 1;
  auto l0 = boot::initstack_plan(p.argv.size(), p.req.envp.size(), strings, p.auxv.size() + 1, 0);
  kv("stack", "{\"strings\":" + num(l0.strings) + ",\"gap_max\":" + num(p.randomize ? 8191 : 0) +
                  ",\"platform\":" + num(l0.platform) + ",\"random\":" + num(l0.random) + ",\"auxv\":" + num(l0.auxv) +
                  ",\"envp\":" + num(l0.envp) + ",\"argv\":" + num(l0.argv) + ",\"sp\":" + num(l0.sp) +
                  ",\"argc\":" + num(p.argv.size()) + ",\"envc\":" + num(p.req.envp.size()) + "}");
  std::string av = "[";
  for (size_t i = 0; i < p.auxv.size(); i++) {
    bool rel;
    std::string v = auxvalue(p, p.auxv[i], &rel);
    av += std::string(i ? "," : "") + "{\"type\":" + num(p.auxv[i].type) + ",\"name\":" + jstr(auxlabel(p.auxv[i].type)) +
          ",\"source\":" + jstr(p.auxv[i].per_image ? "image" : "inherited") +
          ",\"value\":" + (p.auxv[i].per_image ? "null" : num(p.auxv[i].value)) + ",\"describe\":" + jstr(v) + "}";
  }
  kv("auxv", av + "]");
  std::string w = "[";
  for (size_t i = 0; i < f.warnings.size(); i++) w += (i ? "," : "") + jstr(f.warnings[i]);
  kv("warnings", w + "]");
  return o + "}\n";
}

}  // namespace gort::loader
