#!/bin/sh
# check-comparison.sh - the experiments of docs/exercises.md's part "Threads, fork, spawn" run as
# written, with the outcomes docs/solutions.md gives for them.
#
# Usage: tests/check-comparison.sh PRIMEPROC [CXX]     (default g++)
# Each docs/labs/compare-*.patch is applied to a copy of the docs/ program it changes, built with
# -Wall -Wextra -Werror, and run on the experiment's input; the outcome is checked: the count of
# primes each version prints, when an answer comes while the parent waits for input, what a
# child without the lock's descriptor says, what a spawn that never asks "am I a child?" prints,
# who survives a crash, and what primeproc says of a child killed by SIGSEGV. (That threads.cpp,
# spawn.cpp and core.c answer as primeproc does is tests/check-core.sh's job.) Prints nothing and
# exits 0 when every outcome is as claimed; otherwise says which is not and exits 1.
set -u
primeproc=${1:?usage: tests/check-comparison.sh PRIMEPROC [CXX]}
cxx=${2:-g++}
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

# lab NAME FILE: docs/FILE changed by docs/labs/compare-NAME.patch into a copy and built, as
# docs/exercises.md does it, as $tmp/NAME; without the patch when there is none (NAME core). On
# failure $tmp/NAME.log says why and there is no $tmp/NAME.
lab() {
    source=$root/docs/$2
    if [ "$1" != core ]; then
        patch -s -o "$tmp/$1.cpp" "$source" "$root/docs/labs/compare-$1.patch" >"$tmp/$1.log" 2>&1 || {
            echo "docs/labs/compare-$1.patch does not apply to docs/$2" >>"$tmp/$1.log"
            return 1
        }
        source=$tmp/$1.cpp
    fi
    "$cxx" -std=c++17 -Wall -Wextra -Werror -pthread -O2 -o "$tmp/$1" "$source" >"$tmp/$1.log" 2>&1 &&
        ! [ -s "$tmp/$1.log" ] || { rm -f "$tmp/$1"; return 1; }
}

# built NAME: the program is there; otherwise says why not.
built() {
    [ -x "$tmp/$1" ] && return 0
    fail "$1 did not build:"
    cat "$tmp/$1.log"
    return 1
}

# The builds, two at a time (most of this check's time is the compiler's).
lab count-threads threads.cpp & lab count-fork core.cpp
wait
lab count-shared core.cpp & lab count-atomic core.cpp
wait
lab core core.cpp & lab lock-static core.cpp
wait
lab lock-cloexec spawn.cpp & lab spawn-noguard spawn.cpp
wait
lab crash-threads threads.cpp & lab crash-fork core.cpp
wait

# Memory: a count of primes each worker adds to; seq 1 100 holds 25 primes.
for case in count-threads:25 count-fork:0 count-shared:25 count-atomic:25; do
    name=${case%:*}
    built "$name" || continue
    got=$(seq 1 100 | "$tmp/$name" | tail -n 1)
    [ "$got" = "primes found: ${case#*:}" ] ||
        fail "$name: 'seq 1 100 | ...' ended with '$got', not 'primes found: ${case#*:}'"
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
if built lock-static; then
    got=$(answer_while_reading lock-static 10)
    [ "$got" = "while reading: 9999999999999937 is prime" ] ||
        fail "compare-lock-static: no answer while the parent held its lock: '$got'"
fi
if built lock-cloexec; then
    printf '97\n100\ne\n' | "$tmp/lock-cloexec" >"$tmp/out" 2>"$tmp/err"
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
if built crash-threads; then
    (printf '9999999999999937\n13\ne\n' | "$tmp/crash-threads" >"$tmp/out" 2>"$tmp/err"
     echo $? >"$tmp/status") 2>/dev/null   # the shell's own "Segmentation fault" line
    if [ "$(cat "$tmp/status")" != 139 ] || [ -s "$tmp/out" ]; then
        fail "compare-crash-threads: expected status 139 and no answer; got status $(cat "$tmp/status"):"
        cat "$tmp/out" "$tmp/err"
    fi
fi
if built crash-fork; then
    got=$(printf '9999999999999937\n13\ne\n' | "$tmp/crash-fork" 2>&1; echo "status $?")
    expected=$(printf '9999999999999937 is prime\na child failed\nstatus 0')
    [ "$(printf '%s\n' "$got" | sort)" = "$(printf '%s\n' "$expected" | sort)" ] ||
        fail "compare-crash-fork: expected the prime's answer, 'a child failed' and status 0; got '$got'"
fi

# The same crash sent from outside, to one of primeproc's children: the parent names it.
"$primeproc" -l en 18446744073709551557 >"$tmp/out" 2>"$tmp/err" &
parent=$!
for _ in $(seq 50); do   # until the child is there: at most five seconds
    child=$(pgrep -P "$parent") && break
    sleep 0.1
done
kill -SEGV "$child"
wait "$parent"
exit_status=$?
got="$(cat "$tmp/out"; sed -E 's/child [0-9]+/child PID/' "$tmp/err"); status $exit_status"
[ "$got" = "primeproc: child PID (18446744073709551557) was killed by signal 11 (Segmentation fault); status 1" ] ||
    fail "primeproc with its child killed by SIGSEGV: '$got'"
exit $status
