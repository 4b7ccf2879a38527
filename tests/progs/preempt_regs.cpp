// tests/progs/preempt_regs.cpp: a goroutine preempted asynchronously goes
// on bit-exact, and preemption never lands inside malloc (gort(7),
// "PREEMPTION"). Reads the runtime's counters and asks for preemptions
// itself (runtime/runtime.hpp: preemptStats, PreemptOthers; Go's
// export_test.go idea), from a thread of its own that gort does not run,
// as fast as the goroutines take them, instead of waiting for sysmon's 10
// ms slices.
//
//   preempt_regs regs N [S] two goroutines at GOMAXPROCS=1 run churn, a
//                           loop that keeps live values in every general
//                           register, the vector registers (xmm, ymm, or
//                           zmm0-31 and k0-7, whatever the CPU has), the
//                           flags (a carry chain, DF set), MXCSR and the x87
//                           stack and control word, each with its own
//                           rounding modes; each chunk of iterations is run
//                           twice, preemptible and inside gort::no_preempt,
//                           and the results must be equal to the bit, until
//                           N preemptions have landed. Prints the counts.
//   preempt_regs malloc N [S] goroutines allocating, filling, checking and
//                           freeing blocks of random sizes while N
//                           preemption signals arrive: the blocks keep
//                           their contents and glibc's malloc finds no
//                           damage (it aborts when it does).
// S, if given, bounds the run's time besides N (see capSeconds).
// Prints one "<mode>: ok" or "<mode>: FAIL ..." line; exit status 0 if ok.
#ifndef GORT_NOLIBC
#include <malloc.h>
#endif
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/runtime.hpp"
#include "tests/progs/check.hpp"
#include "tests/progs/thread.hpp"

namespace rt = gort::runtime;

// ---- churn ----

// The state churn starts from and ends with; offsets fixed for the assembly.
struct alignas(64) churnstate {
  std::uint64_t gpr[15];  // rax rbx rcx rdx rsi rdi rbp r8 r9 r10 r11 r12 r13 r14 r15
  std::uint64_t rflags;   // 120
  std::uint32_t mxcsr;    // 128
  std::uint16_t fpcw;     // 132
  std::uint16_t pad0[5];
  unsigned char x87[2][16];  // 144, 160: st0 and st1, 80-bit extended
  unsigned char pad1[16];
  std::uint64_t k[8];            // 192: k0-k7 (16 bits used: AVX512F)
  unsigned char vec[32][64];     // 256: xmm/ymm/zmm0-31, 64 bytes apart
};
static_assert(offsetof(churnstate, rflags) == 120 && offsetof(churnstate, mxcsr) == 128);
static_assert(offsetof(churnstate, fpcw) == 132 && offsetof(churnstate, x87) == 144);
static_assert(offsetof(churnstate, k) == 192 && offsetof(churnstate, vec) == 256);

