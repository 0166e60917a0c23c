// The prompt: where "> " goes, and when it is drawn again.
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

using expect::Lines;

TEST_CASE("at a terminal with stdout a file, the prompt goes to the terminal and the file holds whole verdicts") {
    char path[] = "/tmp/primeproc-out-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    REQUIRE(close(fd) == 0);
    harness::Pty pty({"/bin/sh", "-c", "exec \"$0\" -l en > \"$1\"", harness::primeproc(), path}, {});
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
    CHECK(harness::line_set(out.str()) == Lines{"100 is not prime, since 100 = 2 * 50", "97 is prime"});
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
