// tests/progs/lifecycle.cpp: constructors before main in order, then
// destructors, atexit handlers and .fini_array at exit in reverse order.
// Built both through gort-c++ and with plain g++ (the oracle): the outputs
// must be identical. Uses write(2) so that the order is exact whatever stdio
// buffering does.
#include <unistd.h>

#include <cstdlib>
#include <cstring>

static void say(const char* s) {
  ssize_t r = write(1, s, std::strlen(s));
  (void)r;
}

struct Obj {
  const char* name;
  explicit Obj(const char* n) : name(n) {
    say("ctor ");
    say(name);
    say("\n");
  }
  ~Obj() {
    say("dtor ");
    say(name);
    say("\n");
  }
};

__attribute__((constructor(101))) static void early() { say("constructor(101)\n"); }
__attribute__((constructor(102))) static void later() { say("constructor(102)\n"); }
__attribute__((destructor(101))) static void lastdtor() { say("destructor(101)\n"); }
__attribute__((constructor)) static void plain() { say("constructor\n"); }

Obj a("a");
Obj b("b");

static void atexit1() { say("atexit 1\n"); }
static void atexit2() { say("atexit 2\n"); }

static Obj& lazy() {
  static Obj l("function-local static");
  return l;
}

int main() {
  say("main\n");
  std::atexit(atexit1);
  lazy();
  std::atexit(atexit2);
  return 7;
}
