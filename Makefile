# primeproc - an interactive prime tester, one process per number (see README.md).
#
#   make             build ./primeproc and ./primeproc-timeline (the drawer of --timeline)
#   make run         build it and start an interactive session
#   make debug       ./primeproc-debug, -O0 -g3, for gdb (docs/gdb.md)
#   make install     PREFIX=/usr/local, DESTDIR for staging; install-strip, uninstall
#   make clean
# and, from tests/tests.mk and bench/bench.mk (the tests and the benchmarks, kept apart so that
# this file is the build alone):
#   make test        install what the tests need if missing (make deps), build, run the tests
#                    that fit in two minutes
#   make check-all   make test, then the slow stages (CI runs this)
#   make deps        install what the tests need (Debian's packages, when allowed)
#   make format      format every source with clang-format (.clang-format)
#   make strict, make sanitized, make fuzz, make bench: see there
#
# Works with GNU make 3.81 and later (on the BSDs: gmake). Honours CXX, CC, CXXFLAGS, CPPFLAGS,
# LDFLAGS, LDLIBS. OUT is where everything built goes, BIN the program's path: a second build
# (another compiler, say) can use its own OUT and BIN and share nothing with this one. The drawer
# is built beside BIN, where primeproc --timeline looks for it first.

CXXFLAGS ?= -O2 -g
TEST_OPT ?= -O0    # the tests' own code (tests/tests.mk)
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
# The drawer, a program of its own (timeline/): it links only the write(2) helpers of support/.
DRAWER       := $(patsubst ./%,%,$(dir $(BIN))primeproc-timeline)
DRAWER_OBJS  := $(patsubst %.cpp,$(OUT)/%.o,$(sort $(wildcard timeline/*.cpp))) $(OUT)/support/io.o
.PHONY: all run debug install install-strip uninstall clean

all: $(BIN) $(DRAWER)

# Objects depend on the command that compiled them: $(OUT)/compile-flags holds it and is
# rewritten only when it changes, so 'make CXX=clang++' after a g++ build rebuilds everything,
# and a second 'make' rebuilds nothing. The same for the link command. Both are brought up to
# date while make reads this file, not by a rule that always runs, so that right after a build
# 'make -q' says "up to date" and 'make -n' has nothing to do.
COMPILE := $(CXX) $(REQUIRED) $(CPPFLAGS) $(CXXFLAGS)
LINKCMD := $(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(LINK) $(LDLIBS)
STAMPED := $(shell mkdir -p $(OUT) && \
    build-aux/update-if-changed.sh $(OUT)/compile-flags '$(subst ','\'',$(COMPILE)) (tests: $(TEST_OPT))' && \
    build-aux/update-if-changed.sh $(OUT)/link-flags '$(subst ','\'',$(LINKCMD))' && echo ok)
ifneq ($(STAMPED),ok)
$(error could not write the flag stamps in $(OUT))
endif

$(BIN): $(PROGRAM_OBJS) $(OUT)/link-flags
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(LINK) -o $@ $(PROGRAM_OBJS) $(LDLIBS)

$(DRAWER): $(DRAWER_OBJS) $(OUT)/link-flags
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) $(LINK) -o $@ $(DRAWER_OBJS) $(LDLIBS)

# A static pattern rule: it applies to the program's and the drawer's objects only, so the tests'
# rule (tests/tests.mk) cannot be mistaken for it.
$(sort $(PROGRAM_OBJS) $(DRAWER_OBJS)): $(OUT)/%.o: %.cpp $(OUT)/compile-flags
	@mkdir -p $(dir $@)
	$(COMPILE) $(DEPFLAGS) -c -o $@ $<

# The session's exit status says whether every line was a number (1 after an invalid one); that
# is the user's business, not a failed build, so make reports only death by a signal.
run: $(BIN)
	@./$(BIN); status=$$?; [ $$status -lt 128 ] || exit $$status

# -O0 -g3 for stepping through parent and child in gdb (docs/gdb.md).
DEBUG_BIN ?= primeproc-debug
debug:
	@$(MAKE) --no-print-directory OUT=$(OUT)/debug BIN=$(DEBUG_BIN) CXXFLAGS="-O0 -g3" $(DEBUG_BIN)

# install-strip: the same without debug information (the GNU coding standards' name).
INSTALL_PROGRAM ?= install -m 755
# The two programs go to the same directory: primeproc finds its drawer beside itself.
install: $(BIN) $(DRAWER)
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1"
	$(INSTALL_PROGRAM) $(BIN) "$(DESTDIR)$(PREFIX)/bin/primeproc"
	$(INSTALL_PROGRAM) $(DRAWER) "$(DESTDIR)$(PREFIX)/bin/primeproc-timeline"
	install -m 644 docs/primeproc.1 docs/primeproc-timeline.1 "$(DESTDIR)$(PREFIX)/share/man/man1/"
install-strip:
	@$(MAKE) --no-print-directory INSTALL_PROGRAM="install -m 755 -s" install

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/primeproc" "$(DESTDIR)$(PREFIX)/bin/primeproc-timeline" \
	    "$(DESTDIR)$(PREFIX)/share/man/man1/primeproc.1" "$(DESTDIR)$(PREFIX)/share/man/man1/primeproc-timeline.1"

clean:
	rm -rf $(OUT) $(BIN) $(DRAWER) $(DEBUG_BIN) tests/out-*.txt

include tests/tests.mk bench/bench.mk

-include $(PROGRAM_OBJS:.o=.d) $(DRAWER_OBJS:.o=.d) $(OUT)/tests/main.d $(TEST_OBJS:.o=.d)
