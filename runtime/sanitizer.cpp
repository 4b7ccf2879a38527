// runtime/sanitizer.cpp: the detours that mcall, systemstack and a
// goroutine's start take under a sanitizer, to tell it about the stack
// switches (sanitizer.hpp says why and how). Built always, used only in
// sanitizer builds.
#include "runtime.hpp"


namespace gort::runtime {

// mcalltramp is what mcallsan has mcall run on g0: it arrives there, then
// calls the mcall's function, which never returns (to the goroutine, it
// returns later through gogo, when the goroutine is resumed).
GORT_NOTSAN static void mcalltramp(g* gp) {
  sanarriveg0(getg());
  getg()->m->mcallfn(gp);
  throw_("runtime: mcall function returned");
}

void mcallsan(void (*fn)(g*)) {
  g* gp = getg();
  m* mp = gp->m;
  if (gp == mp->g0) throw_("runtime: mcall called on m->g0 stack");
  mp->mcallfn = fn;
  sanleave(gp, true, mp->g0, mp->g0->stack.lo, mp->g0->stack.hi);
  mcall_asm(mcalltramp);
  // Resumed (by execute, which switched TSan to our fiber).
  sanarrive(gp);
}

namespace {
struct syscall_ctx {
  void (*fn)(void*);
  void* arg;
  g* gp;
};
void systemstacktramp(void* a) {
  auto* c = static_cast<syscall_ctx*>(a);
  sanarriveg0(getg());
  c->fn(c->arg);
  // Back to the goroutine; g0's frames here are done with.
  sanleave(nullptr, false, c->gp, c->gp->stack.lo, c->gp->stack.hi, false);
}
}  // namespace

// systemstacksan: systemstack with the switch told to ASan. TSan stays on
// the goroutine's fiber: to it this is a call that returns.
void systemstacksan(void (*fn)(void*), void* arg) {
  g* gp = getg();
  m* mp = gp->m;
  if (gp == mp->g0 || gp == mp->gsignal) {
    fn(arg);
    return;
  }
  syscall_ctx c{fn, arg, gp};
  sanleave(gp, true, mp->g0, mp->g0->stack.lo, mp->g0->stack.hi, false);
  systemstack_asm(systemstacktramp, &c);
  sanarrive(gp);
}

#if GORT_TSAN
// The suppressions in runtime/tsan.supp (what TSan cannot model: each
// entry says why), built into the runtime: TSan asks every program for
// them through this hook at start-up (its weak default returns "").
asm(".pushsection .rodata.gort_tsan_supp, \"a\"\n"
    "gort_tsan_supp:\n"
    ".incbin \"runtime/tsan.supp\"\n"
    ".byte 0\n"
    ".popsection");
extern "C" const char gort_tsan_supp[];
extern "C" const char* __tsan_default_suppressions() { return gort_tsan_supp; }

// The text of libtsan, for sancaller: found at start-up by the hosted
// flavour (sanitizer runtimes are hosted only), which may call libc.
uintptr tsanlo, tsanhi;
#endif

void gostartsan(void* arg) {
  g* gp = static_cast<g*>(arg);
  sanarrive(nullptr);
  gp->startfn(gp->startarg);
}

}  // namespace gort::runtime
