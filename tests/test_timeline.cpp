// test_timeline.cpp - primeproc-timeline, the drawer, on known traces: a sample, a huge one, a
// window of time, a trace with an event it does not know, and its command line.
//
// The known trace is tests/timeline-sample.trace, written by hand: a parent at a prompt, five
// children (one waits for the lock, several are zombies for a while, 4104 is killed, 4105 has no
// lock events as with --unlocked), lines out of time order across processes, and one line that is
// not a trace line. Every one of its trace lines is an event of support/events.hpp (checked
// below). Run from the top of the project. The drawer is the one beside $PRIMEPROC.
// Needs xmllint (libxml2-utils) and python3, as outside checkers of the XML and the JSON.
#include "../support/events.hpp"
#include "../support/timeline.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace {

const char* const sample = "tests/timeline-sample.trace";
constexpr std::size_t max_children_drawn = 300;  // as timeline/picture.hpp says

// primeproc-timeline ARGS..., stdin empty.
harness::Run run_drawer(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), harness::drawer());
    return harness::run(args, input);
}

// Draws the trace into a file named like `out` (the ending chooses the format); must succeed.
void draw_file(const std::string& trace, const std::string& out,
               std::vector<std::string> options = {}) {
    options.insert(options.end(), {trace, out});
    const harness::Run r = run_drawer(options);
    INFO(r.err);
    REQUIRE(r.err == "");
    REQUIRE(r.exit_code() == 0);
}

// One drawn piece of the SVG, read back from its text.
struct Rect {
    std::string kind;
    double x, width;
    std::string title;
};

// Every rect with a class and a <title>, in file order; `untitled` counts the piece rects without one.
std::vector<Rect> pieces(const std::string& svg, std::size_t& untitled) {
    static const std::regex piece(
        R"re(<rect class="(compute|wait|hold|zombie|killed|parent-[a-z]+)" x="([-0-9.]+)" y="[-0-9.]+" width="([-0-9.]+)" height="[-0-9.]+">(<title>([^<]*)</title>)?)re");
    std::vector<Rect> found;
    untitled = 0;
    for (std::sregex_iterator it(svg.begin(), svg.end(), piece), end; it != end; ++it) {
        const std::smatch& m = *it;
        if (!m[4].matched) ++untitled;
        found.push_back(Rect{m[1], std::stod(m[2]), std::stod(m[3]), m[5]});
    }
    return found;
}

// The kinds of piece of each process, in x order (their titles begin with "child 4101 (91):").
std::map<std::string, std::vector<std::string>> kinds_by_process(const std::vector<Rect>& rects) {
    std::map<std::string, std::vector<const Rect*>> by;
    for (const Rect& r : rects) by[r.title.substr(0, r.title.find(':'))].push_back(&r);
    std::map<std::string, std::vector<std::string>> kinds;
    for (auto& [who, list] : by) {
        std::stable_sort(list.begin(), list.end(),
                         [](const Rect* a, const Rect* b) { return a->x < b->x; });
        for (const Rect* r : list) kinds[who].push_back(r->kind);
    }
    return kinds;
}

// A trace line as primeproc writes it, from the table of events.
std::string trace_line(double ms, const char* role, long pid, trace::Event e, ...) {
    char line[2048];
    int n = std::snprintf(line, sizeof line, trace::kLinePrefix, ms, role, pid);
    va_list args;
    va_start(args, e);
    std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n), trace::words_of(e).format,
                   args);
    va_end(args);
    return std::string(line) + "\n";
}

// An event's words with its fields put in, as printf would for the conversions the table uses.
std::string filled_in(trace::Event e, const trace::EventFields& fields) {
    std::string out;
    for (const char* f = trace::words_of(e).format; *f != '\0'; ++f) {
        if (*f != '%') {
            out += *f;
        } else if (f[1] == 's') {
            out += fields.text;
            ++f;
        } else {
            out += std::to_string(fields.number);
            f = std::strchr(f, 'd');  // %d, %ld, %zd
        }
    }
    return out;
}

