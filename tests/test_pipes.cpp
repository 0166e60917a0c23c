// The reader of a pipe goes away while children print in pieces (--unlocked): every child that
// meets EPIPE dies of SIGPIPE, as a child that prints its line whole does, and so does the parent.
// This is exercise 3 of docs/exercises.md, as a student types it.
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <string>

namespace {
const std::string kNotice =
    "primeproc: --unlocked: children print without the lock, in pieces; lines will mix (a demonstration)\n";
}

TEST_CASE("seq | primeproc --unlocked -j 0 | head -5: dies of SIGPIPE, only the notice on stderr, every run") {
    // stderr of primeproc alone goes to a file; the shell prints how primeproc ended and how many
    // lines head passed on.
    const std::string script =
        "err=$(mktemp) || exit 1; seq 1000000 1000300 | '" + harness::primeproc() +
        "' -l en --unlocked -j 0 2>\"$err\" | head -5 | wc -l; echo \"${PIPESTATUS[1]}\"; cat \"$err\"; rm -f \"$err\"";
    for (int attempt = 0; attempt < 20; ++attempt) {
        INFO("attempt " << attempt);
        harness::RunOptions opts;
        opts.deadline_seconds = 30;
        const auto r = harness::run({"/bin/bash", "-c", script}, "", opts);
        CHECK(r.out == "5\n" + std::to_string(128 + SIGPIPE) + "\n" + kNotice);
        CHECK(r.err == "");
        CHECK_FALSE(r.timed_out);
        CHECK_FALSE(r.left_behind);
    }
}
