#!/bin/sh
# check-core.sh - docs/core.cpp, the one-screen version, answers exactly as primeproc does; so do
# its siblings docs/threads.cpp, docs/spawn.cpp and docs/core.c when CORE_SOURCE names them.
#
# Usage: tests/check-core.sh PRIMEPROC [COMPILER...]
#        PRIMEPROC=... CORE_CXX="g++ clang++" CORE_CC="gcc clang" CORE_SOURCE="docs/core.c" tests/check-core.sh
# Compiles each source (CORE_SOURCE, default docs/core.cpp; a list) with each compiler (the
# arguments; else CORE_CXX for C++, default g++ and clang++, and CORE_CC for C, default gcc and
# clang) under -Wall -Wextra -Werror, feeds it and 'PRIMEPROC --lang en' the same few hundred
# numbers through a pipe (so neither prompts), and compares the sorted outputs (children answer
# in any order). Prints nothing and exits 0 when all agree; otherwise says what differs and exits 1.
set -u
if [ $# -ge 1 ]; then
    PRIMEPROC=$1
    shift
fi
: "${PRIMEPROC:?usage: tests/check-core.sh PRIMEPROC [COMPILER...]}"
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM   # the EXIT trap cleans up on these too

# The numbers: every one below 200, some negatives, products of two primes, squares of primes,
# primes up to 2^40 (trial division to 10^6 at most: well under a second each), and 64-bit
# numbers up to 2^64 - 1 whose smallest factor is small.
numbers() {
    awk 'BEGIN {
        for (n = 0; n < 200; n++) print n
        for (n = 2; n < 100; n++) {                  # the primes below 100
            for (d = 2; d * d <= n && n % d; d++) ;
            if (d * d > n) small[++k] = n
        }
        split("101 997 7919 65521 1000003", big, " ")
        for (i = 1; i <= k; i++) {
            print small[i] * small[i]
            for (j = 1; j <= 5; j++) print small[i] * big[j]
        }
    }'
    cat <<'EOF'
-1
-2
-7
-97
-18446744073709551616
-123456789012345678901234567890
4293001441
1000006000009
2147483647
1000000007
4294967291
4294967311
999999999989
9223372036854775808
10000000000000000000
18446744073597200593
18446744073708190571
18446744073709551613
18446744073709551614
18446744073709551615
EOF
}
numbers >"$tmp/numbers"
expected_lines=$(wc -l <"$tmp/numbers")

# run NAME COMMAND...: the numbers through a pipe into COMMAND; its stdout, sorted, in $tmp/NAME.
# Fails (saying why) when COMMAND exits non-zero or does not answer every number.
run() {
    name=$1
    shift
    # shellcheck disable=SC2002   # a pipe on purpose: what a student's 'seq | core' gives
    if ! cat "$tmp/numbers" | "$@" >"$tmp/$name.raw" 2>"$tmp/$name.err"; then
        echo "check-core: '$*' failed:"
        cat "$tmp/$name.err"
        return 1
    fi
    LC_ALL=C sort "$tmp/$name.raw" >"$tmp/$name"
    lines=$(wc -l <"$tmp/$name")
    if [ "$lines" -ne "$expected_lines" ]; then
        echo "check-core: '$*' answered $lines of $expected_lines numbers"
        return 1
    fi
}

# compile SOURCE COMPILER NAME: $tmp/NAME.bin, its compiler's messages in $tmp/NAME.log.
compile() {
    case $1 in
        *.c) std=-std=c11 ;;
        *) std=-std=c++17 ;;
    esac
    "$2" $std -Wall -Wextra -Werror -pthread -O2 -o "$tmp/$3.bin" "$root/$1" >"$tmp/$3.log" 2>&1 ||
        rm -f "$tmp/$3.bin"
}

# What to build, a line "SOURCE COMPILER NAME" each.
# shellcheck disable=SC2086   # CORE_SOURCE, CORE_CXX and CORE_CC are lists: split them on purpose
builds=$(for source in ${CORE_SOURCE:-docs/core.cpp}; do
    case $source in
        *.c) compilers=${CORE_CC:-gcc clang} ;;
        *) compilers=${CORE_CXX:-g++ clang++} ;;
    esac
    [ $# -ge 1 ] && compilers=$*
    for compiler in $compilers; do
        echo "$source $compiler $(basename "$source")-$(basename "$compiler")"
    done
done)

# The compiler is most of this check's time: two builds at a time, while primeproc answers.
count=0
while read -r source compiler name; do
    compile "$source" "$compiler" "$name" &
    count=$((count + 1))
    [ $((count % 2)) -eq 0 ] && wait
done <<EOF
$builds
EOF
run primeproc "$PRIMEPROC" --lang en || exit 1
wait
status=0
while read -r source compiler name; do
    if ! [ -x "$tmp/$name.bin" ] || [ -s "$tmp/$name.log" ]; then
        echo "check-core: $compiler $source:"
        cat "$tmp/$name.log"
        status=1
        continue
    fi
    run "$name" "$tmp/$name.bin" || { status=1; continue; }
    if ! diff -u "$tmp/primeproc" "$tmp/$name" >"$tmp/diff"; then
        echo "check-core: $source ($compiler) and primeproc answer differently:"
        cat "$tmp/diff"
        status=1
    fi
done <<EOF
$builds
EOF
exit $status