// A trace of `children` numbers as primeproc -j 4 would write it, into `path`; pids wrap around
// below 32768 as a long run's would, so that pid reuse is part of the test.
void write_big_trace(const std::string& path, int children) {
    using E = trace::Event;
    std::ofstream f(path, std::ios::binary);
    double t = 0.1;
    const auto line = [&](const char* role, long pid, E e, auto... args) {
        f << trace_line(t, role, pid, e, args...);
        t += 0.013;
    };
    for (int i = 0; i < children; ++i) {
        const long pid = 300 + (i * 7) % 32000;
        const std::string n = std::to_string(1000003 + 2 * i);
        line(trace::kParent, 100, E::fork_for, n.c_str());
        line(trace::kChild, pid, E::started, 100L, n.c_str());
        line(trace::kParent, 100, E::forked_child, pid);
        line(trace::kChild, pid, E::waits_for_lock);
        line(trace::kChild, pid, E::took_lock);
        line(trace::kChild, pid, E::releases_lock);
        line(trace::kChild, pid, E::exits, 0);
        line(trace::kParent, 100, E::waits_for_child);
        line(trace::kParent, 100, E::reaped_child, pid, "WIFEXITED, WEXITSTATUS = 0");
    }
    REQUIRE(f.good());
}

// The peak resident size (KiB) of the drawer drawing `trace` to /dev/null. Not from wait4: a
// process's ru_maxrss keeps, across exec, the size of the copy of this test that fork made. The
// drawer is stopped as it exits (ptrace, PTRACE_O_TRACEEXIT, Linux) and its own VmHWM read then.
long peak_kib_of_drawing(const std::string& trace, const char* format) {
    const std::string program = harness::drawer();
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0 || raise(SIGSTOP) != 0) _exit(126);
        execl(program.c_str(), program.c_str(), "--format", format, trace.c_str(), "/dev/null",
              nullptr);
        _exit(127);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);  // stopped by its SIGSTOP, before the exec
    REQUIRE(ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACEEXIT) == 0);
    long peak = -1;
    for (int signal = 0;; signal = 0) {
        REQUIRE(ptrace(PTRACE_CONT, pid, nullptr, signal) == 0);
        REQUIRE(waitpid(pid, &status, 0) == pid);
        if (!WIFSTOPPED(status)) break;
        if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
            peak = harness::status_kib(pid, "VmHWM");
        } else if (WSTOPSIG(status) != SIGTRAP) {
            signal = WSTOPSIG(status);  // SIGTRAP: the exec itself
        }
    }
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    return peak;
}

}  // namespace

TEST_CASE("timeline: the file name's ending chooses the format") {
    CHECK(timeline::format_for("run.svg") == timeline::Format::Svg);
    CHECK(timeline::format_for("dir.json/run.json") == timeline::Format::Json);
    CHECK_FALSE(timeline::format_for("run.png"));
    CHECK_FALSE(timeline::format_for("svg"));
    CHECK_FALSE(timeline::format_for(".svg.txt"));
}

TEST_CASE("timeline: every trace line of the sample is an event of the table") {
    std::ifstream in(sample);
    std::string line;
    std::size_t traced = 0;
    while (std::getline(in, line)) {
        if (line.rfind("trace ", 0) != 0) continue;  // the one line that is no trace line
        INFO(line);
        const auto colon = line.find(": ");
        REQUIRE(colon != std::string::npos);
        const std::string words = line.substr(colon + 2);
        trace::EventFields fields;
        const auto event = trace::match_event(words, fields);
        REQUIRE(event);
        CHECK(filled_in(*event, fields) == words);  // the table's words, exactly
        ++traced;
    }
    CHECK(traced == 63);
}

