// test_signals.cpp - signals and the end: SIGINT, SIGTERM and SIGHUP stop the children and then
// end primeproc by the same signal (status 128 + n), wherever the parent is waiting; Ctrl-C and a
// terminal that closes; what it inherits (a blocked or ignored signal); a storm of SIGCHLD; and
// the children of a parent killed with SIGKILL.
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

// ---------------------------------------------------------------------------------------------
// SIGINT, SIGTERM and SIGHUP; Ctrl-C; the terminal closes
// ---------------------------------------------------------------------------------------------

TEST_CASE(
    "SIGINT, SIGTERM, SIGHUP: children stopped and reaped, then the same signal ends primeproc",
    "[timing]") {
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
        INFO("signal " << sig);
        harness::Process p(with_program({kLongPrime, kLongPrime2}));
        const auto kids = harness::wait_for_children(p.pid(), 2);
        REQUIRE(kids.size() == 2);
        REQUIRE(kill(p.pid(), sig) == 0);
        const int status = p.finish(30);
        REQUIRE(status != -1);
        CHECK(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == sig);                             // the shell shows 128 + sig
        for (pid_t kid : kids) CHECK(harness::state_of(kid) == 0);  // reaped by primeproc
        CHECK(p.out() == "");
        CHECK(p.err() == "");
    }
}

TEST_CASE("Ctrl-C in a terminal ends primeproc and its children at once", "[timing]") {
    harness::Pty pty({harness::primeproc(), "-l", "en"}, {});
    REQUIRE(pty.expect("> "));
    pty.send(kLongPrime + "\n");
    REQUIRE(pty.expect("> "));
    const auto kids = harness::wait_for_children(pty.pid(), 1);
    REQUIRE(kids.size() == 1);
    pty.send("\x03");  // the terminal sends SIGINT to the whole foreground process group
    const int status = pty.wait(30);
    REQUIRE(status != -1);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGINT);
    CHECK(harness::state_of(kids[0]) == 0);
}

