// tests/loader/progs/hello.cpp: an ordinary g++ program (static
// constructors, iostream, an exception), run by execve and by gort-exec.
#include <iostream>
#include <stdexcept>
#include <string>

static std::string greeting = "hello from g++";

int main(int argc, char** argv) {
  std::cout << greeting << ", argc " << argc << ", last " << argv[argc - 1] << std::endl;
  try {
    throw std::runtime_error("caught");
  } catch (const std::exception& e) {
    std::cout << e.what() << std::endl;
  }
  return 5;
}