TEST_CASE("timeline: the table reads back what it writes, and no two events read alike") {
    trace::EventFields example;
    example.number = 4711;
    example.text = "12 34";
    for (const trace::EventWords& e : trace::kEvents) {
        INFO(e.format);
        const std::string words = filled_in(e.event, example);
        trace::EventFields fields;
        REQUIRE(trace::match_event(words, fields) == e.event);
        CHECK(filled_in(e.event, fields) == words);
        std::size_t readers = 0;
        for (const trace::EventWords& other : trace::kEvents)
            readers += trace::matches(other.format, words, fields);
        CHECK(readers == 1);
    }
}

TEST_CASE(
    "timeline: an event the drawer does not know is an error naming its line, and nothing is "
    "drawn") {
    harness::TempFile trace("", ".trace"), svg("", ".svg");
    const std::string text = harness::slurp(sample);
    harness::write_file(trace.path(),
                        text + "trace      4.300 parent 4100: fork() fro 13\n" + text);
    harness::write_file(svg.path(), "what was there\n");
    const harness::Run r = run_drawer({trace.path(), svg.path()});
    CHECK(r.err == "primeproc-timeline: " + trace.path() +
                       ":65: an event this drawer does not know: 'fork() fro 13'\n");
    CHECK(r.exit_code() == 1);
    CHECK(harness::slurp(svg.path()) ==
          "what was there\n");  // the whole trace is read before OUT is touched
    // A line that begins like a trace line but is none is refused as well.
    harness::write_file(trace.path(), "trace 1.0 parent: took the lock\n");
    const harness::Run bad = run_drawer({trace.path(), svg.path()});
    CHECK(bad.err == "primeproc-timeline: " + trace.path() +
                         ":1: not a trace line of primeproc: 'trace 1.0 parent: took the lock'\n");
    CHECK(bad.exit_code() == 1);
}

TEST_CASE("timeline: the sample trace gives well-formed SVG with one lane per process") {
    harness::TempFile svg("", ".svg");
    draw_file(sample, svg.path());
    CHECK(harness::shell("xmllint --noout " + svg.path()).exit_code() == 0);
    const std::string text = harness::slurp(svg.path());
    CHECK(harness::count(text, "<rect class=\"lane\"") == 6);  // the parent and its five children
    CHECK(harness::count(text, "<g class=\"fork\">") ==
          5 + 1);  // five forks, and the legend's example
    CHECK(text.find(">pid 4101 · 91</text>") != std::string::npos);
    CHECK(text.find(">parent · pid 4100</text>") != std::string::npos);
    CHECK(text.find("not drawn") == std::string::npos);
    CHECK(text.find("Incomplete") == std::string::npos);
}

TEST_CASE("timeline: each child's pieces come in the order of its life, with their events") {
    harness::TempFile svg("", ".svg");
    draw_file(sample, svg.path());
    std::size_t untitled = 0;
    const std::vector<Rect> rects = pieces(harness::slurp(svg.path()), untitled);
    CHECK(untitled == 0);
    for (const Rect& r : rects) CHECK(r.width >= 0);
    const auto kinds = kinds_by_process(rects);
    using V = std::vector<std::string>;
    CHECK(kinds.at("child 4101 (91)") == V{"compute", "wait", "hold", "zombie"});
    CHECK(kinds.at("child 4102 (97)") == V{"compute", "wait", "hold", "zombie"});
    CHECK(kinds.at("child 4103 (1000003)") == V{"compute", "wait", "hold", "zombie"});
    CHECK(kinds.at("child 4104 (340282366920938463463374607431768211297)") == V{"killed"});
    CHECK(kinds.at("child 4105 (13)") == V{"compute", "zombie"});  // --unlocked: no lock events
    // The parent at the prompt: it holds the lock while it waits for input.
    CHECK(kinds.at("parent 4100") == V{"parent-hold", "parent-input", "parent-hold", "parent-input",
                                       "parent-wait", "parent-hold", "parent-input", "parent-hold",
                                       "parent-input", "parent-hold", "parent-input", "parent-hold",
                                       "parent-input", "parent-blocked"});
    const std::string svg_text = harness::slurp(svg.path());
    for (const char* title :
         {"child 4101 (91): computing 1.030–1.200 ms (started by parent 4100, tests 91 → waits for "
          "the lock)",
          "child 4101 (91): waiting for the lock 1.200–1.803 ms (waits for the lock → took the "
          "lock)",
          "child 4101 (91): a zombie (ended, not yet reaped) 1.897–3.505 ms (_exit(0) → waitpid() "
          "-&gt; child "
          "4101: WIFEXITED, WEXITSTATUS = 0)",
          "child 4104 (340282366920938463463374607431768211297): killed by a signal at some moment "
          "in "
          "2.920–4.200 ms (started by parent 4100, tests 340282366920938463463374607431768211297 → "
          "waitpid() -&gt; child 4104: WIFSIGNALED, WTERMSIG = 9 (Killed))",
          "parent 4100: waiting for input 0.012–1.000 ms (waits for input → read() -&gt; 3 bytes)"})
        CHECK(svg_text.find(std::string("<title>") + title + "</title>") != std::string::npos);
}