TEST_CASE("Ctrl-C with children running: no report of them and no new prompt; death by SIGINT",
          "[timing]") {
    for (const bool at_cap : {false, true}) {
        for (int attempt = 0; attempt < 10; ++attempt) {
            INFO((at_cap ? "four primes, -j 2: at the cap" : "two primes: at the prompt")
                 << ", attempt " << attempt);
            harness::Pty pty({harness::primeproc(), "-l", "en", "-j", "2"}, {});
            REQUIRE(pty.expect("> "));
            const int count = at_cap ? 4 : 2;
            for (int i = 0; i < count; ++i) pty.send((i % 2 ? kLongPrime2 : kLongPrime) + "\n");
            REQUIRE((pty.expect("> ") && pty.expect("> ")));  // after the first two numbers
            const auto kids = harness::wait_for_children(pty.pid(), 2);
            REQUIRE(kids.size() == 2);
            // At the cap the parent says so after a moment; Ctrl-C may come before or after that.
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

TEST_CASE("the terminal closes while \"> \" is shown: primeproc dies of SIGHUP quietly") {
    for (int attempt = 0; attempt < 10; ++attempt) {
        const HungUpSession s = hang_up_at_prompt();
        INFO("attempt " << attempt << ": " << harness::describe(s.status)
                        << "; transcript: " << s.transcript << "; stderr: " << s.err);
        REQUIRE(s.transcript.find("> ") != std::string::npos);
        CHECK(harness::killed_by(s.status, SIGHUP));  // the shell shows 129
        // The greeting goes to stderr when stdin is a terminal; nothing may follow it.
        CHECK(s.err == "primeproc: " + prime::greeting(prime::Language::English) + "\n");
    }
}

// ---------------------------------------------------------------------------------------------
// Wherever the parent waits
// ---------------------------------------------------------------------------------------------

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
        harness::Process p(
            {"/bin/sh", "-c", "exec \"$0\" -l en 2>&1 >/dev/null", harness::primeproc()}, o);
        REQUIRE(harness::eventually(
            [&] {
                return harness::syscall_of(p.pid()) == SYS_write &&
                       harness::state_of(p.pid()) == 'S';
            },
            20));
        REQUIRE(kill(p.pid(), SIGTERM) == 0);
        // Ended while its stderr is still unread (finish() would read it, and so free the writer).
        CHECK(harness::eventually([&] { return harness::state_of(p.pid()) == 'Z'; }, 10));
        const int status = p.finish(20);
        REQUIRE(status != -1);  // -1: still running at the deadline
        CHECK(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGTERM);
    }
}

TEST_CASE(
    "SIGTERM ends the parent while it waits for the lock to report on a stderr that is stdout's "
    "full pipe") {
    // 2>&1 into a pipe nobody reads: a child fills it and sleeps in write() holding the lock; the
    // parent, to report the next bad line, needs the lock (stderr is the verdicts' file).
    std::string text;
    for (int i = 0; i < 1000; ++i) text += "97\n";  // 12 kB of verdicts: the pipe (4 kB) fills
    for (int i = 0; i < 100; ++i) text += "x\n";
    const harness::TempFile input(text);
    for (int run = 0; run < 5; ++run) {
        harness::RunOptions o;
        o.stdin_file = input.path();
        o.stdout_pipe_bytes = 4096;
        // -j 0: no wait at a cap, so the parent goes on to the next line, and its report.
        harness::Process p({"/bin/sh", "-c", "exec \"$0\" -l en -j 0 2>&1", harness::primeproc()},
                           o);
        const auto a_child_writes = [&] {
            for (pid_t kid : harness::children_of(p.pid())) {
                if (harness::syscall_of(kid) == SYS_write && harness::state_of(kid) == 'S')
                    return true;
            }
            return false;
        };
        REQUIRE(harness::eventually(
            [&] { return harness::syscall_of(p.pid()) == SYS_futex && a_child_writes(); }, 20));
        REQUIRE(kill(p.pid(), SIGTERM) == 0);
        CHECK(harness::eventually([&] { return harness::state_of(p.pid()) == 'Z'; }, 10));
        const int status = p.finish(20);
        REQUIRE(status != -1);
        CHECK(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGTERM);
    }
}

TEST_CASE("SIGTERM while a child holds the lock blocked on a full pipe: it ends at once",
          "[timing]") {
    // As in test_forking.cpp (a child killed holding the lock): lines of 67 bytes and nobody reading stdout (stderr is a file), whose
    // pipe holds one page, so after 61 of them the holder sleeps in write() and the other children
    // at the lock.
    auto numbers = expect::batch(1000000000000, 150, 2);
    std::vector<std::string> args{"-l", "en"};
    bool bad_line = false;
    SECTION("the parent waiting for its children") {}
    SECTION("the parent reporting a bad line meanwhile (it must not wait for the lock to do so)") {
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
    CHECK(harness::eventually(
        [&] { return std::all_of(kids.begin(), kids.end(), harness::gone_or_zombie); }, 30));
}

TEST_CASE("a storm of signals interrupting every read, write and waitpid loses nothing") {
    // SIGCHLD has a handler installed without SA_RESTART, so each one makes a blocked read(),
    // poll() or waitpid() in the parent fail with EINTR. Send hundreds while 600 numbers go by.
    const auto numbers = expect::batch(5000000, 600);
    expect::FedProcess fed({"-l", "en", "-j", "4"}, numbers.input);
    harness::Process& p = fed.process;
    int sent = 0;
    while (p.read_available()) {
        if (kill(p.pid(), SIGCHLD) == 0) ++sent;
        harness::pause_ms(1);  // about a thousand a second: enough to hit every kind of wait
    }
    const int status = p.finish();
    INFO(sent << " signals sent");
    CHECK(line_set(p.out()) == numbers.expected);
    CHECK(p.err() == "");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

// ---------------------------------------------------------------------------------------------
// Inherited signal state
// ---------------------------------------------------------------------------------------------

TEST_CASE("started with SIGCHLD blocked: it still notices its children end", "[timing]") {
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

TEST_CASE("started with SIGTERM blocked: SIGTERM still stops it and its children", "[timing]") {
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
          "[timing]") {
    harness::RunOptions how;
    const auto argv = with_program({kSecondPrime, kSecondPrime2});
    how.before_exec = [] { harness::ignore_signal_in_child(SIGHUP); };
    harness::Process p(argv, how);
    const auto kids = harness::wait_for_children(p.pid(), 2);
    REQUIRE(kids.size() == 2);
    CHECK(harness::ignores(p.pid(), SIGHUP));
    for (pid_t kid : kids)
        CHECK(harness::ignores(kid, SIGHUP));  // what nohup promises the whole job
    REQUIRE(kill(p.pid(), SIGHUP) == 0);
    REQUIRE(kill(kids[0], SIGHUP) == 0);
    const int status = p.finish(20);
    INFO(harness::describe(status) << "; stderr: " << p.err());
    CHECK(line_set(p.out()) == Lines{kSecondPrime + " is prime", kSecondPrime2 + " is prime"});
    CHECK(p.err() == "");
    CHECK(harness::exited_with(status, 0));
}

// ---------------------------------------------------------------------------------------------
// SIGKILL to the parent
// ---------------------------------------------------------------------------------------------

TEST_CASE("SIGKILL to the parent: its children notice at once and give up", "[timing]") {
    harness::Process p(with_program({kLongPrime, kLongPrime2}));
    const auto kids = harness::wait_for_children(p.pid(), 2);
    REQUIRE(kids.size() == 2);
    // Left to themselves they would take as long as the one beside them, and longer.
    harness::Yardstick beside(with_program({expect::kYardstickPrime}));
    REQUIRE(kill(p.pid(), SIGKILL) == 0);
    const bool all_gone = harness::eventually(
        [&] { return std::all_of(kids.begin(), kids.end(), harness::gone_or_zombie); }, 30);
    CHECK(all_gone);
    CHECK_FALSE(beside.done());
}
