# tests/tests.mk - the tests of primeproc, included by the Makefile: what 'make test' and
# 'make check-all' build and run (tests/run-all.sh runs each stage), the sanitized and
# no-robust-mutex builds, the strict POSIX compile, the fuzzer, the formatter, and 'make deps'.

.PHONY: test check check-all deps deps-all catch2 sanitized strict norobust fuzz format format-check tidy

# Catch2's own code (its main and test runner) is by far the longest compile, and nothing in it
# is ours to debug or to sanitize. Debian's catch2 ships it compiled (libCatch2WithMain.a), so
# that is used where it is; elsewhere tests/main.cpp compiles it once. A sanitized build reuses
# the plain build's test objects (see 'sanitized'), so both can be set.
CATCH_LIB    := $(firstword $(wildcard /usr/lib/libCatch2WithMain.a /usr/local/lib/libCatch2WithMain.a))
CATCH_MAIN   ?= $(if $(CATCH_LIB),$(CATCH_LIB),$(OUT)/tests/main.o)
TEST_OBJS    ?= $(OUT)/tests/harness.o $(patsubst %.cpp,$(OUT)/%.o,$(sort $(wildcard tests/test_*.cpp)))
UNIT         := $(OUT)/tests/unit

# The tests' own code mostly waits for processes, so it is compiled without optimisation, which
# halves its build time; the arithmetic tests keep CXXFLAGS (they check millions of divisions).
# (Before the general rule: GNU make 3.81 takes the first pattern that matches.)
$(OUT)/tests/%.o: tests/%.cpp $(OUT)/compile-flags
	@mkdir -p $(dir $@)
	$(COMPILE) $(if $(filter test_prime,$*),,$(TEST_OPT)) $(DEPFLAGS) -c -o $@ $<

# Catch2's main where no compiled one is installed: once, without optimisation or debug information.
$(OUT)/tests/main.o: tests/main.cpp $(OUT)/compile-flags | catch2
	@mkdir -p $(dir $@)
	$(COMPILE) -O0 -g0 $(DEPFLAGS) -c -o $@ tests/main.cpp

# Tests need Catch2 before they compile; the script installs it or says how.
$(TEST_OBJS): | catch2
catch2:
	@CXX="$(CXX)" $(ENSURE) catch2 ./build-aux/have-catch2.sh

# forkpty lives in libutil with glibc.
$(UNIT): $(CATCH_MAIN) $(TEST_OBJS) $(OUT)/lock.o $(SUPPORT_OBJS) $(OUT)/link-flags
	@mkdir -p $(dir $@)
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) -o $@ $(CATCH_MAIN) $(TEST_OBJS) $(OUT)/lock.o \
	    $(SUPPORT_OBJS) -lutil $(LDLIBS)

# The program with fork() wrapped at link time (tests/failfork.c), so that a test can make
# chosen forks fail.
FAILFORK := $(OUT)/tests/primeproc-failfork
$(OUT)/tests/failfork.o: tests/failfork.c $(OUT)/compile-flags
	@mkdir -p $(dir $@)
	$(CC) -Wall -Wextra -O2 -c -o $@ tests/failfork.c
$(FAILFORK): $(PROGRAM_OBJS) $(OUT)/tests/failfork.o $(OUT)/link-flags
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(LINK) -Wl,--wrap=fork -o $@ $(PROGRAM_OBJS) \
	    $(OUT)/tests/failfork.o $(LDLIBS)

# The program with operator new replaced (tests/heapcheck.cpp): it says on stderr whenever a
# child allocates, so a test can show that children leave the heap alone.
HEAPCHECK := $(OUT)/tests/primeproc-heapcheck
$(HEAPCHECK): $(PROGRAM_OBJS) $(OUT)/tests/heapcheck.o $(OUT)/link-flags
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(LINK) -o $@ $(PROGRAM_OBJS) $(OUT)/tests/heapcheck.o $(LDLIBS)

# The program and its test binary once more with AddressSanitizer and UndefinedBehaviorSanitizer,
# and hardened as Fedora and RHEL build packages (-D_GLIBCXX_ASSERTIONS: the C++ library checks
# bounds, e.g. of string_view::operator[], and aborts), in their own OUT, so the plain build
# stays as it is (gdb, benchmarks). The test code itself is
# the plain build's (it is not what we check, and compiling it twice would double make test's
# build time); the program, the lock and support/ linked into the test binary are sanitized.
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_OUT := $(OUT)/asan
sanitized: $(CATCH_MAIN) $(TEST_OBJS)
	@$(MAKE) --no-print-directory OUT=$(ASAN_OUT) BIN=$(ASAN_OUT)/primeproc LINK= \
	    CXXFLAGS="-O1 -g $(SANITIZE) -D_GLIBCXX_ASSERTIONS" LDFLAGS="$(SANITIZE)" \
	    CATCH_MAIN="$(CATCH_MAIN)" TEST_OBJS="$(TEST_OBJS)" \
	    $(ASAN_OUT)/primeproc $(ASAN_OUT)/primeproc-timeline $(ASAN_OUT)/tests/unit \
	    $(ASAN_OUT)/tests/primeproc-failfork

