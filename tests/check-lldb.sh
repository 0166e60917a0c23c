#!/bin/sh
# check-lldb.sh PRIMEPROC_DEBUG: runs the lldb session of docs/gdb.md (docs/lldb-session.lldb)
# on the -O0 -g3 build and checks what lldb printed: one place for the breakpoint, the book's
# loop around the stop, it followed the child (whose parent is the process lldb launched), the
# child's number (91) and the factor smallest_factor returned (7), and the child's line. Silent with exit 0 on success; says what is wrong and exits 1 otherwise.
set -u
if [ $# -ne 1 ]; then
    echo "usage: $0 PRIMEPROC_DEBUG" >&2
    exit 1
fi
debug=$1
here=$(cd "$(dirname "$0")" && pwd)
session="$here/../docs/lldb-session.lldb"
command -v lldb >/dev/null || { echo "lldb is missing (Debian: lldb): make deps installs it"; exit 1; }

# Debian's lldb 14 looks for its Python module in the wrong folder and prints a harmless
# traceback at start; point it at the right one when it is there.
for dir in /usr/lib/llvm-14/lib/python3*/dist-packages; do
    [ -d "$dir/lldb" ] && PYTHONPATH="$dir${PYTHONPATH:+:$PYTHONPATH}" && export PYTHONPATH && break
done

out=$(mktemp) || exit 1
trap 'rm -f "$out"' EXIT
# -x: no ~/.lldbinit; timeout: a debugger that hangs must fail the check, not stall it.
timeout 120 lldb -x -b -s "$session" -- "$debug" -l en 91 >"$out" 2>&1
status=$?
# The child writes to a pseudo-terminal that lldb made: its lines end in "\r\n".
tr -d '\r' <"$out" >"$out.lf" && mv "$out.lf" "$out"

fail() {
    echo "check-lldb: $1" >&2
    echo "--- lldb said:" >&2
    cat "$out" >&2
    exit 1
}
[ "$status" -eq 0 ] || fail "lldb exited with status $status"
launched=$(sed -n 's/^Process \([0-9][0-9]*\) launched: .*/\1/p' "$out")
[ -n "$launched" ] || fail "no 'Process N launched' line"
# "Breakpoint 1: where = ...": one location (several would read "Breakpoint 1: N locations.").
grep -q '^Breakpoint 1: where = .*prime::smallest_factor<ParentGone>' "$out" ||
    fail "break prime::smallest_factor did not resolve to the one smallest_factor<ParentGone>"
grep -q 'stop reason = breakpoint 1\.' "$out" || fail "the breakpoint in prime::smallest_factor was not hit"
# The lines shown around the stop are the book's loop, and docs/gdb.md shows them as they are
# (line numbers included): in a code block, indented by 4, tabs expanded.
listing=$(sed -n '/stop reason = breakpoint 1\./,/^Process [0-9]* launched/p' "$out" | grep -E '^(->|  ) +[0-9]+ ')
printf '%s\n' "$listing" | grep -q 'if (n % w\.value == 0) return w\.value;$' ||
    fail "the stop in smallest_factor does not show the book's loop"
printf '%s\n' "$listing" | expand | while IFS= read -r line; do
    grep -qxF -- "    $line" "$here/../docs/gdb.md" || { echo "check-lldb: docs/gdb.md lacks the line: $line" >&2; exit 1; }
done || fail "docs/gdb.md does not show the lines lldb shows at the stop"
grep -qx '(uint64_t) n = 91' "$out" || fail "frame variable n did not show 91"
# expression (int)getppid() is $1: in the child, the parent is the launched process.
grep -qx "(int) \$1 = $launched" "$out" || fail "the stopped process is not a child of $launched (not following the child)"
child=$(sed -n 's/^(int) \$0 = \([0-9][0-9]*\)$/\1/p' "$out")
[ -n "$child" ] && [ "$child" != "$launched" ] || fail "getpid() in the stopped process is not a new pid"
grep -qx 'Return value: (uint64_t) $2 = 7' "$out" || fail "finish did not return the factor 7"
grep -qx '91 is not prime, since 91 = 7 \* 13' "$out" || fail "the child's line is missing"
grep -q '^Process [0-9]* exited with status = 0 ' "$out" || fail "the process did not exit with status 0"
exit 0
