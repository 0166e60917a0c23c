// test_trace.cpp - --trace: every line parsed, and the story it tells checked against the run
// (each child forked, waiting for the lock, holding it, ending, reaped, in causal order).
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using expect::Lines;
using expect::with_program;
using harness::run;

namespace {

struct Event {
    double ms;
    std::string role, what;
    long pid;
};

// Parses "trace <ms> <parent|child> <pid>: <event>"; every stderr line must be one.
std::vector<Event> parse_trace(const std::string& err) {
    std::vector<Event> events;
    for (const auto& line : harness::lines(err)) {
        INFO("stderr line: " << line);
        std::istringstream in(line);
        std::string word, role, pid;
        double ms = -1;
        in >> word >> ms >> role >> pid;
        REQUIRE(word == "trace");
        REQUIRE(ms >= 0);
        REQUIRE((role == "parent" || role == "child"));
        REQUIRE(pid.size() > 1);
        REQUIRE(pid.back() == ':');
        std::string what;
        std::getline(in, what);
        REQUIRE(what.size() > 1);
        events.push_back({ms, role, what.substr(1), std::stol(pid)});
    }
    return events;
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

// The story of one run, as --trace told it.
struct Story {
    std::map<long, std::string> number_of;     // child pid -> its number, from the parent's lines
    std::map<long, double> fork_called;        // child pid -> when the parent called fork()
    std::map<long, std::vector<Event>> child;  // child pid -> its own events, in order
    std::map<long, double> reaped;             // child pid -> when waitpid returned it
    std::vector<std::pair<double, double>> held;  // [took, releases] of every process
    std::vector<std::string> problems;
};

Story read_story(const std::vector<Event>& events) {
    Story s;
    std::string forking;
    double fork_ms = 0;
    std::map<long, double> took;
    for (const auto& e : events) {
        if (e.what == "took the lock") took[e.pid] = e.ms;
        if (e.what == "releases the lock") s.held.emplace_back(took[e.pid], e.ms);
        if (e.role == "child") {
            s.child[e.pid].push_back(e);
        } else if (starts_with(e.what, "fork() for ")) {
            forking = e.what.substr(11);
            fork_ms = e.ms;
        } else if (starts_with(e.what, "fork() -> child ")) {
            const long pid = std::stol(e.what.substr(16));
            s.number_of[pid] = forking;
            s.fork_called[pid] = fork_ms;
        } else if (starts_with(e.what, "waitpid() -> child ")) {
            const long pid = std::stol(e.what.substr(19));
            if (e.what.find(": WIFEXITED, WEXITSTATUS = 0") == std::string::npos)
                s.problems.push_back(e.what);
            if (s.reaped.count(pid)) s.problems.push_back("reaped twice: " + e.what);
            s.reaped[pid] = e.ms;
        }
    }
    return s;
}

// Every child's story is whole and in causal order: the parent's fork() comes before the child
// starts, the child's five events come in order, and waitpid returns it after its _exit.
void check_causal_order(const Story& s, std::size_t children) {
    CHECK(s.problems.empty());
    CHECK(s.number_of.size() == children);
    CHECK(s.child.size() == children);
    for (const auto& [pid, evs] : s.child) {
        INFO("child " << pid);
        REQUIRE(s.number_of.count(pid) == 1);
        REQUIRE(evs.size() == 5);
        CHECK(starts_with(evs[0].what, "started by parent "));
        CHECK(evs[0].what.substr(evs[0].what.find(", tests ") + 8) == s.number_of.at(pid));
        CHECK(evs[1].what == "waits for the lock");
        CHECK(evs[2].what == "took the lock");
        CHECK(evs[3].what == "releases the lock");
        CHECK(evs[4].what == "_exit(0)");
        CHECK(s.fork_called.at(pid) <= evs[0].ms);
        for (std::size_t i = 1; i < evs.size(); ++i) CHECK(evs[i - 1].ms <= evs[i].ms);
        REQUIRE(s.reaped.count(pid) == 1);
        CHECK(evs[4].ms <= s.reaped.at(pid));
    }
    // The lock at work: no two processes, the parent included, ever held it at the same time.
    auto held = s.held;
    std::sort(held.begin(), held.end());
    for (std::size_t i = 1; i < held.size(); ++i) CHECK(held[i].first >= held[i - 1].second);
}

}  // namespace

TEST_CASE("--trace tells every child's story in causal order, the parent's prompt lock included") {
    const auto numbers = expect::batch(1000, 40);
    for (int attempt = 0; attempt < 10; ++attempt) {
        INFO("attempt " << attempt);
        // -i: the prompt and the parent's lock around each read, as at a terminal.
        const auto r = run(with_program({"-t", "-l", "en", "-j", "4", "-i"}), numbers.input);
        const auto events = parse_trace(r.err);
        const Story s = read_story(events);
        check_causal_order(s, 40);
        CHECK(r.exit_code() == 0);
        Lines answers;
        for (const auto& line : harness::lines(r.out)) {
            std::string rest = line;
            while (starts_with(rest, "> ")) rest = rest.substr(2);
            if (!rest.empty()) answers.insert(rest);
        }
        CHECK(answers == numbers.expected);  // the verdicts, between the prompts
        Lines from_trace;
        for (const auto& [pid, n] : s.number_of) from_trace.insert(expect::verdict(n));
        CHECK(from_trace == numbers.expected);  // the numbers the trace says were forked
        const auto parent_holds = std::count_if(events.begin(), events.end(), [](const Event& e) {
            return e.role == "parent" && e.what == "took the lock";
        });
        CHECK(parent_holds >= 41);  // one prompt per line, and one for the end of input
    }
}

TEST_CASE("--trace decodes a child killed by a signal") {
    harness::Process p(with_program({"-t", "-l", "en", "18446744073709551557"}));
    const auto kids = harness::wait_for_children(p.pid(), 1);
    REQUIRE(kids.size() == 1);
    REQUIRE(kill(kids[0], SIGKILL) == 0);
    const int status = p.finish();
    CHECK(WEXITSTATUS(status) == 1);
    const std::string err = p.err();
    CHECK(err.find("waitpid() -> child " + std::to_string(kids[0]) +
                   ": WIFSIGNALED, WTERMSIG = 9 (Killed)\n") != std::string::npos);
}
