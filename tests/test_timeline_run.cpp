// test_timeline_run.cpp - `primeproc --timeline FILE` end to end: real runs, real pictures.
//
// The drawing itself is tested on known traces in test_timeline.cpp; here the program writes
// the events as it runs and, when the run is over, execs the drawer (primeproc-timeline, beside
// it). The picture must show every process of the run, also when a signal ends it, be the one the
// drawer makes of the run's --trace, never cost an answer, and keep the parent's memory flat for
// long runs. A picture file that cannot be used is refused before any child is forked.
// Needs xmllint (libxml2-utils) and python3, as outside checkers of the XML and the JSON; uses
// strace and unshare (util-linux) when they are there.
#include "../support/events.hpp"
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <string>
#include <vector>

using expect::Lines;
using expect::with_program;
using harness::line_set;
using harness::run;

namespace {

// The pids of a JSON trace's processes, as python3 reads them.
std::set<std::string> json_pids(const std::string& path) {
    const harness::Run py = harness::shell(
        "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
        "print(\"\\n\".join(sorted({str(e[\"pid\"]) for e in d[\"traceEvents\"]})))' " +
        path);
    INFO(py.err);
    REQUIRE(py.exit_code() == 0);
    const std::vector<std::string> pids = harness::lines(py.out);
    return {pids.begin(), pids.end()};
}

struct Finished {
    int status = -1;
    long max_rss_kib = 0;  // of primeproc itself (wait4), the drawing at its end included
};

// primeproc with stdin from a file and stdout to /dev/null; wait4 gives its peak memory.
Finished run_for_memory(const std::vector<std::string>& args, const std::string& input) {
    harness::RunOptions opts;
    opts.input = input;
    opts.stdout_file = "/dev/null";
    harness::Process p(with_program(args), opts);
    Finished f;
    f.status = p.finish(600);  // 20,000 forks and a picture, on a machine that may be loaded
    INFO(p.err());
    REQUIRE(f.status != -1);
    f.max_rss_kib = p.max_rss_kib();
    return f;
}

std::string numbers(std::size_t count) {
    std::string text;
    for (std::size_t i = 0; i < count; ++i) text += std::to_string(1000 + i % 5000) + "\n";
    return text;
}

std::string absolute(const std::string& path) {
    if (path[0] == '/') return path;
    char cwd[4096];
    REQUIRE(getcwd(cwd, sizeof cwd) != nullptr);
    return std::string(cwd) + "/" + (path.rfind("./", 0) == 0 ? path.substr(2) : path);
}

// A trace line read back: its role, pid and event (from the table, support/events.hpp).
struct Traced {
    std::string role;
    long pid = 0;
    trace::Event event;
    trace::EventFields fields;
    std::string words;
};

// Every trace line of `err`, each of which must be an event of the table.
std::vector<Traced> traced(const std::string& err) {
    static const std::regex prefix(R"(^trace +[0-9]+\.[0-9]{3} (parent|child) ([0-9]+): (.*)$)");
    std::vector<Traced> found;
    for (const std::string& line : harness::lines(err)) {
        if (line.rfind("trace ", 0) != 0) continue;
        INFO(line);
        std::smatch m;
        REQUIRE(std::regex_match(line, m, prefix));
        Traced t{m[1], std::stol(m[2]), trace::Event::started, {}, m[3]};
        const auto event = trace::match_event(t.words, t.fields);
        REQUIRE(event);
        t.event = *event;
        t.fields.text = {};  // it points into `line`; the words are kept whole
        found.push_back(t);
    }
    return found;
}

const Traced* find_event(const std::vector<Traced>& lines, trace::Event e) {
    for (const Traced& t : lines)
        if (t.event == e) return &t;
    return nullptr;
}

// unshare(1) can give a test a mount namespace of its own (a user namespace too, so it works
// without root where the kernel allows it).
bool can_unshare() {
    return harness::shell("/usr/bin/unshare -rm true 2>/dev/null").exit_code() == 0;
}

}  // namespace

