// tests/progs/exitcode.cpp: the exit status, from main's return and from
// exit() called in a goroutine; atexit handlers and static destructors run
// exactly once either way.
//   exitcode return N   main returns N
//   exitcode exit N     a goroutine calls exit(N) while main yields
//   exitcode busy N     main returns N while other goroutines are runnable
#include <gort/gort.hpp>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

static void say(const char* s) {
  ssize_t r = write(1, s, std::strlen(s));
  (void)r;
}

struct Static {
  ~Static() { say("static destructor\n"); }
} s;

int main(int argc, char** argv) {
  if (argc != 3) return 100;
  std::atexit([] { say("atexit handler\n"); });
  std::string mode = argv[1];
  int code = std::atoi(argv[2]);
  if (mode == "return") return code;
  if (mode == "exit") {
    gort::go([code] {
      say("goroutine calls exit\n");
      std::exit(code);
    });
    for (;;) gort::gosched();
  }
  if (mode == "busy") {
    for (int i = 0; i < 10; i++)
      gort::go([] {
        for (;;) gort::gosched();
      });
    gort::gosched();
    return code;
  }
  return 101;
}
