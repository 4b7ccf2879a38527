// loader/fuzz_validate.cpp: libFuzzer harness over the parse-and-validate
// layer (loader::validate, libelf underneath), as the program and as an
// interpreter. It must never crash, hang or read outside the input,
// whatever the bytes; AddressSanitizer and UBSan watch (make fuzz).
#include <stddef.h>
#include <stdint.h>

#include "loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  gort::loader::elfinfo info;
  gort::loader::policy pol;
  (void)gort::loader::validate(data, size, "fuzz", pol, false, &info);
  pol.allow_execstack = true;
  (void)gort::loader::validate(data, size, "fuzz", pol, true, &info);
  std::string interp, arg;
  bool has_arg;
  (void)gort::loader::parse_shebang(reinterpret_cast<const char*>(data), size, &interp, &arg, &has_arg);
  return 0;
}
