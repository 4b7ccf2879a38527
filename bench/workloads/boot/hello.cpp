// boot: a hello world, built twice from this one file: through gort-c++
// (booted by gort) and by plain g++ (glibc's own start code, dynamic).
#include <iostream>

int main() {
  std::cout << "hello, world\n";
  return 0;
}
