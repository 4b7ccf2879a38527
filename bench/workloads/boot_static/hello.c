/* boot_static (C): a hello world built with gcc -static -O2: the start-up
   of a static glibc program, the yardstick of gort's nolibc boot. */
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
