# primeproc - an interactive prime tester, one process per number (see README.md).
#
#   make            build ./primeproc
#   make run        build it and start an interactive session
#   make test       install Catch2 if missing (and allowed), build, run every test: once as
#                   built, once under ASan+UBSan, once under valgrind (tests/run-all.sh)
#   make fuzz       run the libFuzzer target for the line parser (FUZZ_SECONDS, default 60)
#   make bench      the benchmarks of docs/performance.md (not part of make test)
#   make install    PREFIX=/usr/local, DESTDIR for staging
#
# Honours CXX, CC, CXXFLAGS, CPPFLAGS, LDFLAGS, LDLIBS. OUT is where objects go, BIN the
# program's path: a second build (sanitizers, say) uses its own OUT and BIN and shares nothing
# with this one.

CXXFLAGS ?= -O2 -g
PREFIX   ?= /usr/local
OUT      ?= build
BIN      ?= primeproc

# -pthread: the pthread_mutex_* calls (glibc 2.34 has them in libc; older ones and other systems
# need it). The warnings are not optional: the code compiles clean with both g++ and clang++.
REQUIRED := -std=c++17 -Wall -Wextra -pthread
DEPFLAGS  = -MMD -MP

# Linked statically by default: fork() is cheaper for a process with fewer mappings, and a
# static primeproc takes about half the time per number of a dynamic one (docs/performance.md).
# 'make LINK=' builds it dynamically. The sanitizer build is always dynamic.
LINK ?= -static

