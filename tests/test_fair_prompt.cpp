// Tests of the fair prompt (support/fair_prompt.hpp): answers waiting at the lock go before the
// next prompt, a waiter that dies is forgotten, and the wait gives way when the program ends.
// First FairPrompt itself with forked children, then the program on a pseudo-terminal and with
// a stdout nobody reads. ([timing]: they watch processes at native speed; not under valgrind.)
#include "../support/fair_prompt.hpp"
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

using harness::now_ms;

namespace {

constexpr double kMaxWaitMs = 250;  // fair_prompt.cpp's bound on letting waiters go first

int reap(pid_t pid) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    return status;
}

bool asleep_at_lock(pid_t pid) {
    return harness::state_of(pid) == 'S' && harness::syscall_of(pid) == SYS_futex;
}

// Bytes the children wrote into the pipe so far (its read end non-blocking).
std::string written(int fd) {
    std::string text;
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    return text;
}

// A pipe whose read end does not block.
struct Pipe : harness::Pipe {
    Pipe() { REQUIRE(fcntl(r.get(), F_SETFL, O_NONBLOCK) == 0); }
};

// While the test holds the lock, a child that waits for it through the fair prompt and then
// writes its letter into the pipe. Returns once it sleeps at the lock.
pid_t start_waiter(ProcessMutex& lock, FairPrompt& prompt, const Pipe& out, char letter) {
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        {
            const FairPrompt::Waiter seen(prompt);
            std::lock_guard<ProcessMutex> hold(lock);
            if (write(out.w.get(), &letter, 1) != 1) _exit(1);
        }
        _exit(0);
    }
    REQUIRE(harness::eventually([&] { return asleep_at_lock(pid); }, 10));
    return pid;
}

bool never() { return false; }

