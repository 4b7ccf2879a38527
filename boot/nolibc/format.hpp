// boot/nolibc/format.hpp: the printf engine (format.cpp) and where its
// output goes.
#pragma once

#include <cstdarg>
#include <cstddef>

#include "nolibc.hpp"

namespace gort::nolibc {

// fmtsink collects vformat's output in buf[0, cap): a string sink
// (fd < 0) keeps what fits and counts the rest; a descriptor sink writes
// buf to fd whenever it fills, and at flush.
struct fmtsink {
  char* buf;
  std::size_t cap;
  std::size_t len = 0;
  std::size_t total = 0;  // characters produced
  int fd = -1;
  bool err = false;

  void put(const char* s, std::size_t n);
  void pad(char c, std::size_t n);
  void flush();
};

// vformat formats like vprintf into out; returns the number of characters
// produced (what printf returns), or -1 past INT_MAX.
int vformat(fmtsink* out, const char* fmt, va_list ap);

}  // namespace gort::nolibc
