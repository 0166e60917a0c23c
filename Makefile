# primeproc - an interactive prime tester, one process per number (see README.md).
#
#   make            build ./primeproc
#   make run        build it and start an interactive session
#   make test       install Catch2 if missing (and allowed), build, run every test
#   make install    PREFIX=/usr/local, DESTDIR for staging
#
# Honours CXX, CXXFLAGS, CPPFLAGS, LDFLAGS. OUT is where objects go, BIN the program's path:
# a second build (sanitizers, say) uses its own OUT and BIN and shares nothing with this one.

CXXFLAGS ?= -O2 -g
PREFIX   ?= /usr/local
OUT      ?= build
BIN      ?= primeproc

# -pthread: the pthread_mutex_* calls (glibc 2.34 has them in libc; older ones and other systems
# need it). The warnings are not optional: the code compiles clean with both g++ and clang++.
REQUIRED := -std=c++17 -Wall -Wextra -pthread
DEPFLAGS  = -MMD -MP

PROGRAM_OBJS := $(OUT)/primeproc.o $(OUT)/lock.o
TEST_OBJS    := $(OUT)/tests/main.o $(OUT)/tests/test_prime.o $(OUT)/tests/test_lock.o \
                $(OUT)/tests/test_cli.o $(OUT)/tests/harness.o
UNIT         := $(OUT)/tests/unit

.PHONY: all run test check install uninstall clean catch2 debug

all: $(BIN)

$(BIN): $(PROGRAM_OBJS)
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) -o $@ $(PROGRAM_OBJS) $(LDLIBS)

$(OUT)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(CXX) $(REQUIRED) $(CPPFLAGS) $(CXXFLAGS) $(DEPFLAGS) -c -o $@ $<

# Tests need Catch2 before they compile; the script installs it or says how.
$(TEST_OBJS): | catch2
catch2:
	@CXX="$(CXX)" ./tests/ensure-catch2.sh

# forkpty lives in libutil with glibc.
$(UNIT): $(TEST_OBJS) $(OUT)/lock.o
	$(CXX) $(REQUIRED) $(CXXFLAGS) $(LDFLAGS) -o $@ $^ -lutil $(LDLIBS)

run: $(BIN)
	./$(BIN)

test check: $(BIN) $(UNIT)
	@PRIMEPROC="$(abspath $(BIN))" UNIT="$(UNIT)" ./tests/run-all.sh

# -O0 -g3 for stepping through parent and child in gdb (docs/gdb.md).
debug:
	$(MAKE) OUT=build/debug BIN=primeproc-debug CXXFLAGS="-O0 -g3"

install: $(BIN)
	install -d "$(DESTDIR)$(PREFIX)/bin"
	install -m 755 $(BIN) "$(DESTDIR)$(PREFIX)/bin/primeproc"

uninstall:
	rm -f "$(DESTDIR)$(PREFIX)/bin/primeproc"

clean:
	rm -rf build primeproc primeproc-debug tests/out-*.txt

-include $(PROGRAM_OBJS:.o=.d) $(TEST_OBJS:.o=.d)
