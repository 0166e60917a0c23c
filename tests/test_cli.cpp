// End-to-end tests: the built ./primeproc, run through pipes, files and a pseudo-terminal.
// Children finish in any order, so outputs are compared as sets of lines.
#include "../prime.hpp"
#include "../support/messages.hpp"
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

using harness::line_set;
using harness::run;
using expect::Lines;

using expect::with_program;










TEST_CASE("output to a file: every line once, none duplicated by fork") {
    // The duplicated-stdio-buffer bug shows only when stdout is a file or pipe, not a terminal.
    const harness::TempFile file;
    harness::RunOptions to_file;
    to_file.stdout_file = file.path();
    const auto numbers = expect::batch(2, 200);
    const auto r = run(with_program({"-l", "en"}), numbers.input, to_file);
    CHECK(r.exit_code() == 0);
    CHECK(line_set(harness::slurp(file.path())) == numbers.expected);
}


TEST_CASE("stdout closed: a clear message and exit 1", "[closed-fd]") {
    harness::RunOptions closed;
    closed.close_stdout = true;
    const auto r = run(with_program({"97"}), "", closed);
    CHECK(r.err == "primeproc: standard output: Bad file descriptor\n");
    CHECK(r.exit_code() == 1);
}

// ---------------------------------------------------------------------------------------------
// In a terminal
// ---------------------------------------------------------------------------------------------







