#!/bin/sh
# Succeeds when $CXX finds Catch2 2.x (<catch2/catch.hpp>).
printf '#include <catch2/catch.hpp>\n' | ${CXX:-g++} -x c++ -std=c++17 -fsyntax-only -