// void churn_MODE(churnstate* s, uint64_t iters)
//   rdi = s, rsi = iters (> 0). Loads every register from s, runs iters
//   rounds that mix them all, stores them back. During the loop every
//   general register but rsp holds data (rcx counts down), CF runs through
//   an adc chain from one round into the next (dec keeps CF), DF stays as
//   s->rflags set it; the vector registers form an add chain, one of them
//   accumulates a double rounded as MXCSR says, and st0 accumulates st1
//   rounded as the x87 control word says. A preemption that loses or
//   swaps any of it changes the result.
//   Stack: the six callee-saved registers, then s (at 0(%rsp) in the
//   loop, 16(%rsp) after the epilogue's two pushes).
asm(R"(
	.altmacro
	.macro vadd r, i, j
	vpaddq %\r\j, %\r\i, %\r\i
	.endm
	.macro kxor i, j
	kxorw %k\j, %k\i, %k\i
	.endm
	.macro addchain r, n
	.set .Li, 0
	.rept \n
	vadd \r, %.Li, %(.Li+1)
	.set .Li, .Li+1
	.endr
	.endm
	.macro vmove ins, r, n, load
	.set .Li, 0
	.rept \n
	.if \load
	vmoveone \ins, \r, %.Li, %(256+64*.Li)
	.else
	vstoreone \ins, \r, %.Li, %(256+64*.Li)
	.endif
	.set .Li, .Li+1
	.endr
	.endm
	.macro vmoveone ins, r, i, off
	\ins \off(%rdi), %\r\i
	.endm
	.macro vstoreone ins, r, i, off
	\ins %\r\i, \off(%rdi)
	.endm
	.macro kmove n, load
	.set .Li, 0
	.rept \n
	.if \load
	kmoveone %.Li, %(192+8*.Li)
	.else
	kstoreone %.Li, %(192+8*.Li)
	.endif
	.set .Li, .Li+1
	.endr
	.endm
	.macro kmoveone i, off
	kmovw \off(%rdi), %k\i
	.endm
	.macro kstoreone i, off
	kmovw %k\i, \off(%rdi)
	.endm
	.noaltmacro

	.macro churn name, mode
	.text
	.globl \name
	.type \name, @function
	.p2align 4
\name:
	.cfi_startproc
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi
	.cfi_adjust_cfa_offset 56
	movq %rsi, %rcx
	.altmacro
	.ifc \mode,sse
	vmove movdqu, xmm, 16, 1
	.endif
	.ifc \mode,avx2
	vmove vmovdqu, ymm, 16, 1
	.endif
	.ifc \mode,avx512
	vmove vmovdqu64, zmm, 32, 1
	kmove 8, 1
	.endif
	.noaltmacro
	ldmxcsr 128(%rdi)
	fldcw 132(%rdi)
	fldt 160(%rdi)
	fldt 144(%rdi)
	pushq 120(%rdi)
	popfq
	movq 0(%rdi), %rax
	movq 8(%rdi), %rbx
	movq 24(%rdi), %rdx
	movq 32(%rdi), %rsi
	movq 48(%rdi), %rbp
	movq 56(%rdi), %r8
	movq 64(%rdi), %r9
	movq 72(%rdi), %r10
	movq 80(%rdi), %r11
	movq 88(%rdi), %r12
	movq 96(%rdi), %r13
	movq 104(%rdi), %r14
	movq 112(%rdi), %r15
	movq 40(%rdi), %rdi
1:
	adcq %rbx, %rax
	adcq %rdx, %rbx
	adcq %rsi, %rdx
	adcq %rdi, %rsi
	adcq %rbp, %rdi
	adcq %r8, %rbp
	adcq %r9, %r8
	adcq %r10, %r9
	adcq %r11, %r10
	adcq %r12, %r11
	adcq %r13, %r12
	adcq %r14, %r13
	adcq %r15, %r14
	adcq %rax, %r15
	bswapq %rax
	leaq 0x7f4a7c15(%rbx,%rdx,4), %rbx
	notq %rsi
	.altmacro
	.ifc \mode,sse
	addchain xmm, 13
	paddq %xmm0, %xmm13
	pshufd $0x93, %xmm0, %xmm0
	addsd %xmm14, %xmm15
	.endif
	.ifc \mode,avx2
	addchain ymm, 13
	vpaddq %ymm0, %ymm13, %ymm13
	vpshufd $0x93, %ymm0, %ymm0
	vaddsd %xmm14, %xmm15, %xmm15
	.endif
	.ifc \mode,avx512
	addchain zmm, 29
	vpaddq %zmm0, %zmm29, %zmm29
	vpshufd $0x93, %zmm0, %zmm0
	vaddsd %xmm30, %xmm31, %xmm31
	.set .Li, 0
	.rept 7
	kxor %.Li, %(.Li+1)
	.set .Li, .Li+1
	.endr
	kshiftlw $1, %k7, %k7
	kxnorw %k0, %k7, %k7
	.endif
	.noaltmacro
	fadd %st(1), %st
	decq %rcx
	jnz 1b
	pushfq
	pushq %rdi
	movq 16(%rsp), %rdi
	movq %rax, 0(%rdi)
	movq %rbx, 8(%rdi)
	movq %rcx, 16(%rdi)
	movq %rdx, 24(%rdi)
	movq %rsi, 32(%rdi)
	movq %rbp, 48(%rdi)
	movq %r8, 56(%rdi)
	movq %r9, 64(%rdi)
	movq %r10, 72(%rdi)
	movq %r11, 80(%rdi)
	movq %r12, 88(%rdi)
	movq %r13, 96(%rdi)
	movq %r14, 104(%rdi)
	movq %r15, 112(%rdi)
	popq %rax
	movq %rax, 40(%rdi)
	popq %rax
	movq %rax, 120(%rdi)
	cld
	stmxcsr 128(%rdi)
	fnstcw 132(%rdi)
	fstpt 144(%rdi)
	fstpt 160(%rdi)
	.altmacro
	.ifc \mode,sse
	vmove movdqu, xmm, 16, 0
	.endif
	.ifc \mode,avx2
	vmove vmovdqu, ymm, 16, 0
	vzeroupper
	.endif
	.ifc \mode,avx512
	vmove vmovdqu64, zmm, 32, 0
	kmove 8, 0
	vzeroupper
	.endif
	.noaltmacro
	movl $0x1f80, -4(%rsp)
	ldmxcsr -4(%rsp)
	fninit
	popq %rdi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	.cfi_adjust_cfa_offset -56
	ret
	.cfi_endproc
	.size \name, .-\name
	.endm

	churn churn_sse, sse
	churn churn_avx2, avx2
	churn churn_avx512, avx512
	.section .note.GNU-stack,"",@progbits
)");

