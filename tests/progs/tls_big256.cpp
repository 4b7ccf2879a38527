// tests/progs/tls_big256.cpp: 256 KiB of thread_local data: enough for
// glibc to accept the g0 stack, which its TLS then overran into the guard
// below it (a fault inside pthread_create, before the fix). tls_big.hpp
// has the checks.
#define TLS_SIZE (256 * 1024)
#include "tls_big.hpp"