TEST_CASE(
    "--timeline FILE.svg: a well-formed picture with a lane per process and every kind of piece") {
    const harness::TempFile svg_file("", ".svg");
    const std::string& svg = svg_file.path();
    const auto r =
        run(with_program({"-l", "en", "--timeline", svg, "97", "100", "91", "1000000007"}), "");
    CHECK(line_set(r.out) == Lines{"97 is prime", "100 is not prime, since 100 = 2 * 50",
                                   "91 is not prime, since 91 = 7 * 13", "1000000007 is prime"});
    CHECK(r.err == "");
    CHECK(r.exit_code() == 0);
    const std::string picture = harness::slurp(svg);
    CHECK(harness::shell("xmllint --noout " + svg).exit_code() == 0);
    CHECK(harness::count(picture, "class=\"lane") == 5);  // the parent and four children
    for (const char* kind : {"compute", "hold", "zombie"}) {
        INFO(kind);
        CHECK(harness::count(picture, std::string("class=\"") + kind) >= 4);
    }
    for (const char* number : {"97", "100", "91", "1000000007"})
        CHECK(picture.find(number) != std::string::npos);
}

TEST_CASE("--timeline FILE.json: the Trace Event Format, one pid per process") {
    const harness::TempFile json_file("", ".json");
    const std::string& json = json_file.path();
    const auto r = run(with_program({"-l", "en", "--timeline", json}), "97\n100\n91\n");
    CHECK(r.exit_code() == 0);
    CHECK(json_pids(json).size() == 4);  // the parent and three children
}

TEST_CASE("--timeline with SIGTERM: the picture of the part that happened, then death by SIGTERM") {
    const harness::TempFile svg_file("", ".svg");
    const std::string& svg = svg_file.path();
    // --trace too, so the test can see on stderr that both children were forked.
    harness::Process p(
        with_program({"-t", "-l", "en", "--timeline", svg, "97", "18446744073709551557"}));
    // The first child answers at once; wait for its answer and for the second fork, then stop.
    REQUIRE(harness::eventually(
        [&] {
            p.read_available();
            return p.out().find("97 is prime\n") != std::string::npos &&
                   harness::count(p.err(), "fork() -> child") == 2;
        },
        20));
    REQUIRE(kill(p.pid(), SIGTERM) == 0);
    const int status = p.finish();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    CHECK(harness::shell("xmllint --noout " + svg).exit_code() == 0);
    CHECK(harness::count(harness::slurp(svg), "class=\"lane") == 3);
}

TEST_CASE("--timeline of 20,000 numbers: under 10 MB, and the parent's memory as for 200",
          "[stress]") {
    const harness::TempFile svg_file("", ".svg");
    const std::string& svg = svg_file.path();
    const Finished small = run_for_memory({"-l", "en", "--timeline", svg}, numbers(200));
    const Finished big = run_for_memory({"-l", "en", "--timeline", svg}, numbers(20000));
    CHECK(WIFEXITED(small.status));
    CHECK(WIFEXITED(big.status));
    CHECK(WEXITSTATUS(big.status) == 0);
    struct stat st {};
    REQUIRE(stat(svg.c_str(), &st) == 0);
    CHECK(st.st_size < 10 * 1024 * 1024);
    CHECK(harness::shell("xmllint --noout --huge " + svg).exit_code() == 0);
    INFO("peak resident size: " << small.max_rss_kib << " KiB for 200, " << big.max_rss_kib
                                << " KiB for 20,000");
    CHECK(big.max_rss_kib <= small.max_rss_kib + 300);
}

TEST_CASE("--timeline: a picture file that cannot take the picture is refused before any child") {
    const harness::TempDir dir;
    const std::string directory = dir.path() + "/dir.svg", fifo = dir.path() + "/f.svg",
                      null = dir.path() + "/null.svg";
    REQUIRE(mkdir(directory.c_str(), 0755) == 0);
    REQUIRE(mkfifo(fifo.c_str(), 0644) == 0);  // nobody reads it: opening it to write would wait
    REQUIRE(symlink("/dev/null", null.c_str()) == 0);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"/nonexistent-dir/run.svg", "open(/nonexistent-dir/run.svg): No such file or directory"},
        {directory, "open(" + directory + "): Is a directory"},
        {fifo, fifo + ": not a regular file"},
        {null, null + ": not a regular file"},
    };
    harness::RunOptions opts;
    opts.deadline_seconds = 10;
    for (const auto& [path, problem] : cases) {
        const auto r =
            run(with_program({"-t", "-l", "en", "--timeline", path, "97", "100"}), "", opts);
        CHECK_FALSE(r.timed_out);
        CHECK(r.out == "");  // no child: no verdict, and no trace line of a fork
        CHECK(r.err == "primeproc: --timeline: " + problem + "\n");
        CHECK(r.exit_code() == 1);
    }
}

