// The teaching layer (issue 4): --trace parsed and checked against the results, --unlocked shown
// to mix lines, --live checked on a pseudo-terminal, and the gdb session of docs/gdb.md run for
// real so that the guide cannot go stale.
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

using harness::line_set;
using harness::run;
using expect::Lines;
using expect::with_program;

namespace {

struct Event {
    double ms;
    std::string role, what;
    long pid;
};

// Parses "trace <ms> <parent|child> <pid>: <event>"; every stderr line must be one.
std::vector<Event> parse_trace(const std::string& err) {
    static const std::regex kLine(R"(trace +([0-9]+\.[0-9]{3}) (parent|child) ([0-9]+): (.+))");
    std::vector<Event> events;
    for (const auto& line : harness::lines(err)) {
        std::smatch m;
        INFO("stderr line: " << line);
        REQUIRE(std::regex_match(line, m, kLine));
        events.push_back({std::stod(m[1]), m[2], m[4], std::stol(m[3])});
    }
    return events;
}

}  // namespace

TEST_CASE("--trace: every fork, lock and waitpid of every child, consistent with the results") {
    const auto numbers = expect::batch(1000, 40);
    const auto r = run(with_program({"-t", "-l", "en", "-j", "4"}), numbers.input);
    CHECK(line_set(r.out) == numbers.expected);  // stdout exactly as without --trace
    CHECK(r.exit_code() == 0);
    const auto events = parse_trace(r.err);

    std::map<long, std::string> number_of;            // child pid -> the number it tested
    std::map<long, std::vector<Event>> child_events;  // child pid -> its own events, in order
    std::map<long, int> reaped;
    std::set<long> parents;
    static const std::regex kFork(R"(fork\(\) -> child ([0-9]+) tests ([0-9]+))");
    static const std::regex kReap(R"(waitpid\(\) -> child ([0-9]+): WIFEXITED, WEXITSTATUS = 0)");
    for (const auto& e : events) {
        std::smatch m;
        if (e.role == "child") {
            child_events[e.pid].push_back(e);
        } else if (std::regex_match(e.what, m, kFork)) {
            parents.insert(e.pid);
            number_of[std::stol(m[1])] = m[2];
        } else {
            INFO("parent event: " << e.what);
            REQUIRE(std::regex_match(e.what, m, kReap));
            ++reaped[std::stol(m[1])];
        }
    }
    CHECK(parents.size() == 1);
    CHECK(number_of.size() == 40);
    Lines from_trace;
    for (const auto& [pid, n] : number_of) from_trace.insert(expect::verdict(n));
    CHECK(from_trace == numbers.expected);  // the numbers the trace says were forked are those answered

    std::vector<std::pair<double, double>> held;  // [took, releases] of each child
    for (const auto& [pid, evs] : child_events) {
        INFO("child " << pid);
        REQUIRE(number_of.count(pid) == 1);
        REQUIRE(evs.size() == 3);
        CHECK(evs[0].what == "took the lock");
        CHECK(evs[1].what == "releases the lock");
        CHECK(evs[2].what == "_exit(0)");
        CHECK(evs[0].ms <= evs[1].ms);
        CHECK(reaped[pid] == 1);
        held.emplace_back(evs[0].ms, evs[1].ms);
    }
    CHECK(child_events.size() == 40);
    // The lock at work: no two children ever held it at the same time.
    std::sort(held.begin(), held.end());
    for (std::size_t i = 1; i < held.size(); ++i) CHECK(held[i].first >= held[i - 1].second);
}

TEST_CASE("--trace decodes a child killed by a signal") {
    harness::Process p(with_program({"-t", "-l", "en", "18446744073709551557"}));
    std::vector<pid_t> kids;
    REQUIRE(harness::eventually([&] { return (kids = harness::children_of(p.pid())).size() == 1; }, 10));
    REQUIRE(kill(kids[0], SIGKILL) == 0);
    const int status = p.finish();
    CHECK(WEXITSTATUS(status) == 1);
    const std::string err = p.err();
    CHECK(err.find("waitpid() -> child " + std::to_string(kids[0]) +
                   ": WIFSIGNALED, WTERMSIG = 9 (Killed)\n") != std::string::npos);
}

TEST_CASE("--unlocked: a warning, then lines that mix but lose no byte") {
    const auto numbers = expect::batch(1000000, 300);
    std::string all_expected;
    for (const auto& line : numbers.expected) all_expected += line + "\n";
    std::sort(all_expected.begin(), all_expected.end());
    bool mixed = false;
    for (int attempt = 0; attempt < 5 && !mixed; ++attempt) {
        const auto r = run(with_program({"--unlocked", "-l", "en", "-j", "0"}), numbers.input);
        CHECK(r.err == "primeproc: --unlocked: children print without the lock, in pieces; "
                       "lines will mix (a demonstration)\n");
        CHECK(r.exit_code() == 0);
        std::string bytes = r.out;
        std::sort(bytes.begin(), bytes.end());
        CHECK(bytes == all_expected);  // the same bytes, only their order differs
        mixed = line_set(r.out) != numbers.expected;
    }
    CHECK(mixed);
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

TEST_CASE("the gdb session of docs/gdb.md follows a child and shows its number and divisor", "[gdb]") {
    const char* debug = std::getenv("PRIMEPROC_DEBUG");
    const char* script = std::getenv("GDB_SCRIPT");
    REQUIRE(debug != nullptr);
    REQUIRE(script != nullptr);
    harness::RunOptions opts;
    opts.deadline_seconds = 120;
    const auto r = run({"/usr/bin/gdb", "-nx", "-batch", "-x", script, "--args", debug, "-l", "en", "91"},
                       "", opts);
    INFO("gdb said:\n" << r.out << r.err);
    CHECK_FALSE(r.timed_out);
    const std::string& out = r.out;
    CHECK(out.find("[Attaching after ") != std::string::npos);  // gdb followed the fork
    // "Breakpoint 1.2": the breakpoint's location in inferior 2, the child.
    CHECK(std::regex_search(out, std::regex(R"(hit Breakpoint 1\.2, .*test_and_print)")));
    CHECK(out.find("$1 = 91") != std::string::npos);  // print n.value, in the child
    CHECK(std::regex_search(out, std::regex(R"(hit Breakpoint 2\.2, prime::verdict)")));
    CHECK(out.find("$2 = 7") != std::string::npos);   // print factor: 91 = 7 * 13
    CHECK(std::regex_search(out, std::regex(R"(\* 2 +process [0-9]+)")));  // the child is current
    CHECK(std::regex_search(out, std::regex(R"(\n +1 +process [0-9]+)")));  // the parent waits
    CHECK(out.find("91 is not prime, since 91 = 7 * 13") != std::string::npos);
    CHECK(std::regex_search(out, std::regex(R"(\[Inferior 2 \(process [0-9]+\) exited normally\])")));
    CHECK(std::regex_search(out, std::regex(R"(\[Inferior 1 \(process [0-9]+\) exited normally\])")));
}