extern "C" void churn_sse(churnstate* s, std::uint64_t iters);
extern "C" void churn_avx2(churnstate* s, std::uint64_t iters);
extern "C" void churn_avx512(churnstate* s, std::uint64_t iters);

namespace {

std::uint64_t splitmix(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

// seed fills s for chunk k of goroutine who: random registers, and each
// goroutine its own rounding modes, so that running one's code with the
// other's control words shows.
void seed(churnstate* s, std::uint64_t k, int who) {
  std::memset(static_cast<void*>(s), 0, sizeof *s);
  std::uint64_t x = k * 2 + std::uint64_t(who) + 1;
  for (auto& r : s->gpr) r = splitmix(x);
  for (auto& v : s->vec)
    for (int i = 0; i < 64; i += 8) {
      std::uint64_t w = splitmix(x);
      std::memcpy(&v[i], &w, 8);
    }
  // xmm14 (xmm30 with AVX-512): the double added each round, 1/3.
  double third = 1.0 / 3.0;
  std::memcpy(s->vec[14], &third, 8);
  std::memcpy(s->vec[30], &third, 8);
  for (auto& r : s->k) r = splitmix(x) & 0xffff;
  // CF set, DF set, bit 1 always set.
  s->rflags = 0x2 | 0x1 | 0x400;
  // Goroutine 0 rounds toward zero, 1 upward; 1 also flushes to zero.
  s->mxcsr = who == 0 ? 0x1f80 | 0x6000 : 0x1f80 | 0x4000 | 0x8000;
  s->fpcw = who == 0 ? 0x037f | 0x0c00 : 0x037f | 0x0800;
  long double a = (long double)(splitmix(x) % 1000) / 7, b = 1.0L / 3;
  std::memcpy(s->x87[0], &a, 10);
  std::memcpy(s->x87[1], &b, 10);
}

struct cpu {
  bool avx2 = false, avx512 = false;
};

cpu detect() {
  cpu c;
  unsigned a, b, cx, d;
  __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(cx), "=d"(d) : "a"(1), "c"(0));
  if (((cx >> 27) & 1) == 0) return c;  // no OSXSAVE
  unsigned lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(cx), "=d"(d) : "a"(7), "c"(0));
  c.avx2 = ((b >> 5) & 1) && (lo & 6) == 6;
  c.avx512 = ((b >> 16) & 1) && (lo & 0xe6) == 0xe6;
  return c;
}

