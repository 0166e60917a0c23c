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
#include <fstream>
#include <map>
#include <sstream>
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

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// The story of one run, as --trace told it.
struct Story {
    std::map<long, std::string> number_of;       // child pid -> its number, from the parent's lines
    std::map<long, double> fork_called;          // child pid -> when the parent called fork()
    std::map<long, std::vector<Event>> child;    // child pid -> its own events, in order
    std::map<long, double> reaped;               // child pid -> when waitpid returned it
    std::vector<std::pair<double, double>> held; // [took, releases] of every process
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
            if (e.what.find(": WIFEXITED, WEXITSTATUS = 0") == std::string::npos) s.problems.push_back(e.what);
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
    for (int round = 0; round < 10; ++round) {
        INFO("round " << round);
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

// A line of text that holds every one of parts, in that order.
bool has_line_with(const std::string& text, const std::vector<std::string>& parts) {
    for (const auto& line : harness::lines(text)) {
        std::size_t at = 0;
        bool all = true;
        for (const auto& part : parts) {
            at = line.find(part, at);
            if (at == std::string::npos) { all = false; break; }
            at += part.size();
        }
        if (all) return true;
    }
    return false;
}

// A source line as gdb prints it ("58\t    const ..."), as docs/gdb.md shows it: in a code block
// (indented by 4), the tab expanded to the next multiple of 8.
std::string as_in_doc(const std::string& line) {
    std::string shown = "    ";
    for (char c : line) {
        if (c != '\t') {
            shown += c;
            continue;
        }
        do shown += ' '; while ((shown.size() - 4) % 8 != 0);
    }
    return shown;
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
    // "Breakpoint 1.2": the breakpoint's location in inferior 2, the child.
    CHECK(has_line_with(out, {"hit Breakpoint 1.2, ", "run_child"}));
    CHECK(out.find("$1 = 91") != std::string::npos);  // print n.value, in the child
    CHECK(has_line_with(out, {"hit Breakpoint 2.2, prime::smallest_factor"}));
    CHECK(out.find("$2 = 91") != std::string::npos);  // print n, in smallest_factor
    // next 3: in the book's loop, its bound floor(sqrt(91)) and the wheel's first two candidates.
    CHECK(has_line_with(out, {"\t", "if (n % w.value == 0) return w.value;"}));
    CHECK(out.find("$3 = 9\n") != std::string::npos);
    CHECK(out.find("$4 = {value = 2, then = 3, next_value = 5, turn = 0}") != std::string::npos);
    CHECK(out.find("Value returned is $5 = 7") != std::string::npos);  // finish: 91 = 7 * 13
    // docs/gdb.md shows the stops in prime.hpp as this build prints them, line numbers included.
    std::ifstream doc_file(std::string(script).substr(0, std::string(script).rfind('/') + 1) + "gdb.md");
    std::stringstream doc;
    doc << doc_file.rdbuf();
    REQUIRE(doc.str().find("(gdb) next 3") != std::string::npos);
    for (const auto& line : harness::lines(out)) {
        const auto file = line.find("prime.hpp");
        if (file != std::string::npos) CHECK(doc.str().find(line.substr(file)) != std::string::npos);
        if (line.find("integer_sqrt(n);") != std::string::npos || line.find("return w.value;") != std::string::npos) {
            CHECK(doc.str().find(as_in_doc(line)) != std::string::npos);
        }
    }
    CHECK(has_line_with(out, {"* 2 ", "process "}));    // the child is current
    CHECK(has_line_with(out, {"  1 ", "process "}));    // the parent waits
    CHECK(out.find("91 is not prime, since 91 = 7 * 13") != std::string::npos);
    CHECK(has_line_with(out, {"[Inferior 2 (process ", ") exited normally]"}));
    CHECK(has_line_with(out, {"[Inferior 1 (process ", ") exited normally]"}));
}