TEST_CASE("timeline: the SVG has a legend for every kind of piece and mark") {
    harness::TempFile svg("", ".svg");
    draw_file(sample, svg.path());
    const std::string text = harness::slurp(svg.path());
    const auto legend_at = text.find("<g id=\"legend\"");
    REQUIRE(legend_at != std::string::npos);
    const std::string legend = text.substr(legend_at, text.find("</g>\n", legend_at) - legend_at);
    for (const char* kind :
         {"compute", "wait", "hold", "zombie", "killed", "parent-input", "parent-blocked"})
        CHECK(legend.find(std::string("class=\"swatch ") + kind + "\"") != std::string::npos);
    CHECK(legend.find("class=\"fork\"") != std::string::npos);
    CHECK(legend.find("class=\"reap\"") != std::string::npos);
}

TEST_CASE("timeline: the JSON parses, one named process per lane, no negative duration") {
    harness::TempFile json("", ".json");
    draw_file(sample, json.path());
    const harness::Run py = harness::shell(
        "python3 -c '\n"
        "import json, sys\n"
        "events = json.load(sys.stdin)[\"traceEvents\"]\n"
        "names = {e[\"pid\"]: e[\"args\"][\"name\"] for e in events if e[\"name\"] == "
        "\"process_name\"}\n"
        "order = sorted(names, key=lambda p: [e[\"args\"][\"sort_index\"] for e in events\n"
        "               if e[\"name\"] == \"process_sort_index\" and e[\"pid\"] == p][0])\n"
        "print(\" / \".join(names[p] for p in order))\n"
        "pieces = [e for e in events if e[\"ph\"] == \"X\"]\n"
        "print(len(pieces), min(e[\"dur\"] for e in pieces), sorted({e[\"name\"] for e in "
        "pieces}))\n"
        "print(sorted({e[\"pid\"] for e in events}))\n"
        "' < " +
        json.path());
    INFO(py.err);
    CHECK(py.exit_code() == 0);
    CHECK(py.out ==
          "parent 4100 / child 4101 (91) / child 4102 (97) / child 4103 (1000003) / "
          "child 4104 (340282366920938463463374607431768211297) / child 4105 (13)\n"
          "33 1 ['compute', 'hold', 'killed', 'parent-blocked', 'parent-hold', 'parent-input', "
          "'parent-wait', "
          "'wait', 'zombie']\n"
          "[4100, 4101, 4102, 4103, 4104, 4105]\n");
}

