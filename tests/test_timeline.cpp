// test_timeline.cpp - the --timeline drawing (support/timeline.cpp) on a known trace and a huge one.
//
// The known trace is tests/timeline-sample.trace, written by hand: a parent at a prompt, five
// children (one waits for the lock, several are zombies for a while, 4104 is killed, 4105 has no
// lock events as with --unlocked), lines out of time order across processes, one line that is
// not a trace line and one event the drawer does not know. Run from the top of the project.
// Needs xmllint (libxml2-utils) and python3, as outside checkers of the XML and the JSON.
#include "../support/timeline.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace {

const char* const sample = "tests/timeline-sample.trace";

// A file that is removed when the test ends, whatever happens.
struct TempFile {
    std::string path;
    explicit TempFile(const std::string& suffix) {
        std::string name = "/tmp/timeline-test-XXXXXX" + suffix;
        const int fd = mkstemps(name.data(), static_cast<int>(suffix.size()));
        if (fd < 0) throw std::system_error(errno, std::generic_category(), "mkstemps");
        close(fd);
        path = name;
    }
    ~TempFile() { unlink(path.c_str()); }
};

// Draws the events file into a file named like `out` (the ending chooses the format).
void draw_file(const std::string& events, const std::string& out) {
    const int in = open(events.c_str(), O_RDONLY);
    REQUIRE(in >= 0);
    const int fd = open(out.c_str(), O_WRONLY | O_TRUNC);
    REQUIRE(fd >= 0);
    timeline::draw(in, fd, *timeline::format_for(out));
    close(fd);
    close(in);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A shell command's stdout and exit status.
std::pair<std::string, int> shell(const std::string& command) {
    FILE* p = popen(command.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string out;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = pclose(p);
    return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

// One drawn piece of the SVG, read back from its text.
struct Rect {
    std::string kind;
    double x, width;
    std::string title;
};

// Every rect with a class and a <title>, in file order; `untitled` counts the piece rects without one.
std::vector<Rect> pieces(const std::string& svg, std::size_t& untitled) {
    static const std::regex piece(R"re(<rect class="(compute|wait|hold|zombie|killed|parent-[a-z]+)" x="([-0-9.]+)" y="[-0-9.]+" width="([-0-9.]+)" height="[-0-9.]+">(<title>([^<]*)</title>)?)re");
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
        std::stable_sort(list.begin(), list.end(), [](const Rect* a, const Rect* b) { return a->x < b->x; });
        for (const Rect* r : list) kinds[who].push_back(r->kind);
    }
    return kinds;
}

// A trace of `children` numbers as primeproc -j 4 would write it, into `path`; pids wrap around
// below 32768 as a long run's would, so that pid reuse is part of the test.
void write_big_trace(const std::string& path, int children) {
    FILE* f = std::fopen(path.c_str(), "w");
    REQUIRE(f != nullptr);
    double t = 0.1;
    const auto line = [&](const char* role, long pid, const std::string& what) {
        std::fprintf(f, "trace %10.3f %s %ld: %s\n", t, role, pid, what.c_str());
        t += 0.013;
    };
    for (int i = 0; i < children; ++i) {
        const long pid = 300 + (i * 7) % 32000;
        const std::string n = std::to_string(1000003 + 2 * i);
        line("parent", 100, "fork() for " + n);
        line("child", pid, "started by parent 100, tests " + n);
        line("parent", 100, "fork() -> child " + std::to_string(pid));
        line("child", pid, "waits for the lock");
        line("child", pid, "took the lock");
        line("child", pid, "releases the lock");
        line("child", pid, "_exit(0)");
        line("parent", 100, "waits for a child to end");
        line("parent", 100, "waitpid() -> child " + std::to_string(pid) + ": WIFEXITED, WEXITSTATUS = 0");
    }
    REQUIRE(std::fclose(f) == 0);
}

// A line "VmRSS:   1234 kB" of /proc/self/status, in KiB (Linux only).
long status_kib(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
    return -1;
}

// How far the resident memory of a forked child rose (KiB) while it drew `events`. A forked child
// starts with its parent's peak (fork copies it), so the child resets its peak first by writing 5
// to /proc/self/clear_refs (Linux >= 4.0), then compares the new peak with where it started.
long growth_kib_of_drawing(const std::string& events, timeline::Format format) {
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {  // child: draw to /dev/null, report the growth through the pipe
        const int in = open(events.c_str(), O_RDONLY), out = open("/dev/null", O_WRONLY);
        const int refs = open("/proc/self/clear_refs", O_WRONLY);
        if (in < 0 || out < 0 || refs < 0 || write(refs, "5", 1) != 1) _exit(1);
        const long before = status_kib("VmRSS:");
        try {
            timeline::draw(in, out, format);
        } catch (...) {
            _exit(1);
        }
        const std::string growth = std::to_string(status_kib("VmHWM:") - before);
        _exit(write(pipe_fds[1], growth.data(), growth.size()) == static_cast<ssize_t>(growth.size()) ? 0 : 1);
    }
    close(pipe_fds[1]);
    char buf[32] = {};
    const ssize_t n = read(pipe_fds[0], buf, sizeof buf - 1);
    close(pipe_fds[0]);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
    REQUIRE(n > 0);
    return std::stol(buf);
}

}  // namespace

TEST_CASE("timeline: the file name's ending chooses the format", "[timeline]") {
    CHECK(timeline::format_for("run.svg") == timeline::Format::Svg);
    CHECK(timeline::format_for("dir.json/run.json") == timeline::Format::Json);
    CHECK_FALSE(timeline::format_for("run.png"));
    CHECK_FALSE(timeline::format_for("svg"));
    CHECK_FALSE(timeline::format_for(".svg.txt"));
}

TEST_CASE("timeline: the sample trace gives well-formed SVG with one lane per process", "[timeline]") {
    TempFile svg(".svg");
    draw_file(sample, svg.path);
    CHECK(shell("xmllint --noout " + svg.path + " 2>&1").second == 0);
    const std::string text = slurp(svg.path);
    CHECK(count(text, "<rect class=\"lane\"") == 6);  // the parent and its five children
    CHECK(count(text, "<g class=\"fork\">") == 5 + 1);  // five forks, and the legend's example
    CHECK(text.find(">pid 4101 · 91</text>") != std::string::npos);
    CHECK(text.find(">parent · pid 4100</text>") != std::string::npos);
    CHECK(text.find("not drawn") == std::string::npos);
}

TEST_CASE("timeline: each child's pieces come in the order of its life, with their events", "[timeline]") {
    TempFile svg(".svg");
    draw_file(sample, svg.path);
    std::size_t untitled = 0;
    const std::vector<Rect> rects = pieces(slurp(svg.path), untitled);
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
    CHECK(kinds.at("parent 4100") ==
          V{"parent-hold", "parent-input", "parent-hold", "parent-input", "parent-wait", "parent-hold",
            "parent-input", "parent-hold", "parent-input", "parent-hold", "parent-input", "parent-hold",
            "parent-input", "parent-blocked"});
    const std::string svg_text = slurp(svg.path);
    for (const char* title : {
             "child 4101 (91): computing 1.030–1.200 ms (started by parent 4100, tests 91 → waits for the lock)",
             "child 4101 (91): waiting for the lock 1.200–1.803 ms (waits for the lock → took the lock)",
             "child 4101 (91): a zombie (ended, not yet reaped) 1.897–3.505 ms (_exit(0) → waitpid() -&gt; child "
             "4101: WIFEXITED, WEXITSTATUS = 0)",
             "child 4104 (340282366920938463463374607431768211297): killed by a signal at some moment in "
             "2.920–4.200 ms (started by parent 4100, tests 340282366920938463463374607431768211297 → "
             "waitpid() -&gt; child 4104: WIFSIGNALED, WTERMSIG = 9 (Killed))",
             "parent 4100: waiting for input 0.012–1.000 ms (waits for input → read() -&gt; line)"})
        CHECK(svg_text.find(std::string("<title>") + title + "</title>") != std::string::npos);
}

TEST_CASE("timeline: the SVG has a legend for every kind of piece and mark", "[timeline]") {
    TempFile svg(".svg");
    draw_file(sample, svg.path);
    const std::string text = slurp(svg.path);
    const auto legend_at = text.find("<g id=\"legend\"");
    REQUIRE(legend_at != std::string::npos);
    const std::string legend = text.substr(legend_at, text.find("</g>\n", legend_at) - legend_at);
    for (const char* kind : {"compute", "wait", "hold", "zombie", "killed", "parent-input", "parent-blocked"})
        CHECK(legend.find(std::string("class=\"swatch ") + kind + "\"") != std::string::npos);
    CHECK(legend.find("class=\"fork\"") != std::string::npos);
    CHECK(legend.find("class=\"reap\"") != std::string::npos);
}

TEST_CASE("timeline: the JSON parses, one named process per lane, no negative duration", "[timeline]") {
    TempFile json(".json");
    draw_file(sample, json.path);
    const auto [out, status] = shell(
        "python3 -c '\n"
        "import json, sys\n"
        "events = json.load(sys.stdin)[\"traceEvents\"]\n"
        "names = {e[\"pid\"]: e[\"args\"][\"name\"] for e in events if e[\"name\"] == \"process_name\"}\n"
        "order = sorted(names, key=lambda p: [e[\"args\"][\"sort_index\"] for e in events\n"
        "               if e[\"name\"] == \"process_sort_index\" and e[\"pid\"] == p][0])\n"
        "print(\" / \".join(names[p] for p in order))\n"
        "pieces = [e for e in events if e[\"ph\"] == \"X\"]\n"
        "print(len(pieces), min(e[\"dur\"] for e in pieces), sorted({e[\"name\"] for e in pieces}))\n"
        "print(sorted({e[\"pid\"] for e in events}))\n"
        "' < " + json.path);
    CHECK(status == 0);
    CHECK(out ==
          "parent 4100 / child 4101 (91) / child 4102 (97) / child 4103 (1000003) / "
          "child 4104 (340282366920938463463374607431768211297) / child 4105 (13)\n"
          "33 1 ['compute', 'hold', 'killed', 'parent-blocked', 'parent-hold', 'parent-input', 'parent-wait', "
          "'wait', 'zombie']\n"
          "[4100, 4101, 4102, 4103, 4104, 4105]\n");
}

TEST_CASE("timeline: 20,000 children: a bounded picture that says what it left out", "[timeline][slow]") {
    TempFile events(".trace"), svg(".svg"), json(".json");
    write_big_trace(events.path, 20000);
    draw_file(events.path, svg.path);
    const std::string text = slurp(svg.path);
    CHECK(text.size() < 10 * 1000 * 1000);
    CHECK(text.find("children 301–20000 (19,700) not drawn") != std::string::npos);
    CHECK(count(text, "<rect class=\"lane\"") == 1 + timeline::max_children_drawn);
    CHECK(shell("xmllint --noout " + svg.path + " 2>&1").second == 0);
    draw_file(events.path, json.path);
    CHECK(shell("python3 -c 'import json,sys; json.load(sys.stdin)' < " + json.path).second == 0);
}

TEST_CASE("timeline: drawing 20,000 children takes no more memory than drawing 200", "[timeline][slow][memory]") {
    TempFile small(".trace"), big(".trace");
    write_big_trace(small.path, 200);
    write_big_trace(big.path, 20000);
    for (const auto format : {timeline::Format::Svg, timeline::Format::Json}) {
        const long small_kib = growth_kib_of_drawing(small.path, format);
        const long big_kib = growth_kib_of_drawing(big.path, format);
        INFO("drawing 200 children took " << small_kib << " KiB, 20,000 took " << big_kib << " KiB");
        CHECK(big_kib - small_kib < 300);
    }
}

TEST_CASE("timeline: a failed read or write throws, naming the call", "[timeline]") {
    const int out = open("/dev/null", O_WRONLY);
    REQUIRE(out >= 0);
    CHECK_THROWS_WITH(timeline::draw(out, out, timeline::Format::Svg), Catch::Contains("pread"));
    const int in = open(sample, O_RDONLY);
    REQUIRE(in >= 0);
    CHECK_THROWS_WITH(timeline::draw(in, in, timeline::Format::Json), Catch::Contains("write"));
    close(in);
    close(out);
}
