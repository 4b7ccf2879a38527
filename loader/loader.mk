# loader/loader.mk: gort-exec(1), the userland exec under it, gort::exec,
# their tests, fuzzing and benchmark. Included by the Makefile.
#
#   make                 also builds build/bin/gort-exec and build/lib/libgort-exec.a
#   make check           also runs the loader's tests (check-loader) and a
#                        bounded fuzzing run (FUZZ_SECONDS: 60 in CI, else 10)
#   make fuzz            libFuzzer on the parse-and-validate layer (FUZZ_SECONDS=300)
#   make bench           also times gort-exec against execve (bench-loader)
#   make install         also installs gort-exec and libgort-exec.a
#
# gort-exec is a static PIE: it starts fast (no ld.so, no shared objects),
# never sits at 0x400000 where ET_EXEC programs go, and leaves the
# 0x55... range where the kernel puts PIE programs free.
# libgort-exec.a holds the loader and gort::exec; gort-c++ names it before
# -lgort, so only a program that calls gort::exec pulls it in, and libelf
# (named --as-needed) becomes a dependency of that program only.

LOADER_OBJS := $(patsubst loader/%.cpp,$(O)/obj/loader/%.o,$(filter-out loader/gort-exec.cpp loader/fuzz_validate.cpp loader/exec_api.cpp,$(wildcard loader/*.cpp))) \
               $(O)/obj/loader/handoff_amd64.o
LOADER_CXXFLAGS = -std=c++20 $(OPT) -g -fno-omit-frame-pointer $(WARN) -fPIE
LOADER_HDRS := $(wildcard loader/*.hpp loader/*.h) boot/initstack.hpp arch/amd64/syscall_linux_amd64.hpp
GORT_EXEC   := $(O)/bin/gort-exec
LOADER_LIB  := $(O)/lib/libgort-exec.a

all: $(GORT_EXEC) $(LOADER_LIB)

$(O)/obj/loader/%.o: loader/%.cpp $(LOADER_HDRS) $(wildcard runtime/*.hpp) $(HEADERS)
	@mkdir -p $(@D)
	$(CXX) $(LOADER_CXXFLAGS) -c $< -o $@

$(O)/obj/loader/%.o: loader/%.S loader/handoff.h
	@mkdir -p $(@D)
	$(CXX) $(ASFLAGS) -c $< -o $@

# libgort-exec.a is one object whose only global symbol is gort::exec: the
# loader and gort::exec linked together (ld -r), everything else made
# local. An archive member is pulled in by any symbol it defines, the weak
# copies of inline C++ functions included (a program that throws
# gort::panic_error would otherwise drag the loader in through its
# typeinfo); this way only a call of gort::exec does.
GORT_EXEC_SYM = _ZN4gort4execEPKcPKPcS4_PNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE
$(O)/obj/loader/gort_exec_api.o: $(O)/obj/loader/exec_api.o $(LOADER_OBJS)
	ld -r -o $@ $^
	objcopy --keep-global-symbol=$(GORT_EXEC_SYM) $@
	@nm -g --defined-only $@ | grep -q ' T $(GORT_EXEC_SYM)$$' || { echo "error: $@ does not define gort::exec" >&2; exit 1; }

$(LOADER_LIB): $(O)/obj/loader/gort_exec_api.o
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(GORT_EXEC): $(O)/obj/loader/gort-exec.o $(LOADER_OBJS)
	@mkdir -p $(@D)
	$(CXX) -static-pie -o $@ $^ -lelf -lz

install: install-loader
install-loader: $(GORT_EXEC) $(LOADER_LIB)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib
	install -m 755 $(GORT_EXEC) $(DESTDIR)$(PREFIX)/bin/gort-exec
	install -m 644 $(LOADER_LIB) $(DESTDIR)$(PREFIX)/lib/libgort-exec.a


# gort-c++ links every program with -lgort-exec: the library must exist
# before any program is built through it.
$(DRV): $(LOADER_LIB)

# ---- tests (tests/loader/) ----
# Criterion tests in their own binary, run by `make check`; the programs
# they launch are built here at test time: a probe (static, static-pie,
# dynamic), a g++ program, Go programs (static and PIE), gort programs,
# and the corpus of malformed ELF files (tests/loader/mkcorpus.py).
LT          := $(O)/tests/loader
LOADER_TEST := $(O)/tests/loader_tests
PROBE_SRCS  := tests/loader/progs/probe.c tests/loader/progs/regs_entry.S
LOADER_FIXTURES := $(LT)/probe-static $(LT)/probe-spie $(LT)/probe-dyn $(LT)/hello-cxx $(LT)/go-static $(LT)/go-pie \
                   $(LT)/exec_gort $(LT)/corpus/MANIFEST

$(LT)/probe-static: $(PROBE_SRCS)
	@mkdir -p $(@D)
	gcc -O1 -g -static -no-pie -Wl,-e,probe_entry -Wa,--noexecstack $^ -o $@
$(LT)/probe-spie: $(PROBE_SRCS)
	@mkdir -p $(@D)
	gcc -O1 -g -static-pie -Wl,-e,probe_entry -Wa,--noexecstack $^ -o $@
$(LT)/probe-dyn: $(PROBE_SRCS)
	@mkdir -p $(@D)
	gcc -O1 -g -Wl,-e,probe_entry -Wa,--noexecstack $^ -o $@
$(LT)/hello-cxx: tests/loader/progs/hello.cpp
	@mkdir -p $(@D)
	$(CXX) -O2 $(WARN) $< -o $@
$(LT)/go-static: tests/loader/progs/hello.go
	@mkdir -p $(@D)
	cd $(@D) && HOME=$(abspath $(LT)) GOCACHE=$(abspath $(LT))/gocache CGO_ENABLED=0 go build -o $(@F) $(abspath $<)
$(LT)/go-pie: tests/loader/progs/hello.go
	@mkdir -p $(@D)
	cd $(@D) && HOME=$(abspath $(LT)) GOCACHE=$(abspath $(LT))/gocache go build -buildmode=pie -o $(@F) $(abspath $<)
$(LT)/exec_gort: tests/loader/progs/exec_gort.cpp $(SDK) $(LOADER_LIB)
	@mkdir -p $(@D)
	$(DRV) -O2 -g $(WARN) $< -o $@
$(LT)/corpus/MANIFEST: tests/loader/mkcorpus.py $(LT)/probe-static $(LT)/probe-spie $(LT)/probe-dyn
	rm -rf $(LT)/corpus
	python3 $< $(LT)/probe-static $(LT)/probe-spie $(LT)/probe-dyn $(LT)/corpus

$(LOADER_TEST): $(wildcard tests/loader/*.cpp tests/loader/*.hpp) tests/harness.hpp $(LOADER_OBJS)
	@mkdir -p $(@D)
	$(CXX) -std=c++20 -O1 -g $(WARN) -I. -Itests $(filter %.cpp,$^) $(LOADER_OBJS) -lelf -lcriterion -pthread -o $@

check: check-loader
check-loader: all $(LOADER_TEST) $(LOADER_FIXTURES) $(PROG_BINS) fuzz-run
	GORT_TEST_DIR=$(abspath $(O)/tests) GORT_TEST_VARIANTS="$(TEST_VARIANTS)" GORT_BIN=$(abspath $(O)/bin) \
	    GORT_TEST_SANITIZE=$(SANITIZE) $(LOADER_TEST) --jobs 2

# ---- fuzzing: libFuzzer (clang) on loader::validate ----
# make fuzz runs FUZZ_SECONDS (default 300); make check runs it for 60 s in
# CI and 10 s elsewhere. Inputs that crash it are kept in
# tests/loader/fuzz-crashes/ and replayed by every run (corpus tests).
FUZZ_BIN     := $(O)/fuzz/validate_fuzz
FUZZ_SECONDS ?= $(if $(CI),60,10)
$(FUZZ_BIN): loader/fuzz_validate.cpp loader/validate.cpp $(LOADER_HDRS)
	@mkdir -p $(@D)
	clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined $(WARN) \
	    loader/fuzz_validate.cpp loader/validate.cpp -lelf -o $@
fuzz: FUZZ_SECONDS = 300
fuzz: fuzz-run
fuzz-run: $(FUZZ_BIN) $(LT)/corpus/MANIFEST
	@mkdir -p $(O)/fuzz/corpus
	cp -f $(LT)/probe-static $(LT)/probe-spie $(LT)/probe-dyn $(O)/fuzz/corpus/
	find $(LT)/corpus -type f ! -name MANIFEST -size -200k -exec cp -f {} $(O)/fuzz/corpus/ \; 2>/dev/null || true
	$(FUZZ_BIN) -runs=1 tests/loader/fuzz-crashes/
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix=$(O)/fuzz/ $(O)/fuzz/corpus 2>$(O)/fuzz/log || { tail -40 $(O)/fuzz/log; exit 1; }
	@grep -E "stat::number_of_executed_units|stat::peak_rss" $(O)/fuzz/log

# ---- benchmark: a hello world started by gort-exec and by execve ----
bench: bench-loader
bench-loader: $(GORT_EXEC) $(O)/demo/hello
	bench/loader/run $(O)

.PHONY: install-loader check-loader fuzz fuzz-run bench-loader
