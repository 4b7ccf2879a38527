// runtime/malloc.cpp: the runtime's own memory (Go: mem_linux.go and
// persistentalloc in malloc.go). The runtime never calls malloc: Gs, Ms, Ps
// and bookkeeping come from anonymous mappings. Like Go's, Gs are never freed
// (dead ones are reused through the gfree lists), so a bump allocator that
// never frees is what they need.
#include <sys/mman.h>

#include "runtime.hpp"
#include "sys_linux.hpp"

namespace gort::runtime {

void* sysAlloc(uintptr n) {
  long r = sys_mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (r < 0 && r > -4096) return nullptr;
  lsanroot(reinterpret_cast<void*>(r), n);  // (sanitizer.hpp)
  return reinterpret_cast<void*>(r);
}

void sysFree(void* v, uintptr n) {
  lsanunroot(v, n);
  sys_munmap(v, n);
}

static constexpr uintptr persistentChunkSize = 256 << 10;

constinit static struct {
  mutex lock;
  uintptr base = 0;
  uintptr off = 0;
} persistent;

// persistentalloc returns zeroed memory that is never freed. Out of memory
// is fatal, with Go's message.
void* persistentalloc(uintptr size, uintptr align) {
  if (align == 0) align = 8;
  if (size >= persistentChunkSize / 4) {
    void* v = sysAlloc((size + physPageSize - 1) & ~(physPageSize - 1));
    if (v == nullptr) throw_("out of memory");
    return v;
  }
  lock(&persistent.lock);
  uintptr off = (persistent.off + align - 1) & ~(align - 1);
  if (persistent.base == 0 || off + size > persistentChunkSize) {
    void* v = sysAlloc(persistentChunkSize);
    if (v == nullptr) {
      unlock(&persistent.lock);
      throw_("out of memory");
    }
    persistent.base = reinterpret_cast<uintptr>(v);
    off = 0;
  }
  persistent.off = off + size;
  void* p = reinterpret_cast<void*>(persistent.base + off);
  unlock(&persistent.lock);
  return p;
}

}  // namespace gort::runtime
