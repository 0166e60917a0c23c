// test_prompt.cpp - at a terminal (a pseudo-terminal here): the greeting, the "> " prompt, what
// ends a session (e, Ctrl-D), -i through a pipe, --live, answers and waits around the prompt,
// where "> " goes when stdout is no terminal, and the prompt drawn again after a stop.
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using expect::kLongPrime;
using expect::kLongPrime2;
using expect::with_program;
using harness::line_set;
using harness::run;

namespace {

const std::string kGreetingEn =
    "primeproc: one number per line; \"e\" or Ctrl-D ends; primeproc --help explains more";

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

// ---------------------------------------------------------------------------------------------
// The greeting, the prompt and the end
// ---------------------------------------------------------------------------------------------

TEST_CASE("at a terminal a greeting says how to leave, before the first prompt") {
    harness::Pty pty({harness::primeproc(), "-l", "en"}, {});
    REQUIRE(pty.expect(kGreetingEn + "\r\n> "));
    pty.send("e\n");
    CHECK(pty.wait() == 0);
}

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

TEST_CASE("no greeting when the input is not a terminal, even with -i") {
    const auto r = run(with_program({"-l", "en", "-i"}), "97\n");
    CHECK(r.err == "");
    CHECK(r.exit_code() == 0);
}

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

// ---------------------------------------------------------------------------------------------
// Answers and waits around the prompt
// ---------------------------------------------------------------------------------------------

TEST_CASE("an answer ready while \"> \" is shown on a terminal comes before the next prompt",
          "[timing]") {
    int waited_at_lock = 0;
    for (int session = 0; session < 20; ++session) {
        INFO("session " << session);
        harness::Pty pty({harness::primeproc(), "-l", "en"}, {});
        REQUIRE(pty.expect("> "));
        pty.send("97\n");
        REQUIRE(pty.expect("> "));  // the parent holds the lock while this prompt is shown
        const std::size_t mark = pty.transcript().size();
        // The child for 97: waiting for that lock (in futex), or, if it was quicker than the
        // prompt, done already (a zombie, or even reaped: the parent reaps before each line).
        bool at_lock = false;
        REQUIRE(harness::eventually(
            [&] {
                const auto kids = harness::children_of(pty.pid());
                if (kids.empty()) return true;
                if (kids.size() != 1) return false;
                const char s = harness::state_of(kids[0]);
                at_lock = s == 'S' && harness::syscall_of(kids[0]) == SYS_futex;
                return at_lock || s == 'Z';
            },
            10));
        if (at_lock) ++waited_at_lock;
        pty.send("101\n");
        REQUIRE(pty.expect("> "));
        const std::string& t = pty.transcript();
        const std::size_t next_prompt = t.find("> ", mark);
        const std::size_t answer = t.find("97 is prime");
        INFO("transcript: " << harness::without_cr(t));
        CHECK(answer != std::string::npos);
        CHECK(answer < next_prompt);
        pty.send("e\n");
        const int status = pty.wait(10);
        CHECK(harness::exited_with(status, 0));
    }
    INFO("sessions where the answer waited at the lock: " << waited_at_lock);
    CHECK(waited_at_lock > 0);  // the case the test is about did happen
}

TEST_CASE("--live in a terminal: the answer appears without another Enter, the prompt is redrawn") {
    harness::Pty pty({harness::primeproc(), "--live", "-l", "en"}, {});
    REQUIRE(pty.expect("> "));
    pty.send("97\n");
    // Without --live this would wait for the next line: the parent holds the lock while reading.
    REQUIRE(pty.expect("97 is prime\r\n"));
    REQUIRE(pty.expect("> "));
    pty.send("e\n");
    const int status = pty.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    // What a terminal would show: apply the erase sequences, then no line holds two prompts.
    std::string screen;
    for (const auto& line : harness::lines(harness::without_cr(pty.transcript()))) {
        std::string shown = line;
        const auto erase = shown.rfind("\x1b[K");
        if (erase != std::string::npos) shown = shown.substr(erase + 3);
        screen += shown + "\n";
        CHECK(shown.find("> > ") == std::string::npos);
    }
    CHECK(line_set(screen).count("97 is prime") == 1);
}

TEST_CASE("at the -j cap with a prompt, the wait is explained once", "[timing]") {
    harness::Pty pty({harness::primeproc(), "-l", "en", "-j", "2"}, {});
    REQUIRE(pty.expect("> "));
    pty.send(kLongPrime + "\n");
    REQUIRE(pty.expect("> "));
    pty.send(kLongPrime2 + "\n");
    REQUIRE(pty.expect("> "));
    // Stopped, neither child can free its slot before the parent's quiet wait is over, however
    // fast the machine: the message must come. Let go, they answer.
    const auto kids = harness::wait_for_children(pty.pid(), 2);
    REQUIRE(kids.size() == 2);
    for (pid_t kid : kids) REQUIRE(kill(kid, SIGSTOP) == 0);
    pty.send("97\n");
    REQUIRE(pty.expect("primeproc: waiting for one of 2 running children (-j 2)...\r\n"));
    for (pid_t kid : kids) REQUIRE(kill(kid, SIGCONT) == 0);
    REQUIRE(pty.expect("> ", 60));
    pty.send("e\n");
    CHECK(pty.wait(60) == 0);
    const std::string& t = pty.transcript();
    CHECK(t.find("waiting for one of") == t.rfind("waiting for one of"));  // once
    CHECK(t.find("97 is prime") != std::string::npos);
}

TEST_CASE("in a terminal: after 'e' it says how many children it waits for") {
    harness::Pty pty({harness::primeproc(), "-l", "en"}, {});
    REQUIRE(pty.expect("> "));
    pty.send(kLongPrime + "\n");  // the longest work there is: the child is still there to stop
    REQUIRE(pty.expect("> "));
    // Stopped, the child cannot finish before the parent's quiet wait is over, however fast the
    // machine: the message must come. Let go, it answers.
    const auto kids = harness::wait_for_children(pty.pid(), 1);
    REQUIRE(kids.size() == 1);
    REQUIRE(kill(kids[0], SIGSTOP) == 0);
    pty.send("e\n");
    REQUIRE(pty.expect("waiting for 1 child...\r\n"));
    REQUIRE(kill(kids[0], SIGCONT) == 0);
    REQUIRE(pty.expect(kLongPrime + " is prime\r\n", 60));
    const int status = pty.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE(
    "at a terminal with stdout a file, the prompt goes to the terminal and the file holds whole "
    "verdicts") {
    char path[] = "/tmp/primeproc-out-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(close(fd) == 0);
    harness::Pty pty({"/bin/sh", "-c", "exec \"$0\" -l en > \"$1\"", harness::primeproc(), path},
                     {});
    REQUIRE(pty.expect("> "));
    pty.send("100\n");
    REQUIRE(pty.expect("> "));
    pty.send("97\n");
    REQUIRE(pty.expect("> "));
    pty.send("e\n");
    const int status = pty.wait();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    std::ifstream in(path);
    std::stringstream out;
    out << in.rdbuf();
    std::remove(path);
    CHECK(harness::line_set(out.str()) ==
          expect::Lines{"100 is not prime, since 100 = 2 * 50", "97 is prime"});
}

TEST_CASE("after a stop and SIGCONT (Ctrl-Z, fg) at the prompt, \"> \" is drawn again") {
    harness::Pty pty({harness::primeproc(), "-l", "en"}, {});
    REQUIRE(pty.expect("> "));
    // kill -STOP, not Ctrl-Z: the pty's process group has no parent in its session (orphaned),
    // and the kernel does not stop such a group for a key.
    REQUIRE(kill(pty.pid(), SIGSTOP) == 0);
    REQUIRE(harness::eventually([&] { return harness::state_of(pty.pid()) == 'T'; }, 10));
    REQUIRE(kill(pty.pid(), SIGCONT) == 0);
    REQUIRE(pty.expect("> "));
    pty.send("97\n");
    REQUIRE(pty.expect("> "));
    pty.send("e\n");  // the answer comes at the latest after this Enter
    REQUIRE(pty.expect("97 is prime"));
    CHECK(pty.wait() == 0);
}
