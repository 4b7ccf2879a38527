// loader/validate.cpp: is this ELF file something we can start, and exactly
// as the kernel would? Every check is made here, before anything is mapped:
// once the old image is gone an error has nowhere to be reported.
//
// libelf reads the headers (and catches four of the 26 malformed cases of
// research/ulexec.md by itself: not ELF, a truncated ELF header, a class
// mismatch through the elf64_* API, a truncated program header table); the
// rest is ours. libelf also clamps e_phnum to what fits in the file and
// interprets PN_XNUM, so the raw e_phnum and e_phoff are checked first.
//
// Where the kernel accepts a file that would then die after the point of
// no return (filesz > memsz, a segment past the end of the file, overlapping
// or incongruent PT_LOADs, an entry outside the text), we refuse it. Where
// it silently ignores something odd (p_align of an ET_EXEC), we warn.
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <cerrno>

#include "loader.hpp"

namespace gort::loader {

namespace {

constexpr uint64_t kTaskSize = 0x7ffffffff000;  // 47-bit user space (DEFAULT_MAP_WINDOW)
constexpr uint64_t kMaxAlign = uint64_t(1) << 30;

std::string hex(uint64_t v) {
  char b[32];
  snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
  return b;
}

error fail(int err, const std::string& name, const std::string& what) { return {err, name + ": " + what}; }

bool pow2(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

// a + b without wrapping; false when it would.
bool add(uint64_t a, uint64_t b, uint64_t* r) { return !__builtin_add_overflow(a, b, r); }

struct elfhandle {
  Elf* e = nullptr;
  ~elfhandle() {
    if (e != nullptr) elf_end(e);
  }
};

}  // namespace

error validate(const uint8_t* data, uint64_t size, const std::string& name, const policy& pol, bool interp,
               elfinfo* out) {
  *out = elfinfo{};
  const int bad = interp ? ELIBBAD : ENOEXEC;
  static bool versioned = elf_version(EV_CURRENT) != EV_NONE;
  if (!versioned) return fail(ENOEXEC, name, "libelf: elf_version failed");

  // libelf: is it ELF at all, and is the header there?
  elfhandle h;
  h.e = elf_memory(const_cast<char*>(reinterpret_cast<const char*>(data)), size);
  if (h.e == nullptr) return fail(bad, name, std::string("libelf: elf_memory: ") + elf_errmsg(-1));
  if (elf_kind(h.e) != ELF_K_ELF) return fail(bad, name, "not an ELF file (and no #! line)");

  // Raw e_ident: the kernel's binfmt_elf ignores EI_CLASS, but a 32-bit
  // header read as 64-bit is nonsense, so we do not.
  if (size < EI_NIDENT) return fail(bad, name, "truncated ELF header (" + std::to_string(size) + " bytes)");
  if (data[EI_CLASS] != ELFCLASS64)
    return fail(bad, name, "ELF class " + std::to_string(data[EI_CLASS]) + ", need ELFCLASS64 (2)");
  if (data[EI_DATA] != ELFDATA2LSB)
    return fail(bad, name, "ELF data encoding " + std::to_string(data[EI_DATA]) + ", need little-endian (1)");
  if (data[EI_VERSION] != EV_CURRENT)
    return fail(bad, name, "ELF version " + std::to_string(data[EI_VERSION]) + ", need 1");
  if (data[EI_OSABI] != ELFOSABI_SYSV && data[EI_OSABI] != ELFOSABI_GNU)
    return fail(bad, name, "ELF OS ABI " + std::to_string(data[EI_OSABI]) + ", need System V (0) or GNU/Linux (3)");

  Elf64_Ehdr* eh = elf64_getehdr(h.e);
  if (eh == nullptr) return fail(bad, name, std::string("libelf: ELF header: ") + elf_errmsg(-1));

  switch (eh->e_type) {
    case ET_EXEC:
    case ET_DYN:
      break;
    case ET_REL:
      return fail(bad, name, "ET_REL relocatable object, not an executable (link it first)");
    case ET_CORE:
      return fail(bad, name, "ET_CORE core dump, not an executable");
    default:
      return fail(bad, name, "e_type " + std::to_string(eh->e_type) + " is not ET_EXEC or ET_DYN");
  }
  if (eh->e_machine != EM_X86_64)
    return fail(bad, name, "e_machine " + std::to_string(eh->e_machine) + ", need EM_X86_64 (62)");
  if (eh->e_phentsize != sizeof(Elf64_Phdr))
    return fail(bad, name, "e_phentsize " + std::to_string(eh->e_phentsize) + " != 56");
  if (eh->e_phnum == PN_XNUM)
    return fail(bad, name, "e_phnum is PN_XNUM (extended numbering); execve does not support it");
  if (eh->e_phnum == 0) return fail(bad, name, "no program headers (e_phnum 0)");
  uint64_t phsize = uint64_t(eh->e_phnum) * sizeof(Elf64_Phdr), phend;
  if (phsize > 65536) return fail(bad, name, "program header table of " + std::to_string(phsize) + " bytes (> 64 KiB)");
  if (!add(eh->e_phoff, phsize, &phend) || phend > size)
    return fail(bad, name,
                "program header table [" + hex(eh->e_phoff) + ",+" + std::to_string(eh->e_phnum) +
                    "*56) extends beyond end of file (" + std::to_string(size) + " bytes)");

  size_t n = 0;
  if (elf_getphdrnum(h.e, &n) != 0 || n != eh->e_phnum)
    return fail(bad, name, std::string("libelf: program headers: ") + elf_errmsg(-1));
  Elf64_Phdr* ph = elf64_getphdr(h.e);
  if (ph == nullptr) return fail(bad, name, std::string("libelf: program headers: ") + elf_errmsg(-1));

  elfinfo& f = *out;
  f.type = eh->e_type;
  f.entry = eh->e_entry;
  f.phoff = eh->e_phoff;
  f.phnum = eh->e_phnum;
  // libelf hands back a pointer into the image, which is misaligned when
  // e_phoff is (the kernel accepts that: it reads the table into a
  // buffer): copy it out bytewise (found by the fuzzer).
  f.ph.resize(n);
  memcpy(f.ph.data(), static_cast<const void*>(ph), n * sizeof(Elf64_Phdr));
  ph = f.ph.data();

  const bool dyn = eh->e_type == ET_DYN;
  int ninterp = 0;
  uint64_t prev_end = 0;
  for (size_t i = 0; i < n; i++) {
    const Elf64_Phdr& p = ph[i];
    std::string seg = "PT_LOAD[" + std::to_string(i) + "]";
    uint64_t fend, mend;
    switch (p.p_type) {
      case PT_LOAD:
        if (p.p_filesz > p.p_memsz)
          return fail(bad, name, seg + " p_filesz " + hex(p.p_filesz) + " > p_memsz " + hex(p.p_memsz));
        if (!add(p.p_offset, p.p_filesz, &fend) || fend > size)
          return fail(bad, name,
                      seg + " file range [" + hex(p.p_offset) + "," + hex(p.p_offset + p.p_filesz) +
                          ") beyond end of file (" + std::to_string(size) + " bytes): truncated file (would SIGBUS)");
        if (!add(p.p_vaddr, p.p_memsz, &mend) || mend > kTaskSize)
          return fail(bad, name, seg + " [" + hex(p.p_vaddr) + ",+" + hex(p.p_memsz) + ") is beyond user space");
        if ((p.p_vaddr & (kPage - 1)) != (p.p_offset & (kPage - 1)))
          return fail(bad, name,
                      seg + " p_vaddr " + hex(p.p_vaddr) + " and p_offset " + hex(p.p_offset) +
                          " differ modulo the page size");
        if (p.p_align > 1 && !pow2(p.p_align)) {
          if (dyn)
            return fail(bad, name,
                        seg + " p_align " + hex(p.p_align) + " is not a power of two (the kernel would silently ignore it)");
          f.warnings.push_back(seg + " p_align " + hex(p.p_align) + " is not a power of two (ignored, as the kernel does)");
        } else if (p.p_align > kMaxAlign) {
          if (dyn) return fail(bad, name, seg + " p_align " + hex(p.p_align) + " is absurd (> 1 GiB)");
          f.warnings.push_back(seg + " p_align " + hex(p.p_align) + " is absurd (ignored for ET_EXEC, as the kernel does)");
        } else if (dyn && p.p_align > f.maxalign) {
          f.maxalign = p.p_align;
        }
        if (!f.loads.empty()) {
          const Elf64_Phdr& q = ph[f.loads.back()];
          if (p.p_vaddr < q.p_vaddr)
            return fail(bad, name, seg + " p_vaddr " + hex(p.p_vaddr) + " is below the previous PT_LOAD's: not sorted");
          if (p.p_vaddr < prev_end)
            return fail(bad, name,
                        "PT_LOAD[" + std::to_string(f.loads.back()) + "] [" + hex(q.p_vaddr) + "," + hex(prev_end) +
                            ") overlaps " + seg + " at " + hex(p.p_vaddr));
        }
        if (!dyn && pagedown(p.p_vaddr) < pol.mmap_min_addr)
          return fail(bad, name,
                      seg + " at " + hex(p.p_vaddr) + " is below vm.mmap_min_addr (" + hex(pol.mmap_min_addr) + ")");
        prev_end = mend;
        f.loads.push_back(int(i));
        break;
      case PT_INTERP: {
        if (interp) return fail(ELIBBAD, name, "the interpreter itself has a PT_INTERP");
        if (++ninterp > 1) return fail(bad, name, "more than one PT_INTERP");
        if (p.p_filesz < 2 || p.p_filesz > PATH_MAX)
          return fail(bad, name, "PT_INTERP of " + std::to_string(p.p_filesz) + " bytes (need 2 to PATH_MAX)");
        if (!add(p.p_offset, p.p_filesz, &fend) || fend > size)
          return fail(bad, name, "PT_INTERP [" + hex(p.p_offset) + ",+" + hex(p.p_filesz) + ") beyond end of file");
        const char* s = reinterpret_cast<const char*>(data + p.p_offset);
        if (s[p.p_filesz - 1] != '\0') return fail(bad, name, "PT_INTERP is not NUL-terminated");
        if (strlen(s) != p.p_filesz - 1) return fail(bad, name, "PT_INTERP has an embedded NUL");
        f.has_interp = true;
        f.interp = s;
        break;
      }
      case PT_TLS:
        // Go PIE has a PT_TLS at vaddr 0 outside every PT_LOAD: do not
        // over-validate; only what a TLS setup reads must be sane.
        if (p.p_filesz > p.p_memsz) return fail(bad, name, "PT_TLS p_filesz > p_memsz");
        if (p.p_align > 1 && !pow2(p.p_align)) return fail(bad, name, "PT_TLS p_align is not a power of two");
        f.tls = int(i);
        break;
      case PT_GNU_STACK:
        f.has_gnu_stack = true;
        f.execstack = (p.p_flags & PF_X) != 0;
        break;
      default:
        break;  // PT_PHDR, PT_DYNAMIC, PT_NOTE, PT_GNU_*, PT_PAX_FLAGS (Go): nothing to check to start
    }
  }
  if (f.loads.empty()) return fail(bad, name, "no PT_LOAD segment");
  if (f.execstack && !pol.allow_execstack)
    return fail(EACCES, name, "PT_GNU_STACK requests an executable stack (RWX); refusing (--allow-execstack)");
  if (!f.has_gnu_stack) f.warnings.push_back("no PT_GNU_STACK (the stack is not executable, as the kernel has it on x86-64)");

  const Elf64_Phdr& first = ph[f.loads.front()];
  f.lo = pagedown(first.p_vaddr);
  f.hi = pageup(prev_end);
  if (dyn && f.hi - f.lo > kTaskSize / 2) return fail(bad, name, "PT_LOADs span " + hex(f.hi - f.lo) + " bytes");

  // AT_PHDR: where the PT_LOAD that holds e_phoff maps it (the kernel's
  // phdr_addr); a program whose headers are mapped nowhere would get a
  // bogus AT_PHDR, which glibc trusts.
  bool found = false;
  for (int i : f.loads) {
    const Elf64_Phdr& p = ph[i];
    if (p.p_offset <= eh->e_phoff && phend <= p.p_offset + p.p_filesz) {
      f.phdr_vaddr = eh->e_phoff - p.p_offset + p.p_vaddr;
      found = true;
      break;
    }
  }
  if (!found) return fail(bad, name, "program headers are not inside any PT_LOAD (AT_PHDR would be bogus)");

  // The entry must be code of this file.
  bool inexec = false;
  for (int i : f.loads) {
    const Elf64_Phdr& p = ph[i];
    if ((p.p_flags & PF_X) && eh->e_entry >= p.p_vaddr && eh->e_entry < p.p_vaddr + p.p_filesz) inexec = true;
  }
  if (!inexec) return fail(bad, name, "e_entry " + hex(eh->e_entry) + " is not inside an executable PT_LOAD");

  if (interp && f.has_interp) return fail(ELIBBAD, name, "the interpreter itself has a PT_INTERP");
  return {};
}

int parse_shebang(const char* b, uint64_t n, std::string* interp, std::string* arg, bool* has_arg) {
  // fs/binfmt_script.c, on a 256-byte buffer (BINPRM_BUF_SIZE) padded with
  // NULs when the file is shorter.
  char buf[256] = {};
  memcpy(buf, b, n < sizeof buf ? n : sizeof buf);
  if (buf[0] != '#' || buf[1] != '!') return ENOEXEC;
  auto spacetab = [](char c) { return c == ' ' || c == '\t'; };
  const char* buf_end = buf + sizeof buf - 1;
  auto next_non_spacetab = [&](const char* first, const char* last) -> const char* {
    for (; first <= last; first++)
      if (!spacetab(*first)) return first;
    return nullptr;
  };
  auto next_terminator = [&](const char* first, const char* last) -> const char* {
    for (; first <= last; first++)
      if (spacetab(*first) || *first == '\0') return first;
    return nullptr;
  };
  const char* i_end = static_cast<const char*>(memchr(buf, '\n', sizeof buf));
  if (i_end == nullptr) {
    i_end = next_non_spacetab(buf + 2, buf_end);
    if (i_end == nullptr) return ENOEXEC;                   // all spaces and tabs
    if (next_terminator(i_end, buf_end) == nullptr) return ENOEXEC;  // interpreter path cut off
    i_end = buf_end;
  }
  while (spacetab(i_end[-1])) i_end--;
  const char* i_name = next_non_spacetab(buf + 2, i_end);
  if (i_name == nullptr || i_name == i_end) return ENOEXEC;  // no interpreter name
  const char* i_arg = nullptr;
  const char* i_sep = next_terminator(i_name, i_end);
  if (i_sep != nullptr && *i_sep != '\0') i_arg = next_non_spacetab(i_sep, i_end);
  // The kernel writes NULs at i_end and i_sep, then takes C strings.
  std::string line(buf, size_t(i_end - buf));
  size_t name_end = i_sep != nullptr ? size_t(i_sep - buf) : line.size();
  *interp = std::string(line.c_str() + (i_name - buf), line.c_str() + name_end).c_str();
  *has_arg = i_arg != nullptr;
  if (i_arg != nullptr) *arg = std::string(line.c_str() + (i_arg - buf)).c_str();
  return 0;
}

int shell_status(int err) { return err == ENOENT || err == ENOTDIR ? 127 : 126; }

const char* kind_name(kind k) {
  switch (k) {
    case kind::static_exec: return "static";
    case kind::static_pie: return "static-pie";
    case kind::dynamic_pie: return "dynamic-pie";
    case kind::dynamic_exec: return "dynamic";
  }
  return "?";
}

}  // namespace gort::loader
