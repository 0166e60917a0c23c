#!/bin/sh
# Runs every stage of 'make test' and ends with one line: "tests: N passed, M failed".
# Counts are Catch2 test cases, summed over the stages. Exit status 0 only when all passed.
#
# Environment (set by the Makefile):
#   PRIMEPROC, UNIT            the program (statically linked) and the Catch2 binary
#   FAILFORK_PRIMEPROC         the program with fork() wrapped by tests/failfork.c
#   DYNAMIC_PRIMEPROC, DYNAMIC_FAILFORK_PRIMEPROC   both linked dynamically (for valgrind)
#   ASAN_PRIMEPROC, ASAN_UNIT, ASAN_FAILFORK_PRIMEPROC   built with -fsanitize=address,undefined
#   PRIMEPROC_DEBUG, GDB_SCRIPT                     the -O0 -g3 build and docs/gdb-session.gdb
set -u
passed=0
failed=0
log=$(mktemp)
vglogs=$(mktemp -d)
trap 'rm -rf "$log" "$vglogs"' EXIT

# count_catch2 LOG: adds the "test cases" of a Catch2 console summary to passed/failed.
count_catch2() {
    if line=$(grep -E '^All tests passed \(' "$1"); then
        n=$(printf '%s\n' "$line" | sed -E 's/.* in ([0-9]+) test case.*/\1/')
        passed=$((passed + n))
    elif line=$(grep -E '^test cases:' "$1"); then
        p=$(printf '%s\n' "$line" | sed -nE 's/.* ([0-9]+) passed.*/\1/p')
        f=$(printf '%s\n' "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0}))
    else
        failed=$((failed + 1))   # the stage crashed before its summary
    fi
}

# stage NAME COMMAND...: runs one Catch2 binary, shows its output, counts its result.
stage() {
    name=$1
    shift
    echo "== $name"
    "$@" >"$log" 2>&1
    status=$?
    cat "$log"
    count_catch2 "$log"
    if [ "$status" -ne 0 ] && ! grep -qE '[0-9]+ failed' "$log"; then
        echo "$name: exit status $status" >&2
        failed=$((failed + 1))
    fi
}

# check NAME COMMAND...: one test that is not a Catch2 binary; passes when COMMAND succeeds
# and prints nothing.
check() {
    name=$1
    shift
    echo "== $name"
    if out=$("$@" 2>&1) && [ -z "$out" ]; then
        passed=$((passed + 1))
    else
        printf '%s\n' "$out"
        echo "$name: FAILED" >&2
        failed=$((failed + 1))
    fi
}

check "the man page: groff -man -ww -z docs/primeproc.1 reports nothing" \
    groff -man -ww -z docs/primeproc.1

check "the source links of docs/walkthrough.md point at the lines they name" \
    ./tests/check-doc-links.sh docs/walkthrough.md

stage "unit, lock, end-to-end, fault and teaching tests" \
    env PRIMEPROC="$PRIMEPROC" FAILFORK_PRIMEPROC="$FAILFORK_PRIMEPROC" "$UNIT"

stage "the same under AddressSanitizer + UndefinedBehaviorSanitizer" \
    env PRIMEPROC="$ASAN_PRIMEPROC" FAILFORK_PRIMEPROC="$ASAN_FAILFORK_PRIMEPROC" \
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$ASAN_UNIT"

# valgrind follows the test binary into every primeproc it starts and every child that forks
# (system programs such as sh and head are skipped). It runs the dynamically linked program:
# in a static one valgrind cannot replace malloc, so it could not check the heap. Each process writes its own log; with -q a
# log holds only findings, so any non-empty log fails the stage. Not run here: [slow] (a
# seconds-long division, 50 times slower), [timing] (they assert what happens within a second or
# watch /proc while children run at native speed), [stress] (20,000 forks under valgrind) and
# [closed-fd] (valgrind opens its log file first, so descriptor 1 is never closed for primeproc).
stage "the same under valgrind (without [slow], [timing], [stress], [closed-fd])" \
    env PRIMEPROC="$DYNAMIC_PRIMEPROC" FAILFORK_PRIMEPROC="$DYNAMIC_FAILFORK_PRIMEPROC" \
    valgrind -q --trace-children=yes --trace-children-skip='/bin/*,/usr/bin/*' \
    --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
    --log-file="$vglogs/%p.log" "$UNIT" '~[slow]~[timing]~[stress]~[closed-fd]'
# Not a finding: valgrind's note that it does not model an ioctl (forkpty's TIOCGPTPEER).
findings=$(cat "$vglogs"/*.log | grep -v -e 'noted but unhandled ioctl' \
    -e 'could cause spurious value errors' -e 'README_MISSING_SYSCALL_OR_IOCTL' | grep -c .)
if [ "$findings" -ne 0 ]; then
    echo "valgrind: $findings line(s) of findings:" >&2
    cat "$vglogs"/*.log >&2
    failed=$((failed + 1))
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
