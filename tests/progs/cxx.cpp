// tests/progs/cxx.cpp: the C++ runtime works under gort: iostreams (whose
// ios_base::Init lives in the program's own .init_array), exceptions thrown
// and caught in main, printf of floating point, std::string and containers.
// Built through gort-c++ and with plain g++: outputs must be identical.
// hosted only: iostreams and locales need the C library
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

static int depth(int n) {
  if (n == 0) throw std::runtime_error("bottom reached");
  return depth(n - 1) + 1;
}

int main() {
  std::cout << "cout works " << 42 << " " << 2.5 << std::endl;
  try {
    depth(50);
    std::cout << "no exception?\n";
  } catch (const std::exception& e) {
    std::cout << "caught: " << e.what() << "\n";
  }
  try {
    throw 17;
  } catch (int v) {
    std::cout << "caught int " << v << "\n";
  }
  std::printf("printf %f %.3e %g\n", 3.14159, 12345.678, 0.1);
  std::map<std::string, std::vector<int>> m{{"a", {1, 2}}, {"b", {3}}};
  std::ostringstream os;
  for (auto& [k, v] : m) os << k << ":" << v.size() << " ";
  std::cout << os.str() << "\n";
  std::cerr << "cerr works\n";
  return 0;
}
