#!/bin/sh
# run-all.sh STAGE: runs one stage of 'make test' or 'make check-all' and prints one line,
#     == NAME: N passed, M failed (T s)
# The stage's whole output goes to $LOGS/NAME.log and is shown only when something failed (so
# the lines some tests print on purpose, such as "a process died while holding the output lock",
# are not mistaken for trouble). The counts go to $LOGS/NAME.result for the summary.
# run-all.sh summary STAGE...: adds up the stages' results and ends with the line
#     tests: N passed, M failed
# Exit status 0 only when all passed; a stage that left no result (its build failed) counts as
# one failure.
#
# Counts are Catch2 test cases, and one per check that is not Catch2 (docs, valgrind smoke).
#
# Environment (set by the Makefile):
#   LOGS                       where the logs and results go
#   PRIMEPROC, UNIT            the program and the Catch2 binary
#   FAILFORK_PRIMEPROC         the program with fork() wrapped by tests/failfork.c
#   HEAPCHECK_PRIMEPROC        the program with tests/heapcheck.cpp (operator new in a child reported)
#   ASAN_PRIMEPROC, ASAN_UNIT, ASAN_FAILFORK_PRIMEPROC   built with -fsanitize=address,undefined
#   PRIMEPROC_DEBUG, GDB_SCRIPT                     the -O0 -g3 build and docs/gdb-session.gdb
#   NOROBUST_PRIMEPROC, NOROBUST_LOCK_UNIT   built with -DPRIMEPROC_NO_ROBUST_MUTEX (the macOS/OpenBSD
#                              lock): the program and tests/test_lock.cpp alone
set -u
: "${LOGS:=build/test-logs}"
mkdir -p "$LOGS" || exit 1
passed=0
failed=0

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
        failed=$((failed + 1))   # the binary crashed before its summary
    fi
}

# catch2 COMMAND...: runs a Catch2 binary into the log and counts its result.
catch2() {
    "$@" >"$log.part" 2>&1
    status=$?
    cat "$log.part" >>"$log" && rm -f "$log.part"
    failed_before=$failed
    count_catch2 "$log"
    if [ "$status" -ne 0 ] && [ "$failed" -eq "$failed_before" ]; then
        echo "exit status $status" >>"$log"
        failed=$((failed + 1))
    fi
}

# check NAME COMMAND...: one test that is not a Catch2 binary; passes when COMMAND succeeds and
# prints nothing.
check() {
    echo "-- $1" >>"$log"
    shift
    if out=$("$@" 2>&1) && [ -z "$out" ]; then
        passed=$((passed + 1))
    else
        printf '%s\nFAILED\n' "$out" >>"$log"
        failed=$((failed + 1))
    fi
}

