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

LOADER_OBJS := $(patsubst loader/%.cpp,$(O)/obj/loader/%.o,$(filter-out loader/gort-exec.cpp loader/fuzz_validate.cpp,$(wildcard loader/*.cpp))) \
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

$(LOADER_LIB): $(LOADER_OBJS)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(GORT_EXEC): $(O)/obj/loader/gort-exec.o $(LOADER_LIB)
	@mkdir -p $(@D)
	$(CXX) -static-pie -o $@ $< $(LOADER_LIB) -lelf -lz

install: install-loader
install-loader: $(GORT_EXEC) $(LOADER_LIB)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib
	install -m 755 $(GORT_EXEC) $(DESTDIR)$(PREFIX)/bin/gort-exec
	install -m 644 $(LOADER_LIB) $(DESTDIR)$(PREFIX)/lib/libgort-exec.a

.PHONY: install-loader check-loader fuzz fuzz-run bench-loader
