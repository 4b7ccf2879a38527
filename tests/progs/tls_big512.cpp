// tests/progs/tls_big512.cpp: 512 KiB of thread_local data, more than a g0
// stack. glibc keeps a thread's static TLS at the top of the stack it is
// given, so every M's g0 mapping must be sized from the program's TLS
// (flavour_threadreserve): before, newosproc failed with EINVAL at boot
// (sysmon's M). tls_big.hpp has the checks.
#define TLS_SIZE (512 * 1024)
#include "tls_big.hpp"
