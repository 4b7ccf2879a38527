// bench/floor/floor.hpp: what the floor programs share, their arguments
// ([N] [ROUNDS], checked) and the median of their rounds. Plain C++.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace floorbench {

struct args {
  long n;      // iterations per round
  int rounds;  // rounds, for a median
};

// parse reads [N] [ROUNDS] from argv, with defaults; bad values print a
// usage line naming prog and exit 2.
inline args parse(int argc, char** argv, const char* prog, long defn) {
  args a{argc > 1 ? std::atol(argv[1]) : defn, argc > 2 ? std::atoi(argv[2]) : 5};
  if (a.n <= 0 || a.rounds <= 0) {
    std::fprintf(stderr, "usage: %s [N > 0] [ROUNDS > 0]\n", prog);
    std::exit(2);
  }
  return a;
}

// sorted returns v in ascending order; its middle element is the median.
inline std::vector<double> sorted(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace floorbench
