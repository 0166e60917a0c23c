// test_docs.cpp - the sessions the docs show, run for real so that they cannot go stale: the gdb
// session of docs/gdb.md. (The rest of docs/ is checked by the docs stage of tests/run-all.sh:
// the man page, the walkthrough's source links, docs/core.cpp, the picture, the lldb session.)
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
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
            if (at == std::string::npos) {
                all = false;
                break;
            }
            at += part.size();
        }
        if (all) return true;
    }
    return false;
}

// A source line as gdb prints it ("58\t    const ..."), as docs/gdb.md shows it: in a code block
// (indented by 4), the tab expanded to the next multiple of 8.
std::string as_in_doc(const std::string& line) {
    std::string shown = "    ";
    for (char c : line) {
        if (c != '\t') {
            shown += c;
            continue;
        }
        shown += ' ';
        while ((shown.size() - 4) % 8 != 0) shown += ' ';
    }
    return shown;
}

}  // namespace

TEST_CASE("the gdb session of docs/gdb.md follows a child and shows its number and divisor",
          "[gdb]") {
    const char* debug = std::getenv("PRIMEPROC_DEBUG");
    const char* script = std::getenv("GDB_SCRIPT");
    REQUIRE(debug != nullptr);
    REQUIRE(script != nullptr);
    harness::RunOptions opts;
    opts.deadline_seconds = 120;
    const auto r = harness::run(
        {"/usr/bin/gdb", "-nx", "-batch", "-x", script, "--args", debug, "-l", "en", "91"}, "",
        opts);
    INFO("gdb said:\n" << r.out << r.err);
    CHECK_FALSE(r.timed_out);
    const std::string& out = r.out;
    CHECK(out.find("[Attaching after ") != std::string::npos);  // gdb followed the fork
    // "Breakpoint 1.2": the breakpoint's location in inferior 2, the child.
    CHECK(has_line_with(out, {"hit Breakpoint 1.2, ", "run_child"}));
    CHECK(out.find("$1 = 91") != std::string::npos);  // print n.value, in the child
    CHECK(has_line_with(out, {"hit Breakpoint 2.2, prime::smallest_factor"}));
    CHECK(out.find("$2 = 91") != std::string::npos);  // print n, in smallest_factor
    // next 3: in the book's loop, its bound floor(sqrt(91)) and the wheel's first two candidates.
    CHECK(has_line_with(out, {"\t", "if (n % w.value == 0) return w.value;"}));
    CHECK(out.find("$3 = 9\n") != std::string::npos);
    CHECK(out.find("$4 = {value = 2, then = 3, next_value = 5, turn = 0}") != std::string::npos);
    CHECK(out.find("Value returned is $5 = 7") != std::string::npos);  // finish: 91 = 7 * 13
    // docs/gdb.md shows the stops in prime.hpp as this build prints them, line numbers included.
    const std::string docs = std::string(script).substr(0, std::string(script).rfind('/') + 1);
    std::ifstream doc_file(docs + "gdb.md");
    std::stringstream doc;
    doc << doc_file.rdbuf();
    REQUIRE(doc.str().find("(gdb) next 3") != std::string::npos);
    for (const auto& line : harness::lines(out)) {
        const auto file = line.find("prime.hpp");
        if (file != std::string::npos) {
            CHECK(doc.str().find(line.substr(file)) != std::string::npos);
        }
        if (line.find("integer_sqrt(n);") != std::string::npos ||
            line.find("return w.value;") != std::string::npos) {
            CHECK(doc.str().find(as_in_doc(line)) != std::string::npos);
        }
    }
    CHECK(has_line_with(out, {"* 2 ", "process "}));  // the child is current
    CHECK(has_line_with(out, {"  1 ", "process "}));  // the parent waits
    CHECK(out.find("91 is not prime, since 91 = 7 * 13") != std::string::npos);
    CHECK(has_line_with(out, {"[Inferior 2 (process ", ") exited normally]"}));
    CHECK(has_line_with(out, {"[Inferior 1 (process ", ") exited normally]"}));
}
