// test_docs.cpp - the sessions the docs show, run for real so that they cannot go stale: the gdb
// session of docs/gdb.md. (The rest of docs/ is checked by the docs stage of tests/run-all.sh:
// the man page, the walkthrough's source links, docs/core.cpp, the picture, the lldb session.)
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

// A line of text that holds every one of parts, in that order.
bool has_line_with(const std::string& text, const std::vector<std::string>& parts) {
    for (const auto& line : harness::lines(text)) {
        std::size_t at = 0;
        bool all = true;
        for (const auto& part : parts) {
            at = line.find(part, at);
            if (at == std::string::npos) { all = false; break; }
            at += part.size();
        }
        if (all) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("the gdb session of docs/gdb.md follows a child and shows its number and divisor", "[gdb]") {
    const char* debug = std::getenv("PRIMEPROC_DEBUG");
    const char* script = std::getenv("GDB_SCRIPT");
    REQUIRE(debug != nullptr);
    REQUIRE(script != nullptr);
    harness::RunOptions opts;
    opts.deadline_seconds = 120;
    const auto r = harness::run({"/usr/bin/gdb", "-nx", "-batch", "-x", script, "--args", debug, "-l", "en", "91"},
                       "", opts);
    INFO("gdb said:\n" << r.out << r.err);
    CHECK_FALSE(r.timed_out);
    const std::string& out = r.out;
    CHECK(out.find("[Attaching after ") != std::string::npos);  // gdb followed the fork
    // "Breakpoint 1.2": the breakpoint's location in inferior 2, the child.
    CHECK(has_line_with(out, {"hit Breakpoint 1.2, ", "run_child"}));
    CHECK(out.find("$1 = 91") != std::string::npos);  // print n.value, in the child
    CHECK(has_line_with(out, {"hit Breakpoint 2.2, prime::smallest_factor"}));
    CHECK(out.find("$2 = 91") != std::string::npos);  // print n, in smallest_factor
    CHECK(out.find("Value returned is $3 = 7") != std::string::npos);  // finish: 91 = 7 * 13
    CHECK(has_line_with(out, {"* 2 ", "process "}));    // the child is current
    CHECK(has_line_with(out, {"  1 ", "process "}));    // the parent waits
    CHECK(out.find("91 is not prime, since 91 = 7 * 13") != std::string::npos);
    CHECK(has_line_with(out, {"[Inferior 2 (process ", ") exited normally]"}));
    CHECK(has_line_with(out, {"[Inferior 1 (process ", ") exited normally]"}));
}