std::size_t occurrences(const std::string& text, const std::string& word) {
    std::size_t n = 0;
    for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE(
    "fair prompt: every child waiting when the parent lets go of the lock has it before the parent "
    "again",
    "[timing]") {
    // A plain mutex often hands the lock straight back to the process that just unlocked it.
    ProcessMutex lock;
    FairPrompt prompt(lock, 8);
    Pipe out;
    for (int round = 0; round < 30; ++round) {
        INFO("round " << round);
        lock.lock();
        std::vector<pid_t> waiters;
        for (char letter : {'a', 'b', 'c'})
            waiters.push_back(start_waiter(lock, prompt, out, letter));
        CHECK(prompt.someone_waits());
        lock.unlock();
        REQUIRE(prompt.lock_after_waiters(never));
        std::string letters = written(out.r.get());
        std::sort(letters.begin(), letters.end());
        CHECK(letters == "abc");
        CHECK_FALSE(prompt.someone_waits());
        lock.unlock();
        for (pid_t pid : waiters) CHECK(reap(pid) == 0);
    }
}

TEST_CASE(
    "fair prompt: a waiter killed at the lock is forgotten once reaped, and holds up no prompt",
    "[timing]") {
    ProcessMutex lock;
    FairPrompt prompt(lock, 8);
    Pipe out;
    for (int round = 0; round < 5; ++round) {
        INFO("round " << round);
        lock.lock();
        const pid_t waiter = start_waiter(lock, prompt, out, 'x');
        REQUIRE(kill(waiter, SIGKILL) == 0);
        CHECK(harness::killed_by(reap(waiter), SIGKILL));
        lock.unlock();
        // Its slot is still taken: the prompt waits the whole bound for it...
        CHECK(prompt.someone_waits());
        double start = now_ms();
        REQUIRE(prompt.lock_after_waiters(never));
        const double stale = now_ms() - start;
        lock.unlock();
        // ...until the parent, which reaped it, forgets it.
        prompt.forget(waiter);
        CHECK_FALSE(prompt.someone_waits());
        start = now_ms();
        REQUIRE(prompt.lock_after_waiters(never));
        const double forgotten = now_ms() - start;
        lock.unlock();
        INFO("with the dead waiter: " << stale << " ms; forgotten: " << forgotten << " ms");
        CHECK(stale >= kMaxWaitMs);
        CHECK(forgotten < stale / 5);
        CHECK(written(out.r.get()).empty());
    }
}

TEST_CASE("fair prompt: the wait gives way when the program ends, with waiters or a stuck holder",
          "[timing]") {
    ProcessMutex lock;
    FairPrompt prompt(lock, 8);
    Pipe out;
    int looks = 0;
    const auto stop_after_20 = [&looks] { return ++looks > 20; };
    SECTION("a waiter that never comes (killed, not yet forgotten)") {
        lock.lock();
        const pid_t waiter = start_waiter(lock, prompt, out, 'x');
        REQUIRE(kill(waiter, SIGKILL) == 0);
        CHECK(harness::killed_by(reap(waiter), SIGKILL));
        lock.unlock();
        const double start = now_ms();
        CHECK_FALSE(prompt.lock_after_waiters(stop_after_20));
        const double took = now_ms() - start;
        INFO("gave up after " << took << " ms");
        CHECK(took < kMaxWaitMs);  // 20 looks a millisecond apart, not the whole bound
        CHECK(lock.try_lock());    // and it did not keep the lock
        lock.unlock();
    }
    SECTION("a holder that never lets go") {
        const pid_t holder = fork();
        REQUIRE(holder >= 0);
        if (holder == 0) {
            lock.lock();
            const char c = 'H';
            if (write(out.w.get(), &c, 1) != 1) _exit(1);
            pause();
            _exit(0);
        }
        REQUIRE(harness::eventually([&] { return written(out.r.get()) == "H"; }, 10));
        const double start = now_ms();
        CHECK_FALSE(prompt.lock_after_waiters(stop_after_20));
        const double took = now_ms() - start;
        INFO("gave up after " << took << " ms");
        CHECK(took < 2000);  // 20 looks, 10 ms apart; without them, never
        REQUIRE(kill(holder, SIGKILL) == 0);
        CHECK(harness::killed_by(reap(holder), SIGKILL));
    }
}

// ---------------------------------------------------------------------------------------------
// The program
// ---------------------------------------------------------------------------------------------

namespace {

// At a prompt: an empty line, and the time until the next "> ".
double empty_line_ms(harness::Pty& pty) {
    const double start = now_ms();
    pty.send("\n");
    REQUIRE(pty.expect("> "));
    return now_ms() - start;
}

}  // namespace

TEST_CASE("a child SIGKILLed while it waits at the prompt's lock holds up no later prompt",
          "[timing]") {
    for (int session = 0; session < 5; ++session) {
        INFO("session " << session);
        harness::Pty pty({harness::primeproc(), "-l", "en"}, {});
        REQUIRE(pty.expect("> "));
        std::vector<double> usual, after;
        for (int i = 0; i < 10; ++i) usual.push_back(empty_line_ms(pty));
        // 97's child waits at the lock the parent holds while "> " is shown. Rarely it is quicker
        // than the prompt and answers first; then type 97 again.
        pid_t waiter = 0;
        std::size_t answered = 0;
        for (int attempt = 0; attempt < 20 && waiter == 0; ++attempt) {
            pty.send("97\n");
            REQUIRE(pty.expect("> "));
            REQUIRE(harness::eventually(
                [&] {
                    const auto kids = harness::children_of(pty.pid());
                    if (kids.size() == 1 && asleep_at_lock(kids[0])) waiter = kids[0];
                    return waiter != 0 || kids.empty() ||
                           (kids.size() == 1 && harness::gone_or_zombie(kids[0]));
                },
                10));
            if (waiter == 0) ++answered;
        }
        REQUIRE(waiter != 0);
        REQUIRE(kill(waiter, SIGKILL) == 0);
        REQUIRE(harness::eventually([&] { return harness::gone_or_zombie(waiter); }, 10));
        for (int i = 0; i < 10; ++i) after.push_back(empty_line_ms(pty));
        const double slowest_usual = *std::max_element(usual.begin(), usual.end());
        std::string times;
        for (double t : after) times += std::to_string(static_cast<int>(t)) + " ";
        INFO("usual prompts up to " << slowest_usual << " ms; after the kill (ms): " << times);
        for (double t : after) CHECK(t < 2 * slowest_usual + 100);
        const std::string t = harness::without_cr(pty.transcript());
        CHECK(occurrences(t, "97 is prime") == answered);  // the killed one never answered
        CHECK(t.find("was killed by signal 9") != std::string::npos);  // and that is news
        CHECK(t.find("repaired") == std::string::npos);                // it did not hold the lock
        pty.send("e\n");
        CHECK(pty.wait(10) != -1);
    }
}

namespace {

// What the parent of a run with a full stdout is doing: 'c' a child holds the lock, asleep in
// write(); 'p' the parent itself is (it writes "> " holding the lock); 0 neither yet.
char who_is_stuck_writing(const harness::Process& p) {
    if (harness::child_asleep_writing(p) != 0) return 'c';
    if (harness::state_of(p.pid()) == 'S' && harness::syscall_of(p.pid()) == SYS_write) return 'p';
    return 0;
}

}  // namespace

TEST_CASE(
    "yes 97 | primeproc -i with stdout unread, then SIGTERM or SIGINT: no repair reported, ends at "
    "once",
    "[timing]") {
    // As `yes 97 | timeout 1 primeproc -i | sleep 3`: stdout a pipe of one page nobody reads. When
    // it is full, a child holds the lock asleep in write() while the parent waits for the lock to
    // show "> ". The signal (to the parent first, as timeout sends it, or to the whole group at
    // once) kills that holder too: the repair that follows is no news, and the parent, ending, must
    // neither wait for the dead waiters nor show another prompt. (When the parent itself is the
    // one stuck writing "> ", the signal cannot reach it in this program: that run is skipped.)
    std::string input;
    for (int i = 0; i < 3000; ++i) input += "97\n";
    for (const int sig : {SIGTERM, SIGINT}) {
        for (const bool parent_first : {true, false}) {
            int runs = 0;
            for (int attempt = 0; attempt < 30 && runs < 4; ++attempt) {
                INFO(strsignal(sig) << (parent_first ? " to the parent, then" : "")
                                    << " to the group; attempt " << attempt);
                expect::FedProcess fed({"-l", "en", "-i"}, input, 4096);
                harness::Process& p = fed.process;
                char stuck = 0;
                REQUIRE(harness::eventually([&] { return (stuck = who_is_stuck_writing(p)) != 0; },
                                            30));
                if (stuck == 'p') continue;
                ++runs;
                if (parent_first) REQUIRE(kill(p.pid(), sig) == 0);
                REQUIRE(kill(-p.pid(), sig) == 0);
                const double sent_at = now_ms();
                // Not p.finish(): reading stdout would wake the holder. Reap it without reading.
                int status = 0;
                pid_t reaped = 0;
                harness::eventually(
                    [&] { return (reaped = waitpid(p.pid(), &status, WNOHANG)) != 0; }, 5);
                const double took = now_ms() - sent_at;
                INFO((reaped == p.pid() ? "ended" : "not ended")
                     << " after " << took << " ms; stderr: " << p.err());
                REQUIRE(reaped == p.pid());
                CHECK(harness::killed_by(status, sig));
                CHECK(p.err() == "");
                CHECK(took < kMaxWaitMs);
            }
            CHECK(runs == 4);
        }
    }
}
