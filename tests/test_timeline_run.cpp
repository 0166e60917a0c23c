// test_timeline_run.cpp - `primeproc --timeline FILE` end to end: real runs, real pictures.
//
// The drawing itself is tested on known traces in test_timeline.cpp; here the program writes
// the events as it runs, and the picture must show every process of the run, also when a signal
// ends it, never cost an answer, and keep the parent's memory flat for long runs.
// Needs xmllint (libxml2-utils) and python3, as outside checkers of the XML and the JSON.
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using expect::Lines;
using expect::with_program;
using harness::line_set;
using harness::run;

namespace {

std::string temp_path(const std::string& suffix) {
    std::string name = "/tmp/primeproc-timeline-XXXXXX" + suffix;
    const int fd = mkstemps(name.data(), static_cast<int>(suffix.size()));
    REQUIRE(fd >= 0);
    close(fd);
    return name;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

int shell(const std::string& command) {
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

// The pids of a JSON trace's processes, as python3 reads them.
std::set<std::string> json_pids(const std::string& path) {
    const std::string out = temp_path(".txt");
    REQUIRE(shell("python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
                  "print(\"\\n\".join(sorted({str(e[\"pid\"]) for e in d[\"traceEvents\"]})))' " +
                  path + " > " + out) == 0);
    std::set<std::string> pids;
    for (const auto& line : harness::lines(slurp(out))) pids.insert(line);
    unlink(out.c_str());
    return pids;
}

struct Finished {
    int status = -1;
    long max_rss_kib = 0;  // of primeproc itself (wait4), the drawing at its end included
};

// primeproc with stdin from a file and stdout to /dev/null; wait4 gives its peak memory.
Finished run_for_memory(const std::vector<std::string>& args, const std::string& input) {
    const std::string in_path = temp_path(".in");
    {
        std::ofstream(in_path) << input;
    }
    std::vector<std::string> argv = with_program(args);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        const int in = open(in_path.c_str(), O_RDONLY);
        const int out = open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) _exit(127);
        std::vector<char*> cargv;
        for (auto& a : argv) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        execv(cargv[0], cargv.data());
        _exit(127);
    }
    Finished f;
    rusage usage{};
    REQUIRE(wait4(pid, &f.status, 0, &usage) == pid);
    f.max_rss_kib = usage.ru_maxrss;
    unlink(in_path.c_str());
    return f;
}

std::string numbers(std::size_t count) {
    std::string text;
    for (std::size_t i = 0; i < count; ++i) text += std::to_string(1000 + i % 5000) + "\n";
    return text;
}

}  // namespace

TEST_CASE("--timeline FILE.svg: a well-formed picture with a lane per process and every kind of piece",
          "[timeline]") {
    const std::string svg = temp_path(".svg");
    const auto r = run(with_program({"-l", "en", "--timeline", svg, "97", "100", "91", "1000000007"}), "");
    CHECK(line_set(r.out) == Lines{"97 is prime", "100 is not prime, since 100 = 2 * 50",
                                   "91 is not prime, since 91 = 7 * 13", "1000000007 is prime"});
    CHECK(r.err == "");
    CHECK(r.exit_code() == 0);
    const std::string picture = slurp(svg);
    CHECK(shell("xmllint --noout " + svg) == 0);
    CHECK(count(picture, "class=\"lane") == 5);  // the parent and four children
    for (const char* kind : {"compute", "hold", "zombie"}) {
        INFO(kind);
        CHECK(count(picture, std::string("class=\"") + kind) >= 4);
    }
    for (const char* number : {"97", "100", "91", "1000000007"}) CHECK(picture.find(number) != std::string::npos);
    unlink(svg.c_str());
}

TEST_CASE("--timeline FILE.json: the Trace Event Format, one pid per process", "[timeline]") {
    const std::string json = temp_path(".json");
    const auto r = run(with_program({"-l", "en", "--timeline", json}), "97\n100\n91\n");
    CHECK(r.exit_code() == 0);
    CHECK(json_pids(json).size() == 4);  // the parent and three children
    unlink(json.c_str());
}

TEST_CASE("--timeline with SIGTERM: the picture of the part that happened, then death by SIGTERM",
          "[timeline]") {
    const std::string svg = temp_path(".svg");
    // --trace too, so the test can see on stderr that both children were forked.
    harness::Process p(with_program({"-t", "-l", "en", "--timeline", svg, "97", "18446744073709551557"}));
    // The first child answers at once; wait for its answer and for the second fork, then stop.
    REQUIRE(harness::eventually([&] {
        p.read_available();
        return p.out().find("97 is prime\n") != std::string::npos && count(p.err(), "fork() -> child") == 2;
    }, 20));
    REQUIRE(kill(p.pid(), SIGTERM) == 0);
    const int status = p.finish();
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGTERM);
    CHECK(shell("xmllint --noout " + svg) == 0);
    CHECK(count(slurp(svg), "class=\"lane") == 3);
    unlink(svg.c_str());
}

TEST_CASE("--timeline that cannot be written costs no answer: said once, exit status 1", "[timeline]") {
    const auto r = run(with_program({"-l", "en", "--timeline", "/nonexistent-dir/run.svg", "97", "100"}), "");
    CHECK(line_set(r.out) == Lines{"97 is prime", "100 is not prime, since 100 = 2 * 50"});
    CHECK(harness::lines(r.err).size() == 1);
    CHECK(r.err.find("--timeline: open(/nonexistent-dir/run.svg): No such file or directory") != std::string::npos);
    CHECK(r.exit_code() == 1);
}

TEST_CASE("--timeline of 20,000 numbers: under 10 MB, and the parent's memory as for 200",
          "[timeline][stress]") {
    const std::string svg = temp_path(".svg");
    const Finished small = run_for_memory({"-l", "en", "--timeline", svg}, numbers(200));
    const Finished big = run_for_memory({"-l", "en", "--timeline", svg}, numbers(20000));
    CHECK(WIFEXITED(small.status));
    CHECK(WIFEXITED(big.status));
    CHECK(WEXITSTATUS(big.status) == 0);
    struct stat st {};
    REQUIRE(stat(svg.c_str(), &st) == 0);
    CHECK(st.st_size < 10 * 1024 * 1024);
    CHECK(shell("xmllint --noout --huge " + svg) == 0);
    INFO("peak resident size: " << small.max_rss_kib << " KiB for 200, " << big.max_rss_kib << " KiB for 20,000");
    CHECK(big.max_rss_kib <= small.max_rss_kib + 300);
    unlink(svg.c_str());
}
