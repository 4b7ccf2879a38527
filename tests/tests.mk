# tests/tests.mk: included by the Makefile. `make check` builds and runs all
# tests; `make test` first installs missing Debian packages.
#
# Layout: a directory per subject, a file per topic, a Criterion suite per
# file, named after it: tests/<subject>/<suite>_test.cpp holds the tests
# Test(<suite>, ...), so `--filter '<suite>/*'` runs one file (HACKING.md,
# "Tests").
#   boot/    the crt and the boot sequence (boot); the gort-c++ driver (driver)
#   sched/   run queues (runq), stealing (steal), free Gs (gfree), the
#            scheduler (sched), Ms as threads (threads), checkdead (deadlock)
#   chan/    channels and select (chan)
#   sync/    the runtime lock (lock), the semaphore treap (sema), package
#            sync (sync)
#   time/    the timer heap (timerheap), timers and tickers (time)
#   stack/   goroutine stacks (stack)
#   env/     the environment and GODEBUG (env)
#   diag/    panics, fatal errors, tracebacks (diag)
#   gdb/     the gdb extension (gdb)
#   tools/   the tools people use on C++ programs: valgrind (tools)
#   syscall/ goroutines blocking in the kernel: the hooks, handoff, retake
#            (syscall)
#   loader/  gort-exec and gort::exec (loader): a binary of its own,
#            build/tests/loader_tests, linked with the loader (loader/loader.mk)
#   nolibc/  the nolibc flavour's own: its crt, allocator, C library and
#            C++ support (nolibc); the allocator on bare structures (malloc)
#   progs/   the programs the child-process tests run; wrong/: one linked
#            the wrong way. Not tests themselves.
# Each test file is one of two kinds, which its includes show:
# - bare-structure tests include "bare.hpp" (and so runtime/runtime.hpp)
#   and call runtime internals on structures they build (run queues, timer
#   heaps, the semaphore treap), linked with libgort.a; no scheduler runs
#   (Go's export_test.go idea). Criterion runs each test in a process of its
#   own, so a test may set the runtime's globals as it likes.
# - child-process tests include "harness.hpp" and run the programs of
#   tests/progs/ as child processes, matching their output and exit status
#   (Go's crash_test.go idea). Each program is built through gort-c++ in
#   four variants: PIE and non-PIE, at -O0 and -O2.
# All tests go into one binary, build/tests/gort_tests. A test that cannot
# run here says so on stderr ("[SKIP] suite::test: why", tests/skip.hpp).
# `make check` runs it twice, once per flavour (below).
#
# One suite or one test alone, once `make check` has built everything (in
# build/; build-debug/ and so on for DEBUG=1 and SANITIZE=..., HACKING.md):
#   build/tests/gort_tests --filter 'sema/*'
#   GORT_TEST_VARIANTS=nopie-O0 build/tests/gort_tests --filter 'chan/misuse_panics_as_in_go' --verbose
# `make check` sets GORT_TEST_DIR, GORT_TEST_VARIANTS and GORT_BIN (below);
# unset, they are build/tests, pie-O2 and build/bin.

# Under a sanitizer (make check-asan, check-tsan) two variants are enough.
TEST_VARIANTS := $(if $(SANITIZE),pie-O2 nopie-O0,pie-O0 pie-O2 nopie-O0 nopie-O2)
VFLAGS_pie-O0   := -fPIE -pie -O0
VFLAGS_pie-O2   := -fPIE -pie -O2
VFLAGS_nopie-O0 := -fno-pie -no-pie -O0
VFLAGS_nopie-O2 := -fno-pie -no-pie -O2

