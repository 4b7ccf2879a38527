# gort: Makefile. One file, sources found by wildcard; local overrides in
# config.mak (not tracked, read last so that it overrides anything here),
# e.g. `CXX = clang++` or `OPT = -O0`.
#
#   make              build the runtime, the crt, gort-c++ and the demo into build/
#   make test         install missing Debian packages, build, run every test
#   make check-realworld  googletest's and fmt's own suites, g++ vs gort-c++
#   make soak         gort under load for SOAK_S seconds (600), flat RSS and threads
#   make check-asan   the tests under AddressSanitizer (check-tsan: ThreadSanitizer)
#   make bench        benchmarks side by side with Go and Boost.Fiber (bench/)
#   make bench-floor  a bare context switch, a cache-line transfer here (bench/floor)
#   make bench-diag   diagnostics behind figures in bench/README.md (bench/diag)
#   make bench-net    HTTP and echo servers against Go and nginx (bench/net, examples/net.mk)
#   make install PREFIX=/usr/local
#   make deb          gort-dev_VERSION_amd64.deb (dpkg-deb), in build/
#   make demo         build and run examples/hello through the crt
#
# Switches: DEBUG=1 (-O0, and the runtime's debug checks: assertLockHeld,
# ...), SANITIZE=address|thread|undefined (the runtime and every program
# built through build/bin/gort-c++). Each combination builds into its own
# directory (build, build-debug, build-address, ...), or O=DIR.

CXX      ?= g++
ARCH     ?= amd64
PREFIX   ?= /usr/local
VERSION   = 0.1.0
DEBUG    ?=
SANITIZE ?=
O        ?= build$(if $(DEBUG),-debug)$(if $(SANITIZE),-$(SANITIZE))
OPT      ?= $(if $(DEBUG),-O0 -DGORT_DEBUG=1,-O2)
SANFLAGS  = $(if $(SANITIZE),-fsanitize=$(SANITIZE))
# GCC's ThreadSanitizer does not model atomic_thread_fence and says so
# (-Wtsan); the runtime's few fences (procfence, the spinning protocol)
# are then invisible to it (gort-debug(7), SANITIZERS AND VALGRIND).
SANWARN   = $(if $(filter thread,$(SANITIZE)),-Wno-tsan)

# Our code: warnings are errors. The runtime core is freestanding in spirit:
# no exceptions, no RTTI, no stack protector (it runs before TLS is checked),
# no thread-safe-statics guards (they would call libstdc++).
WARN        = -Wall -Wextra -Werror
RT_CXXFLAGS = -std=c++20 -Iarch/$(ARCH) $(OPT) $(SANFLAGS) $(SANWARN) -g -fno-omit-frame-pointer $(WARN) -fPIE -MMD -MP \
              -fno-exceptions -fno-rtti -fno-stack-protector -fno-threadsafe-statics \
              -fno-tree-loop-distribute-patterns -fasynchronous-unwind-tables
ASFLAGS     = -Iarch/$(ARCH) -g -fPIE -MMD -MP -Wa,--noexecstack -Wa,--fatal-warnings $(WARN)

