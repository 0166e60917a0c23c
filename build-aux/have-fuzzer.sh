#!/bin/sh
# Succeeds when $FUZZ_CXX (clang++) can build a libFuzzer target with the sanitizers.
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
printf '#include <cstdint>\n#include <cstddef>\nextern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }\n' >"$dir/f.cpp"
${FUZZ_CXX:-clang++} -fsanitize=fuzzer,address,undefined -o "$dir/f" "$dir/f.cpp"
