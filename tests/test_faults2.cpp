// Faults, round two: what primeproc inherits (a signal mask, ignored signals, a resource limit,
// odd descriptors, a child it did not start), what it writes to (a broken stderr, a full or
// non-blocking stdout, a terminal that hangs up), and how it ends. Each test starts the program
// for real in the state it names and fails on the program before this round (commit 443e2f6).
//
// Tags: every test is [round2]; [timing] tests need children at native speed (big primes, many
// numbers, or a deadline) and are skipped under valgrind.
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

using expect::kLongPrime;
using expect::kLongPrime2;
using expect::kSecondPrime;
using expect::kSecondPrime2;
using expect::Lines;
using expect::with_program;
using harness::line_set;

namespace {

}  // namespace

// ---------------------------------------------------------------------------------------------
// 1. Inherited signal state
// ---------------------------------------------------------------------------------------------




// ---------------------------------------------------------------------------------------------
// 2. A broken stderr loses no verdict
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// 3. --help and --version to a stdout that cannot take them
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// 4. The reader has gone: end now, not once the children are done
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// 5. The prompt's reader or terminal goes away
// ---------------------------------------------------------------------------------------------


namespace {

}  // namespace


// ---------------------------------------------------------------------------------------------
// 6. A non-blocking stdout
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// 7. fork fails with EAGAIN while children run: wait for one, try again
// ---------------------------------------------------------------------------------------------

TEST_CASE("fork: EAGAIN while children exist is retried; ENOMEM or EAGAIN with none is reported",
          "[round2][timing]") {
    // tests/failfork.c (see test_faults.cpp): FAILFORK lists the calls of fork() that fail. The
    // first number's child is held (FAILFORK_HOLD=1) until a later fork succeeds, so it exists
    // when the forks in between fail, on any machine: each retry waits at most 200 ms for a
    // child to end. (A real EAGAIN from RLIMIT_NPROC cannot be provoked here: root is exempt.)
    const char* failfork = std::getenv("FAILFORK_PRIMEPROC");
    REQUIRE(failfork != nullptr);
    const Lines all{"97 is prime", "3 is prime", "4 is not prime, since 4 = 2 * 2", "5 is prime"};
    harness::RunOptions opts;
    opts.deadline_seconds = 30;
    SECTION("EAGAIN, three times in a row, with a child running: retried, all answered") {
        opts.env = {{"FAILFORK", "2,3,4"}, {"FAILFORK_HOLD", "1"}};
        SECTION("numbers as arguments") {
            const auto r = harness::run({failfork, "97", "3", "4", "5"}, "", opts);
            CHECK(line_set(r.out) == all);
            CHECK(r.err == "");
            CHECK(r.exit_code() == 0);
        }
        SECTION("numbers from a pipe") {
            const auto r = harness::run({failfork}, "97\n3\n4\n5\n", opts);
            CHECK(line_set(r.out) == all);
            CHECK(r.err == "");
            CHECK(r.exit_code() == 0);
        }
    }
    SECTION("ENOMEM with a child running: reported, not retried") {
        opts.env = {{"FAILFORK", "2=ENOMEM"}, {"FAILFORK_HOLD", "1"}};
        const auto r = harness::run({failfork, "97", "3", "4", "5"}, "", opts);
        CHECK(line_set(r.out) == Lines{"97 is prime", "4 is not prime, since 4 = 2 * 2", "5 is prime"});
        CHECK(r.err == "primeproc: fork: Cannot allocate memory (3 not tested)\n");
        CHECK(r.exit_code() == 1);
    }
    SECTION("EAGAIN with no child to wait for: reported") {
        opts.env = {{"FAILFORK", "1"}};
        const auto r = harness::run({failfork, "3", "4"}, "", opts);
        CHECK(r.out == "4 is not prime, since 4 = 2 * 2\n");
        CHECK(r.err == "primeproc: fork: Resource temporarily unavailable (3 not tested)\n");
        CHECK(r.exit_code() == 1);
    }
}

// ---------------------------------------------------------------------------------------------
// 8. An answer waits for at most one Enter
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// 9. Ctrl-C is quiet
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// 10. A child it never started
// ---------------------------------------------------------------------------------------------

TEST_CASE("a child primeproc did not start (it inherited it across exec) ends: not reported",
          "[round2][timing]") {
    // As in `(sh -c 'sleep 1; exit 3' & exec primeproc N)`: fork a helper, then exec primeproc
    // in the same process, so the helper is primeproc's child. The helper exits with 3 when the
    // test says so, once primeproc's own child is running.
    harness::Pipe go;
    harness::RunOptions how;
    const auto argv = with_program({kSecondPrime});
    const int go_r = go.r.get();
    how.before_exec = [go_r] {
        const pid_t helper = fork();
        if (helper < 0) _exit(125);
        if (helper == 0) {
            for (int fd = 0; fd < 1024; ++fd) {
                if (fd != go_r) close(fd);
            }
            char byte;
            while (read(go_r, &byte, 1) < 0 && errno == EINTR) {
            }
            _exit(3);
        }
    };
    harness::Process p(argv, how);
    go.r.close();
    // the helper and primeproc's child for the prime
    REQUIRE(harness::wait_for_children(p.pid(), 2).size() == 2);
    REQUIRE(write(go.w.get(), "!", 1) == 1);
    const int status = p.finish(20);
    INFO(harness::describe(status));
    CHECK(p.out() == kSecondPrime + " is prime\n");
    CHECK(p.err() == "");
    CHECK(harness::exited_with(status, 0));
}

// ---------------------------------------------------------------------------------------------
// 11. Option values are quoted and cut short
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// 12. A file-size limit
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// 13. SIGTERM while a child holds the lock, stuck writing to a full pipe
// ---------------------------------------------------------------------------------------------