# Plain POSIX: g++ and clang++ define _GNU_SOURCE for C++, which makes glibc declare everything
# it has; without it, and with _POSIX_C_SOURCE, glibc declares only POSIX.1-2008. Compile only.
# A file that includes <mutex> also gets tests/strict-prelude.h: it declares the two glibc
# extensions that libstdc++'s <mutex> itself calls.
STRICT := -U_GNU_SOURCE -D_POSIX_C_SOURCE=200809L
strict:
	@for f in primeproc.cpp lock.cpp $(sort $(wildcard support/*.cpp timeline/*.cpp)); do \
	    pre=; if grep -q '^#include <mutex>' $$f; then pre="-include tests/strict-prelude.h"; fi; \
	    $(CXX) $(REQUIRED) $(STRICT) $$pre $(CPPFLAGS) -fsyntax-only $$f || exit 1; done

# Everything the tests need besides a C++ compiler and make, installed with apt-get when missing
# and allowed (build-aux/ensure-package.sh; it says what to install otherwise): Catch2, gdb,
# valgrind, groff (the man pages' lint), lldb, xmllint and rsvg-convert (the SVG checks),
# clang-format, strace, script (util-linux) and patch (the exercises). deps-all adds what only
# check-all needs: the browser and libFuzzer's runtime.
ENSURE := ./build-aux/ensure-package.sh
deps: catch2
	@$(ENSURE) gdb gdb --version
	@$(ENSURE) valgrind valgrind --version
	@$(ENSURE) groff-base groff --version
	@$(ENSURE) lldb lldb --version
	@$(ENSURE) libxml2-utils xmllint --version
	@$(ENSURE) librsvg2-bin rsvg-convert --version
	@$(ENSURE) clang-format clang-format --version
	@$(ENSURE) strace strace -V
	@$(ENSURE) bsdutils script --version
	@$(ENSURE) patch patch --version
deps-all: deps
	@$(ENSURE) chromium-headless-shell chromium-headless-shell --version
	@$(ENSURE) clang-tidy clang-tidy --version
	@FUZZ_CXX="$(FUZZ_CXX)" $(ENSURE) libclang-rt-14-dev ./build-aux/have-fuzzer.sh

# Every stage is a target, so 'make -j' builds and runs them at once: the plain tests start
# while the sanitized build compiles. Each prints one line; its whole output goes to
# $(LOGS)/NAME.log and is shown only when it fails. tests/run-all.sh explains the stages.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
LOGS := $(OUT)/test-logs
TEST_ENV = LOGS="$(LOGS)" PRIMEPROC="$(abspath $(BIN))" UNIT="$(UNIT)" \
    FAILFORK_PRIMEPROC="$(abspath $(FAILFORK))" HEAPCHECK_PRIMEPROC="$(abspath $(HEAPCHECK))" \
    ASAN_PRIMEPROC="$(abspath $(ASAN_OUT)/primeproc)" ASAN_UNIT="$(ASAN_OUT)/tests/unit" \
    ASAN_FAILFORK_PRIMEPROC="$(abspath $(ASAN_OUT)/tests/primeproc-failfork)" \
    PRIMEPROC_DEBUG="$(abspath $(DEBUG_BIN))" GDB_SCRIPT="$(abspath docs/gdb-session.gdb)" \
    NOROBUST_PRIMEPROC="$(abspath $(NOROBUST_OUT)/primeproc)" \
    NOROBUST_LOCK_UNIT="$(NOROBUST_OUT)/tests/lock-unit"
RUN_STAGE = @$(TEST_ENV) ./tests/run-all.sh
FAST_STAGES := stage-plain stage-asan stage-docs stage-valgrind-smoke stage-norobust
SLOW_STAGES := stage-valgrind stage-stress stage-browser stage-strict stage-exercises
.PHONY: $(FAST_STAGES) $(SLOW_STAGES)

stage-plain: $(BIN) $(DRAWER) $(UNIT) $(FAILFORK) $(HEAPCHECK) debug
	$(RUN_STAGE) plain
stage-asan: sanitized
	$(RUN_STAGE) asan
stage-docs: $(BIN) debug
	$(RUN_STAGE) docs
stage-valgrind-smoke: $(BIN)
	$(RUN_STAGE) valgrind-smoke
stage-valgrind: $(BIN) $(DRAWER) $(UNIT) $(FAILFORK)
	$(RUN_STAGE) valgrind
stage-stress: $(BIN) $(DRAWER) $(UNIT)
	$(RUN_STAGE) stress
stage-browser: $(BIN) $(DRAWER)
	$(RUN_STAGE) browser
stage-norobust: norobust $(BIN)
	$(RUN_STAGE) norobust
stage-strict:
	$(RUN_STAGE) strict
stage-exercises: $(BIN) debug
	$(RUN_STAGE) exercises

# The lock macOS and OpenBSD get (no robust mutexes), built on Linux in its own OUT: the program
# and the lock's own tests (tests/test_lock.cpp then shows the hang a dead holder leaves).
NOROBUST_OUT := $(OUT)/norobust
norobust: $(CATCH_MAIN)
	@$(MAKE) --no-print-directory OUT=$(NOROBUST_OUT) BIN=$(NOROBUST_OUT)/primeproc \
	    CPPFLAGS="$(CPPFLAGS) -DPRIMEPROC_NO_ROBUST_MUTEX" CATCH_MAIN="$(CATCH_MAIN)" \
	    $(NOROBUST_OUT)/primeproc $(NOROBUST_OUT)/tests/lock-unit

# The lock's tests alone (the 'norobust' stage).
$(OUT)/tests/lock-unit: $(CATCH_MAIN) $(OUT)/tests/test_lock.o $(OUT)/tests/harness.o $(OUT)/lock.o \
                       $(OUT)/link-flags
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) -o $@ $(CATCH_MAIN) $(OUT)/tests/test_lock.o \
	    $(OUT)/tests/harness.o $(OUT)/lock.o -lutil $(LDLIBS)

# The stages' make goes on after a failure (-k) so that every stage reports; the summary
# ("tests: N passed, M failed") counts a stage that could not run as failed.
test check: deps
	@rm -rf $(LOGS) && mkdir -p $(LOGS)
	@echo "== building and testing, $(JOBS) at a time; each stage says how it went (logs in $(LOGS))"
	@$(MAKE) --no-print-directory -s -k -j$(JOBS) $(FAST_STAGES); \
	    $(TEST_ENV) ./tests/run-all.sh summary $(FAST_STAGES:stage-%=%)
check-all: deps-all
	@rm -rf $(LOGS) && mkdir -p $(LOGS)
	@echo "== building and testing, $(JOBS) at a time; each stage says how it went (logs in $(LOGS))"
	@$(MAKE) --no-print-directory -s -k -j$(JOBS) $(FAST_STAGES); \
	    $(MAKE) --no-print-directory -s -k $(SLOW_STAGES); \
	    $(TEST_ENV) ./tests/run-all.sh summary $(FAST_STAGES:stage-%=%) $(SLOW_STAGES:stage-%=%)

# libFuzzer needs clang and its runtime (Debian: libclang-rt-14-dev, installed when missing).
FUZZ_CXX     ?= clang++
FUZZ_SECONDS ?= 60
FUZZER       := $(OUT)/fuzz/fuzz_parser
$(FUZZER): tests/fuzz_parser.cpp prime.hpp support/fast_remainder.hpp support/parse.hpp support/messages.hpp
	@FUZZ_CXX="$(FUZZ_CXX)" $(ENSURE) libclang-rt-14-dev ./build-aux/have-fuzzer.sh
	@mkdir -p $(dir $@) $(OUT)/fuzz/corpus
	$(FUZZ_CXX) -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $@ tests/fuzz_parser.cpp
fuzz: $(FUZZER)
	$(FUZZER) -max_total_time=$(FUZZ_SECONDS) -max_len=2048 -timeout=5 \
	    -artifact_prefix=$(OUT)/fuzz/ $(OUT)/fuzz/corpus tests/fuzz-corpus


# The code's layout, as .clang-format describes it (Debian's clang-format 14). 'make format'
# rewrites the sources in place; 'make format-check' (in the docs stage) fails on any difference.
# Not docs/*.cpp: those are listings laid out to be read on one screen, as a book's page is, and
# the labs' patches apply to that layout.
FORMATTED := primeproc.cpp lock.cpp lock.hpp prime.hpp $(sort $(wildcard support/*.cpp support/*.hpp \
    timeline/*.cpp timeline/*.hpp tests/*.cpp tests/*.hpp bench/*.cpp bench/*.hpp))
format:
	clang-format -i $(FORMATTED)
format-check:
	@clang-format --dry-run -Werror $(FORMATTED)

# clang-tidy (.clang-tidy says which checks, and why) over the program's and the drawer's sources.
TIDIED := primeproc.cpp lock.cpp $(sort $(wildcard support/*.cpp timeline/*.cpp))
tidy:
	@clang-tidy --quiet $(TIDIED) -- $(REQUIRED) $(CPPFLAGS) 2>/dev/null
