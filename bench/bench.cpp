// bench.cpp - the benchmarks of 'make bench' (docs/performance.md explains every figure).
//
//   bench --floor PATH --primeproc LABEL=PATH [--primeproc LABEL=PATH ...] [--n N] [--rounds R]
//         [--jobs J]
//
// 1. Per-number overhead: the floor program (bench/floor.c) and each primeproc build on the
//    same N small numbers, output to /dev/null, bracketed: floor, build 1, floor, build 2, floor,
//    ..., R rounds. Each run of a build is compared with the mean of the two floor runs around
//    it, so a drift in the machine's load cancels. Reports medians: microseconds per number,
//    minor page faults per number (from wait4's rusage, which covers the process and every
//    child it reaped) and the ratio primeproc/floor.
// 2. Arithmetic: prime::smallest_factor against the mod-30 wheel it replaced (with %) and the
//    naive "i * i <= n" loop (with a 128-bit product, so it stays correct), interleaved round by
//    round, medians of R rounds. Also the whole run of `primeproc 18446744073709551557`.
// 3. Memory: peak resident size of the parent and of one child, and the parent's peak after 100
//    and after 100,000 numbers.
//
// Every figure is measured here, in one run, because absolute times on a shared machine drift;
// the load average is printed with each table, since on a busy machine every time grows.
#include "../prime.hpp"
#include "../support/messages.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const char* call) { throw std::system_error(errno, std::generic_category(), call); }

struct Result {
    double seconds = 0;
    long minor_faults = 0;
    long max_rss_kib = 0;
};

// Runs argv with stdin from in_path and stdout to /dev/null; waits with wait4 for its rusage.
// If watch is set, it is called with the pid while the program runs (then the wait blocks).
template <typename Watch>
Result run(const std::vector<std::string>& argv, const std::string& in_path, Watch watch) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const auto start = Clock::now();
    const pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
        // child of the bench: become the program, stdin and stdout redirected.
        const int in = open(in_path.c_str(), O_RDONLY);
        const int out = open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) _exit(126);
        execv(args[0], args.data());
        _exit(127);
    }
    watch(pid);
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) fail("wait4");
    }
    const std::chrono::duration<double> took = Clock::now() - start;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error(argv[0] + " did not exit with status 0");
    }
    return {took.count(), usage.ru_minflt, usage.ru_maxrss};
}

Result run(const std::vector<std::string>& argv, const std::string& in_path) {
    return run(argv, in_path, [](pid_t) {});
}

