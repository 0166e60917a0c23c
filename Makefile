# primeproc - an interactive prime tester, one process per number (see README.md).
#
#   make             build ./primeproc
#   make run         build it and start an interactive session
#   make test        install what the tests need if missing (and allowed), build, run the tests
#                    that fit in two minutes: plain, ASan+UBSan, docs, valgrind-smoke, norobust
#                    (tests/run-all.sh)
#   make check-all   make test, then the slow stages: everything under valgrind, the [stress]
#                    run, the browser check of the timeline picture, the strict POSIX compile
#                    (CI runs this)
#   make strict      compile the program as plain POSIX (_POSIX_C_SOURCE=200809L): a Linux-ism
#                    fails the build
#   make debug       ./primeproc-debug, -O0 -g3, for gdb (docs/gdb.md)
#   make sanitized   build/asan/primeproc with AddressSanitizer and UndefinedBehaviorSanitizer
#   make fuzz        run the libFuzzer target for the line parser (FUZZ_SECONDS, default 60)
#   make bench       the benchmarks of docs/performance.md (not part of make test)
#   make install     PREFIX=/usr/local, DESTDIR for staging; install-strip, uninstall
#
# Works with GNU make 3.81 and later (on the BSDs: gmake). Honours CXX, CC, CXXFLAGS, CPPFLAGS,
# LDFLAGS, LDLIBS. OUT is where objects go, BIN the program's path: a second build (another
# compiler, say) can use its own OUT and BIN and share nothing with this one.

CXXFLAGS ?= -O2 -g
PREFIX   ?= /usr/local
OUT      ?= build
BIN      ?= primeproc

# -pthread: the pthread_mutex_* calls (glibc 2.34 has them in libc; older ones and other systems
# need it). The warnings are not optional: the code compiles clean with both g++ and clang++.
REQUIRED := -std=c++17 -Wall -Wextra -pthread
DEPFLAGS  = -MMD -MP

# The C library is linked dynamically, so every tool of the course works on the program: valgrind
# replaces malloc, ltrace shows the C library calls, LD_PRELOAD can interpose. On Linux the C++
# runtime is linked in (-static-libstdc++ -static-libgcc) and every symbol bound at start
# (-z now): fork then has fewer mappings to copy and no child looks a symbol up again, which
# costs about 30% less CPU per number than all-dynamic (docs/performance.md). 'make LINK=-static'
# is faster still but hides the library calls from those tools; 'make LINK=' is all-dynamic.
ifeq ($(shell uname -s),Linux)
LINK ?= -static-libstdc++ -static-libgcc -Wl,-z,now
endif