# The story (primeproc.cpp), the lock, and the plumbing in support/ (one subject per file).
SUPPORT_OBJS := $(patsubst %.cpp,$(OUT)/%.o,$(sort $(wildcard support/*.cpp)))
PROGRAM_OBJS := $(OUT)/primeproc.o $(OUT)/lock.o $(SUPPORT_OBJS)
TEST_OBJS    := $(OUT)/tests/main.o $(OUT)/tests/harness.o \
                $(patsubst %.cpp,$(OUT)/%.o,$(sort $(wildcard tests/test_*.cpp)))
UNIT         := $(OUT)/tests/unit

.PHONY: all run test check install uninstall clean catch2 tools debug sanitized fuzz bench

all: $(BIN)

$(BIN): $(PROGRAM_OBJS)
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(LINK) -o $@ $(PROGRAM_OBJS) $(LDLIBS)

$(OUT)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(REQUIRED) $(CPPFLAGS) $(CXXFLAGS) $(DEPFLAGS) -c -o $@ $<

# Tests need Catch2 before they compile; the script installs it or says how.
$(TEST_OBJS): | catch2
catch2:
	@CXX="$(CXX)" ./tests/ensure-package.sh catch2 ./tests/have-catch2.sh

# forkpty lives in libutil with glibc.
$(UNIT): $(TEST_OBJS) $(OUT)/lock.o $(SUPPORT_OBJS)
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ -lutil $(LDLIBS)

# Test-only links of the same objects:
#  - tests/primeproc-failfork: fork() wrapped at link time (tests/failfork.c), so that a test
#    can make chosen forks fail;
#  - dynamic/primeproc and dynamic/primeproc-failfork: linked dynamically for valgrind, which
#    must replace the C library's malloc to check the heap, and cannot in a static program.
WRAP_FORK     := -Wl,--wrap=fork
TEST_PROGRAMS := $(OUT)/tests/primeproc-failfork $(OUT)/dynamic/primeproc \
                 $(OUT)/dynamic/primeproc-failfork
$(OUT)/tests/failfork.o: tests/failfork.c
	@mkdir -p $(dir $@)
	$(CC) -Wall -Wextra -O2 -c -o $@ $<
$(OUT)/tests/primeproc-failfork: $(PROGRAM_OBJS) $(OUT)/tests/failfork.o
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(LINK) $(WRAP_FORK) -o $@ $^ $(LDLIBS)
$(OUT)/dynamic/primeproc: $(PROGRAM_OBJS)
	@mkdir -p $(dir $@)
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(OUT)/dynamic/primeproc-failfork: $(PROGRAM_OBJS) $(OUT)/tests/failfork.o
	@mkdir -p $(dir $@)
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(WRAP_FORK) -o $@ $^ $(LDLIBS)

run: $(BIN)
	./$(BIN)

# The same program and tests once more with AddressSanitizer and UndefinedBehaviorSanitizer, in
# their own OUT, so the plain build stays as it is (gdb, benchmarks).
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
sanitized:
	@$(MAKE) --no-print-directory OUT=build/asan BIN=build/asan/primeproc LINK= \
	    CXXFLAGS="-O1 -g $(SANITIZE)" LDFLAGS="$(SANITIZE)" \
	    build/asan/primeproc build/asan/tests/unit build/asan/tests/primeproc-failfork

# What the test stages run besides the compiler: gdb (the session of docs/gdb.md), valgrind,
# groff (the man page lint). Installed like Catch2 when missing.
tools:
	@./tests/ensure-package.sh gdb gdb --version
	@./tests/ensure-package.sh valgrind valgrind --version
	@./tests/ensure-package.sh groff-base groff --version

# The three builds are independent: build them in parallel on every core (JOBS), then test.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test check: tools catch2
	@$(MAKE) --no-print-directory -j$(JOBS) $(BIN) $(UNIT) $(TEST_PROGRAMS) sanitized debug
	@PRIMEPROC="$(abspath $(BIN))" UNIT="$(UNIT)" \
	    FAILFORK_PRIMEPROC="$(abspath $(OUT)/tests/primeproc-failfork)" \
	    DYNAMIC_PRIMEPROC="$(abspath $(OUT)/dynamic/primeproc)" \
	    DYNAMIC_FAILFORK_PRIMEPROC="$(abspath $(OUT)/dynamic/primeproc-failfork)" \
	    ASAN_PRIMEPROC="$(abspath build/asan/primeproc)" ASAN_UNIT=build/asan/tests/unit \
	    ASAN_FAILFORK_PRIMEPROC="$(abspath build/asan/tests/primeproc-failfork)" \
	    PRIMEPROC_DEBUG="$(abspath primeproc-debug)" GDB_SCRIPT="$(abspath docs/gdb-session.gdb)" \
	    ./tests/run-all.sh

# libFuzzer needs clang and its runtime (Debian: libclang-rt-14-dev, installed when missing).
FUZZ_CXX     ?= clang++
FUZZ_SECONDS ?= 60
FUZZER       := build/fuzz/fuzz_parser
$(FUZZER): tests/fuzz_parser.cpp prime.hpp support/parse.hpp support/messages.hpp
	@FUZZ_CXX="$(FUZZ_CXX)" ./tests/ensure-package.sh libclang-rt-14-dev ./tests/have-fuzzer.sh
	@mkdir -p $(dir $@) build/fuzz/corpus
	$(FUZZ_CXX) -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $@ tests/fuzz_parser.cpp
fuzz: $(FUZZER)
	$(FUZZER) -max_total_time=$(FUZZ_SECONDS) -max_len=2048 -timeout=5 \
	    -artifact_prefix=build/fuzz/ build/fuzz/corpus tests/fuzz-corpus

# -O0 -g3 for stepping through parent and child in gdb (docs/gdb.md).
debug:
	@$(MAKE) --no-print-directory OUT=build/debug BIN=primeproc-debug CXXFLAGS="-O0 -g3" primeproc-debug

# Benchmarks: the floor program (static C), primeproc linked three ways (the first is the
# default), and the driver (bench/bench.cpp). Arithmetic and memory use the first.
BENCH      := build/bench
BENCH_LINK_dynamic       :=
BENCH_LINK_static-libstdc++ := -static-libstdc++ -static-libgcc
BENCH_LINK_static        := -static
BENCH_BUILDS := static static-libstdc++ dynamic
$(BENCH)/floor: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -pthread -static -o $@ $<
$(BENCH)/bench: bench/bench.cpp prime.hpp support/parse.hpp support/messages.hpp
	@mkdir -p $(dir $@)
	$(CXX) $(REQUIRED) -O2 -g -o $@ bench/bench.cpp
$(BENCH)/primeproc-%: $(PROGRAM_OBJS)
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(BENCH_LINK_$*) -o $@ $(PROGRAM_OBJS) $(LDLIBS)
bench: $(BENCH)/floor $(BENCH)/bench $(BENCH_BUILDS:%=$(BENCH)/primeproc-%)
	$(BENCH)/bench --dir $(BENCH) --floor $(BENCH)/floor \
	    $(foreach b,$(BENCH_BUILDS),--primeproc "$(b)=$(BENCH)/primeproc-$(b)") | tee $(BENCH)/results.md

install: $(BIN)
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1"
	install -m 755 $(BIN) "$(DESTDIR)$(PREFIX)/bin/primeproc"
	install -m 644 docs/primeproc.1 "$(DESTDIR)$(PREFIX)/share/man/man1/primeproc.1"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/primeproc" "$(DESTDIR)$(PREFIX)/share/man/man1/primeproc.1"

clean:
	rm -rf build primeproc primeproc-debug tests/out-*.txt

-include $(PROGRAM_OBJS:.o=.d) $(TEST_OBJS:.o=.d)