// The 1, 5 and 15 minute load averages, as uptime prints them (getloadavg: BSD and glibc).
std::string load_average() {
    double load[3];
    if (getloadavg(load, 3) != 3) return "unknown";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f %.2f %.2f", load[0], load[1], load[2]);
    return text;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string write_numbers(const std::string& path, std::uint64_t first, std::size_t count) {
    std::ofstream f(path);
    for (std::size_t i = 0; i < count; ++i) f << first + i << '\n';
    if (!f) throw std::runtime_error("cannot write " + path);
    return path;
}

struct Build {
    std::string label, path;
};

struct Options {
    std::string floor, dir = "build/bench";
    std::vector<Build> builds;
    std::size_t n = 10000, rounds = 11;
    std::string jobs = "64";
};

// ---------------------------------------------------------------------------------------------
// 1. Per-number overhead
// ---------------------------------------------------------------------------------------------

void per_number(const Options& o) {
    const std::string input = write_numbers(o.dir + "/numbers.txt", 1000000, o.n);
    const std::string before = load_average();
    const auto run_floor = [&] {
        const Result f = run({o.floor, std::to_string(o.n), o.jobs}, "/dev/null");
        return std::pair<double, double>{f.seconds * 1e6 / o.n, double(f.minor_faults) / o.n};
    };
    std::vector<double> floor_us, floor_faults;
    std::vector<std::vector<double>> us(o.builds.size()), faults(o.builds.size()), ratio(o.builds.size());
    auto [last_us, last_faults] = run_floor();
    for (std::size_t round = 0; round < o.rounds; ++round) {
        for (std::size_t b = 0; b < o.builds.size(); ++b) {
            const Result p = run({o.builds[b].path, "-j", o.jobs}, input);
            const auto [next_us, next_faults] = run_floor();  // the floor after this run
            us[b].push_back(p.seconds * 1e6 / o.n);
            faults[b].push_back(double(p.minor_faults) / o.n);
            ratio[b].push_back(us[b].back() / ((last_us + next_us) / 2));
            floor_us.push_back(next_us);
            floor_faults.push_back(next_faults);
            last_us = next_us;
        }
    }
    std::printf("## Per-number overhead: N = %zu small numbers, -j %s, median of %zu rounds\n\n",
                o.n, o.jobs.c_str(), o.rounds);
    std::printf("Load average before and after: %s, %s\n\n", before.c_str(), load_average().c_str());
    std::printf("| program | us per number | minor faults per number | ratio to floor |\n");
    std::printf("|---|---:|---:|---:|\n");
    std::printf("| floor (bench/floor.c, static C) | %.1f | %.1f | 1.00 |\n", median(floor_us),
                median(floor_faults));
    for (std::size_t b = 0; b < o.builds.size(); ++b) {
        std::printf("| primeproc, %s | %.1f | %.1f | %.2f |\n", o.builds[b].label.c_str(),
                    median(us[b]), median(faults[b]), median(ratio[b]));
    }
    std::printf("\n");
}

// ---------------------------------------------------------------------------------------------
// 2. Arithmetic
// ---------------------------------------------------------------------------------------------

// The book's loop, kept correct near 2^64 by a 128-bit product.
std::uint64_t naive_smallest_factor(std::uint64_t n) {
    for (std::uint64_t i = 2; static_cast<unsigned __int128>(i) * i <= n; ++i) {
        if (n % i == 0) return i;
    }
    return n;
}

// What prime::smallest_factor was before the mod-210 wheel and fast_remainder: a mod-30 wheel
// (after 2, 3 and 5, the 8 numbers of every 30 coprime to 30) dividing with %.
std::uint64_t wheel30_smallest_factor(std::uint64_t n) {
    for (std::uint64_t p : {2u, 3u, 5u}) {
        if (n % p == 0) return p;
    }
    static constexpr std::uint64_t kGaps[8] = {4, 2, 4, 2, 4, 6, 2, 6};  // 7 11 13 17 19 23 29 31 37
    const std::uint64_t limit = prime::integer_sqrt(n);
    std::size_t gap = 0;
    for (std::uint64_t d = 7; d <= limit; d += kGaps[gap], gap = (gap + 1) % 8) {
        if (n % d == 0) return d;
    }
    return n;
}

// Candidates prime::smallest_factor tries on a prime n: 2, 3, 5, 7 and then every number from
// 11 to floor(sqrt(n)) coprime to 210. Whole blocks of 210 hold 48 each; the last, partial block
// is counted one by one.
double candidates(std::uint64_t n) {
    const std::uint64_t r = prime::integer_sqrt(n);
    double count = 4 + double(r / 210) * 48 - 1;  // minus the 1 of the first block
    for (std::uint64_t k = r / 210 * 210 + 1; k <= r; ++k) count += std::gcd(k, std::uint64_t{210}) == 1;
    return count;
}

double cpu_seconds() {
    timespec t{};
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) != 0) fail("clock_gettime");
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// Wall-clock and CPU seconds of f(n); the CPU time leaves out the time the machine gave to
// other processes, which on a loaded machine is most of the difference.
template <typename F>
std::pair<double, double> time_of(F f, std::uint64_t n, std::uint64_t expected) {
    const auto start = Clock::now();
    const double cpu_start = cpu_seconds();
    const std::uint64_t got = f(n);
    const double cpu = cpu_seconds() - cpu_start;
    const std::chrono::duration<double> took = Clock::now() - start;
    if (got != expected) throw std::runtime_error("wrong factor for " + std::to_string(n));
    return {took.count(), cpu};
}

struct Loop {
    const char* name;
    std::uint64_t (*f)(std::uint64_t);
};

void arithmetic(const Options& o) {
    struct Case {
        const char* what;
        std::uint64_t n;
        bool with_naive;  // the naive loop takes 7 s on the largest prime: left out there
    };
    const Case cases[] = {
        {"18446744073709551557, the largest 64-bit prime", 18446744073709551557ull, false},
        {"72057594037927931, the largest prime below 2^56", 72057594037927931ull, true},
        {"9007199254740881, a prime near 2^53", 9007199254740881ull, true},
    };
    const Loop loops[] = {
        {"new", [](std::uint64_t n) { return prime::smallest_factor(n); }},
        {"wheel30", wheel30_smallest_factor},
        {"naive", naive_smallest_factor},
    };
    std::printf("## Arithmetic: smallest factor of a prime, median of %zu rounds, each round "
                "running the loops one after the other\n\n", o.rounds);
    std::printf("Load average before: %s\n\n", load_average().c_str());
    std::printf("| input | new s (CPU s) | mod-30 wheel s (CPU s) | naive s (CPU s) | new ns per "
                "candidate | wheel30/new | naive/new |\n");
    std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
    for (const Case& c : cases) {
        std::vector<double> wall[3], cpu[3], speedup[3];
        for (std::size_t round = 0; round < o.rounds; ++round) {
            for (int l = 0; l < 3; ++l) {
                if (l == 2 && !c.with_naive) continue;
                const auto [w, u] = time_of(loops[l].f, c.n, c.n);
                wall[l].push_back(w);
                cpu[l].push_back(u);
                if (l > 0) speedup[l].push_back(u / cpu[0].back());  // this round's new loop
            }
        }
        const auto cell = [&](int l) {
            char text[64] = "-";
            if (!wall[l].empty()) std::snprintf(text, sizeof text, "%.3f (%.3f)", median(wall[l]), median(cpu[l]));
            return std::string(text);
        };
        const auto ratio = [&](int l) {
            char text[32] = "-";
            if (!speedup[l].empty()) std::snprintf(text, sizeof text, "%.2fx", median(speedup[l]));
            return std::string(text);
        };
        std::printf("| %s | %s | %s | %s | %.2f | %s | %s |\n", c.what, cell(0).c_str(), cell(1).c_str(),
                    cell(2).c_str(), median(cpu[0]) / candidates(c.n) * 1e9,
                    ratio(1).c_str(), ratio(2).c_str());
    }
    std::printf("\nLoad average after: %s. Ratios are of CPU times, round by round.\n", load_average().c_str());
    const Result whole = run({o.builds.front().path, "18446744073709551557"}, "/dev/null");
    std::printf("\nWhole run of `primeproc 18446744073709551557` (%s): %.2f s\n\n",
                o.builds.front().label.c_str(), whole.seconds);
}

