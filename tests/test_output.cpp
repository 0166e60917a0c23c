// test_output.cpp - where the answers go and what becomes of them: a file (each line once), a
// reader that goes away (SIGPIPE, head), a stdout or stderr that is closed, full, non-blocking or
// under a file-size limit, and --unlocked, which lets lines mix.
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

using expect::kLongPrime;
using expect::Lines;
using expect::with_program;
using harness::line_set;
using harness::run;

namespace {

// A pipe whose read end is closed: writing to it fails with EPIPE (or raises SIGPIPE).
harness::Pipe pipe_with_no_reader() {
    harness::Pipe p;
    p.r.close();
    return p;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// To a file
// ---------------------------------------------------------------------------------------------

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

TEST_CASE(
    "stdout a file under a 1 KiB file-size limit: one write error, exit 1, the rest of the input "
    "unread",
    "[timing]") {
    const harness::TempFile written_file;
    const harness::Fd file = harness::open_fd(written_file.path(), O_WRONLY);
    const auto numbers = expect::batch(1000000, 20000);
    // Its stdin shares the file offset with the test's descriptor: afterwards the offset tells how
    // far it read (in blocks of 4 KiB).
    const harness::TempFile input_file(numbers.input);
    const harness::Fd input = harness::open_fd(input_file.path(), O_RDONLY);
    harness::RunOptions how;
    const auto argv = with_program({});
    how.stdin_fd = input.get();
    how.stdout_fd = file.get();
    how.before_exec = [] {  // `ulimit -f 1` in bash: one block of 1024 bytes
        const rlimit limit = {1024, 1024};
        if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(125);
    };
    harness::Process p(argv, how);
    const int status = p.finish(60);
    const off_t read = lseek(input.get(), 0, SEEK_CUR);
    const std::string written = harness::slurp(written_file.path());
    INFO(harness::describe(status)
         << "; read " << read << " of " << numbers.input.size()
         << " bytes; stderr (first 500 bytes): " << p.err().substr(0, 500));
    CHECK(p.err() == "primeproc: write error: File too large\n");
    CHECK(harness::exited_with(status, 1));
    CHECK(read <
          static_cast<off_t>(numbers.input.size() / 4));  // it stopped, as for a vanished reader
    CHECK(written.size() <= 1024);
    auto lines = harness::lines(written);
    if (!lines.empty() && written.back() != '\n') lines.pop_back();  // cut at the limit
    CHECK(lines.size() >= 10);
    for (const auto& line : lines) CHECK(numbers.expected.count(line) == 1);
    CHECK_FALSE(p.left_behind());
}

// ---------------------------------------------------------------------------------------------
// The reader goes away
// ---------------------------------------------------------------------------------------------

TEST_CASE("yes 97 | primeproc | head -1 ends by itself, quietly, leaving nothing behind") {
    harness::RunOptions opts;
    opts.deadline_seconds = 20;
    const auto r =
        run({"/bin/sh", "-c", "yes 97 | '" + harness::primeproc() + "' -l en | head -1"}, "", opts);
    CHECK_FALSE(r.timed_out);
    CHECK(r.out == "97 is prime\n");
    CHECK(r.err == "");
    CHECK(r.exit_code() == 0);  // head's status, as the shell reports a pipeline
    CHECK_FALSE(r.left_behind);
}

TEST_CASE(
    "the reader goes away: primeproc dies of SIGPIPE, as cat would, after stopping its children") {
    harness::RunOptions opts;
    opts.deadline_seconds = 20;
    // The shell prints how primeproc ended: 141 = 128 + SIGPIPE.
    const auto r =
        run({"/bin/bash", "-c",
             "yes 97 | '" + harness::primeproc() + "' -l en | head -1; echo \"${PIPESTATUS[1]}\""},
            "", opts);
    CHECK(r.out == "97 is prime\n" + std::to_string(128 + SIGPIPE) + "\n");
    CHECK(r.err == "");
    CHECK_FALSE(r.left_behind);
}

TEST_CASE(
    "{ echo 97; four long primes; yes 97; } | primeproc | head -1: ends at once, not after the "
    "long primes",
    "[timing]") {
    const std::string script = "{ echo 97; for i in 1 2 3 4; do echo " + kLongPrime +
                               "; done; yes 97; } | '" + harness::primeproc() +
                               "' | head -1; echo \"${PIPESTATUS[1]}\"";
    for (int attempt = 0; attempt < 3; ++attempt) {
        harness::RunOptions opts;
        opts.deadline_seconds = 30;
        // Waiting for its four children would take at least as long as the one beside it.
        harness::Yardstick beside(with_program({expect::kYardstickPrime}));
        const auto r = harness::shell(script, opts);
        INFO("attempt " << attempt << "; stderr: " << r.err);
        CHECK(r.out == "97 is prime\n" + std::to_string(128 + SIGPIPE) + "\n");
        CHECK(r.err == "");
        CHECK_FALSE(beside.done());
        CHECK_FALSE(r.left_behind);
    }
}

// Exercise 3 of docs/exercises.md, as a student types it: the children that print in pieces die
// of SIGPIPE when the reader has gone, as one that prints its line whole does.
TEST_CASE(
    "seq | primeproc --unlocked -j 0 | head -5: dies of SIGPIPE, only the notice on stderr, every "
    "run") {
    const std::string notice =
        "primeproc: --unlocked: children print without the lock, in pieces; lines will mix (a "
        "demonstration)\n";
    // primeproc's stderr alone goes to a file; the shell prints how many lines head passed on
    // and how primeproc ended.
    const std::string script = "err=$(mktemp) || exit 1; seq 1000000 1000300 | '" +
                               harness::primeproc() +
                               "' -l en --unlocked -j 0 2>\"$err\" | head -5 | wc -l; echo "
                               "\"${PIPESTATUS[1]}\"; cat \"$err\"; rm -f \"$err\"";
    for (int attempt = 0; attempt < 20; ++attempt) {
        INFO("attempt " << attempt);
        harness::RunOptions opts;
        opts.deadline_seconds = 30;
        const auto r = harness::run({"/bin/bash", "-c", script}, "", opts);
        CHECK(r.out == "5\n" + std::to_string(128 + SIGPIPE) + "\n" + notice);
        CHECK(r.err == "");
        CHECK_FALSE(r.timed_out);
        CHECK_FALSE(r.left_behind);
    }
}

TEST_CASE("yes 97 | primeproc -i | head -c 5: dies of SIGPIPE quietly every time") {
    const std::string script = "yes 97 | '" + harness::primeproc() +
                               "' -i | head -c 5 >/dev/null; echo \"${PIPESTATUS[1]}\"";
    for (int attempt = 0; attempt < 20; ++attempt) {
        INFO("attempt " << attempt);
        harness::RunOptions opts;
        opts.deadline_seconds = 20;
        const auto r = harness::run({"/bin/bash", "-c", script}, "", opts);
        CHECK(r.out == std::to_string(128 + SIGPIPE) + "\n");
        CHECK(r.err == "");
        CHECK_FALSE(r.left_behind);
    }
}

// ---------------------------------------------------------------------------------------------
// A stdout or stderr that cannot take it all
// ---------------------------------------------------------------------------------------------

TEST_CASE("help and version to a full stdout or a pipe with no reader: write error and exit 1") {
    for (const char* option : {"--help", "--version"}) {
        INFO(option);
        SECTION(std::string(option) + " to /dev/full") {
            harness::Fd dev_full = harness::open_fd("/dev/full", O_WRONLY);
            harness::RunOptions how;
            const auto argv = with_program({option});
            how.stdout_fd = dev_full.get();
            harness::Process p(argv, how);
            const int status = p.finish(10);
            INFO(harness::describe(status));
            CHECK(p.err() == "primeproc: write error: No space left on device\n");
            CHECK(harness::exited_with(status, 1));
        }
        SECTION(std::string(option) + " to a pipe with no reader, SIGPIPE ignored") {
            // With SIGPIPE at its default the write kills it, as it kills cat: nothing to check.
            // Ignored (a launcher may leave it so), the write fails with EPIPE instead.
            const harness::Pipe no_reader = pipe_with_no_reader();
            harness::RunOptions how;
            const auto argv = with_program({option});
            how.stdout_fd = no_reader.w.get();
            how.before_exec = [] { harness::ignore_signal_in_child(SIGPIPE); };
            harness::Process p(argv, how);
            const int status = p.finish(10);
            INFO(harness::describe(status));
            CHECK(p.err() == "primeproc: write error: Broken pipe\n");
            CHECK(harness::exited_with(status, 1));
        }
    }
}

TEST_CASE("stderr full or with its reader gone: every verdict still on stdout; exit 1") {
    const std::string input = "97\nabc\n101\n103\n107\n";
    const Lines verdicts{"97 is prime", "101 is prime", "103 is prime", "107 is prime"};
    for (const bool trace : {false, true}) {
        for (const bool full : {true, false}) {
            INFO((trace ? "--trace, " : "")
                 << "stderr " << (full ? "/dev/full" : "a pipe with no reader"));
            harness::Fd dev_full = harness::open_fd("/dev/full", O_WRONLY);
            const harness::Pipe no_reader = pipe_with_no_reader();
            harness::RunOptions how;
            const auto argv = with_program(trace ? std::vector<std::string>{"--trace"}
                                                 : std::vector<std::string>{});
            how.input = input;
            how.stderr_fd = full ? dev_full.get() : no_reader.w.get();
            harness::Process p(argv, how);
            const int status = p.finish(20);
            INFO(harness::describe(status));
            const Lines got = line_set(p.out());
            INFO("missing: " << expect::only_in(verdicts, got));
            CHECK(got == verdicts);
            CHECK(harness::exited_with(status, 1));
            CHECK_FALSE(p.left_behind());
        }
    }
}

TEST_CASE("stdout a non-blocking pipe read slowly: all 20000 verdicts and no EAGAIN error",
          "[timing][stress]") {
    const auto numbers = expect::batch(1000000, 20000);
    harness::RunOptions how;
    const auto argv = with_program({});
    how.input = numbers.input;
    // O_NONBLOCK on the pipe's write end: a status flag of the open file, shared with whoever
    // started us (a shell's caller may leave it so), and write() then fails with EAGAIN when full.
    how.before_exec = [] {
        const int flags = fcntl(1, F_GETFL);
        if (flags < 0 || fcntl(1, F_SETFL, flags | O_NONBLOCK) < 0) _exit(125);
    };
    harness::Process p(argv, how);
    // Before each read of 4 KiB, let the pipe fill up until a writer has found it full (it then
    // waits in poll(); were it to write again at once, it would fail with EAGAIN), or until primeproc has
    // ended (then the rest is all there). Lines do not straddle the pipe's pages, so "full"
    // comes a few hundred bytes short of 64 KiB.
    std::string out;
    int full_times = 0;
    const auto writer_waits = [&] {
        for (pid_t kid : harness::children_of(p.pid())) {
            const long call = harness::syscall_of(kid);
#ifdef SYS_poll  // x86-64 has both; newer architectures only ppoll
            if (call == SYS_poll) return true;
#endif
            if (call == SYS_ppoll) return true;
        }
        return false;
    };
    for (;;) {
        bool full = false;
        REQUIRE(harness::eventually(
            [&] {
                int queued = 0;
                full = ioctl(p.stdout_fd(), FIONREAD, &queued) == 0 && queued >= 60000 &&
                       writer_waits();
                return full || harness::state_of(p.pid()) == 'Z';
            },
            60));
        if (full) ++full_times;
        char buf[4096];
        const ssize_t n = read(p.stdout_fd(), buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            REQUIRE(errno == EINTR);
            continue;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    const int status = p.finish(60);
    INFO(harness::describe(status)
         << "; the pipe was full " << full_times << " times; stderr: " << p.err().substr(0, 500));
    CHECK(full_times > 10);  // the test did what it says
    const Lines got = line_set(out + p.out());
    INFO("missing: " << expect::only_in(numbers.expected, got));
    CHECK(got == numbers.expected);
    CHECK(p.err() == "");
    CHECK(harness::exited_with(status, 0));
}

// ---------------------------------------------------------------------------------------------
// --unlocked: lines that mix
// ---------------------------------------------------------------------------------------------

TEST_CASE("--unlocked: a warning, then lines that mix but lose no byte") {
    const auto numbers = expect::batch(1000000, 300);
    std::string all_expected;
    for (const auto& line : numbers.expected) all_expected += line + "\n";
    std::sort(all_expected.begin(), all_expected.end());
    bool mixed = false;
    for (int attempt = 0; attempt < 5 && !mixed; ++attempt) {
        const auto r = run(with_program({"--unlocked", "-l", "en", "-j", "0"}), numbers.input);
        CHECK(r.err ==
              "primeproc: --unlocked: children print without the lock, in pieces; "
              "lines will mix (a demonstration)\n");
        CHECK(r.exit_code() == 0);
        std::string bytes = r.out;
        std::sort(bytes.begin(), bytes.end());
        CHECK(bytes == all_expected);  // the same bytes, only their order differs
        mixed = line_set(r.out) != numbers.expected;
    }
    CHECK(mixed);
}