# The story (primeproc.cpp), the lock, and the plumbing in support/ (one subject per file).
SUPPORT_OBJS := $(patsubst %.cpp,$(OUT)/%.o,$(sort $(wildcard support/*.cpp)))
PROGRAM_OBJS := $(OUT)/primeproc.o $(OUT)/lock.o $(SUPPORT_OBJS)
# Catch2's own code (its main and test runner) is by far the longest compile, and nothing in it
# is ours to debug or to sanitize. Debian's catch2 ships it compiled (libCatch2WithMain.a), so
# that is used where it is; elsewhere tests/main.cpp compiles it once. A sanitized build reuses
# the plain build's test objects (see 'sanitized'), so both can be set.
CATCH_LIB    := $(firstword $(wildcard /usr/lib/libCatch2WithMain.a /usr/local/lib/libCatch2WithMain.a))
CATCH_MAIN   ?= $(if $(CATCH_LIB),$(CATCH_LIB),$(OUT)/tests/main.o)
TEST_OBJS    ?= $(OUT)/tests/harness.o $(patsubst %.cpp,$(OUT)/%.o,$(sort $(wildcard tests/test_*.cpp)))
UNIT         := $(OUT)/tests/unit

.PHONY: all run test check check-all install install-strip uninstall clean catch2 tools debug \
        sanitized strict norobust fuzz bench FORCE

all: $(BIN)

# Objects depend on the command that compiled them: $(OUT)/compile-flags holds it and is
# rewritten only when it changes, so 'make CXX=clang++' after a g++ build rebuilds everything,
# and a second 'make' rebuilds nothing. The same for the link command.
COMPILE := $(CXX) $(REQUIRED) $(CPPFLAGS) $(CXXFLAGS)
LINKCMD := $(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(LINK) $(LDLIBS)
$(OUT)/compile-flags: FORCE
	@tests/update-if-changed.sh $@ '$(subst ','\'',$(COMPILE)) (tests: $(TEST_OPT))'
$(OUT)/link-flags: FORCE
	@tests/update-if-changed.sh $@ '$(subst ','\'',$(LINKCMD))'
FORCE:

$(BIN): $(PROGRAM_OBJS) $(OUT)/link-flags
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(LINK) -o $@ $(PROGRAM_OBJS) $(LDLIBS)

# The tests' own code mostly waits for processes, so it is compiled without optimisation, which
# halves its build time; the arithmetic tests keep CXXFLAGS (they check millions of divisions).
# (Before the general rule: GNU make 3.81 takes the first pattern that matches.)
TEST_OPT ?= -O0
$(OUT)/tests/%.o: tests/%.cpp $(OUT)/compile-flags
	@mkdir -p $(dir $@)
	$(COMPILE) $(if $(filter test_prime,$*),,$(TEST_OPT)) $(DEPFLAGS) -c -o $@ $<

$(OUT)/%.o: %.cpp $(OUT)/compile-flags
	@mkdir -p $(dir $@)
	$(COMPILE) $(DEPFLAGS) -c -o $@ $<

# Catch2's main where no compiled one is installed: once, without optimisation or debug information.
$(OUT)/tests/main.o: tests/main.cpp $(OUT)/compile-flags | catch2
	@mkdir -p $(dir $@)
	$(COMPILE) -O0 -g0 $(DEPFLAGS) -c -o $@ tests/main.cpp

# Tests need Catch2 before they compile; the script installs it or says how.
$(TEST_OBJS): | catch2
catch2:
	@CXX="$(CXX)" ./tests/ensure-package.sh catch2 ./tests/have-catch2.sh

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

# The session's exit status says whether every line was a number (1 after an invalid one); that
# is the user's business, not a failed build, so make reports only death by a signal.
run: $(BIN)
	@./$(BIN); status=$$?; [ $$status -lt 128 ] || exit $$status

# The program and its test binary once more with AddressSanitizer and UndefinedBehaviorSanitizer,
# in their own OUT, so the plain build stays as it is (gdb, benchmarks). The test code itself is
# the plain build's (it is not what we check, and compiling it twice would double make test's
# build time); the program, the lock and support/ linked into the test binary are sanitized.
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_OUT := $(OUT)/asan
sanitized: $(CATCH_MAIN) $(TEST_OBJS)
	@$(MAKE) --no-print-directory OUT=$(ASAN_OUT) BIN=$(ASAN_OUT)/primeproc LINK= \
	    CXXFLAGS="-O1 -g $(SANITIZE)" LDFLAGS="$(SANITIZE)" \
	    CATCH_MAIN="$(CATCH_MAIN)" TEST_OBJS="$(TEST_OBJS)" \
	    $(ASAN_OUT)/primeproc $(ASAN_OUT)/tests/unit $(ASAN_OUT)/tests/primeproc-failfork

# -O0 -g3 for stepping through parent and child in gdb (docs/gdb.md).
DEBUG_BIN ?= primeproc-debug
debug:
	@$(MAKE) --no-print-directory OUT=$(OUT)/debug BIN=$(DEBUG_BIN) CXXFLAGS="-O0 -g3" $(DEBUG_BIN)

# Plain POSIX: g++ and clang++ define _GNU_SOURCE for C++, which makes glibc declare everything
# it has; without it, and with _POSIX_C_SOURCE, glibc declares only POSIX.1-2008. Compile only.
# A file that includes <mutex> also gets tests/strict-prelude.h: it declares the two glibc
# extensions that libstdc++'s <mutex> itself calls.
STRICT := -U_GNU_SOURCE -D_POSIX_C_SOURCE=200809L
strict:
	@for f in primeproc.cpp lock.cpp $(sort $(wildcard support/*.cpp)); do \
	    pre=; if grep -q '^#include <mutex>' $$f; then pre="-include tests/strict-prelude.h"; fi; \
	    $(CXX) $(REQUIRED) $(STRICT) $$pre $(CPPFLAGS) -fsyntax-only $$f || exit 1; done

# What the test stages run besides the compiler, installed like Catch2 when missing: gdb (the
# session of docs/gdb.md), valgrind, groff (the man page lint). The checks of docs/ that need
# more (lldb, xmllint, rsvg-convert, chromium) ensure their own package.
tools:
	@./tests/ensure-package.sh gdb gdb --version
	@./tests/ensure-package.sh valgrind valgrind --version
	@./tests/ensure-package.sh groff-base groff --version

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
SLOW_STAGES := stage-valgrind stage-stress stage-browser stage-strict
.PHONY: $(FAST_STAGES) $(SLOW_STAGES)

stage-plain: $(BIN) $(UNIT) $(FAILFORK) $(HEAPCHECK) debug
	$(RUN_STAGE) plain
stage-asan: sanitized
	$(RUN_STAGE) asan
stage-docs: $(BIN) debug
	$(RUN_STAGE) docs
stage-valgrind-smoke: $(BIN)
	$(RUN_STAGE) valgrind-smoke
stage-valgrind: $(BIN) $(UNIT) $(FAILFORK)
	$(RUN_STAGE) valgrind
stage-stress: $(BIN) $(UNIT)
	$(RUN_STAGE) stress
stage-browser: $(BIN)
	$(RUN_STAGE) browser
stage-norobust: norobust $(BIN)
	$(RUN_STAGE) norobust
stage-strict:
	$(RUN_STAGE) strict

# The lock macOS and OpenBSD get (no robust mutexes), built on Linux in its own OUT: the program
# and the lock's own tests (tests/test_lock.cpp then shows the hang a dead holder leaves).
NOROBUST_OUT := $(OUT)/norobust
norobust: $(CATCH_MAIN)
	@$(MAKE) --no-print-directory OUT=$(NOROBUST_OUT) BIN=$(NOROBUST_OUT)/primeproc \
	    CPPFLAGS="$(CPPFLAGS) -DPRIMEPROC_NO_ROBUST_MUTEX" CATCH_MAIN="$(CATCH_MAIN)" \
	    $(NOROBUST_OUT)/primeproc $(NOROBUST_OUT)/tests/lock-unit

# The lock's tests alone (the 'norobust' stage).
$(OUT)/tests/lock-unit: $(CATCH_MAIN) $(OUT)/tests/test_lock.o $(OUT)/lock.o $(OUT)/link-flags
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) -o $@ $(CATCH_MAIN) $(OUT)/tests/test_lock.o \
	    $(OUT)/lock.o $(LDLIBS)

# The stages' make goes on after a failure (-k) so that every stage reports; the summary
# ("tests: N passed, M failed") counts a stage that could not run as failed.
test check: tools catch2
	@rm -rf $(LOGS) && mkdir -p $(LOGS)
	@echo "== building and testing, $(JOBS) at a time; each stage says how it went (logs in $(LOGS))"
	@$(MAKE) --no-print-directory -s -k -j$(JOBS) $(FAST_STAGES); \
	    $(TEST_ENV) ./tests/run-all.sh summary $(FAST_STAGES:stage-%=%)
check-all: tools catch2
	@rm -rf $(LOGS) && mkdir -p $(LOGS)
	@echo "== building and testing, $(JOBS) at a time; each stage says how it went (logs in $(LOGS))"
	@$(MAKE) --no-print-directory -s -k -j$(JOBS) $(FAST_STAGES); \
	    $(MAKE) --no-print-directory -s -k $(SLOW_STAGES); \
	    $(TEST_ENV) ./tests/run-all.sh summary $(FAST_STAGES:stage-%=%) $(SLOW_STAGES:stage-%=%)

# libFuzzer needs clang and its runtime (Debian: libclang-rt-14-dev, installed when missing).
FUZZ_CXX     ?= clang++
FUZZ_SECONDS ?= 60
FUZZER       := build/fuzz/fuzz_parser
$(FUZZER): tests/fuzz_parser.cpp prime.hpp support/fast_remainder.hpp support/parse.hpp support/messages.hpp
	@FUZZ_CXX="$(FUZZ_CXX)" ./tests/ensure-package.sh libclang-rt-14-dev ./tests/have-fuzzer.sh
	@mkdir -p $(dir $@) build/fuzz/corpus
	$(FUZZ_CXX) -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -o $@ tests/fuzz_parser.cpp
fuzz: $(FUZZER)
	$(FUZZER) -max_total_time=$(FUZZ_SECONDS) -max_len=2048 -timeout=5 \
	    -artifact_prefix=build/fuzz/ build/fuzz/corpus tests/fuzz-corpus

# Benchmarks: the floor program (bench/floor.c) linked statically, with the C library dynamic, and
# the same bound at start (-z now, as the default primeproc); primeproc linked three ways (the
# first is the default, LINK), each measured against the floor linked the same way; the driver
# (bench/bench.cpp). Arithmetic and memory use the first.
BENCH      := build/bench
BENCH_LINK_default := $(LINK)
BENCH_LINK_dynamic :=
BENCH_LINK_static  := -static
BENCH_FLOOR_default := dynamic-now
BENCH_FLOOR_dynamic := dynamic
BENCH_FLOOR_static  := static
BENCH_BUILDS := default dynamic static
$(BENCH)/floor-static: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -pthread -static -o $@ $<
$(BENCH)/floor-dynamic: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -pthread -o $@ $<
$(BENCH)/floor-dynamic-now: bench/floor.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -Wextra -pthread -Wl,-z,now -o $@ $<
$(BENCH)/bench: bench/bench.cpp prime.hpp support/fast_remainder.hpp support/parse.hpp support/messages.hpp
	@mkdir -p $(dir $@)
	$(CXX) $(REQUIRED) -O2 -g -o $@ bench/bench.cpp
$(BENCH)/primeproc-%: $(PROGRAM_OBJS)
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(BENCH_LINK_$*) -o $@ $(PROGRAM_OBJS) $(LDLIBS)
bench: $(BENCH)/floor-static $(BENCH)/floor-dynamic $(BENCH)/floor-dynamic-now $(BENCH)/bench $(BENCH_BUILDS:%=$(BENCH)/primeproc-%)
	@{ $(BENCH)/bench --dir $(BENCH) $(foreach b,$(BENCH_BUILDS),--pair \
	    "$(b)=$(BENCH)/primeproc-$(b),$(BENCH)/floor-$(BENCH_FLOOR_$(b))"); \
	    echo $$? >$(BENCH)/status; } | tee $(BENCH)/results.md; exit "$$(cat $(BENCH)/status)"

# install-strip: the same without debug information (the GNU coding standards' name).
INSTALL_PROGRAM ?= install -m 755
install: $(BIN)
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1"
	$(INSTALL_PROGRAM) $(BIN) "$(DESTDIR)$(PREFIX)/bin/primeproc"
	install -m 644 docs/primeproc.1 "$(DESTDIR)$(PREFIX)/share/man/man1/primeproc.1"
install-strip:
	@$(MAKE) --no-print-directory INSTALL_PROGRAM="install -m 755 -s" install

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/primeproc" "$(DESTDIR)$(PREFIX)/share/man/man1/primeproc.1"

clean:
	rm -rf build primeproc primeproc-debug tests/out-*.txt

-include $(PROGRAM_OBJS:.o=.d) $(OUT)/tests/main.d $(TEST_OBJS:.o=.d)
