// boot/symtab_hosted.cpp: runtime/symtab.hpp for the hosted flavour: the
// stacks are walked with libunwind, the pcs named with elfutils' libdwfl
// (ELF symbol tables; DWARF line tables and inline scopes, from the files
// or their separate debug files, found the standard way). Both need libc,
// which is why this is part of the hosted crt and not of the runtime core.
//
// libunwind's local unwinder does not allocate after its first use; libdw
// does (it caches what it reads with malloc). traceback.cpp says why that
// is accepted in a crash report.
#define UNW_LOCAL_ONLY
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <libunwind.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "../runtime/runtime.hpp"
#include "../runtime/symtab.hpp"
#include "signal_linux_amd64.hpp"

namespace gort::runtime {

static_assert(sizeof(unw_cursor_t) <= sizeof(tbcursor) && alignof(unw_cursor_t) <= alignof(tbcursor));

// ---- symbols, lines, inline scopes (libdwfl) ----

static Dwfl* dwfl;

// getdwfl opens a libdwfl session on this process at first use: the
// modules are read from /proc/self/maps.
static Dwfl* getdwfl() {
  if (dwfl != nullptr) return dwfl;
  static constinit char* debuginfo_path = nullptr;
  static const Dwfl_Callbacks callbacks = {
      dwfl_linux_proc_find_elf, dwfl_standard_find_debuginfo, nullptr, &debuginfo_path,
  };
  Dwfl* d = dwfl_begin(&callbacks);
  if (d == nullptr) return nullptr;
  if (dwfl_linux_proc_report(d, getpid()) != 0 || dwfl_report_end(d, nullptr, nullptr) != 0) {
    dwfl_end(d);
    return nullptr;
  }
  dwfl = d;
  return d;
}

funcinfo findfunc(uintptr pc) {
  funcinfo f;
  Dwfl* d = getdwfl();
  if (d == nullptr) return f;
  Dwfl_Module* mod = dwfl_addrmodule(d, pc);
  if (mod == nullptr) return f;
  GElf_Off off = 0;
  GElf_Sym sym;
  f.name = dwfl_module_addrinfo(mod, pc, &off, &sym, nullptr, nullptr, nullptr);
  if (f.name != nullptr) f.entry = pc - off;
  f.module = dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
  if (Dwfl_Line* l = dwfl_module_getsrc(mod, pc); l != nullptr) {
    int line = 0;
    f.file = dwfl_lineinfo(l, nullptr, &line, nullptr, nullptr, nullptr);
    f.line = line;
    f.compdir = dwfl_line_comp_dir(l);
  }
  return f;
}

// scopename is the name of an inlined subroutine's DWARF entry: its
// linkage name, or its plain name.
static const char* scopename(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  if (dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) != nullptr ||
      dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr) != nullptr)
    if (const char* s = dwarf_formstring(&attr); s != nullptr) return s;
  if (dwarf_attr_integrate(die, DW_AT_name, &attr) != nullptr) return dwarf_formstring(&attr);
  return nullptr;
}

int funcinlines(uintptr pc, inlinecall* out, int max) {
  Dwfl* d = getdwfl();
  Dwfl_Module* mod = d != nullptr ? dwfl_addrmodule(d, pc) : nullptr;
  if (mod == nullptr) return 0;
  Dwarf_Addr bias = 0;
  Dwarf_Die* cudie = dwfl_module_addrdie(mod, pc, &bias);
  if (cudie == nullptr) return 0;
  Dwarf_Die* scopes = nullptr;
  int nscopes = dwarf_getscopes(cudie, pc - bias, &scopes);
  int n = 0;
  for (int i = 0; i < nscopes && n < max; i++) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag == DW_TAG_subprogram) break;
    if (tag != DW_TAG_inlined_subroutine) continue;
    inlinecall& c = out[n++];
    c.name = scopename(&scopes[i]);
    c.callfile = nullptr;
    c.callline = 0;
    // Where the call is: DW_AT_call_file indexes the unit's file table.
    Dwarf_Attribute attr;
    Dwarf_Word v;
    if (dwarf_attr(&scopes[i], DW_AT_call_line, &attr) != nullptr && dwarf_formudata(&attr, &v) == 0)
      c.callline = int(v);
    Dwarf_Files* files;
    size_t nfiles;
    if (dwarf_attr(&scopes[i], DW_AT_call_file, &attr) != nullptr && dwarf_formudata(&attr, &v) == 0 &&
        dwarf_getsrcfiles(cudie, &files, &nfiles) == 0 && v < nfiles)
      c.callfile = dwarf_filesrc(files, v, nullptr, nullptr);
  }
  std::free(scopes);
  return n;
}

// ---- the walk (libunwind) ----

static unw_cursor_t* cur(tbcursor* c) { return reinterpret_cast<unw_cursor_t*>(c->opaque); }

bool tbinit(tbcursor* c, const gobuf& regs) {
  unw_context_t ctx;
  std::memset(&ctx, 0, sizeof ctx);
  gobufcontext(regs, &ctx.uc_mcontext);
  return unw_init_local(cur(c), &ctx) == 0;
}

bool tbinitsig(tbcursor* c, void* uc) {
  return unw_init_local2(cur(c), static_cast<unw_context_t*>(uc), UNW_INIT_SIGNAL_FRAME) == 0;
}

void tbframe(tbcursor* c, uintptr* pc, uintptr* sp) {
  unw_word_t ip = 0, s = 0;
  unw_get_reg(cur(c), UNW_REG_IP, &ip);
  unw_get_reg(cur(c), UNW_REG_SP, &s);
  *pc = ip;
  *sp = s;
}

bool tbsignalframe(tbcursor* c) { return unw_is_signal_frame(cur(c)) > 0; }

bool tbstep(tbcursor* c) { return unw_step(cur(c)) > 0; }

}  // namespace gort::runtime
