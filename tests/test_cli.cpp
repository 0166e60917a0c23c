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









TEST_CASE("-i shows the prompt even through a pipe") {
    // Nothing echoes piped input, so prompts and the verdict share lines (as with the book's
    // input()). Two prompts: before "97" and before "e"; the verdict may come before the second.
    const auto r = run(with_program({"-i", "-l", "en"}), "97\ne\n");
    std::string without_prompts = r.out;
    int prompts = 0;
    for (std::size_t at; (at = without_prompts.find("> ")) != std::string::npos; ++prompts) {
        without_prompts.erase(at, 2);
    }
    CHECK(prompts == 2);
    CHECK(without_prompts == "97 is prime\n");
    CHECK(r.exit_code() == 0);
}

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

namespace {

// Transcript lines (without CR). The terminal echoes what we type, so "> 97" is prompt + echo.
std::vector<std::string> screen_lines(const harness::Pty& pty) {
    return harness::lines(harness::without_cr(pty.transcript()));
}

// No verdict may start inside a prompt line: every line holding "> " is a prompt plus the echo.
void check_prompt_lines_are_clean(const harness::Pty& pty, const std::set<std::string>& typed) {
    for (const auto& line : screen_lines(pty)) {
        if (line.find("> ") == std::string::npos) continue;
        INFO("screen line: " << line);
        REQUIRE(line.rfind("> ", 0) == 0);
        const std::string echo = line.substr(2);
        CHECK((echo.empty() || typed.count(echo) == 1));
    }
}

}  // namespace

TEST_CASE("in a terminal: the prompt appears, verdicts follow, 'e' ends with status 0") {
    harness::Pty pty({harness::primeproc(), "-l", "en"}, {});
    REQUIRE(pty.expect("> "));
    pty.send("97\n");
    REQUIRE(pty.expect("> "));
    pty.send("100\n");
    REQUIRE(pty.expect("> "));
    pty.send("e\n");
    const int status = pty.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const auto screen = screen_lines(pty);
    const std::multiset<std::string> all(screen.begin(), screen.end());
    CHECK(all.count("97 is prime") == 1);
    CHECK(all.count("100 is not prime, since 100 = 2 * 50") == 1);
    check_prompt_lines_are_clean(pty, {"97", "100", "e"});
}

TEST_CASE("in a terminal: Ctrl-D ends the prompt line and the program, in German too") {
    harness::Pty pty({harness::primeproc()}, {{"LANG", "de_DE.UTF-8"}});
    REQUIRE(pty.expect("> "));
    pty.send("91\n");
    REQUIRE(pty.expect("> "));
    pty.send("\x04");  // Ctrl-D at the start of a line: read() returns 0
    const int status = pty.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    const auto screen = screen_lines(pty);
    CHECK(std::count(screen.begin(), screen.end(), "91 ist nicht prim, da 91 = 7 * 13") == 1);
    CHECK(std::count(screen.begin(), screen.end(), "> ") == 1);  // the last prompt, ended by '\n'
    check_prompt_lines_are_clean(pty, {"91"});
}

TEST_CASE("in a terminal: after 'e' it says how many children it waits for") {
    harness::Pty pty({harness::primeproc(), "-l", "en"}, {});
    REQUIRE(pty.expect("> "));
    pty.send("1000000000000000003\n");  // a prime near 10^18: a fraction of a second of work
    REQUIRE(pty.expect("> "));
    // Stopped, the child cannot finish before the parent's quiet wait is over, however fast the
    // machine: the message must come. Let go, it answers.
    std::vector<pid_t> kids;
    REQUIRE(harness::eventually([&] { return (kids = harness::children_of(pty.pid())).size() == 1; }, 20));
    REQUIRE(kill(kids[0], SIGSTOP) == 0);
    pty.send("e\n");
    REQUIRE(pty.expect("waiting for 1 child...\r\n"));
    REQUIRE(kill(kids[0], SIGCONT) == 0);
    REQUIRE(pty.expect("1000000000000000003 is prime\r\n", 60));
    const int status = pty.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}



