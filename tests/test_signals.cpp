// Signals and ending: SIGINT, SIGTERM and SIGHUP end primeproc, and the parent, wherever it is
// waiting, gives way to them; it then dies of the same signal (status 128 + n).
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <string>

TEST_CASE("SIGTERM ends the parent while it is stuck writing a report to a stderr nobody reads") {
    // yes x | primeproc 2> (a full pipe): the parent sleeps in write(); an interrupted write must
    // not simply be tried again.
    std::string lines;
    for (int i = 0; i < 20000; ++i) lines += "x\n";  // invalid: one report each on stderr
    const harness::TempFile input(lines);
    for (int run = 0; run < 5; ++run) {
        harness::RunOptions o;
        o.stdin_file = input.path();
        o.stdout_pipe_bytes = 4096;  // stderr goes there (2>&1) and nobody reads it
        harness::Process p({"/bin/sh", "-c", "exec \"$0\" -l en 2>&1 >/dev/null", harness::primeproc()}, o);
        REQUIRE(harness::eventually([&] {
            return harness::syscall_of(p.pid()) == SYS_write && harness::state_of(p.pid()) == 'S';
        }, 20));
        REQUIRE(kill(p.pid(), SIGTERM) == 0);
        // Ended while its stderr is still unread (finish() would read it, and so free the writer).
        CHECK(harness::eventually([&] { return harness::state_of(p.pid()) == 'Z'; }, 10));
        const int status = p.finish(20);
        REQUIRE(status != -1);  // -1: still running at the deadline
        CHECK(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGTERM);
    }
}