std::atomic<bool> stop{false};

// The run's bound besides N (main's third argument, seconds; 0: none): on
// a busy machine, 10^5 cross-thread signals can take minutes. A run cut
// short by it must still have seen kMinPreemptions to pass; it says so.
double capSeconds = 0;
constexpr std::uint64_t kMinPreemptions = 200;
std::chrono::steady_clock::time_point started;
bool capped() {
  return capSeconds > 0 &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= capSeconds;
}
bool enough(std::uint64_t got, long want) {
  return got >= std::uint64_t(want) || (capped() && got >= kMinPreemptions);
}

// driver asks for preemptions from a thread of its own, one at a time:
// each request waits until the goroutines' thread has taken its signal
// (or 2 ms), then the next.
void driver() {
  while (!stop.load()) {
    std::uint64_t h = rt::preemptStats.get(rt::statHandled);
    rt::PreemptOthers();
    for (int i = 0; i < 20000 && rt::preemptStats.get(rt::statHandled) == h && !stop.load(); i++)
      if (i % 64 == 63)
        sched_yield();  // the goroutines' thread may be waiting for this CPU
      else
        __builtin_ia32_pause();
  }
}

int regs(long want) {
  cpu c = detect();
  void (*fn)(churnstate*, std::uint64_t) = c.avx512 ? churn_avx512 : c.avx2 ? churn_avx2 : churn_sse;
  const char* mode = c.avx512 ? "gpr+flags+x87+mxcsr+zmm0-31+k0-7" : c.avx2 ? "gpr+flags+x87+mxcsr+ymm0-15" : "gpr+flags+x87+mxcsr+xmm0-15";
  if (!c.avx512) std::printf("note: no AVX-512 here: zmm16-31 and k0-7 not exercised\n");
  std::atomic<long> chunks{0}, bad{0};
  std::atomic<int> done{0};
  std::uint64_t injected0 = rt::preemptStats.get(rt::statInjected);
  auto injected = [&] { return rt::preemptStats.get(rt::statInjected) - injected0; };
  for (int who = 0; who < 2; who++)
    gort::go([&, who] {
      churnstate* got = static_cast<churnstate*>(std::aligned_alloc(64, sizeof(churnstate)));
      churnstate* ref = static_cast<churnstate*>(std::aligned_alloc(64, sizeof(churnstate)));
      for (std::uint64_t k = 0; !stop.load(); k++) {
        seed(ref, k, who);
        {
          gort::no_preempt np;
          fn(ref, 200000);
        }
        seed(got, k, who);
        fn(got, 200000);
        if (std::memcmp(got, ref, sizeof *got) != 0) {
          if (bad.fetch_add(1) < 3) {
            for (int i = 0; i < int(sizeof *got); i += 8)
              if (std::memcmp(reinterpret_cast<char*>(got) + i, reinterpret_cast<char*>(ref) + i, 8) != 0)
                std::printf("goroutine %d chunk %lu: bytes %d..%d differ\n", who, (unsigned long)k, i, i + 7);
          }
        }
        chunks.fetch_add(1);
      }
      std::free(got);
      std::free(ref);
      done.fetch_add(1);
    });
  progs::thread d(driver);
  while (injected() < std::uint64_t(want) && bad.load() == 0 && !capped()) gort::sleep(std::chrono::milliseconds(20));
  stop.store(true);
  d.join();
  while (done.load() < 2) gort::sleep(std::chrono::milliseconds(1));
  std::printf("mode=%s preemptions=%lu chunks=%ld (each run twice) mismatches=%ld pinned=%lu\n", mode,
              (unsigned long)injected(), chunks.load(), bad.load(),
              (unsigned long)rt::preemptStats.get(rt::statPinned));
  char detail[160];
  std::snprintf(detail, sizeof detail, "%ld mismatches in %ld chunks over %lu preemptions", bad.load(), chunks.load(),
                (unsigned long)injected());
  if (injected() < std::uint64_t(want)) std::printf("stopped by the %.0f s bound before %ld\n", capSeconds, want);
  progs::report("regs", bad.load() == 0 && enough(injected(), want), detail);
  return progs::fails;
}