# valgrind_unit: the test binary under valgrind, which follows it into every primeproc it starts
# and every child that forks (system programs such as sh and head are skipped). It needs the
# dynamically linked program: in a static one valgrind cannot replace malloc, so it could not
# check the heap. Each process writes its own log; with -q a log holds only findings, so any
# finding fails the stage. Not run here: [slow] (a seconds-long division, 50 times slower),
# [timing] (they measure against a run beside them, a harness::Yardstick, or watch /proc while
# children run at native speed), [stress] (20,000 forks under valgrind), [closed-fd] (valgrind opens its log file
# first, so descriptor 1 is never closed for primeproc) and [heapcheck] (it runs its own build
# of the program, which only the plain stage is given).
valgrind_unit() {
    vglogs="$LOGS/valgrind"
    rm -rf "$vglogs" && mkdir -p "$vglogs" || exit 1
    catch2 env PRIMEPROC="$PRIMEPROC" FAILFORK_PRIMEPROC="$FAILFORK_PRIMEPROC" \
        valgrind -q --trace-children=yes --trace-children-skip='/bin/*,/usr/bin/*' \
        --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
        --log-file="$vglogs/%p.log" "$UNIT" '~[slow]~[timing]~[stress]~[closed-fd]~[heapcheck]~[.]'
    # Not a finding: valgrind's note that it does not model an ioctl (forkpty's TIOCGPTPEER).
    findings=$(cat "$vglogs"/*.log | grep -v -e 'noted but unhandled ioctl' \
        -e 'could cause spurious value errors' -e 'README_MISSING_SYSCALL_OR_IOCTL' | grep -c .)
    if [ "$findings" -ne 0 ]; then
        { echo "valgrind: $findings line(s) of findings:"; cat "$vglogs"/*.log; } >>"$log"
        failed=$((failed + 1))
    fi
}

# valgrind_smoke: one short run of the program under valgrind, children included.
valgrind_smoke() {
    valgrind -q --trace-children=yes --error-exitcode=1 --leak-check=full \
        --errors-for-leak-kinds=definite "$PRIMEPROC" -l en 97 100 >/dev/null
}

# exercises fast|slow: every check of tests/check-exercises.sh of that speed, one test each
# (the docs' commands run as a student would, against what solutions.md and the texts claim).
exercises() {
    ./tests/check-exercises.sh --list "$1" >"$LOGS/exercises-$1.list" || { failed=$((failed + 1)); return; }
    while IFS= read -r exercise; do
        check "the course material: $exercise" env PRIMEPROC="$PRIMEPROC" PRIMEPROC_DEBUG="$PRIMEPROC_DEBUG" \
            ./tests/check-exercises.sh "$exercise" </dev/null
    done <"$LOGS/exercises-$1.list"
}

# browser: a --timeline picture of a short run, looked at in headless Chromium.
browser() {
    "$PRIMEPROC" -l en --timeline "$LOGS/timeline.svg" 97 91 100 >/dev/null &&
        ./tests/check-browser.sh "$LOGS/timeline.svg"
}

# browser_window: a window of 15 microseconds of the sample trace, in which the one wait for the
# lock (child 4102's, 2 microseconds: a pixel in the picture of the whole run) must be wide.
browser_window() {
    "$(dirname "$PRIMEPROC")/primeproc-timeline" --from 2.425 --to 2.440 tests/timeline-sample.trace \
        "$LOGS/timeline-window.svg" && ./tests/check-browser.sh --wait-at-least 100 "$LOGS/timeline-window.svg"
}

summary() {
    for name in "$@"; do
        if [ -r "$LOGS/$name.result" ]; then
            read -r p f <"$LOGS/$name.result"
            passed=$((passed + p))
            failed=$((failed + f))
        else
            echo "== $name: did not run (see the messages above)"
            failed=$((failed + 1))
        fi
    done
    echo "tests: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

if [ "${1:-}" = summary ]; then
    shift
    summary "$@"
    exit
fi

name=${1:?usage: tests/run-all.sh STAGE | summary STAGE...}
log="$LOGS/$name.log"
: >"$log"
rm -f "$LOGS/$name.result"
start=$(date +%s)
case $name in
    plain)
        catch2 env PRIMEPROC="$PRIMEPROC" FAILFORK_PRIMEPROC="$FAILFORK_PRIMEPROC" \
            HEAPCHECK_PRIMEPROC="$HEAPCHECK_PRIMEPROC" PRIMEPROC_DEBUG="$PRIMEPROC_DEBUG" \
            GDB_SCRIPT="$GDB_SCRIPT" "$UNIT" '~[stress]~[.]' ;;
    asan)
        # [gdb] runs the debug build, the same in both stages: once is enough; so does
        # [heapcheck] (a build of its own, with operator new replaced).
        # [memory] measures
        # peak memory, which AddressSanitizer's quarantine of freed blocks makes meaningless.
        # [slow]: millions of divisions and a 20,000-lane drawing, checked in the plain stage; under
        # the sanitizers they would take most of the two minutes. ([.]: hidden, run by name only.)
        catch2 env PRIMEPROC="$ASAN_PRIMEPROC" FAILFORK_PRIMEPROC="$ASAN_FAILFORK_PRIMEPROC" \
            ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$ASAN_UNIT" '~[stress]~[gdb]~[heapcheck]~[memory]~[slow]~[.]' ;;
    docs)
        check "the man page: groff -man -ww -z docs/primeproc.1 reports nothing" \
            groff -man -ww -z docs/primeproc.1
        check "the drawer's man page: groff -man -ww -z docs/primeproc-timeline.1 reports nothing" \
            groff -man -ww -z docs/primeproc-timeline.1
        # shellcheck disable=SC2046   # the Markdown files, one argument each (no blanks in names)
        check "every relative link of every Markdown file leads somewhere (files, lines, headings, names)" \
            ./tests/check-doc-links.sh $(find . -name '*.md' -not -path './build/*' | LC_ALL=C sort)
        check "docs/core.cpp answers as primeproc does" ./tests/check-core.sh "$PRIMEPROC"
        check "docs/threads.cpp, docs/spawn.cpp and docs/core.c answer as primeproc does" env \
            CORE_SOURCE="docs/threads.cpp docs/spawn.cpp docs/core.c" ./tests/check-core.sh "$PRIMEPROC"
        check "the comparison's experiments (threads, fork, spawn) as docs/solutions.md says" \
            ./tests/check-comparison.sh "$PRIMEPROC"
        check "docs/processes.svg is a picture" ./tests/check-svg.sh docs/processes.svg
        check "the lldb session of docs/gdb.md" ./tests/check-lldb.sh "$PRIMEPROC_DEBUG"
        check "gdb: break prime::smallest_factor, parse_line, finish, LineReader::next: one place each" \
            ./tests/check-gdb-breaks.sh "$PRIMEPROC_DEBUG"
        check "clang-format: every source as .clang-format lays it out (make format)" \
            env -u MAKEFLAGS make -s --no-print-directory format-check
        exercises fast ;;
    exercises)
        # The course material's slow part: the labs (each a build), gdb, the waits the texts ask for.
        exercises slow ;;
    valgrind-smoke)
        check "valgrind --trace-children=yes primeproc 97 100: no findings" valgrind_smoke ;;
    valgrind)
        valgrind_unit ;;
    stress)
        catch2 env PRIMEPROC="$PRIMEPROC" FAILFORK_PRIMEPROC="$FAILFORK_PRIMEPROC" "$UNIT" '[stress]' ;;
    browser)
        check "the --timeline picture in headless Chromium" browser
        check "primeproc-timeline --from --to: a 2 µs wait drawn wide, in headless Chromium" browser_window ;;
    norobust)
        # The lock macOS and OpenBSD get (README, "On macOS / FreeBSD"), built here on Linux.
        # Its lock test shows the hang a killed holder leaves (bounded: two seconds).
        catch2 "$NOROBUST_LOCK_UNIT"
        check "without robust mutexes: --version says what is lost" \
            sh -c '"$0" --version | grep -q "no robust mutexes" && ! "$1" --version | grep -q robust' \
            "$NOROBUST_PRIMEPROC" "$PRIMEPROC"
        check "without robust mutexes: the same answers as docs/core.cpp" \
            env CORE_CXX=g++ ./tests/check-core.sh "$NOROBUST_PRIMEPROC" ;;
    strict)
        # What a Linux-ism would break on macOS and the BSDs, found here.
        check "make strict: the program compiles as plain POSIX.1-2008 (g++)" env -u MAKEFLAGS make -s --no-print-directory strict
        check "make strict: the same with clang++" env -u MAKEFLAGS make -s --no-print-directory strict CXX=clang++
        check "clang-tidy finds nothing (.clang-tidy)" env -u MAKEFLAGS make -s --no-print-directory tidy
        check "the Makefile: make -q up to date right after make; make CXX=clang++ rebuilds all" \
            ./tests/check-make.sh "$LOGS/make-check" ;;
    *)
        echo "tests/run-all.sh: no stage '$name'" >&2
        exit 2 ;;
esac
echo "$passed $failed" >"$LOGS/$name.result"
line="== $name: $passed passed, $failed failed ($(($(date +%s) - start)) s)"
if [ "$failed" -ne 0 ]; then
    # The whole log, then the line again, so that the failure is the last thing on the screen.
    echo "$line; its output ($log):"
    cat "$log"
fi
echo "$line"
[ "$failed" -eq 0 ]
