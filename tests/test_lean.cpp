// Tests of the lean fork path (docs/performance.md): what a child does not do after fork().
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

namespace {

const std::string kNote = "heapcheck: operator new in a child after fork";

// The program built with tests/heapcheck.cpp, which reports every operator new in a child.
std::string heapcheck_program() {
    const char* path = std::getenv("HEAPCHECK_PRIMEPROC");
    REQUIRE(path != nullptr);
    return path;
}

}  // namespace

TEST_CASE("a child formats and prints its verdict without the heap", "[heapcheck]") {
    const std::string program = heapcheck_program();
    const std::string long_negative = "-" + std::string(1023, '9');  // the longest line allowed
    const std::string numbers = "97\n100\n1\n-7\n18446744073709551615\n" + long_negative + "\n";
    SECTION("English and German, from a pipe and as arguments, with -j 2") {
        for (const char* lang : {"en", "de"}) {
            const auto piped = harness::run({program, "-l", lang, "-j", "2"}, numbers);
            INFO("stderr: " << piped.err);
            CHECK(piped.err.find(kNote) == std::string::npos);
            CHECK(harness::lines(piped.out).size() == 6);
            const auto args = harness::run({program, "-l", lang, "97", "100", "-7"}, "");
            CHECK(args.err.find(kNote) == std::string::npos);
            CHECK(harness::lines(args.out).size() == 3);
        }
    }
    SECTION("with --trace") {
        const auto r = harness::run({program, "-l", "en", "--trace"}, numbers);
        CHECK(r.err.find(kNote) == std::string::npos);
        CHECK(r.err.find("trace") != std::string::npos);
        CHECK(harness::lines(r.out).size() == 6);
    }
    SECTION("--live at a terminal, where the child redraws the prompt") {
        harness::Pty pty({program, "-l", "en", "--live"}, {});
        REQUIRE(pty.expect("> "));
        pty.send("97\n");
        REQUIRE(pty.expect("97 is prime"));
        pty.send("e\n");
        REQUIRE(pty.wait() == 0);
        CHECK(pty.transcript().find(kNote) == std::string::npos);
    }
    SECTION("the seam works: the parent allocates, and is not reported") {
        const auto r = harness::run({program, "-l", "en", "97"}, "");
        CHECK(r.out == "97 is prime\n");
        CHECK(r.err == "");
    }
    SECTION("the seam works: a child that must allocate is reported") {
        // stdout is /dev/full: the child's write fails with ENOSPC, and the std::system_error
        // that says so builds its message on the heap.
        harness::RunOptions opts;
        opts.stdout_file = "/dev/full";
        const auto r = harness::run({program, "-l", "en", "97"}, "", opts);
        CHECK(r.err.find(kNote) != std::string::npos);
        CHECK(r.exit_code() == 1);
    }
}
