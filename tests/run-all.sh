#!/bin/sh
# Runs every stage of 'make test' and ends with one line: "tests: N passed, M failed".
# Counts are Catch2 test cases. Exit status 0 only when every stage passed.
# Environment (set by the Makefile): PRIMEPROC (the program), UNIT (the Catch2 binary).
set -u
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

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
    fi
}

stage "unit, lock and end-to-end tests" "$UNIT"

echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
