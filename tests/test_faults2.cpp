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

TEST_CASE("started with SIGCHLD blocked: it still notices its children end", "[round2][timing]") {
    harness::RunOptions how;
    how.before_exec = [] { harness::block_signal_in_child(SIGCHLD); };
    SECTION("one number as an argument") {
        const auto argv = with_program({kSecondPrime});
        harness::Process p(argv, how);
        const int status = p.finish(20);
        INFO(harness::describe(status) << "; stderr: " << p.err());
        CHECK(p.out() == kSecondPrime + " is prime\n");
        CHECK(p.err() == "");
        CHECK(harness::exited_with(status, 0));
    }
    SECTION("seq 2 200 | primeproc -j 4") {
        const auto numbers = expect::batch(2, 199);
        const auto argv = with_program({"-j", "4"});
        how.input = numbers.input;
        harness::Process p(argv, how);
        const int status = p.finish(20);
        INFO(harness::describe(status) << "; stderr: " << p.err());
        const Lines got = line_set(p.out());
        INFO("missing: " << expect::only_in(numbers.expected, got));
        CHECK(got == numbers.expected);
        CHECK(p.err() == "");
        CHECK(harness::exited_with(status, 0));
    }
}

TEST_CASE("started with SIGTERM blocked: SIGTERM still stops it and its children", "[round2][timing]") {
    harness::RunOptions how;
    const auto argv = with_program({kLongPrime, kLongPrime2});
    how.before_exec = [] { harness::block_signal_in_child(SIGTERM); };
    harness::Process p(argv, how);
    const auto kids = harness::wait_for_children(p.pid(), 2);
    REQUIRE(kids.size() == 2);
    harness::Yardstick beside(with_program({expect::kYardstickPrime}));
    REQUIRE(kill(p.pid(), SIGTERM) == 0);
    const int status = p.finish(30);
    INFO(harness::describe(status) << "; stderr: " << p.err());
    CHECK(harness::killed_by(status, SIGTERM));
    CHECK_FALSE(beside.done());  // it ended at once, not once its own children were done
    for (pid_t kid : kids) CHECK(harness::gone_or_zombie(kid));
    CHECK(p.out() == "");  // stopped before they could answer
    CHECK(p.err() == "");
}

TEST_CASE("started with SIGHUP ignored (nohup): a hangup neither ends it nor its children",
          "[round2][timing]") {
    harness::RunOptions how;
    const auto argv = with_program({kSecondPrime, kSecondPrime2});
    how.before_exec = [] { harness::ignore_signal_in_child(SIGHUP); };
    harness::Process p(argv, how);
    const auto kids = harness::wait_for_children(p.pid(), 2);
    REQUIRE(kids.size() == 2);
    CHECK(harness::ignores(p.pid(), SIGHUP));
    for (pid_t kid : kids) CHECK(harness::ignores(kid, SIGHUP));  // what nohup promises the whole job
    REQUIRE(kill(p.pid(), SIGHUP) == 0);
    REQUIRE(kill(kids[0], SIGHUP) == 0);
    const int status = p.finish(20);
    INFO(harness::describe(status) << "; stderr: " << p.err());
    CHECK(line_set(p.out()) == Lines{kSecondPrime + " is prime", kSecondPrime2 + " is prime"});
    CHECK(p.err() == "");
    CHECK(harness::exited_with(status, 0));
}

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

// primeproc on a pseudo-terminal whose master side the test closes, as a terminal emulator does
// when its window is closed. stderr goes to a pipe: what it says after the hangup can be read.
struct HungUpSession {
    int status = -1;
    std::string transcript, err;
};

HungUpSession hang_up_at_prompt() {
    HungUpSession s;
    harness::Pipe err;
    harness::Pty pty({harness::primeproc(), "-l", "en"}, {}, err.w.get());
    err.w.close();
    pty.expect("> ", 10);
    s.transcript = pty.transcript();
    pty.hang_up();  // the kernel sends SIGHUP to the session leader
    s.err = harness::read_to_eof(err.r, 10);
    s.status = pty.wait(10);
    return s;
}

}  // namespace

