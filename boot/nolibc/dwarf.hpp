// boot/nolibc/dwarf.hpp: reading DWARF's encodings, for the nolibc
// flavour's unwinder and symbolizer (symtab.cpp). Header only.
#pragma once

#include <cstdint>

namespace gort::nolibc::dwarf {

using u8 = std::uint8_t;
using u64 = std::uint64_t;

// A cursor over bytes in memory; reads past end give zeroes and set bad.
struct reader {
  const u8* p;
  const u8* end;
  bool bad = false;

  bool more() const { return p < end; }
  template <class T>
  T get() {
    if (end - p < long(sizeof(T))) {
      bad = true;
      p = end;
      return T(0);
    }
    T v;
    __builtin_memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
  }
  u8 u8v() { return get<u8>(); }
  std::uint16_t u16v() { return get<std::uint16_t>(); }
  std::uint32_t u32v() { return get<std::uint32_t>(); }
  u64 u64v() { return get<u64>(); }
  u64 uleb() {
    u64 v = 0;
    for (int shift = 0;; shift += 7) {
      u8 b = u8v();
      if (shift < 64) v |= u64(b & 0x7f) << shift;
      if ((b & 0x80) == 0 || bad) return v;
    }
  }
  std::int64_t sleb() {
    std::int64_t v = 0;
    int shift = 0;
    u8 b;
    do {
      b = u8v();
      if (shift < 64) v |= std::int64_t(b & 0x7f) << shift;
      shift += 7;
    } while ((b & 0x80) != 0 && !bad);
    if (shift < 64 && (b & 0x40) != 0) v |= -(std::int64_t(1) << shift);
    return v;
  }
  const char* cstr() {
    const char* s = reinterpret_cast<const char*>(p);
    while (p < end && *p != 0) p++;
    if (p < end) p++;
    else bad = true;
    return s;
  }
  // An initial length: 32-bit, or 64-bit DWARF (0xffffffff then 8 bytes).
  u64 initlen(bool* dwarf64) {
    std::uint32_t n = u32v();
    *dwarf64 = n == 0xffffffff;
    return *dwarf64 ? u64v() : n;
  }
  u64 offset(bool dwarf64) { return dwarf64 ? u64v() : u32v(); }
  void skip(u64 n) {
    if (u64(end - p) < n) {
      bad = true;
      p = end;
    } else {
      p += n;
    }
  }
};

// Pointer encodings of .eh_frame (DW_EH_PE_*).
enum : u8 {
  peAbsptr = 0x00, peUleb128 = 0x01, peUdata2 = 0x02, peUdata4 = 0x03, peUdata8 = 0x04,
  peSleb128 = 0x09, peSdata2 = 0x0a, peSdata4 = 0x0b, peSdata8 = 0x0c,
  pePcrel = 0x10, peDatarel = 0x30, peIndirect = 0x80, peOmit = 0xff,
};

// readencoded reads a pointer in encoding enc; datarel is the base of
// DW_EH_PE_datarel (the start of .eh_frame_hdr in its table).
inline u64 readencoded(reader& r, u8 enc, u64 datarel = 0) {
  if (enc == peOmit) return 0;
  u64 pc = reinterpret_cast<std::uintptr_t>(r.p);
  u64 v = 0;
  switch (enc & 0x0f) {
    case peAbsptr: v = r.u64v(); break;
    case peUleb128: v = r.uleb(); break;
    case peUdata2: v = r.u16v(); break;
    case peUdata4: v = r.u32v(); break;
    case peUdata8: v = r.u64v(); break;
    case peSleb128: v = u64(r.sleb()); break;
    case peSdata2: v = u64(std::int64_t(std::int16_t(r.u16v()))); break;
    case peSdata4: v = u64(std::int64_t(std::int32_t(r.u32v()))); break;
    case peSdata8: v = r.u64v(); break;
    default: r.bad = true; return 0;
  }
  switch (enc & 0x70) {
    case pePcrel: v += pc; break;
    case peDatarel: v += datarel; break;
    default: break;
  }
  if ((enc & peIndirect) != 0) v = *reinterpret_cast<const u64*>(v);
  return v;
}

}  // namespace gort::nolibc::dwarf