# The libc hooks (runtime/syscall_linux.cpp, boot/hooks_hosted.cpp) go into
# the crt object, not libgort.a: every program must link them, whether or
# not its own code calls the functions they define.
HOOK_SRCS := runtime/syscall_linux.cpp
RT_SRCS   := $(filter-out $(HOOK_SRCS),$(wildcard runtime/*.cpp))
ARCH_SRCS := $(wildcard arch/$(ARCH)/*.S)
RT_OBJS   := $(RT_SRCS:%.cpp=$(O)/obj/%.o) $(ARCH_SRCS:%.S=$(O)/obj/%.o)
HOOK_OBJS := $(HOOK_SRCS:%.cpp=$(O)/obj/%.o) $(O)/obj/boot/hooks_hosted.o
# What the two crts share: the entry, __dso_handle, the gdb extension.
# Each adds its flavour (runtime/flavour.hpp).
CRT_COMMON := $(O)/obj/boot/rt0_linux_amd64.o $(O)/obj/boot/dso_handle.o $(O)/obj/boot/gdb_scripts.o
CRT_OBJS  := $(CRT_COMMON) $(O)/obj/boot/flavour_hosted.o $(O)/obj/boot/cxa_guard_hosted.o \
             $(O)/obj/boot/pthread_exit_hosted.o $(HOOK_OBJS)
# The nolibc flavour: boot/flavour_nolibc.cpp and what libc would supply
# (boot/nolibc/), with the runtime's libc hooks as libc's own functions.
NOLIBC_OBJS := $(O)/obj/boot/flavour_nolibc.o $(patsubst %.cpp,$(O)/obj/%.o,$(wildcard boot/nolibc/*.cpp)) \
               $(patsubst %.S,$(O)/obj/%.o,$(wildcard boot/nolibc/*.S))
CRT_NOLIBC_OBJS := $(CRT_COMMON) $(HOOK_SRCS:%.cpp=$(O)/obj/%.o) $(NOLIBC_OBJS)
HEADERS   := $(wildcard include/gort/*.hpp)

LIB   = $(O)/lib/libgort.a
CRT   = $(O)/lib/gort/crt-hosted.o
CRT_NOLIBC = $(O)/lib/gort/crt-nolibc.o
DYNLIST = $(O)/lib/gort/hooks.dynlist
DRV   = $(O)/bin/gort-c++
HDRS  = $(HEADERS:include/%=$(O)/include/%)
HELPER = $(O)/lib/gort/gort-traceback
# The nolibc flavour needs no sanitizer runtime (they need glibc): not in
# a SANITIZE build.
SDK   = $(LIB) $(CRT) $(if $(SANITIZE),,$(CRT_NOLIBC)) $(DYNLIST) $(DRV) $(HDRS) $(HELPER)

all: $(SDK) $(O)/demo/hello

# The link line of a gort program, in one place: the Makefile's own
# links, gort-c++ and gort.pc are all made from these two (the driver and
# the .pc file from their .in templates at build time). The entry is our
# crt's, and the dynamic list that exports the libc hooks (runtime/
# syscall_linux.cpp) to shared objects. `-u main` does what glibc's crt1.o
# does by coming first on g++'s line: it makes `main` wanted before any
# archive is read, so a main that lives in a static library (gtest_main,
# Catch2WithMain) is linked; our crt and libgort.a come after the user's
# archives, too late for that (ld takes -u wherever it stands). A program
# links no unwinder: frames for reports come from the traceback helper
# (runtime/tbhelper.hpp). libelf is used only by gort::exec
# (libgort-exec.a), hence --as-needed.
GORT_ENTRY = -nostartfiles @CRT@ -Wl,-e,_rt0_amd64_linux -Wl,-u,main -Wl,--dynamic-list=@DYNLIST@
GORT_LIBS  = -Wl,--push-state,--as-needed -lelf -Wl,--pop-state
# The nolibc flavour's link line (gort-c++ --nolibc, gort-nolibc.pc): a
# static program (a static PIE, GORT_STATIC_NOLIBC, as g++ makes PIEs by
# default; -static for -no-pie), no start files and no libc, the crt
# first; then libgort.a, and libstdc++, libgcc_eh (the unwinder, for
# exceptions) and libgcc as static archives. --gc-sections keeps only what
# is used of them, so the parts of libstdc++ that need more of a C library
# than the crt supplies (iostreams, locale, std::thread) are an error only
# in a program that uses them; --eh-frame-hdr gives the unwinder its table
# (a plain -static link has none).
GORT_STATIC_NOLIBC = -static-pie
GORT_ENTRY_NOLIBC  = -nostdlib @CRT@ -Wl,-e,_rt0_amd64_linux -Wl,-u,main -Wl,--gc-sections -Wl,--eh-frame-hdr
GORT_LIBS_NOLIBC   = -lstdc++ -lgcc_eh -lgcc
SUBST_LINK = sed -e 's|@GORT_ENTRY@|$(GORT_ENTRY)|' -e 's|@GORT_LIBS@|$(GORT_LIBS)|' -e 's|@SANFLAGS@|$(SANFLAGS)|' \
                 -e 's|@GORT_STATIC_NOLIBC@|$(GORT_STATIC_NOLIBC)|' -e 's|@GORT_ENTRY_NOLIBC@|$(GORT_ENTRY_NOLIBC)|' \
                 -e 's|@GORT_LIBS_NOLIBC@|$(GORT_LIBS_NOLIBC)|'

# api.cpp includes the public header, whose gort::go uses try/catch;
# cxa_guard_hosted.cpp throws libstdc++'s recursive_init_error.
$(O)/obj/runtime/api.o: RT_CXXFLAGS += -fexceptions
# The nolibc crt's C library: GCC must not turn memset's own loop into a
# call to memset; operator new throws.
$(NOLIBC_OBJS): RT_CXXFLAGS += -fno-builtin
$(O)/obj/boot/nolibc/cxxabi.o: RT_CXXFLAGS += -fexceptions
$(O)/obj/boot/cxa_guard_hosted.o: RT_CXXFLAGS += -fexceptions

# The runtime's code (runtime/, arch/, the crt's boot/) goes into a section
# of its own, gort_rt, which the linker places beside the program's .text
# and brackets with __start_gort_rt and __stop_gort_rt: asynchronous
# preemption never stops a goroutine there (runtime/preempt.cpp). GCC has
# no flag to name the text section, so each object's .text* sections are
# renamed once compiled.
RT_SECTION = objcopy $$(readelf -SW $@ | sed -n 's/^ *\[ *[0-9]*\] \(\.text[^ ]*\) .*/--rename-section \1=gort_rt/p') $@

# The crt names the traceback helper's path: the build tree's in the crt
# that $(DRV) links, PREFIX's in the one `make install` installs (below).
$(O)/obj/boot/flavour_hosted.o $(O)/obj/boot/flavour_nolibc.o: RT_CXXFLAGS += -DGORT_TRACEBACK_HELPER='"$(abspath $(HELPER))"'

# The TSan suppressions are built into the runtime (.incbin, runtime/tsan.supp).
$(O)/obj/runtime/sanitizer.o: runtime/tsan.supp

# Header dependencies come from the compiler (-MMD), read below.
$(O)/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(RT_CXXFLAGS) -c $< -o $@
	@$(RT_SECTION)

$(O)/obj/%.o: %.S
	@mkdir -p $(@D)
	$(CXX) $(ASFLAGS) -c $< -o $@
	@$(RT_SECTION)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)

# The gdb extension, embedded in the crt's .debug_gdb_scripts (gort-gdb(7)).
$(O)/obj/boot/gdb_scripts.o: scripts/gort-gdb.py

# Two checks on the runtime core. It must have no static constructors:
# runtime.main runs the program's .init_array after the runtime is up, and
# would re-initialise it. And it must not call libc (the compiler turns loops
# into strlen/memcpy calls unless stopped): only the API layer (api.o) may
# use the C++ runtime, and only the crt calls main. A sanitizer build adds
# its own constructors and calls (exempted).
$(LIB): $(RT_OBJS)
	@mkdir -p $(@D)
	@for o in $^; do if [ -z "$(SANITIZE)" ] && readelf -SW $$o | grep -q '\.init_array'; then \
	  echo "error: $$o has static constructors (.init_array); runtime globals must be constinit" >&2; exit 1; fi; done
	@for o in $(filter-out %/api.o,$^); do bad=$$(nm -u $$o | awk '{print $$2}' | \
	  grep -v -e '^_ZN4gort' -e '^runtime\.' -e '^_GLOBAL_OFFSET_TABLE_$$' -e '^main$$' -e '^gort_crt_missing' \
	    -e '^__asan_' -e '^__lsan_' -e '^__tsan_' -e '^__ubsan_' -e '^__sanitizer_' \
	    -e '^__st\(art\|op\)_gort_rt$$'); \
	  if [ -n "$$bad" ]; then echo "error: $$o calls outside the runtime (libc?): $$bad" >&2; exit 1; fi; done
	rm -f $@ && ar rcs $@ $^

# The crt: the entry point plus what the hosted flavour needs around it.
$(CRT): $(CRT_OBJS)
	@mkdir -p $(@D)
	ld -r -o $@ $^

# The nolibc crt. Checked: whatever it leaves undefined must come from
# libgort.a, libstdc++, libgcc_eh or libgcc, never from a C library. All
# its code is the runtime's for preemption (gort_rt, above), the C library
# it supplies included: a static program has no libc of its own to stay
# out of (runtime/preempt.cpp), so the allocator, mem*, stdio and the locks
# are never interrupted; renamed once more here, whatever the objects were
# built with.
$(CRT_NOLIBC): $(CRT_NOLIBC_OBJS)
	@mkdir -p $(@D)
	ld -r -o $@ $^
	@$(RT_SECTION)
	@bad=$$(nm -u $@ | awk '{print $$2}' | grep -v -e '^_ZN4gort' -e '^runtime\.' -e '^_GLOBAL_OFFSET_TABLE_$$' \
	  -e '^main$$' -e '^_ZN\(St\|9__gnu_cxx\|10__cxxabiv1\)' -e '^_ZS' -e '^_ZTV' -e '^_ZTI' -e '^__cxa_' -e '^_Unwind_' \
	  -e '^__\(preinit\|init\|fini\)_array_\(start\|end\)$$' -e '^__ehdr_start$$' -e '^_DYNAMIC$$' -e '^__rela_iplt_' \
	  -e '^__gxx_personality_v0$$' -e '^_ZdlPv' -e '^_Znwm'); \
	  if [ -n "$$bad" ]; then echo "error: $@ needs what no library of the nolibc link has: $$bad" >&2; rm -f $@; exit 1; fi

# The symbols the executable exports so that shared libraries' calls bind
# to the libc hooks (--dynamic-list): every function the hook objects
# define, read off the objects themselves.
$(DYNLIST): $(HOOK_OBJS)
	@mkdir -p $(@D)
	{ echo '{'; nm -g --defined-only $^ | awk '$$2 == "T" { print "  " $$3 ";" }' | sort -u; echo '};'; } > $@

$(DRV): scripts/gort-c++.in Makefile
	@mkdir -p $(@D)
	$(SUBST_LINK) -e 's|@CRT@|"$$crt"|' -e 's|@DYNLIST@|"$$dynlist"|' $< > $@ && chmod 755 $@

$(O)/include/%: include/%
	@mkdir -p $(@D)
	cp $< $@

# The traceback helper: unwinds and names the frames of crash reports, in a
# process of its own (runtime/tbhelper.hpp). Static, so that it starts
# whatever the dying program's environment and memory limit; not built with
# SANITIZE.
$(HELPER): tools/gort-traceback.cpp runtime/tbhelper.hpp
	@mkdir -p $(@D)
	$(CXX) -std=c++20 $(OPT) -g $(WARN) -static $< -o $@ -ldw -lelf -lz -llzma -lbz2

# ---- demo: the README's first command ----
$(O)/demo/hello: examples/hello.cpp $(SDK)
	@mkdir -p $(@D)
	$(DRV) -O2 -g -Wall -Wextra -Werror $< -o $@

demo: $(O)/demo/hello
	GODEBUG=boottrace=1 $(O)/demo/hello world

# ---- tests ----
include tests/tests.mk
include tests/soak/soak.mk
include loader/loader.mk
include examples/net.mk

deps:
	scripts/install-deps test

# `make test` is what .ci/run calls: dependencies, build, every test, and
# a one-minute soak (about 70 s on 2 cores; tests/soak/soak.mk).
test: deps
	$(MAKE) --no-print-directory check
	$(MAKE) --no-print-directory soak SOAK_S=60

# Real projects' own test suites (googletest's and fmt's, from Debian's
# source packages) built with g++ and with gort-c++: fails when gort passes
# fewer (scripts/check-realworld). Not part of `make test`: it takes longer
# than CI's budget (README.md has its time and last result).
check-realworld: deps-realworld $(SDK)
	scripts/check-realworld $(O)/realworld $(abspath $(DRV))

deps-realworld:
	scripts/install-deps realworld

# ---- benchmarks ----
bench: deps-bench all
	bench/run

deps-bench:
	scripts/install-deps bench

# Floors on this machine (bench/floor): under gort's Gosched switch, a bare
# symmetric context switch saving what gort's does, nothing of a scheduler;
# under work shared by two Ps, a cache line going from one CPU to the other.
bench-floor: $(O)/bench/floor/switch $(O)/bench/floor/c2c
	$(O)/bench/floor/switch
	$(O)/bench/floor/c2c

$(O)/bench/floor/c2c: bench/floor/c2c.cpp bench/floor/floor.hpp
	@mkdir -p $(@D)
	$(CXX) -std=c++20 $(OPT) $(WARN) -pthread $< -o $@

$(O)/bench/floor/switch: bench/floor/switch.cpp bench/floor/switch.S bench/floor/floor.hpp
	@mkdir -p $(@D)
	$(CXX) -std=c++20 $(OPT) $(WARN) -Wa,--noexecstack $(filter-out %.hpp,$^) -o $@

# Diagnostics quoted in bench/README.md and in comments of the runtime, each
# run 5 times; gort only (no Go counterpart), so not part of bench/run.
DIAG = $(O)/bench/diag/spawn_drain $(O)/bench/diag/spawn_backlog
bench-diag: $(DIAG)
	@for i in 1 2 3 4 5; do printf 'GOMAXPROCS=1 spawn_drain 300000: '; GOMAXPROCS=1 $(O)/bench/diag/spawn_drain 300000; done
	@for i in 1 2 3 4 5; do printf 'spawn_backlog 300000 1000000: '; $(O)/bench/diag/spawn_backlog 300000 1000000; done

$(O)/bench/diag/%: bench/diag/%.cpp bench/common/bench.hpp $(SDK)
	@mkdir -p $(@D)
	$(DRV) -std=c++20 $(OPT) $(WARN) -Ibench/common $< -o $@

# ---- the runtime under each sanitizer ----
# `gort-c++ -fsanitize=address` (or thread) links a runtime built with that
# sanitizer (scripts/gort-c++.in): `make sanitizers` builds both, in
# $(O)-address/ and $(O)-thread/ as `make SANITIZE=...` would, and copies
# their libgort.a, crt and dynamic list into $(O)/lib/gort/<sanitizer>/,
# where this build's gort-c++ finds them; `make install` installs them.
# Their crt names this build's traceback helper. Not in a sanitizer build.
SANITIZERS = $(if $(SANITIZE),,address thread)
SANRT = $(foreach s,$(SANITIZERS),$(O)/lib/gort/$(s)/libgort.a)
sanitizers: $(SANRT)
$(O)/lib/gort/%/libgort.a: FORCE $(HELPER)
	+$(MAKE) --no-print-directory SANITIZE=$* O=$(O)-$* HELPER=$(abspath $(HELPER)) \
	    $(O)-$*/lib/libgort.a $(O)-$*/lib/gort/crt-hosted.o $(O)-$*/lib/gort/hooks.dynlist
	@mkdir -p $(@D)
	cmp -s $(O)-$*/lib/libgort.a $@ || cp $(O)-$*/lib/libgort.a $@
	cp $(O)-$*/lib/gort/crt-hosted.o $(O)-$*/lib/gort/hooks.dynlist $(@D)/

# ---- install ----
# The installed crts name PREFIX's traceback helper; they are rebuilt when
# PREFIX changes (the file below holds the last one).
ICRT = $(O)/install/crt-hosted.o
$(O)/install/prefix: FORCE
	@mkdir -p $(@D)
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' > $@

$(O)/install/flavour_hosted.o: boot/flavour_hosted.cpp $(O)/install/prefix
	$(CXX) $(RT_CXXFLAGS) -DGORT_TRACEBACK_HELPER='"$(PREFIX)/lib/gort/gort-traceback"' -c $< -o $@
	@$(RT_SECTION)

$(ICRT): $(filter-out %/flavour_hosted.o,$(CRT_OBJS)) $(O)/install/flavour_hosted.o
	ld -r -o $@ $^

ICRT_NOLIBC = $(O)/install/crt-nolibc.o
$(O)/install/flavour_nolibc.o: boot/flavour_nolibc.cpp $(O)/install/prefix
	$(CXX) $(RT_CXXFLAGS) -fno-builtin -DGORT_TRACEBACK_HELPER='"$(PREFIX)/lib/gort/gort-traceback"' -c $< -o $@
	@$(RT_SECTION)

$(ICRT_NOLIBC): $(filter-out %/flavour_nolibc.o,$(CRT_NOLIBC_OBJS)) $(O)/install/flavour_nolibc.o
	ld -r -o $@ $^
	@$(RT_SECTION)

install: $(SDK) $(ICRT) $(if $(SANITIZE),,$(ICRT_NOLIBC)) $(SANRT)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/gort $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/include/gort $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(DRV) $(DESTDIR)$(PREFIX)/bin/gort-c++
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libgort.a
	install -m 644 $(ICRT) $(DESTDIR)$(PREFIX)/lib/gort/crt-hosted.o
	$(if $(SANITIZE),,install -m 644 $(ICRT_NOLIBC) $(DESTDIR)$(PREFIX)/lib/gort/crt-nolibc.o)
	install -m 644 $(DYNLIST) $(DESTDIR)$(PREFIX)/lib/gort/hooks.dynlist
	for s in $(SANITIZERS); do \
	  $(MAKE) --no-print-directory SANITIZE=$$s O=$(O)-$$s PREFIX=$(PREFIX) $(O)-$$s/install/crt-hosted.o >/dev/null && \
	  install -d $(DESTDIR)$(PREFIX)/lib/gort/$$s && \
	  install -m 644 $(O)/lib/gort/$$s/libgort.a $(O)/lib/gort/$$s/hooks.dynlist $(DESTDIR)$(PREFIX)/lib/gort/$$s/ && \
	  install -m 644 $(O)-$$s/install/crt-hosted.o $(DESTDIR)$(PREFIX)/lib/gort/$$s/ || exit 1; done
	install -m 755 $(HELPER) $(DESTDIR)$(PREFIX)/lib/gort/gort-traceback
	install -m 644 $(HEADERS) $(DESTDIR)$(PREFIX)/include/gort/
	install -d $(DESTDIR)$(PREFIX)/share/gort
	install -m 644 scripts/gort-gdb.py $(DESTDIR)$(PREFIX)/share/gort/gort-gdb.py
	$(SUBST_LINK) -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@CRT@|$${libdir}/gort/crt-hosted.o|' \
	    -e 's|@DYNLIST@|$${libdir}/gort/hooks.dynlist|' scripts/gort.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/gort.pc
	$(SUBST_LINK) -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@CRT@|$${libdir}/gort/crt-nolibc.o|' \
	    scripts/gort-nolibc.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/gort-nolibc.pc
	install -d $(DESTDIR)$(PREFIX)/lib/cmake/gort
	$(SUBST_LINK) -e '/_gort_entry_nolibc/s|@CRT@|$${_gort_libdir}/gort/crt-nolibc.o|' -e 's|@CRT@|$${_gort_libdir}/gort/crt-hosted.o|' \
	    -e 's|@DYNLIST@|$${_gort_libdir}/gort/hooks.dynlist|' scripts/gortConfig.cmake.in \
	    > $(DESTDIR)$(PREFIX)/lib/cmake/gort/gortConfig.cmake
	sed -e 's|@VERSION@|$(VERSION)|' scripts/gortConfigVersion.cmake.in \
	    > $(DESTDIR)$(PREFIX)/lib/cmake/gort/gortConfigVersion.cmake
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 644 man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/

comma := ,

# ---- the CMake package and pkg-config from other build systems ----
# Part of `make check`: the demo built by CMake (find_package, gort::gort)
# and by Meson (pkg-config) against check-install's `make install` into
# $(O)/tests/prefix, run, and its entry point checked.
# Not under SANITIZE: the CMake, Meson and pkg-config files do not carry
# -fsanitize, and a plain link of a sanitizer-built libgort.a fails; the
# packages are checked by the plain build's check.
check: $(if $(SANITIZE),,check-packages)
check-packages: check-install
	rm -rf $(O)/tests/cmake $(O)/tests/cmake-archive $(O)/tests/meson
	cmake -S examples/cmake -B $(O)/tests/cmake -DCMAKE_PREFIX_PATH=$(abspath $(O)/tests/prefix) >/dev/null
	cmake --build $(O)/tests/cmake >/dev/null
	cmake -S tests/link/cmake -B $(O)/tests/cmake-archive -DCMAKE_PREFIX_PATH=$(abspath $(O)/tests/prefix) >/dev/null
	cmake --build $(O)/tests/cmake-archive >/dev/null
	test "$$($(O)/tests/cmake-archive/archive_tests)" = "main from the archive ran"
	PKG_CONFIG_PATH=$(abspath $(O)/tests/prefix)/lib/pkgconfig meson setup $(O)/tests/meson examples/meson >/dev/null
	ninja -C $(O)/tests/meson >/dev/null
	for p in $(O)/tests/cmake/hello $(O)/tests/meson/hello \
	    $(if $(SANITIZE),,$(O)/tests/cmake/hello-nolibc $(O)/tests/meson/hello-nolibc); do \
	  $$p packages >/dev/null && readelf -hs $$p | scripts/check-entry $$p || exit 1; done
	$(if $(SANITIZE),,! readelf -d $(O)/tests/cmake/hello-nolibc | grep -q NEEDED)
	@echo "check-packages: the demo from CMake (gort::gort$(if $(SANITIZE),,$(comma) gort::nolibc)) and Meson (pkg-config), main in an archive from CMake: ok"

# ---- the Debian package ----
# What `make install PREFIX=/usr` installs, man pages compressed, with a
# control file (scripts/deb-control.in) whose Depends are the packages a
# gort program links (libc6, libstdc++6, libgcc-s1, at least the versions
# it was built with here) and g++, which gort-c++ runs. The traceback
# helper is static: it needs nothing at run time.
DEB     = $(O)/gort-dev_$(VERSION)_amd64.deb
DEBROOT = $(O)/deb/root
debver  = $$(dpkg-query -W -f '$${Version}' $(1) | sed -e 's/^[0-9]*://' -e 's/[-+~].*//')
deb: $(DEB)
$(DEB): $(SDK) scripts/deb-control.in FORCE
	rm -rf $(DEBROOT)
	$(MAKE) --no-print-directory install PREFIX=/usr DESTDIR=$(abspath $(DEBROOT)) >/dev/null
	gzip -9n $(DEBROOT)/usr/share/man/man*/*
	install -d $(DEBROOT)/DEBIAN
	sed -e 's|@VERSION@|$(VERSION)|' -e "s|@LIBC@|$(call debver,libc6)|" \
	    -e "s|@LIBSTDCXX@|$(call debver,libstdc++6)|" -e "s|@LIBGCC@|$(call debver,libgcc-s1)|" \
	    -e "s|@SIZE@|$$(du -sk $(DEBROOT)/usr | cut -f1)|" scripts/deb-control.in > $(DEBROOT)/DEBIAN/control
	dpkg-deb --root-owner-group -Zxz --build $(DEBROOT) $@

# The package as CI uses it, once installed (`apt-get install
# ./build/gort-dev_*.deb`, as root): the demo built with /usr/bin/gort-c++,
# with CMake and with Meson, and run.
check-deb:
	@dpkg-query -W -f '$${Status}' gort-dev 2>/dev/null | grep -q "install ok installed" || \
	  { echo "check-deb: gort-dev is not installed (make deb; apt-get install ./$(DEB))" >&2; exit 1; }
	rm -rf $(O)/tests/deb && mkdir -p $(O)/tests/deb
	/usr/bin/gort-c++ -O2 examples/hello.cpp -o $(O)/tests/deb/hello-driver
	cmake -S examples/cmake -B $(O)/tests/deb/cmake >/dev/null && cmake --build $(O)/tests/deb/cmake >/dev/null
	meson setup $(O)/tests/deb/meson examples/meson >/dev/null && ninja -C $(O)/tests/deb/meson >/dev/null
	for p in $(O)/tests/deb/hello-driver $(O)/tests/deb/cmake/hello $(O)/tests/deb/meson/hello \
	    $(O)/tests/deb/cmake/hello-nolibc $(O)/tests/deb/meson/hello-nolibc; do \
	  $$p deb >/dev/null && readelf -hs $$p | scripts/check-entry $$p || exit 1; done
	@echo "check-deb: the installed package builds the demo with gort-c++, CMake and Meson: ok"

clean:
	rm -rf $(O)

# Local overrides, last: they win over everything above.
-include config.mak

.PHONY: all demo sanitizers deps test check check-packages check-realworld deps-realworld bench deps-bench bench-floor bench-diag install deb check-deb clean FORCE