// ---------------------------------------------------------------------------------------------
// 3. Memory
// ---------------------------------------------------------------------------------------------

// VmHWM (peak resident size) of a running process, from /proc (Linux-only): getrusage can only
// report on the calling process or on children it has waited for, and a child of primeproc is
// primeproc's to wait for, not ours.
long peak_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    throw std::runtime_error("no VmHWM in /proc/" + std::to_string(pid) + "/status");
}

std::vector<pid_t> children_of(pid_t pid) {
    const std::string p = std::to_string(pid);
    std::ifstream f("/proc/" + p + "/task/" + p + "/children");
    std::vector<pid_t> kids;
    long k;
    while (f >> k) kids.push_back(static_cast<pid_t>(k));
    return kids;
}

void memory(const Options& o) {
    const std::string& pp = o.builds.front().path;
    long parent_kib = 0, child_kib = 0;
    // One long child: look at both processes while it divides.
    run({pp, "18446744073709551557"}, "/dev/null", [&](pid_t pid) {
        const auto deadline = Clock::now() + std::chrono::seconds(2);
        std::vector<pid_t> kids;
        while ((kids = children_of(pid)).empty() && Clock::now() < deadline) {
            if (poll(nullptr, 0, 1) < 0 && errno != EINTR) fail("poll");  // look again in 1 ms
        }
        if (kids.empty()) throw std::runtime_error("primeproc started no child within 2 s");
        child_kib = peak_kib(kids.front());
        parent_kib = peak_kib(pid);
    });
    const Result r100 = run({pp}, write_numbers(o.dir + "/100.txt", 1000000, 100));
    const Result r100k = run({pp}, write_numbers(o.dir + "/100000.txt", 1000000, 100000));
    std::printf("## Memory (%s)\n\n", o.builds.front().label.c_str());
    std::printf("| what | KiB |\n|---|---:|\n");
    std::printf("| parent, peak resident (VmHWM) | %ld |\n", parent_kib);
    std::printf("| one child, peak resident (VmHWM) | %ld |\n", child_kib);
    std::printf("| parent and children, peak (wait4 ru_maxrss) after 100 numbers | %ld |\n", r100.max_rss_kib);
    std::printf("| parent and children, peak (wait4 ru_maxrss) after 100,000 numbers | %ld |\n",
                r100k.max_rss_kib);
    std::printf("\nGrowth from 100 to 100,000 numbers: %ld KiB\n\n", r100k.max_rss_kib - r100.max_rss_kib);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--floor") o.floor = value;
        else if (flag == "--dir") o.dir = value;
        else if (flag == "--n") o.n = std::stoul(value);
        else if (flag == "--rounds") o.rounds = std::stoul(value);
        else if (flag == "--jobs") o.jobs = value;
        else if (flag == "--primeproc") {
            const auto eq = value.find('=');
            if (eq == std::string::npos) throw std::runtime_error("--primeproc wants LABEL=PATH");
            o.builds.push_back({value.substr(0, eq), value.substr(eq + 1)});
        } else {
            throw std::runtime_error("unknown option " + flag);
        }
    }
    if (o.floor.empty() || o.builds.empty()) throw std::runtime_error("need --floor and --primeproc");
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options o = parse(argc, argv);
        // Flushed after each section: through tee, stdout is a pipe and would wait for the end.
        per_number(o);
        std::fflush(stdout);
        arithmetic(o);
        std::fflush(stdout);
        memory(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench: %s\n", e.what());
        return 1;
    }
}
