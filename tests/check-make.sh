#!/bin/sh
# check-make.sh [DIR]: the Makefile tells the truth. In a build directory of its own (DIR, default
# build/make-check): right after 'make', 'make -q' says up to date and 'make -n' has nothing to
# do; 'make CXX=clang++' then rebuilds every object, with clang++. Silent with exit 0 on success.
set -u
out=${1:-build/make-check}
m() { env -u MAKEFLAGS make --no-print-directory OUT="$out" BIN="$out/primeproc" "$@"; }
rm -rf "$out"
m -s all >/dev/null 2>&1 || { echo "make OUT=$out failed"; exit 1; }
m -q all || { echo "right after make, make -q says something is out of date"; exit 1; }
todo=$(m -n all | grep -v "Nothing to be done")
[ -z "$todo" ] || { printf 'right after make, make -n would run:\n%s\n' "$todo"; exit 1; }
m -s CXX=clang++ all >/dev/null 2>&1 || { echo "make CXX=clang++ failed"; exit 1; }
for o in $(find "$out" -name '*.o'); do
    readelf -p .comment "$o" | grep -q clang || { echo "$o was not rebuilt with clang++"; exit 1; }
done
rm -rf "$out"
