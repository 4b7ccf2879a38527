/* loader/handoff.h: the hand-off page, one source of truth for its layout,
 * included by handoff_amd64.S (the #defines) and by the C++ side (the
 * struct, checked field by field against the #defines).
 *
 * The page is the last thing of the launcher to run: load() fills it and
 * copies the code of handoff_amd64.S into it at HO_CODE; commit() jumps to
 * that copy, on the new program's stack, once nothing else of the caller
 * is needed. The page is position-independent: the code reaches the data
 * through rbx, never through rip.
 *
 *     0      struct handoff: entry, sp, gadget, mask, ... , prctl_mm_map
 *     HO_HOLES  holes[]: the ranges to munmap (everything of the caller)
 *     HO_XSAVE  576 bytes, 64-aligned: an XSAVE area whose header marks
 *               every state component as initial (xrstor = fresh FPU/AVX)
 *     HO_CODE   the code (gort_handoff_code .. gort_handoff_code_end)
 */
#ifndef GORT_LOADER_HANDOFF_H
#define GORT_LOADER_HANDOFF_H

#define HO_ENTRY 0          /* the entry point (program's, or interpreter's) */
#define HO_SP 8             /* the initial rsp: &argc */
#define HO_GADGET 16        /* vDSO "syscall; ret" or "syscall; leave; ret", or 0 */
#define HO_GADGET_LEAVE 24  /* 1: the gadget has the leave */
#define HO_SIGMASK 32       /* the signal mask the program starts with */
#define HO_SELF 40          /* this page */
#define HO_SELF_LEN 48
#define HO_FLAGS 56         /* HO_F_* */
#define HO_XCR0 64          /* state components for xrstor; 0: no XSAVE (fninit instead) */
#define HO_NHOLES 72
#define HO_MM 80            /* struct prctl_mm_map, 104 bytes */
#define HO_MM_EXE_FD (HO_MM + 100)
#define HO_MM_SIZE 104
#define HO_HOLES 192        /* 16 bytes each: address, length */
#define HO_MAX_HOLES 64
#define HO_XSAVE 1280
#define HO_CODE 2048
#define HO_PAGE 4096

#define HO_F_STOP 1         /* raise SIGSTOP before the jump (--stop-at-entry) */

#ifndef __ASSEMBLER__
#include <linux/prctl.h>
#include <stddef.h>
#include <stdint.h>

namespace gort::loader {

inline constexpr uint64_t kHandoffSize = HO_PAGE;
inline constexpr uint32_t kMaxHoles = HO_MAX_HOLES;

struct handoff {
  uint64_t entry, sp, gadget, gadget_leave, sigmask, self, self_len, flags, xcr0, nholes;
  struct prctl_mm_map mm;
  uint64_t pad_;
  struct hole {
    uint64_t addr, len;
  } holes[HO_MAX_HOLES];
};

static_assert(offsetof(handoff, entry) == HO_ENTRY);
static_assert(offsetof(handoff, sp) == HO_SP);
static_assert(offsetof(handoff, gadget) == HO_GADGET);
static_assert(offsetof(handoff, gadget_leave) == HO_GADGET_LEAVE);
static_assert(offsetof(handoff, sigmask) == HO_SIGMASK);
static_assert(offsetof(handoff, self) == HO_SELF);
static_assert(offsetof(handoff, self_len) == HO_SELF_LEN);
static_assert(offsetof(handoff, flags) == HO_FLAGS);
static_assert(offsetof(handoff, xcr0) == HO_XCR0);
static_assert(offsetof(handoff, nholes) == HO_NHOLES);
static_assert(offsetof(handoff, mm) == HO_MM);
static_assert(offsetof(handoff, mm.exe_fd) == HO_MM_EXE_FD);
static_assert(sizeof(prctl_mm_map) == HO_MM_SIZE);
static_assert(offsetof(handoff, holes) == HO_HOLES);
static_assert(sizeof(handoff) <= HO_XSAVE && HO_XSAVE % 64 == 0 && HO_XSAVE + 576 <= HO_CODE);

}  // namespace gort::loader
#endif
#endif