TEST_CASE("timeline: --from and --to draw a window in which a 2 µs lock wait is a wide piece") {
    // Child 4102 waits for the lock 2.430-2.432 ms: in the 4.2 ms of the whole run a fraction of a
    // pixel (drawn one pixel wide), in a window of 15 µs more than a hundred.
    const auto wait_of_4102 = [](const std::string& svg) {
        std::size_t untitled = 0;
        for (const Rect& r : pieces(svg, untitled))
            if (r.kind == "wait" && r.title.rfind("child 4102 (97): waiting", 0) == 0)
                return r.width;
        return -1.0;
    };
    harness::TempFile whole("", ".svg"), window("", ".svg"), json("", ".json");
    draw_file(sample, whole.path());
    draw_file(sample, window.path(), {"--from", "2.425", "--to", "2.440"});
    CHECK(wait_of_4102(harness::slurp(whole.path())) == 1.0);
    CHECK(wait_of_4102(harness::slurp(window.path())) >= 100.0);
    const std::string text = harness::slurp(window.path());
    CHECK(harness::shell("xmllint --noout " + window.path()).exit_code() == 0);
    CHECK(text.find("4.200 ms; drawn here: 2.425–2.440 ms.") != std::string::npos);
    CHECK(text.find(">2.43 ms</text>") != std::string::npos);  // the axis ticks follow the window
    std::size_t untitled = 0;
    for (const Rect& r : pieces(text, untitled)) {  // only what overlaps the window
        INFO(r.title);
        CHECK(r.x >= 210.0);
        CHECK(r.x + r.width <= 1240.0 + 1.0);
        CHECK(r.title.find("child 4105") == std::string::npos);  // 13 is forked at 3.010 ms
    }
    // The JSON keeps only the pieces in the window, cut at its edges.
    draw_file(sample, json.path(), {"--from", "2.425", "--to", "2.440"});
    const harness::Run py = harness::shell(
        "python3 -c 'import json,sys; e=[x for x in json.load(sys.stdin)[\"traceEvents\"] "
        "if x[\"ph\"] != \"M\"]; print(min(x[\"ts\"] for x in e), "
        "max(x[\"ts\"] + x.get(\"dur\", 0) for x in e))' < " +
        json.path());
    INFO(py.err);
    CHECK(py.exit_code() == 0);
    CHECK(py.out == "2425 2440\n");
}

TEST_CASE("timeline: a trace known to be incomplete, or cut in a line, says so on the picture") {
    harness::TempFile svg("", ".svg"), json("", ".json"), cut("", ".trace");
    draw_file(sample, svg.path(),
              {"--incomplete",
               "the events file could not be written to the end: No space left on device"});
    const std::string note =
        "Incomplete trace (the events file could not be written to the end: No space left on "
        "device): the picture shows only what happened before.";
    CHECK(harness::slurp(svg.path())
              .find("<text class=\"note\" id=\"incomplete\" x=\"20\" y=\"68\">" + note +
                    "</text>") != std::string::npos);
    const std::string text = harness::slurp(sample);
    harness::write_file(cut.path(), text.substr(0, text.find("waitpid() -> child 4103")));
    draw_file(cut.path(), svg.path());
    CHECK(harness::slurp(svg.path()).find(">Incomplete trace (its last line is cut short)") !=
          std::string::npos);
    draw_file(cut.path(), json.path());
    CHECK(harness::shell("python3 -c 'import json,sys; "
                         "print(json.load(sys.stdin)[\"otherData\"][\"incomplete\"])' < " +
                         json.path())
              .out ==
          "Incomplete trace (its last line is cut short): the picture shows only what "
          "happened before\n");
}

TEST_CASE("timeline: a trace on a pipe is drawn as from a file; '-' as OUT needs --format") {
    harness::TempFile from_file("", ".svg");
    draw_file(sample, from_file.path());
    const harness::Run piped = run_drawer({"--format", "svg", "-", "-"}, harness::slurp(sample));
    CHECK(piped.err == "");
    CHECK(piped.exit_code() == 0);
    CHECK(piped.out == harness::slurp(from_file.path()));
    const harness::Run unnamed = run_drawer({sample, "-"});
    CHECK(unnamed.err ==
          "primeproc-timeline: OUT must end in .svg or .json, or --format must say which: '-'\n"
          "Try 'primeproc-timeline --help' for more information.\n");
    CHECK(unnamed.exit_code() == 2);
}

