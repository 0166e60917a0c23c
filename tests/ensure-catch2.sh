#!/bin/sh
# Makes sure Catch2 2.x (Debian's package "catch2") is installed; installs it when we may.
# Used by 'make test'. Prints what to do when it cannot install it itself.
set -u
CXX=${CXX:-g++}
have_catch2() {
    printf '#include <catch2/catch.hpp>\n' | $CXX -x c++ -std=c++17 -fsyntax-only - >/dev/null 2>&1
}
have_catch2 && exit 0
echo "Catch2 is missing; installing Debian's package 'catch2'..."
if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq catch2 >/dev/null
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq catch2 >/dev/null
    fi
fi
have_catch2 && exit 0
echo "Catch2 2.x is not installed and could not be installed here." >&2
echo "Install it, then run 'make test' again:  sudo apt-get install catch2   (Debian, Ubuntu)" >&2
echo "Elsewhere: install Catch2 2.x so that <catch2/catch.hpp> is on the include path." >&2
exit 1
