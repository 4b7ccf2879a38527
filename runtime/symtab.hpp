// runtime/symtab.hpp: what the tracebacks (traceback.cpp) need to know of
// the program's code: how to walk a stack, and what each pc is (Go:
// symtab.go's findfunc and funcline, and the frame walk gentraceback does
// over pclntab).
//
// Go reads tables of its own making. A C++ program's frames are described
// by DWARF: call-frame information (.eh_frame), line tables and inline
// scopes (.debug_line, .debug_info), names in the ELF symbol table. Each
// flavour reads them its own way, in a file of its crt:
//
//   boot/symtab_hosted.cpp  libunwind and elfutils' libdw, which need libc
//   boot/nolibc/symtab.cpp  gort's own .eh_frame unwinder and ELF/DWARF
//                           reader, over the executable's own file
//
// The printing, and which frames to show, is traceback.cpp's, the same in
// both. Callers hold tracebacklock: nothing here need be reentrant.
#pragma once

#include "runtime2.hpp"

namespace gort::runtime {

// What a traceback knows of one pc (Go: funcInfo and funcline).
struct funcinfo {
  const char* name = nullptr;     // the symbol, raw (mangled), or null
  uintptr entry = 0;              // its address
  const char* module = nullptr;   // the file it comes from
  const char* file = nullptr;     // source position of pc, or null
  const char* compdir = nullptr;  // where a relative file name starts
  int line = 0;
};

// findfunc describes the function that contains pc (the address to look
// up: a return address minus one, or an exact pc).
funcinfo findfunc(uintptr pc);

// A call inlined at a pc: the inlined function's name (raw: a linkage
// name, or a plain one), and the position of the call.
struct inlinecall {
  const char* name;
  const char* callfile;
  int callline;
};

// funcinlines fills out[] with the calls inlined at pc, innermost first,
// and returns how many (at most max).
int funcinlines(uintptr pc, inlinecall* out, int max);

// demangle writes the readable name of a C++ symbol into buf and returns
// buf, or returns null when raw is not a mangled name (boot/demangle.cpp).
const char* demangle(const char* raw, char* buf, uintptr n);

// A position in a walk up a stack, the flavour's unwinder's state.
// Copyable: a walk may be restarted from a copy.
struct tbcursor {
  alignas(16) unsigned char opaque[1280];
};

// tbinit starts at the frame that saved regs (a parked goroutine's gobuf,
// or the caller's own from gosave); tbinitsig at the instruction a signal
// interrupted (uc: the handler's ucontext). false if it cannot start.
bool tbinit(tbcursor* c, const gobuf& regs);
bool tbinitsig(tbcursor* c, void* uc);
// tbframe gives the frame's pc and sp. The pc is a return address, except
// in the first frame of tbinitsig and in a frame that a signal interrupted.
void tbframe(tbcursor* c, uintptr* pc, uintptr* sp);
// tbsignalframe: this frame is a signal frame (the kernel's, under a
// handler): the next frame's pc is exact.
bool tbsignalframe(tbcursor* c);
// tbstep moves to the caller; false at the outermost frame (or when the
// stack cannot be walked further).
bool tbstep(tbcursor* c);

}  // namespace gort::runtime