TEST_CASE("timeline: usage errors say how to get help, as coreutils do; --help and --version") {
    const std::string hint = "Try 'primeproc-timeline --help' for more information.\n";
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{}, "missing TRACE and OUT"},
        {{sample}, "missing OUT"},
        {{sample, "a.svg", "b.svg"}, "one TRACE and one OUT, but also 'b.svg'"},
        {{"--bogus", sample, "a.svg"}, "unknown option '--bogus'"},
        {{sample, "a.svg", "--from"}, "option '--from' needs a value"},
        {{"--from", "soon", sample, "a.svg"},
         "--from needs milliseconds since the start of the run, such as 2.5, not 'soon'"},
        {{"--from", "2", "--to", "1", sample, "a.svg"}, "--to must be after --from"},
        {{"--format", "png", sample, "a.png"}, "--format must be svg or json, not 'png'"},
    };
    for (const auto& [args, problem] : cases) {
        const harness::Run r = run_drawer(args);
        CHECK(r.err == "primeproc-timeline: " + problem + "\n" + hint);
        CHECK(r.exit_code() == 2);
        CHECK(r.out == "");
    }
    const harness::Run help = run_drawer({"--help"});
    CHECK(help.out.rfind("Usage: primeproc-timeline [OPTIONS] TRACE OUT\n", 0) == 0);
    CHECK(help.exit_code() == 0);
    const harness::Run version = run_drawer({"--version"});
    CHECK(version.out.rfind("primeproc-timeline (primeproc) ", 0) == 0);
    CHECK(version.exit_code() == 0);
}

TEST_CASE("timeline: a failed read or write is said, naming the file, with exit status 1") {
    const harness::Run full = run_drawer({sample, "/dev/full", "--format", "svg"});
    CHECK(full.err == "primeproc-timeline: /dev/full: write: No space left on device\n");
    CHECK(full.exit_code() == 1);
    const harness::Run dir = run_drawer({"tests", "/dev/null", "--format", "svg"});
    CHECK(dir.err == "primeproc-timeline: read(tests): Is a directory\n");
    CHECK(dir.exit_code() == 1);
    const harness::Run missing = run_drawer({"no-such.trace", "/dev/null", "--format", "svg"});
    CHECK(missing.err == "primeproc-timeline: open(no-such.trace): No such file or directory\n");
    CHECK(missing.exit_code() == 1);
}

TEST_CASE("timeline: 20,000 children: a bounded picture that says what it left out", "[slow]") {
    harness::TempFile events("", ".trace"), svg("", ".svg"), json("", ".json");
    write_big_trace(events.path(), 20000);
    draw_file(events.path(), svg.path());
    const std::string text = harness::slurp(svg.path());
    CHECK(text.size() < 10 * 1000 * 1000);
    CHECK(text.find("children 301–20000 (19,700) not drawn") != std::string::npos);
    CHECK(harness::count(text, "<rect class=\"lane\"") == 1 + max_children_drawn);
    CHECK(harness::shell("xmllint --noout " + svg.path()).exit_code() == 0);
    draw_file(events.path(), json.path());
    CHECK(harness::shell("python3 -c 'import json,sys; json.load(sys.stdin)' < " + json.path())
              .exit_code() == 0);
}

TEST_CASE("timeline: drawing 20,000 children takes no more memory than drawing 200",
          "[slow][memory]") {
    harness::TempFile small("", ".trace"), big("", ".trace");
    write_big_trace(small.path(), 200);
    write_big_trace(big.path(), 20000);
    for (const char* format : {"svg", "json"}) {
        const long small_kib = peak_kib_of_drawing(small.path(), format);
        const long big_kib = peak_kib_of_drawing(big.path(), format);
        INFO(format << ": drawing 200 children took " << small_kib << " KiB at most, 20,000 took "
                    << big_kib << " KiB");
        CHECK(big_kib - small_kib < 300);
    }
}