TEST_CASE(
    "--timeline: the file stdout or stderr goes to is refused, however it is named, and left as it "
    "was") {
    const harness::TempDir dir;
    const std::string log = dir.path() + "/log", same = dir.path() + "/same.svg",
                      so = dir.path() + "/so.svg";
    REQUIRE(symlink("/dev/stdout", so.c_str()) == 0);
    const auto sh = [&](const std::string& script) {
        return run({"/bin/sh", "-c", script, absolute(harness::primeproc()), dir.path()}, "");
    };
    const auto same_as_stdout =
        sh("cd \"$1\" && exec \"$0\" -l en --timeline same.svg 97 100 13 > same.svg");
    CHECK(same_as_stdout.err ==
          "primeproc: --timeline: same.svg: the same file as standard output (the picture would "
          "replace the verdicts)\n");
    CHECK(same_as_stdout.exit_code() == 1);
    CHECK(harness::slurp(same) == "");
    harness::write_file(log, "what log held\n");
    const auto through_link = sh("cd \"$1\" && exec \"$0\" -l en --timeline so.svg 97 >> log");
    CHECK(through_link.err ==
          "primeproc: --timeline: so.svg: the same file as standard output (the picture would "
          "replace the verdicts)\n");
    CHECK(through_link.exit_code() == 1);
    CHECK(harness::slurp(log) == "what log held\n");
    harness::write_file(dir.path() + "/errors.svg", "what errors.svg held\n");
    const auto same_as_stderr =
        sh("cd \"$1\" && exec \"$0\" -l en --timeline errors.svg 97 2>> errors.svg");
    CHECK(same_as_stderr.out == "");
    CHECK(same_as_stderr.exit_code() == 1);
    CHECK(harness::slurp(dir.path() + "/errors.svg") ==
          "what errors.svg held\nprimeproc: --timeline: errors.svg: the same file as standard "
          "error\n");
}

TEST_CASE(
    "--timeline: the events file goes to $TMPDIR; when none can be made there, every verdict still "
    "comes") {
    const harness::TempDir dir;
    const std::string svg = dir.path() + "/run.svg";
    harness::write_file(svg, "an older picture\n");
    harness::RunOptions opts;
    // Through env(1), which the valgrind stage does not follow: valgrind keeps files of its own
    // in $TMPDIR, and would fail before primeproc started.
    const auto r = run({"/usr/bin/env", "TMPDIR=" + dir.path() + "/no-such-dir",
                        harness::primeproc(), "-l", "en", "--timeline", svg, "97", "100"},
                       "", opts);
    CHECK(line_set(r.out) == Lines{"97 is prime", "100 is not prime, since 100 = 2 * 50"});
    CHECK(r.err == "primeproc: --timeline: mkstemp(" + dir.path() +
                       "/no-such-dir/primeproc-timeline-XXXXXX): No such "
                       "file or directory; no picture will be drawn\n");
    CHECK(r.exit_code() == 1);
    CHECK(harness::slurp(svg) == "an older picture\n");  // only a picture replaces a picture
    opts.env["TMPDIR"] = dir.path();
    const auto fine = run(with_program({"-l", "en", "--timeline", svg, "97"}), "", opts);
    CHECK(fine.err == "");
    CHECK(fine.exit_code() == 0);
    CHECK(harness::shell("xmllint --noout " + svg).exit_code() == 0);
}

TEST_CASE(
    "--timeline: an events file that fills its disk is said once, and the picture says it is cut") {
    if (!can_unshare()) {
        WARN("unshare -rm is not allowed here: the full disk of this test cannot be made");
        return;
    }
    const harness::TempDir dir;
    const std::string tmpfs = dir.path() + "/tmpfs", svg = dir.path() + "/run.svg";
    REQUIRE(mkdir(tmpfs.c_str(), 0755) == 0);
    // A 64 KiB file system of its own for the events file: 401 numbers write about 200 KiB.
    const auto r = run({"/usr/bin/unshare", "-rm", "/bin/sh", "-c",
                        "mount -t tmpfs -o size=64k none \"$1\" && TMPDIR=\"$1\" exec \"$0\" -l en "
                        "--timeline \"$2\" "
                        "$(seq 1000 1400)",
                        absolute(harness::primeproc()), tmpfs, svg},
                       "");
    CHECK(harness::lines(r.out).size() == 401);
    CHECK(r.err ==
          "primeproc: --timeline: the events file could not be written to the end: No space left "
          "on device; "
          "the picture shows what came before\n");
    CHECK(r.exit_code() == 1);
    const std::string picture = harness::slurp(svg);
    CHECK(harness::shell("xmllint --noout " + svg).exit_code() == 0);
    CHECK(picture.find("id=\"incomplete\"") != std::string::npos);
    CHECK(picture.find(" and 401 children") == std::string::npos);
}

