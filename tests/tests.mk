# tests/tests.mk: included by the Makefile. `make check` builds and runs all
# tests; `make test` first installs missing Debian packages.
#
# - tests/unit/*.cpp: Criterion tests of runtime internals on bare structures
#   (run queues, free lists, stacks), linked with libgort.a (Go's
#   export_test.go idea: the tests include runtime/runtime.hpp).
# - tests/boot/*.cpp: Criterion tests that run the programs of tests/progs/ as
#   child processes and match their output and exit status (Go's
#   crash_test.go idea). Each program is built through gort-c++ in four
#   variants: PIE and non-PIE, at -O0 and -O2.
# All tests go into one binary, build/tests/gort_tests.

TEST_VARIANTS := pie-O0 pie-O2 nopie-O0 nopie-O2
VFLAGS_pie-O0   := -fPIE -pie -O0
VFLAGS_pie-O2   := -fPIE -pie -O2
VFLAGS_nopie-O0 := -fno-pie -no-pie -O0
VFLAGS_nopie-O2 := -fno-pie -no-pie -O2

TEST_PROGS  := $(basename $(notdir $(wildcard tests/progs/*.cpp)))
PROG_BINS   := $(foreach v,$(TEST_VARIANTS),$(foreach p,$(TEST_PROGS),$(O)/tests/progs/$(v)/$(p)))
ORACLE_BINS := $(O)/tests/oracle/lifecycle $(O)/tests/oracle/cxx
TEST_SRCS   := $(wildcard tests/unit/*.cpp tests/boot/*.cpp)
TEST_BIN    := $(O)/tests/gort_tests
TEST_CXXFLAGS = -std=c++20 -O1 $(if $(DEBUG),-DGORT_DEBUG=1) $(SANFLAGS) -g -Wall -Wextra -Werror -I. -Iarch/$(ARCH) -Itests

define prog_rule
$(O)/tests/progs/$(1)/%: tests/progs/%.cpp $(SDK)
	@mkdir -p $$(@D)
	$(DRV) $(VFLAGS_$(1)) -g -Wall -Wextra -Werror -I. -Iarch/$(ARCH) $$< -o $$@
endef
$(foreach v,$(TEST_VARIANTS),$(eval $(call prog_rule,$(v))))

# The differential oracle: the same program built the ordinary way.
$(O)/tests/oracle/%: tests/progs/%.cpp
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O2 -g -Wall -Wextra -Werror $< -o $@

# A program linked the wrong way, which must be refused at boot with a clear
# message: statically (bypassing gort-c++, which refuses -static itself).
# Static glibc wants _start, _init, _fini and _DYNAMIC from its start files; they are
# pointed at our entry only to let the link finish: the program stops before
# glibc could use them. The traceback libraries (libunwind, libdw and what
# libdw needs) come as static archives here, libgcc_eh first so that its
# _Unwind_* are the ones linked (libunwind.a defines them too).
$(O)/tests/wrong/static_hello: tests/wrong/hello.cpp $(SDK)
	@mkdir -p $(@D)
	$(CXX) -static -no-pie -O2 -I$(O)/include $< $(subst @CRT@,$(CRT),$(GORT_ENTRY)) \
	    -Wl,--defsym,_start=_rt0_amd64_linux,--defsym,_init=_rt0_amd64_linux,--defsym,_fini=_rt0_amd64_linux,--defsym,_DYNAMIC=0 \
	    -L$(O)/lib -lgort -lgcc_eh -lunwind -ldw -lelf -lz -llzma -lbz2 -o $@

$(TEST_BIN): $(TEST_SRCS) $(wildcard tests/*/*.hpp) $(LIB) $(O)/obj/boot/flavour_hosted.o
	@mkdir -p $(@D)
	$(CXX) $(TEST_CXXFLAGS) $(TEST_SRCS) $(O)/obj/boot/flavour_hosted.o $(LIB) $(GORT_LIBS) -lcriterion -o $@

# `make install` into a scratch prefix, then build the demo with the
# installed gort-c++ and with pkg-config, and run both.
check-install: $(SDK)
	rm -rf $(O)/tests/prefix
	$(MAKE) --no-print-directory install PREFIX=$(abspath $(O)/tests/prefix) >/dev/null
	$(O)/tests/prefix/bin/gort-c++ -O2 examples/hello.cpp -o $(O)/tests/hello-installed
	$(O)/tests/hello-installed installed >/dev/null
	test -f $(O)/tests/prefix/share/gort/gort-gdb.py && test -f $(O)/tests/prefix/share/man/man7/gort-gdb.7
	readelf -SW $(O)/tests/hello-installed | grep -q '\.debug_gdb_scripts'
	PKG_CONFIG_PATH=$(O)/tests/prefix/lib/pkgconfig g++ -O2 examples/hello.cpp \
	    $$(PKG_CONFIG_PATH=$(O)/tests/prefix/lib/pkgconfig pkg-config --cflags --libs gort) -o $(O)/tests/hello-pkgconfig
	$(O)/tests/hello-pkgconfig pkg-config >/dev/null
	cd $(O)/tests && g++ -c $(abspath tests/link/archive_main.cpp) -o archive_main.o && ar rcs libarchive_main.a archive_main.o && \
	    g++ $(abspath tests/link/archive_tests.cpp) libarchive_main.a \
	    $$(PKG_CONFIG_PATH=prefix/lib/pkgconfig pkg-config --libs gort) -o archive-pkgconfig && ./archive-pkgconfig >/dev/null
	@echo "check-install: make install, gort-c++ and pkg-config builds (main in an archive too), the gdb script: ok"

# The man pages: mandoc's linter, warnings and worse are errors.
check-man:
	mandoc -Tlint -Wwarning man/*.[137]
	@echo "check-man: man pages: ok"

check: all $(PROG_BINS) $(ORACLE_BINS) $(O)/tests/wrong/static_hello $(TEST_BIN) check-install check-man
	GORT_TEST_DIR=$(abspath $(O)/tests) GORT_TEST_VARIANTS="$(TEST_VARIANTS)" GORT_BIN=$(abspath $(O)/bin) \
	    $(TEST_BIN) --jobs 2

.PHONY: check check-install check-man