int mallocs(long want) {
  std::atomic<long> rounds{0}, bad{0};
  std::atomic<int> done{0};
  constexpr int kG = 3;
  std::uint64_t h0 = rt::preemptStats.get(rt::statHandled);
  for (int who = 0; who < kG; who++)
    gort::go([&, who] {
      constexpr int kSlots = 256;
      unsigned char* slot[kSlots] = {};
      std::size_t size[kSlots] = {};
      std::uint64_t x = std::uint64_t(who) + 7;
      while (!stop.load()) {
        int i = int(splitmix(x) % kSlots);
        if (slot[i] != nullptr) {
          for (std::size_t j = 0; j < size[i]; j++)
            if (slot[i][j] != (unsigned char)(i + j + who)) {
              bad.fetch_add(1);
              break;
            }
          std::free(slot[i]);
        }
        // Mostly tcache sizes, some above its limit, a few mmap'd.
        std::uint64_t r = splitmix(x) % 100;
        size[i] = r < 80 ? 1 + splitmix(x) % 512 : r < 98 ? 1024 + splitmix(x) % 65536 : 200000;
        slot[i] = static_cast<unsigned char*>(std::malloc(size[i]));
        for (std::size_t j = 0; j < size[i]; j++) slot[i][j] = (unsigned char)(i + j + who);
        rounds.fetch_add(1, std::memory_order_relaxed);
      }
      for (int i = 0; i < kSlots; i++) std::free(slot[i]);
      done.fetch_add(1);
    });
  progs::thread d(driver);
  while (rt::preemptStats.get(rt::statHandled) - h0 < std::uint64_t(want) && bad.load() == 0 && !capped())
    gort::sleep(std::chrono::milliseconds(20));
  stop.store(true);
  d.join();
  while (done.load() < kG) gort::sleep(std::chrono::milliseconds(1));
#ifndef GORT_NOLIBC
  malloc_trim(0);  // walks the arenas' free lists once more
#endif
  auto st = [](int i) { return (unsigned long)rt::preemptStats.get(i); };
  std::printf("signals handled=%lu preempted=%lu refused in libc=%lu in the runtime=%lu rounds=%ld damaged=%ld\n",
              (unsigned long)(rt::preemptStats.get(rt::statHandled) - h0), st(rt::statInjected),
              st(rt::statRefusedForeignPC), st(rt::statRefusedRuntimePC), rounds.load(), bad.load());
  if (rt::preemptStats.get(rt::statHandled) - h0 < std::uint64_t(want))
    std::printf("stopped by the %.0f s bound before %ld\n", capSeconds, want);
  progs::report("malloc", bad.load() == 0 && enough(rt::preemptStats.get(rt::statHandled) - h0, want),
                bad.load() != 0 ? "a block lost its contents" : "");
  return progs::fails;
}

}  // namespace

int main(int argc, char** argv) {
  std::printf("gomaxprocs=%d\n", gort::gomaxprocs(0));
  long n = argc > 2 ? std::atol(argv[2]) : 100000;
  capSeconds = argc > 3 ? std::atof(argv[3]) : 0;
  started = std::chrono::steady_clock::now();
  if (argc > 1 && std::strcmp(argv[1], "regs") == 0) return regs(n);
  if (argc > 1 && std::strcmp(argv[1], "malloc") == 0) return mallocs(n);
  std::fprintf(stderr, "usage: preempt_regs regs|malloc [N [seconds]]\n");
  return 2;
}
