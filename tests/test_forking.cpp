// test_forking.cpp - one child per number: the -j cap, fork() failing (ENOMEM; EAGAIN tried
// again), a child killed while it holds the lock, a child primeproc did not start, the heap left
// alone after fork, and 20,000 children with the parent's memory flat.
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

using expect::kSecondPrime;
using expect::Lines;
using expect::with_program;
using harness::line_set;
using harness::run;

namespace {

const std::string kNote = "heapcheck: operator new in a child after fork";

// The program built with tests/heapcheck.cpp, which reports every operator new in a child.
std::string heapcheck_program() {
    const char* path = std::getenv("HEAPCHECK_PRIMEPROC");
    REQUIRE(path != nullptr);
    return path;
}

// count numbers: small ones (0 and 1 among them), random ones up to 2^40, a prime near 2^32,
// a product of two primes near 2^16, numbers near 10^9.
expect::Batch mixed_numbers(std::size_t count) {
    std::mt19937_64 rng(20000);
    expect::Batch b;
    for (std::size_t i = 0; i < count; ++i) {
        switch (i % 5) {
        case 0:
            b.add(rng() % 1000);
            break;
        case 1:
            b.add(rng() % (std::uint64_t{1} << 40));
            break;
        case 2:
            b.add(4294967291ull);
            break;  // the largest prime below 2^32
        case 3:
            b.add(65521ull * 65519ull);
            break;  // two primes near 2^16
        default:
            b.add(rng() % 100000 + 1000000007ull);
            break;
        }
    }
    return b;
}

struct Measured {
    std::string out, err;
    int status;
    long max_rss_kib;  // the parent's peak (wait4), its children's being no larger
};

Measured run_numbers(const expect::Batch& numbers) {
    expect::FedProcess fed({"-l", "en"}, numbers.input);
    harness::Process& p = fed.process;
    const int status = p.finish(120);
    return {p.out(), p.err(), status, p.max_rss_kib()};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The -j cap
// ---------------------------------------------------------------------------------------------

TEST_CASE("-j 8: never more than 8 children, reaped or not, and 1000 numbers each answered",
          "[timing]") {
    // One prime near 10^11, a thousand times: each child lives long enough (about 0.1 ms of
    // division) for children to pile up if the cap failed (without it this test sees 10 and
    // more); the count of lines still shows any answer lost or doubled.
    const auto numbers = expect::batch(99999999977, 1000, 0);
    expect::FedProcess fed({"-l", "en", "-j", "8"}, numbers.input);
    harness::Process& p = fed.process;
    std::size_t most = 0, looks = 0;
    while (p.read_available()) {  // look at /proc between reads, as often as we can
        most = std::max(most, harness::children_of(p.pid()).size());
        ++looks;
    }
    const int status = p.finish();
    INFO("looked " << looks << " times; most children seen at once: " << most);
    CHECK(most <= 8);
    CHECK(most >= 1);  // the look saw the children at all, so the bound means something
    CHECK(line_set(p.out()) == numbers.expected);
    CHECK(p.err() == "");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

// ---------------------------------------------------------------------------------------------
// fork() fails
// ---------------------------------------------------------------------------------------------

TEST_CASE("fork failing with ENOMEM: said on stderr, later numbers still answered") {
    // primeproc linked with tests/failfork.c, which fails the 2nd and 4th calls of fork() with
    // ENOMEM (see the Makefile); the same objects as the program under test. (EAGAIN is retried
    // while children run: the next test.)
    const char* failfork = std::getenv("FAILFORK_PRIMEPROC");
    REQUIRE(failfork != nullptr);
    harness::RunOptions opts;
    opts.env = {{"FAILFORK", "2=ENOMEM,4=ENOMEM"}};
    SECTION("numbers as arguments") {
        const auto r = run({failfork, "-l", "en", "2", "3", "4", "5", "6"}, "", opts);
        CHECK(line_set(r.out) == Lines{"2 is prime", "4 is not prime, since 4 = 2 * 2",
                                       "6 is not prime, since 6 = 2 * 3"});
        CHECK(line_set(r.err) == Lines{"primeproc: fork: Cannot allocate memory (3 not tested)",
                                       "primeproc: fork: Cannot allocate memory (5 not tested)"});
        CHECK(r.exit_code() == 1);
    }
    SECTION("numbers from a pipe") {
        const auto r = run({failfork, "-l", "en"}, "2\n3\n4\n5\n6\n", opts);
        CHECK(line_set(r.out) == Lines{"2 is prime", "4 is not prime, since 4 = 2 * 2",
                                       "6 is not prime, since 6 = 2 * 3"});
        CHECK(harness::lines(r.err).size() == 2);
        CHECK(r.exit_code() == 1);
    }
}

TEST_CASE("fork: EAGAIN while children exist is retried; ENOMEM or EAGAIN with none is reported",
          "[timing]") {
    // tests/failfork.c (see the test above): FAILFORK lists the calls of fork() that fail. The
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
        CHECK(line_set(r.out) ==
              Lines{"97 is prime", "4 is not prime, since 4 = 2 * 2", "5 is prime"});
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
// Children that die, and one primeproc did not start
// ---------------------------------------------------------------------------------------------

TEST_CASE("a child SIGKILLed inside write while holding the lock: repaired, all others answered") {
    // 150 lines of 67 bytes and nobody reading stdout, whose pipe holds one page: after 61 lines
    // it is full, the child that holds the lock blocks in write(), the others block on the lock.
    auto numbers = expect::batch(1000000000000, 150, 2);
    expect::FedProcess fed({"-l", "en", "-j", "8"}, numbers.input, 4096);
    harness::Process& p = fed.process;

    // The holder: a child asleep in write() while the pipe is full.
    pid_t holder = 0;
    // A generous deadline: under valgrind forks are a hundred times slower.
    REQUIRE(
        harness::eventually([&] { return (holder = harness::child_asleep_writing(p)) != 0; }, 180));
    REQUIRE(kill(holder, SIGKILL) == 0);
    // Drain only once it is dead: a writer woken by SIGKILL finishes its write if the pipe has
    // room by the time it runs again, and then its line would (rightly) be there.
    REQUIRE(harness::eventually([&] { return harness::gone_or_zombie(holder); }, 10));
    const int status = p.finish();  // now everybody else can finish

    const std::string err = p.err();
    INFO("stderr: " << err);
    const std::string killed = "child " + std::to_string(holder) + " (";
    const auto at = err.find(killed);
    REQUIRE(at != std::string::npos);
    const std::string number =
        err.substr(at + killed.size(), err.find(')', at) - at - killed.size());
    CHECK(err.find(killed + number + ") was killed by signal 9 (Killed)\n") != std::string::npos);
    CHECK(err.find("a process died while holding the output lock; repaired it") !=
          std::string::npos);
    CHECK(harness::lines(err).size() == 2);  // the repair and the killed child, nothing else

    Lines& expected = numbers.expected;
    expected.erase(expected.find(expect::verdict(number)));
    const Lines got = line_set(p.out());
    INFO("missing: " << expect::only_in(expected, got)
                     << "unexpected: " << expect::only_in(got, expected));
    CHECK(got == expected);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 1);
}

TEST_CASE("a child primeproc did not start (it inherited it across exec) ends: not reported",
          "[timing]") {
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
// The heap after fork (docs/performance.md)
// ---------------------------------------------------------------------------------------------

TEST_CASE("a child formats and prints its verdict without the heap", "[heapcheck]") {
    const std::string program = heapcheck_program();
    const std::string long_negative = "-" + std::string(1023, '9');  // the longest line allowed
    const std::string numbers = "97\n100\n1\n-7\n18446744073709551615\n" + long_negative + "\n";
    SECTION("English and German, from a pipe and as arguments, with -j 2") {
        for (const char* lang : {"en", "de"}) {
            const auto piped = harness::run({program, "-l", lang, "-j", "2"}, numbers);
            INFO("stderr: " << piped.err);
            CHECK(piped.err.find(kNote) == std::string::npos);
            CHECK(harness::lines(piped.out).size() == 6);
            const auto args = harness::run({program, "-l", lang, "97", "100", "-7"}, "");
            CHECK(args.err.find(kNote) == std::string::npos);
            CHECK(harness::lines(args.out).size() == 3);
        }
    }
    SECTION("with --trace") {
        const auto r = harness::run({program, "-l", "en", "--trace"}, numbers);
        CHECK(r.err.find(kNote) == std::string::npos);
        CHECK(r.err.find("trace") != std::string::npos);
        CHECK(harness::lines(r.out).size() == 6);
    }
    SECTION("--live at a terminal, where the child redraws the prompt") {
        harness::Pty pty({program, "-l", "en", "--live"}, {});
        REQUIRE(pty.expect("> "));
        pty.send("97\n");
        REQUIRE(pty.expect("97 is prime"));
        pty.send("e\n");
        REQUIRE(pty.wait() == 0);
        CHECK(pty.transcript().find(kNote) == std::string::npos);
    }
    SECTION("the seam works: the parent allocates, and is not reported") {
        const auto r = harness::run({program, "-l", "en", "97"}, "");
        CHECK(r.out == "97 is prime\n");
        CHECK(r.err == "");
    }
    SECTION("the seam works: a child that must allocate is reported") {
        // stdout is /dev/full: the child's write fails with ENOSPC, and the std::system_error
        // that says so builds its message on the heap.
        harness::RunOptions opts;
        opts.stdout_file = "/dev/full";
        const auto r = harness::run({program, "-l", "en", "97"}, "", opts);
        CHECK(r.err.find(kNote) != std::string::npos);
        CHECK(r.exit_code() == 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Many children
// ---------------------------------------------------------------------------------------------

TEST_CASE("stress: 20,000 mixed numbers, every line right and whole, each once; memory flat",
          "[stress]") {
    const auto numbers = mixed_numbers(20000);
    const auto big = run_numbers(numbers);
    CHECK(line_set(big.out) ==
          numbers.expected);  // an interleaved line would be a line not expected
    CHECK(big.err == "");
    CHECK(WIFEXITED(big.status));
    CHECK(WEXITSTATUS(big.status) == 0);

    const auto small = run_numbers(mixed_numbers(2000));
    INFO("peak resident size: " << small.max_rss_kib << " KiB after 2000, " << big.max_rss_kib
                                << " KiB after 20000");
    CHECK(big.max_rss_kib > 0);
    CHECK(big.max_rss_kib <= small.max_rss_kib + 256);  // ten times the numbers, same memory
}