TEST_PROGS  := $(basename $(notdir $(wildcard tests/progs/*.cpp)))
NOLIBC_ONLY := $(basename $(notdir $(shell grep -l '^// nolibc only:' tests/progs/*.cpp)))
PROG_BINS   := $(foreach v,$(TEST_VARIANTS),$(foreach p,$(filter-out $(NOLIBC_ONLY),$(TEST_PROGS)),$(O)/tests/progs/$(v)/$(p)))
ORACLE_BINS := $(O)/tests/oracle/lifecycle $(O)/tests/oracle/cxx $(O)/tests/oracle/cxxcore
TEST_SRCS   := $(filter-out tests/loader/%,$(wildcard tests/*/*_test.cpp))
TEST_BIN    := $(O)/tests/gort_tests
# (GCC 12 warns falsely about libstdc++'s <regex> under a sanitizer.)
TEST_CXXFLAGS = -std=c++20 -O1 $(if $(DEBUG),-DGORT_DEBUG=1) $(SANFLAGS) -g -Wall -Wextra -Werror \
                $(if $(SANITIZE),-Wno-maybe-uninitialized) -I. -Iarch/$(ARCH) -Itests

# The headers the tests share (tests/*/*.hpp are in the link rule below).
$(TEST_BIN): $(wildcard tests/*.hpp)

define prog_rule
$(O)/tests/progs/$(1)/%: tests/progs/%.cpp $(SDK)
	@mkdir -p $$(@D)
	$(DRV) $(VFLAGS_$(1)) -g -Wall -Wextra -Werror -I. -Iarch/$(ARCH) $$< $$(PROG_LIBS_$$*) -o $$@
endef

# The nolibc flavour: the same programs built with gort-c++ --nolibc, in
# two variants (a static PIE at -O2, a non-PIE static program at -O0:
# the two link modes and both optimisation levels, at half the cost of
# four), under $(O)/tests/progs/nolibc/. A program that needs libc (a
# std::thread, iostreams, dlopen) says so in a line of its own,
# `// hosted only: why`, and is built for the hosted flavour only; one
# that tests what only the nolibc flavour has, `// nolibc only: why`.
NOLIBC_VARIANTS  := $(if $(SANITIZE),,pie-O2 nopie-O0)
HOSTED_ONLY      := $(basename $(notdir $(shell grep -l '^// hosted only:' tests/progs/*.cpp)))
NOLIBC_PROGS     := $(filter-out $(HOSTED_ONLY),$(TEST_PROGS))
NOLIBC_PROG_BINS := $(foreach v,$(NOLIBC_VARIANTS),$(foreach p,$(NOLIBC_PROGS),$(O)/tests/progs/nolibc/$(v)/$(p)))

define nolibc_rule
$(O)/tests/progs/nolibc/$(1)/%: tests/progs/%.cpp $(SDK)
	@mkdir -p $$(@D)
	$(DRV) --nolibc $(VFLAGS_$(1)) -g -Wall -Wextra -Werror -I. -Iarch/$(ARCH) $$< $$(PROG_LIBS_$$*) -o $$@
endef
$(foreach v,$(NOLIBC_VARIANTS),$(eval $(call nolibc_rule,$(v))))

# A shared library built the ordinary way, for the programs that call into
# one (syscall_shlib: a blocking call made from a shared library).
TEST_LIB := $(O)/tests/lib/libgortblock.so
$(TEST_LIB): tests/progs/lib/blockread.cpp
	@mkdir -p $(@D)
	$(CXX) -shared -fPIC -O2 -g -Wall -Wextra -Werror $< -o $@
PROG_LIBS_syscall_shlib = -L$(O)/tests/lib -lgortblock -Wl,-rpath,$(abspath $(O)/tests/lib)
$(foreach v,$(TEST_VARIANTS),$(O)/tests/progs/$(v)/syscall_shlib): $(TEST_LIB)
$(foreach v,$(TEST_VARIANTS),$(eval $(call prog_rule,$(v))))

# The differential oracle: the same program built the ordinary way.
$(O)/tests/oracle/%: tests/progs/%.cpp
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O2 -g -Wall -Wextra -Werror $< $(PROG_LIBS_$*) -o $@
PROG_LIBS_cxxcore = -std=c++20

# A program linked the wrong way, which must be refused at boot with a clear
# message: statically (bypassing gort-c++, which refuses -static itself).
# Static glibc wants _start, _init, _fini and _DYNAMIC from its start files; they are
# pointed at our entry only to let the link finish: the program stops before
# glibc could use them.
# A sanitizer cannot be linked statically: under SANITIZE the program comes
# from the plain build (the runtime refuses it all the same).
ifneq ($(SANITIZE),)
$(O)/tests/wrong/static_hello: tests/wrong/hello.cpp
	$(MAKE) --no-print-directory SANITIZE= O=build build/tests/wrong/static_hello
	@mkdir -p $(@D)
	cp build/tests/wrong/static_hello $@
else
$(O)/tests/wrong/static_hello: tests/wrong/hello.cpp $(SDK)
	@mkdir -p $(@D)
	$(CXX) -static -no-pie -O2 -I$(O)/include $< $(subst @DYNLIST@,$(DYNLIST),$(subst @CRT@,$(CRT),$(GORT_ENTRY))) \
	    -Wl,--defsym,_start=_rt0_amd64_linux,--defsym,_init=_rt0_amd64_linux,--defsym,_fini=_rt0_amd64_linux,--defsym,_DYNAMIC=0 \
	    -L$(O)/lib -lgort -o $@
endif

# The test binary is a hosted program: the hosted flavour comes with the
# runtime.
# Under TSan it is the plain build's: Criterion's runner cannot start there
# ("Could not initialize inheritable arena": it maps its arena where TSan
# keeps its shadow), and what check-tsan tests is the programs the test
# binary runs, built with TSan. The suites that link the runtime into the
# test binary itself (runq, sema, ...) run plain there, as in make check.
TEST_FLAVOUR_OBJS := $(O)/obj/boot/flavour_hosted.o
ifeq ($(SANITIZE),thread)
$(TEST_BIN): FORCE
	$(MAKE) --no-print-directory SANITIZE= O=build build/tests/gort_tests
	@mkdir -p $(@D)
	cp build/tests/gort_tests $@
else
$(TEST_BIN): $(TEST_SRCS) $(wildcard tests/*/*.hpp) $(LIB) $(TEST_FLAVOUR_OBJS)
	@mkdir -p $(@D)
	$(CXX) $(TEST_CXXFLAGS) $(TEST_SRCS) $(TEST_FLAVOUR_OBJS) $(LIB) $(GORT_LIBS) -lcriterion -o $@
endif

# `make install` into a scratch prefix, then build the demo with the
# installed gort-c++ and with pkg-config, and run both.
check-install: $(SDK)
	rm -rf $(O)/tests/prefix
	$(MAKE) --no-print-directory install PREFIX=$(abspath $(O)/tests/prefix) >/dev/null
	$(O)/tests/prefix/bin/gort-c++ -O2 examples/hello.cpp -o $(O)/tests/hello-installed
	$(O)/tests/hello-installed installed >/dev/null
	# workers built with the installed gort-c++ under each sanitizer, run
	# three times at GOMAXPROCS=4 (TSan exits 66 on a warning).
	for s in $(SANITIZERS); do \
	  $(O)/tests/prefix/bin/gort-c++ -O1 -g -fsanitize=$$s tests/progs/workers.cpp -o $(O)/tests/workers-$$s && \
	  for i in 1 2 3; do \
	    out=$$(GOMAXPROCS=4 timeout 300 $(O)/tests/workers-$$s 2000) && \
	    test "$$out" = "sum=2668667000 ok" || exit 1; done; done
	# A racy program under TSan: reported, exit 66, no hang (five runs).
	$(if $(filter thread,$(SANITIZERS)),$(O)/tests/prefix/bin/gort-c++ -O1 -g -fsanitize=thread tests/tools/tsan_race.cpp -o $(O)/tests/tsan_race)
	$(if $(filter thread,$(SANITIZERS)),for i in 1 2 3 4 5; do \
	  GOMAXPROCS=4 timeout 60 $(O)/tests/tsan_race >/dev/null 2>$(O)/tests/tsan_race.err; rc=$$?; \
	  if [ $$rc != 66 ] || ! grep -q 'WARNING: ThreadSanitizer: data race' $(O)/tests/tsan_race.err || \
	     ! grep -q 'tsan_race.cpp:' $(O)/tests/tsan_race.err; then \
	    echo "tsan_race: exit $$rc (want 66 and a symbolized report)"; cat $(O)/tests/tsan_race.err; exit 1; fi; done)
	test -f $(O)/tests/prefix/share/gort/gort-gdb.py && test -f $(O)/tests/prefix/share/man/man7/gort-gdb.7
	readelf -SW $(O)/tests/hello-installed | grep -q '\.debug_gdb_scripts'
	PKG_CONFIG_PATH=$(O)/tests/prefix/lib/pkgconfig g++ -O2 examples/hello.cpp \
	    $$(PKG_CONFIG_PATH=$(O)/tests/prefix/lib/pkgconfig pkg-config --cflags --libs gort) -o $(O)/tests/hello-pkgconfig
	$(O)/tests/hello-pkgconfig pkg-config >/dev/null
	$(if $(NOLIBC_VARIANTS),$(O)/tests/prefix/bin/gort-c++ --nolibc -O2 examples/hello.cpp -o $(O)/tests/hello-installed-nolibc)
	$(if $(NOLIBC_VARIANTS),$(O)/tests/hello-installed-nolibc installed-nolibc >/dev/null)
	$(if $(NOLIBC_VARIANTS),PKG_CONFIG_PATH=$(O)/tests/prefix/lib/pkgconfig g++ -O2 examples/hello.cpp \
	    $$(PKG_CONFIG_PATH=$(O)/tests/prefix/lib/pkgconfig pkg-config --cflags --libs gort-nolibc) -o $(O)/tests/hello-pkgconfig-nolibc)
	$(if $(NOLIBC_VARIANTS),$(O)/tests/hello-pkgconfig-nolibc pkg-config-nolibc >/dev/null)
	cd $(O)/tests && g++ -c $(abspath tests/link/archive_main.cpp) -o archive_main.o && ar rcs libarchive_main.a archive_main.o && \
	    g++ $(abspath tests/link/archive_tests.cpp) libarchive_main.a \
	    $$(PKG_CONFIG_PATH=prefix/lib/pkgconfig pkg-config --libs gort) -o archive-pkgconfig && ./archive-pkgconfig >/dev/null
	@echo "check-install: make install, gort-c++ (both flavours; -fsanitize=address, thread too) and pkg-config builds (main in an archive too), the gdb script: ok"

# The man pages: mandoc's linter, warnings and worse are errors.
check-man:
	mandoc -Tlint -Wwarning man/*.[137]
	@echo "check-man: man pages: ok"

# One suite, two runs: the hosted flavour's programs, then the nolibc
# flavour's (GORT_TEST_FLAVOUR=nolibc: harness.hpp finds them under
# progs/nolibc/, and a test that needs libc says so with hosted_only). The
# bare-structure suites test libgort.a, the same library in both
# flavours, the driver's tests the driver, and the nolibc suite names the
# nolibc programs itself: they run once, in the first run.
NOLIBC_ONCE := runq|gfree|steal|sema|lock|timerheap|env|stack|driver|malloc|nolibc
# test-progs builds what check runs, without running it: the suite and
# its programs, relinked against the current libgort.a, for runs by hand.
test-progs: all $(PROG_BINS) $(NOLIBC_PROG_BINS) $(ORACLE_BINS) $(O)/tests/wrong/static_hello $(TEST_BIN)
check: test-progs check-install check-man
	GORT_TEST_DIR=$(abspath $(O)/tests) GORT_TEST_VARIANTS="$(TEST_VARIANTS)" GORT_BIN=$(abspath $(O)/bin) \
	    GORT_TEST_SANITIZE=$(SANITIZE) $(if $(filter address,$(SANITIZE)),ASAN_OPTIONS=handle_segv=0) \
	    $(TEST_BIN) --jobs 2
	$(if $(NOLIBC_VARIANTS),GORT_TEST_FLAVOUR=nolibc GORT_TEST_DIR=$(abspath $(O)/tests) \
	    GORT_TEST_VARIANTS="$(NOLIBC_VARIANTS)" GORT_BIN=$(abspath $(O)/bin) \
	    $(TEST_BIN) --jobs 2 --filter '!(@($(NOLIBC_ONCE))/*)')

# The whole suite with the runtime and every test program built with
# AddressSanitizer or ThreadSanitizer (into build-address/, build-thread/);
# tests that cannot hold there (valgrind, memory limits, core files) say
# so and skip (gort-debug(7), SANITIZERS AND VALGRIND).
check-asan:
	$(MAKE) --no-print-directory SANITIZE=address check
check-tsan:
	$(MAKE) --no-print-directory SANITIZE=thread check

.PHONY: test-progs check check-install check-man check-asan check-tsan
