#!/bin/sh
# check-comparison.sh - the experiments of docs/exercises.md's part "Threads, fork, spawn" run as
# written, with the outcomes docs/solutions.md gives for them.
#
# Usage: tests/check-comparison.sh [CXX]     (default g++)
# Each docs/labs/compare-*.patch is applied to a copy of the docs/ program it changes, built with
# -Wall -Wextra -Werror, and run on the experiment's input; the outcome is checked: the count of
# primes each version prints, when an answer comes while the parent waits for input, what a
# child without the lock's descriptor says, who survives a crash, what a spawn without the
# "am I a child?" question prints. (That threads.cpp, spawn.cpp and core.c answer as primeproc
# does is tests/check-core.sh's job.) Prints nothing and exits 0 when every outcome is as
# claimed; otherwise says which is not and exits 1.
set -u
cxx=${1:-g++}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM   # the EXIT trap cleans up on these too
ulimit -c 0                  # the crashes below need no core files
status=0
fail() {
    echo "check-comparison: $*"
    status=1
}

# build NAME SOURCE [PATCH...]: docs/SOURCE with the patches applied (in order), built as
# $tmp/NAME; on failure $tmp/NAME.log says why and there is no $tmp/NAME.
build() {
    name=$1 source=$2
    shift 2
    mkdir -p "$tmp/$name.d/docs" && cp "$root/docs/$source" "$tmp/$name.d/docs/" || return
    for patch in "$@"; do
        patch -s -p1 -d "$tmp/$name.d" <"$root/docs/labs/$patch.patch" >"$tmp/$name.log" 2>&1 || {
            echo "docs/labs/$patch.patch does not apply to docs/$source" >>"$tmp/$name.log"
            return 1
        }
    done
    "$cxx" -std=c++17 -Wall -Wextra -Werror -pthread -O2 -o "$tmp/$name" \
        "$tmp/$name.d/docs/$source" >"$tmp/$name.log" 2>&1 && ! [ -s "$tmp/$name.log" ] ||
        { rm -f "$tmp/$name"; return 1; }
}

# built NAME: the program is there; otherwise says why not.
built() {
    [ -x "$tmp/$1" ] && return 0
    fail "$1 did not build:"
    cat "$tmp/$1.log"
    return 1
}

# The builds, two at a time (most of this check's time is the compiler's).
build threads-count threads.cpp compare-count-threads & build fork-count core.cpp compare-count-fork
wait
build fork-shared core.cpp compare-count-shared &
build fork-atomic core.cpp compare-count-shared compare-count-atomic
wait
build core core.cpp & build core-static core.cpp compare-lock-static
wait
build spawn-cloexec spawn.cpp compare-lock-cloexec & build spawn-noguard spawn.cpp compare-spawn-noguard
wait
build threads-crash threads.cpp compare-crash-threads & build fork-crash core.cpp compare-crash-fork
wait

# Memory: a count of primes each worker adds to; seq 1 100 holds 25 primes.
for case in threads-count:25 fork-count:0 fork-shared:25 fork-atomic:25; do
    name=${case%:*}
    built "$name" || continue
    got=$(seq 1 100 | "$tmp/$name" | tail -n 1)
    [ "$got" = "primes found: ${case#*:}" ] || fail "$name: 'seq 1 100 | ...' ended with '$got', not 'primes found: ${case#*:}'"
done

# The lock. answer_while_reading NAME DEADLINE: gives NAME a number that takes a fifth of a
# second and keeps its input open; an answer that comes within DEADLINE seconds, while the parent
# holds its lock waiting for the next line, is printed as "while reading: ANSWER". Then it ends
# the input; what comes after is printed as "after the input: ANSWER".
answer_while_reading() {
    rm -f "$tmp/to" "$tmp/from" && mkfifo "$tmp/to" "$tmp/from" || return
    "$tmp/$1" <"$tmp/to" >"$tmp/from" 2>&1 &
    exec 3>"$tmp/to" 4<"$tmp/from"
    echo 9999999999999937 >&3
    line=$(timeout "$2" head -n 1 <&4) && echo "while reading: $line"
    echo e >&3
    exec 3>&-
    sed 's/^/after the input: /' <&4
    exec 4<&-
    wait $!
}
if built core; then
    got=$(answer_while_reading core 1)
    [ "$got" = "after the input: 9999999999999937 is prime" ] ||
        fail "core.cpp: the answer came while the parent waited for input, holding the lock: '$got'"
fi
if built core-static; then
    got=$(answer_while_reading core-static 10)
    [ "$got" = "while reading: 9999999999999937 is prime" ] ||
        fail "compare-lock-static: no answer while the parent held its lock: '$got'"
fi
if built spawn-cloexec; then
    printf '97\n100\ne\n' | "$tmp/spawn-cloexec" >"$tmp/out" 2>"$tmp/err"
    printf 'mmap: Bad file descriptor\na child failed\nmmap: Bad file descriptor\na child failed\n' |
        sort >"$tmp/expected"
    if [ -s "$tmp/out" ] || ! sort "$tmp/err" | cmp -s - "$tmp/expected"; then
        fail "compare-lock-cloexec: expected no answers and each child's mmap failing; got:"
        cat "$tmp/out" "$tmp/err"
    fi
fi

# What "am I a child?" is for: without it every child is a parent that finds its input read.
if built spawn-noguard; then
    got=$(printf '97\n100\ne\n' | "$tmp/spawn-noguard" 2>&1)
    [ -z "$got" ] || fail "compare-spawn-noguard: expected no output at all; got '$got'"
fi

# A crash: the thread takes the whole program with it (shell status 128 + 11 = SIGSEGV) and the
# pending answer with it; the child dies alone and the parent says so.
if built threads-crash; then
    (printf '9999999999999937\n13\ne\n' | "$tmp/threads-crash" >"$tmp/out" 2>"$tmp/err"
     echo $? >"$tmp/status") 2>/dev/null   # the shell's own "Segmentation fault" line
    if [ "$(cat "$tmp/status")" != 139 ] || [ -s "$tmp/out" ]; then
        fail "compare-crash-threads: expected status 139 and no answer; got status $(cat "$tmp/status"):"
        cat "$tmp/out" "$tmp/err"
    fi
fi
if built fork-crash; then
    got=$(printf '9999999999999937\n13\ne\n' | "$tmp/fork-crash" 2>&1; echo "status $?")
    expected=$(printf '9999999999999937 is prime\na child failed\nstatus 0')
    [ "$(printf '%s\n' "$got" | sort)" = "$(printf '%s\n' "$expected" | sort)" ] ||
        fail "compare-crash-fork: expected the prime's answer, 'a child failed' and status 0; got '$got'"
fi
exit $status