TEST_CASE("the terminal closes while \"> \" is shown: primeproc dies of SIGHUP quietly", "[round2]") {
    for (int attempt = 0; attempt < 10; ++attempt) {
        const HungUpSession s = hang_up_at_prompt();
        INFO("attempt " << attempt << ": " << harness::describe(s.status) << "; transcript: " << s.transcript
                        << "; stderr: " << s.err);
        REQUIRE(s.transcript.find("> ") != std::string::npos);
        CHECK(harness::killed_by(s.status, SIGHUP));  // the shell shows 129
        // The greeting goes to stderr when stdin is a terminal; nothing may follow it.
        CHECK(s.err == "primeproc: " + prime::greeting(prime::Language::English) + "\n");
    }
}

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

TEST_CASE("Ctrl-C with children running: no report of them and no new prompt; death by SIGINT",
          "[round2][timing]") {
    for (const bool at_cap : {false, true}) {
        for (int attempt = 0; attempt < 10; ++attempt) {
            INFO((at_cap ? "four primes, -j 2: at the cap" : "two primes: at the prompt") << ", attempt "
                                                                                       << attempt);
            harness::Pty pty({harness::primeproc(), "-l", "en", "-j", "2"}, {});
            REQUIRE(pty.expect("> "));
            const int count = at_cap ? 4 : 2;
            for (int i = 0; i < count; ++i) pty.send((i % 2 ? kLongPrime2 : kLongPrime) + "\n");
            REQUIRE((pty.expect("> ") && pty.expect("> ")));  // after the first two numbers
            const auto kids = harness::wait_for_children(pty.pid(), 2);
            REQUIRE(kids.size() == 2);
            // At the cap the parent says so after a moment (the program before this round did
            // not); Ctrl-C may come before or after that.
            if (at_cap) pty.expect("waiting for one of 2 running children", 1);
            const std::size_t mark = pty.transcript().size();
            pty.send("\x03");  // the terminal sends SIGINT to the whole foreground process group
            const int status = pty.wait(10);
            const std::string after = harness::without_cr(pty.transcript().substr(mark));
            INFO("after Ctrl-C: \"" << after << "\"; " << harness::describe(status));
            CHECK(harness::killed_by(status, SIGINT));
            CHECK(after.find("> ") == std::string::npos);
            CHECK(pty.transcript().find("killed by signal") == std::string::npos);
            for (pid_t kid : kids) CHECK(harness::state_of(kid) == 0);
        }
    }
}

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

TEST_CASE("SIGTERM while a child holds the lock blocked on a full pipe: it ends at once",
          "[round2][timing]") {
    // As in test_faults.cpp: lines of 67 bytes and nobody reading stdout (stderr is a file), whose
    // pipe holds one page, so after 61 of them the holder sleeps in write() and the other children
    // at the lock.
    auto numbers = expect::batch(1000000000000, 150, 2);
    std::vector<std::string> args{"-l", "en"};
    bool bad_line = false;
    SECTION("the parent waiting for its children") {}
    SECTION("the parent reporting a bad line meanwhile (it used to wait for the lock to do so)") {
        // No cap: the parent must reach the bad line after the pipe is full, not wait at -j.
        args.insert(args.end(), {"-j", "0"});
        numbers.input += "abc\n";
        bad_line = true;
    }
    expect::FedProcess fed(args, numbers.input, 4096);
    harness::Process& p = fed.process;
    pid_t holder = 0;
    REQUIRE(harness::eventually(
        [&] {
            holder = harness::child_asleep_writing(p);
            // The bad line reported, or the parent stuck at the lock to report it.
            const bool reached = !bad_line || p.err().find("\"abc\"") != std::string::npos ||
                                 harness::syscall_of(p.pid()) == SYS_futex;
            return holder != 0 && reached;
        },
        30));
    const auto kids = harness::children_of(p.pid());
    harness::Yardstick beside(with_program({expect::kYardstickPrime}));
    REQUIRE(kill(p.pid(), SIGTERM) == 0);
    // Not p.finish(): reading stdout would unblock the holder. Reap it without reading.
    const int status = p.reap(30);
    INFO(harness::describe(status) << "; stderr: " << p.err());
    REQUIRE(status != -1);
    CHECK(harness::killed_by(status, SIGTERM));
    CHECK_FALSE(beside.done());
    CHECK(harness::eventually([&] { return std::all_of(kids.begin(), kids.end(), harness::gone_or_zombie); }, 30));
}
