// runtime/tbhelper.hpp: what the runtime says to its traceback helper.
//
// A gort program carries no unwinder and no symboliser: at start-up it
// loads nothing beyond what a plain C++ program loads, and a crash report
// must not need the program's malloc (the fault may be inside it, holding
// its lock) nor much memory (the report may be of running out of it). So
// the runtime walks no frames itself. When a report needs frames, it starts
// the helper, gort-traceback (tools/gort-traceback.cpp, installed as
// lib/gort/gort-traceback), with a vfork-like clone and execve, and sends
// it, for each goroutine, the registers to start from and the bytes of the
// stack they point into. The helper unwinds in those bytes by the DWARF call-frame
// information of the program's files, names the frames with libdw, and
// prints them to the program's standard error, which it shares; the runtime
// waits for its reply before printing anything else, so the report reads
// as one.
//
// One request, sent on the helper's request pipe:
//
//     request                 the fixed part, below
//     char text[textlen]      printed before the frames (a goroutine's header)
//     region, bytes           nregions times: {addr, len}, then len bytes
//
// and one reply, an int32 on the reply pipe, once the output is written:
// the number of frames printed, or -1 when kSkipSystem applied. This file
// is shared by both sides and depends on nothing else.
#pragma once

#include <cstdint>

namespace gort::tbhelper {

inline constexpr std::uint32_t kMagic = 0x31425447;  // "GTB1"

enum : std::uint32_t {
  kTrap = 1u << 0,        // regs' pc is exact (a fault), not a return address
  kBounded = 1u << 1,     // stop at the first frame outside [stacklo, stackhi]
  kSkipThrow = 1u << 2,   // start below the C++ throw machinery
  kForceAll = 1u << 3,    // show runtime frames too (the goroutine of a runtime throw)
  kSkipSystem = 1u << 4,  // print nothing at all if startpc is a runtime function
  kNoFrames = 1u << 5,    // the text and the created-by line only
  kNeverRan = 1u << 6,    // no frames yet: the entry function, at its first line
  kCreatedBy = 1u << 7,   // end with "created by" the function at gopc
};

// Registers in DWARF's numbering for x86-64.
enum : int { kRAX, kRDX, kRCX, kRBX, kRSI, kRDI, kRBP, kRSP, kR8, kR9, kR10, kR11, kR12, kR13, kR14, kR15, kRIP,
             kNRegs };

struct request {
  std::uint32_t magic = kMagic;
  std::uint32_t flags = 0;
  std::int32_t level = 1;        // GOTRACEBACK level: 0 none, 1 user frames, 2 runtime frames too
  std::uint32_t textlen = 0;
  std::uint32_t nregions = 0;
  std::uint32_t regmask = 0;     // bit r: regs[r] is known
  std::uint64_t skipsp = 0;      // drop the frames at or below this sp (the reporter's own)
  std::uint64_t stacklo = 0, stackhi = 0;  // the goroutine's stack, for kBounded
  std::uint64_t gopc = 0;        // pc of the go statement, for kCreatedBy
  std::uint64_t startpc = 0;     // the goroutine's entry, for kNeverRan and kSkipSystem
  std::uint64_t regs[kNRegs] = {};
};

struct region {
  std::uint64_t addr = 0;
  std::uint64_t len = 0;
};

// The most bytes of stack one request may carry (the helper refuses more).
inline constexpr std::uint64_t kMaxStackBytes = std::uint64_t(1) << 30;

}  // namespace gort::tbhelper
