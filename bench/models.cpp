// models.cpp - 'make bench': what a number costs as a thread, a fork and a spawn, side by side.
//
//   models --dir D [--n N] [--rounds R] [--python PYTHON [--book SCRIPT] [--python-n M]]
//
// The programs, all in D, built as their usage lines say (-O2; the C library and libstdc++
// dynamic): model-threads (docs/threads.cpp, a thread per number), model-core (docs/core.cpp, a
// forked child), model-core-c (docs/core.c, the same in C), model-spawn (docs/spawn.cpp, a fresh
// run of the program by posix_spawn), and beside them floor-dynamic (bench/floor.c: fork, lock,
// one write, _exit and nothing else; the C library linked the same way). Each gets N numbers
// 1000000, 1000001, ... from a file (the floor makes its own), output to /dev/null. In every round
// each program runs twice, on the N numbers and on none (the input "e"), in an order that rotates
// from round to round; a number costs (T(N) - T(0)) / N, so start-up and the end are left out.
// Wall time, and CPU time and minor page faults (of the program and of every process it waited
// for: wait4's rusage; on a busy machine CPU time is the steadier of the two times). Medians of R rounds; the ratios to
// core.cpp are taken round by round, then the median. With --python, the book's program in Python (SCRIPT, default bench/book.py, run by
// PYTHON) with the start methods fork, forkserver and spawn, on M numbers, in the same rounds.
#include "common.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

using bench::fail;
using bench::load_average;
using bench::median;

struct Cost {
    double wall = 0;    // seconds
    double cpu = 0;     // seconds, user + system, waited-for descendants included
    double faults = 0;  // minor page faults, the same processes
};

// Runs argv with stdin from in_path and stdout to /dev/null, and waits for it with wait4.
Cost run(const std::vector<std::string>& argv, const std::string& in_path) {
    const auto start = Clock::now();
    const pid_t pid = bench::start_with_input(argv, in_path);
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0)
        if (errno != EINTR) fail("wait4");
    const std::chrono::duration<double> took = Clock::now() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(argv[0] + " " + argv.back() + " did not exit with status 0");
    const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return {took.count(), seconds(usage.ru_utime) + seconds(usage.ru_stime),
            static_cast<double>(usage.ru_minflt)};
}

// One line of the table: how to run it on n numbers (argv, then the input file).
struct Model {
    std::string label, what;
    std::vector<std::string> argv_n, argv_0;  // on the N numbers, and on none
    std::string input_n, input_0;
    long n;
    bool cpu_counted;  // false where the workers are not the program's to wait for
    std::vector<double> wall{}, cpu{}, faults{}, wall_ratio{}, cpu_ratio{};  // one of each a round
};

void write_numbers(const std::string& path, long n) {
    std::ofstream out(path);
    for (long i = 0; i < n; ++i) out << 1000000 + i << '\n';
    out << "e\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) try {
    std::string dir = "build/bench", python, book = "bench/book.py";
    long n = 500, python_n = 50, rounds = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string opt = argv[i], value = argv[i + 1];
        if (opt == "--dir") dir = value;
        else if (opt == "--n") n = std::atol(value.c_str());
        else if (opt == "--rounds") rounds = std::atol(value.c_str());
        else if (opt == "--python") python = value;
        else if (opt == "--book") book = value;
        else if (opt == "--python-n") python_n = std::atol(value.c_str());
        else throw std::runtime_error("unknown option " + opt);
    }
    if (argc % 2 == 0 || n < 1 || rounds < 1 || python_n < 1)
        throw std::runtime_error(
            "usage: models --dir D [--n N] [--rounds R] [--python PYTHON [--book SCRIPT] "
            "[--python-n M]]");
    const std::string none = dir + "/models-0", numbers = dir + "/models-n",
                      python_numbers = dir + "/models-python-n";
    write_numbers(none, 0);
    write_numbers(numbers, n);
    write_numbers(python_numbers, python_n);
    std::vector<Model> models;
    const auto program = [&](const std::string& label, const std::string& what,
                             const std::string& bin) {
        models.push_back(
            {label, what, {dir + "/" + bin}, {dir + "/" + bin}, numbers, none, n, true});
    };
    models.push_back({"bench/floor.c",
                      "fork, lock, one write, _exit: nothing else",
                      {dir + "/floor-dynamic", std::to_string(n), "0"},
                      {dir + "/floor-dynamic", "0", "0"},
                      none,
                      none,
                      n,
                      true});
    program("docs/threads.cpp", "a thread (std::thread)", "model-threads");
    program("docs/core.cpp", "a child (fork)", "model-core");
    program("docs/core.c", "a child (fork), in C", "model-core-c");
    program("docs/spawn.cpp", "a fresh run of the program (posix_spawn)", "model-spawn");
    const std::size_t fork_model = 2;  // core.cpp: the ratios are to it
    if (!python.empty()) {
        for (const char* method : {"fork", "forkserver", "spawn"}) {
            const std::vector<std::string> args = {python, book, method};
            models.push_back({std::string("bench/book.py ") + method,
                              std::string("multiprocessing, ") + method, args, args, python_numbers,
                              none, python_n, std::string(method) != "forkserver"});
        }
    }
    const std::string load_before = load_average();
    for (long r = 0; r < rounds; ++r) {
        std::vector<double> wall(models.size()), cpu(models.size());
        for (std::size_t k = 0; k < models.size(); ++k) {
            Model& m = models[(k + static_cast<std::size_t>(r)) % models.size()];  // rotated
            const Cost with = run(m.argv_n, m.input_n), without = run(m.argv_0, m.input_0);
            m.wall.push_back((with.wall - without.wall) / static_cast<double>(m.n));
            m.cpu.push_back((with.cpu - without.cpu) / static_cast<double>(m.n));
            m.faults.push_back((with.faults - without.faults) / static_cast<double>(m.n));
        }
        for (Model& m : models) {
            m.wall_ratio.push_back(m.wall.back() / models[fork_model].wall.back());
            m.cpu_ratio.push_back(m.cpu.back() / models[fork_model].cpu.back());
        }
    }
    std::printf("\n### A thread, a fork and a spawn per number\n\n");
    std::printf(
        "%ld numbers (1000000, ...; %ld for Python), medians of %ld rounds, start-up left out; "
        "load average %s before, %s after:\n\n",
        n, python_n, rounds, load_before.c_str(), load_average().c_str());
    std::printf(
        "| program | a number is | us per number | ratio to core.cpp | CPU us per number | ratio "
        "to core.cpp | minor faults per number |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|\n");
    for (const Model& m : models) {
        char cpu[64] = "(not counted) | | ";
        if (m.cpu_counted)
            std::snprintf(cpu, sizeof cpu, "%.1f | %.2f | %.0f", median(m.cpu) * 1e6,
                          median(m.cpu_ratio), median(m.faults));
        std::printf("| %s | %s | %.1f | %.2f | %s |\n", m.label.c_str(), m.what.c_str(),
                    median(m.wall) * 1e6, median(m.wall_ratio), cpu);
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "models: %s\n", e.what());
    return 1;
}
