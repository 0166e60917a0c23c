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

# Extra locations known to come from code that is leaving the program: the drawer
# (support/timeline.cpp) and trace::finish. "BREAK<TAB>start of the function's name". Each entry
# must still match a location: one that no longer does fails the check, so that this list is
# emptied as that code leaves, and the four breaks are then held to one location each.
known_extra='parse_line	timeline::
finish	timeline::
finish	trace::finish
LineReader::next	timeline::'

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

# has_prefix PREFIX: some line of stdin starts with PREFIX.
has_prefix() { awk -v p="$1" 'index($0, p) == 1 { f = 1 } END { exit !f }'; }

status=0
tab=$(printf '\t')
while IFS= read -r name; do
    found=$(where "$name") || { printf '%s\n' "$found"; exit 1; }
    unexpected=$found
    while IFS="$tab" read -r break_name prefix; do
        [ "$break_name" = "$name" ] || continue
        if printf '%s\n' "$unexpected" | has_prefix "$prefix"; then
            unexpected=$(printf '%s\n' "$unexpected" | awk -v p="$prefix" 'index($0, p) != 1')
        else
            echo "check-gdb-breaks: break $name: no location in $prefix... any more; remove that line from known_extra in $0"
            status=1
        fi
    done <<LIST
$known_extra
LIST
    count=$(printf '%s' "$unexpected" | grep -c .)
    if [ "$count" -ne 1 ]; then
        echo "check-gdb-breaks: break $name has $count locations (one expected):"
        printf '%s\n' "${found:-(none)}" | sed 's/^/    /'
        status=1
    fi
done <<LIST
$breaks
LIST
exit $status