TEST_CASE("--timeline: a run that ends on a failed write still draws what happened until then") {
    const harness::TempDir dir;
    const std::string svg = dir.path() + "/run.svg";
    harness::RunOptions opts;
    opts.stdout_file = "/dev/full";  // the prompt "> " cannot be written
    const auto r = run(with_program({"-i", "-l", "en", "--timeline", svg}), "97\n", opts);
    CHECK(r.exit_code() == 1);
    CHECK(r.err == "primeproc: write error: No space left on device\n");  // as a child would say it
    CHECK(harness::shell("xmllint --noout " + svg).exit_code() == 0);
    CHECK(harness::count(harness::slurp(svg), "class=\"lane") ==
          1);  // the parent, who had forked no child yet
}

TEST_CASE("--timeline draws the picture that primeproc-timeline draws of the run's --trace") {
    const harness::TempDir dir;
    for (const char* format : {"svg", "json"}) {
        INFO(format);
        const std::string run_picture = dir.path() + "/run." + format,
                          trace = dir.path() + "/run.trace",
                          drawn_picture = dir.path() + "/drawn." + format;
        const auto r = run(with_program({"-i", "-t", "-l", "en", "--timeline", run_picture}),
                           "97\n100\n91\n1000000007\n");
        REQUIRE(r.exit_code() == 0);
        harness::write_file(trace, r.err);  // as 2>run.trace would save it, with the prompts' trace
        const auto drawn = run({harness::drawer(), trace, drawn_picture}, "");
        CHECK(drawn.err == "");
        CHECK(drawn.exit_code() == 0);
        // The same pieces. Their order in the file can differ: a process writes a line to stderr,
        // then to the events file, and another process's two writes may come in between.
        CHECK(line_set(harness::slurp(run_picture)) == line_set(harness::slurp(drawn_picture)));
        CHECK(harness::slurp(run_picture).size() > 1000);
    }
}

TEST_CASE(
    "--timeline: the parent forks, the child execs the drawer beside the program, the parent reaps "
    "it") {
    const harness::TempDir dir;
    const std::string svg = dir.path() + "/run.svg";
    const auto r = run(with_program({"-t", "-l", "en", "--timeline", svg, "97"}), "");
    REQUIRE(r.exit_code() == 0);
    const std::vector<Traced> lines = traced(r.err);
    const Traced* fork_line = find_event(lines, trace::Event::fork_for_drawer);
    const Traced* forked = find_event(lines, trace::Event::forked_drawer);
    const Traced* exec = find_event(lines, trace::Event::exec_beside);
    const Traced* reaped = find_event(lines, trace::Event::reaped_drawer);
    REQUIRE(fork_line != nullptr);
    REQUIRE(forked != nullptr);
    REQUIRE(exec != nullptr);
    REQUIRE(reaped != nullptr);
    CHECK(fork_line->role == "parent");
    CHECK(exec->role == "child");
    CHECK(exec->words == "execv(" + absolute(harness::drawer()) + ")");
    // The same process before and after the exec: fork's pid is the one execv ran in and waitpid reaped.
    CHECK(forked->fields.number == exec->pid);
    CHECK(reaped->fields.number == exec->pid);
    CHECK(reaped->words ==
          "waitpid() -> drawer " + std::to_string(exec->pid) + ": WIFEXITED, WEXITSTATUS = 0");
    CHECK(lines.back().event == trace::Event::reaped_drawer);  // the drawing is the run's last act
    CHECK(find_event(lines, trace::Event::exec_on_path) == nullptr);
    // docs/walkthrough.md shows these lines ("How the picture is drawn"): the same, but for the
    // times, pids and the path.
    const auto masked = [](const std::string& line) {
        static const std::regex number("[0-9]+(\\.[0-9]+)?"), spaces(" +"),
            path("execv\\([^)]*\\)");
        std::string m = std::regex_replace(line.substr(line.find("trace ")), number, "N");
        return std::regex_replace(std::regex_replace(m, spaces, " "), path, "execv(PATH)");
    };
    const auto about_the_drawer = [&](const std::string& text) {
        std::multiset<std::string> found;
        for (const std::string& line : harness::lines(text))
            if (line.find("trace ") != std::string::npos &&
                (line.find("drawer") != std::string::npos ||
                 line.find("draw the picture") != std::string::npos ||
                 line.find("execv(") != std::string::npos))
                found.insert(masked(line));
        return found;
    };
    CHECK(about_the_drawer(harness::slurp("docs/walkthrough.md")) == about_the_drawer(r.err));
    CHECK(about_the_drawer(r.err).size() == 4);
}

