#!/bin/sh
# check-gdb-breaks.sh PRIMEPROC_DEBUG: the functions docs/gdb.md and the walkthrough tell a
# student to break on must each stop in exactly one place in the -O0 -g3 build. A second
# location (a namesake in another file, a template instantiated twice, an inlined copy) makes
# `break NAME` stop somewhere the student did not mean. Silent with exit 0 on success; names
# every break with more or fewer than one location, and where each is, and exits 1 otherwise.
set -u
if [ $# -ne 1 ]; then
    echo "usage: $0 PRIMEPROC_DEBUG" >&2
    exit 1
fi
debug=$1
[ -x "$debug" ] || { echo "check-gdb-breaks: no program $debug (make debug builds it)"; exit 1; }
breaks='prime::smallest_factor
parse_line
finish
LineReader::next'

out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT

# where NAME: one line "FUNCTION at FILE:LINE" per location of `break NAME`, read from
# "info breakpoints": "1  breakpoint keep y  0xADDR in FUNCTION at FILE:LINE" for a single
# location, or "1 ... <MULTIPLE>" and then one "1.M  y  0xADDR in FUNCTION at ..." each.
# -nx: no ~/.gdbinit; timeout: a debugger that hangs must fail the check, not stall it.
where() {
    if ! timeout 60 gdb -nx -batch -ex "break $1" -ex 'info breakpoints' "$debug" >"$out" 2>&1; then
        echo "check-gdb-breaks: gdb failed:"
        cat "$out"
        exit 1
    fi
    awk '/^1(\.[0-9]+)? / && / in / { sub(/^[^ ]+ .* 0x[0-9a-f]+ in /, ""); print }' "$out"
}

status=0
while IFS= read -r name; do
    found=$(where "$name") || { printf '%s\n' "$found"; exit 1; }
    count=$(printf '%s' "$found" | grep -c .)
    if [ "$count" -ne 1 ]; then
        echo "check-gdb-breaks: break $name has $count locations (one expected):"
        printf '%s\n' "${found:-(none)}" | sed 's/^/    /'
        status=1
    fi
done <<LIST
$breaks
LIST
exit $status