TEST_CASE("--timeline: strace -f -e trace=execve shows the drawer's exec") {
    if (access("/usr/bin/strace", X_OK) != 0) {
        WARN("no /usr/bin/strace: not checked");
        return;
    }
    const harness::TempDir dir;
    const std::string svg = dir.path() + "/run.svg", log = dir.path() + "/strace.log";
    harness::RunOptions opts;
    opts.env["ASAN_OPTIONS"] = "detect_leaks=0";  // LeakSanitizer cannot work under ptrace
    const auto r = run({"/usr/bin/strace", "-f", "-qq", "-e", "trace=execve", "-o", log,
                        harness::primeproc(), "--timeline", svg, "97"},
                       "", opts);
    CHECK(r.out == "97 is prime\n");
    CHECK(r.exit_code() == 0);
    const std::string calls = harness::slurp(log);
    INFO(calls);
    CHECK(calls.find("execve(\"" + absolute(harness::drawer()) +
                     "\", [\"primeproc-timeline\", \"--format\", \"svg\", \"-\", "
                     "\"-\"]") != std::string::npos);
    CHECK(harness::count(calls, "execve(") ==
          2);  // strace starting primeproc, and primeproc's one exec
}

TEST_CASE(
    "--timeline: a drawer not beside the program is looked for on PATH; missing, it costs no "
    "verdict") {
    const harness::TempDir dir;
    const std::string alone = dir.path() + "/primeproc", svg = dir.path() + "/run.svg";
    REQUIRE(harness::shell("cp '" + harness::primeproc() + "' '" + alone + "'").exit_code() == 0);
    harness::RunOptions opts;
    opts.env["PATH"] = dir.path() + "/nowhere";
    const auto missing = run({alone, "-l", "en", "--timeline", svg, "97", "100"}, "", opts);
    CHECK(line_set(missing.out) == Lines{"97 is prime", "100 is not prime, since 100 = 2 * 50"});
    CHECK(missing.err ==
          "primeproc: --timeline: cannot run primeproc-timeline (" + alone +
              "-timeline: No such file "
              "or directory; on PATH: No such file or directory): the picture is not drawn\n");
    CHECK(missing.exit_code() == 1);
    const std::string drawer_dir =
        absolute(harness::drawer()).substr(0, absolute(harness::drawer()).rfind('/'));
    opts.env["PATH"] = dir.path() + "/nowhere:" + drawer_dir;
    const auto on_path = run({alone, "-t", "-l", "en", "--timeline", svg, "97"}, "", opts);
    CHECK(on_path.exit_code() == 0);
    const std::vector<Traced> lines = traced(on_path.err);
    REQUIRE(find_event(lines, trace::Event::exec_on_path) != nullptr);
    CHECK(find_event(lines, trace::Event::exec_on_path)->words == "execvp(primeproc-timeline)");
    CHECK(find_event(lines, trace::Event::exec_beside)->words == "execv(" + alone + "-timeline)");
    CHECK(harness::shell("xmllint --noout " + svg).exit_code() == 0);
}

TEST_CASE(
    "--trace: every line is an event of the table, and a prompt run with --timeline shows each") {
    const harness::TempDir dir;
    // -j 1 and a first number that takes a while (a prime near 10^18): the parent must wait for
    // a child to end before it forks the next.
    const auto r = run(
        with_program({"-i", "-j", "1", "-t", "-l", "en", "--timeline", dir.path() + "/run.json"}),
        "1000000000000000003\n97\n100\n");
    REQUIRE(r.exit_code() == 0);
    std::set<trace::Event> seen;
    for (const Traced& t : traced(r.err)) seen.insert(t.event);
    for (const trace::EventWords& e : trace::kEvents) {
        INFO(e.format);
        if (e.event != trace::Event::exec_on_path)
            CHECK(seen.count(e.event) == 1);  // that one: the test above
    }
}

TEST_CASE("primeproc holds no drawing code: the picture is primeproc-timeline's") {
    const std::string program = harness::primeproc();
    CHECK(harness::shell("nm -C '" + program + "' | grep -q -e Sink -e 'picture::'").exit_code() ==
          1);
    CHECK(harness::shell("grep -q -e '<svg' -e traceEvents '" + program + "'").exit_code() == 1);
    CHECK(harness::shell("grep -q -e '<svg' -e traceEvents '" + harness::drawer() + "'")
              .exit_code() == 0);
}
