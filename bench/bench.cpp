// bench.cpp - the benchmarks of 'make bench' (docs/performance.md explains every figure).
//
//   bench --pair LABEL=PRIMEPROC,FLOOR [--pair ...] [--dir D] [--n N] [--rounds R]
//         [--jobs J] [--seconds S] [--arith-rounds A]
//
// 1. Per-number overhead: each primeproc build against the floor program (bench/floor.c) linked
//    the same way, on the same N small numbers, output to /dev/null, bracketed: floor, primeproc,
//    floor, primeproc, ..., floor (R primeproc runs). Each primeproc run is compared with the mean
//    of the two floor runs around it, so a drift in the machine's load cancels. Reports medians:
//    microseconds per number, minor page faults per number of the parent itself and of its
//    children (read from /proc/PID/stat while the finished process is still a zombie: minflt
//    and cminflt), and the ratio primeproc/floor. N shrinks when the section's runs would not
//    fit its time budget S (seconds) on a machine where fork is slow, to no fewer than 500
//    numbers (which may then take longer); it says so.
// 2. Arithmetic: prime::smallest_factor against a mod-30 wheel (with %) and the
//    naive "i * i <= n" loop (with a 128-bit product, so it stays correct), the loops one after
//    the other in each of A rounds, CPU-time ratios round by round, medians. Also the whole run
//    of `primeproc 18446744073709551557`.
// 3. Memory: peak resident size of the parent and of one child, and the parent's peak after 100
//    and after 10,000 numbers.
//
// Every figure is measured here, in one run, because absolute times on a shared machine drift;
// the load average is printed with each table, since on a busy machine every time grows.
#include "../prime.hpp"
#include "../support/messages.hpp"

#include "common.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
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

using bench::fail;
using bench::load_average;
using bench::median;

struct Result {
    double seconds = 0;
    long minor_faults = 0;      // the process and every child it reaped (wait4's rusage)
    long own_faults = -1;       // the process alone (minflt), -1 if /proc could not tell
    long children_faults = -1;  // its reaped children (cminflt)
    long max_rss_kib = 0;
};

// Fields 10 and 11 of /proc/PID/stat (Linux, proc(5)): minor faults of the process and of the
// children it has waited for. Read from the zombie, after the exit and before the reaping.
void read_faults(pid_t pid, Result& r) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(stat, text);
    const auto close = text.rfind(')');  // the command name may hold spaces
    if (close == std::string::npos) return;
    std::istringstream fields(text.substr(close + 2));  // from field 3, the state, on
    std::string field;
    for (int i = 3; fields >> field; ++i) {
        if (i == 10) r.own_faults = std::stol(field);
        if (i == 11) {
            r.children_faults = std::stol(field);
            return;
        }
    }
}

// Runs argv with stdin from in_path and stdout to /dev/null; waits with wait4 for its rusage.
// If watch is set, it is called with the pid while the program runs (then the wait blocks).
template <typename Watch>
Result run(const std::vector<std::string>& argv, const std::string& in_path, Watch watch) {
    const auto start = Clock::now();
    const pid_t pid = bench::start_with_input(argv, in_path);
    watch(pid);
    Result r;
    siginfo_t info{};
    while (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) < 0) {  // not reaped yet
        if (errno != EINTR) fail("waitid");
    }
    const std::chrono::duration<double> took = Clock::now() - start;
    read_faults(pid, r);
    int status = 0;
    rusage usage{};
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) fail("wait4");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error(argv[0] + " did not exit with status 0");
    }
    r.seconds = took.count();
    r.minor_faults = usage.ru_minflt;
    r.max_rss_kib = usage.ru_maxrss;
    return r;
}

Result run(const std::vector<std::string>& argv, const std::string& in_path) {
    return run(argv, in_path, [](pid_t) {});
}

std::string write_numbers(const std::string& path, std::uint64_t first, std::size_t count) {
    std::ofstream f(path);
    for (std::size_t i = 0; i < count; ++i) f << first + i << '\n';
    if (!f) throw std::runtime_error("cannot write " + path);
    return path;
}

// A primeproc build and the floor linked the same way.
struct Pair {
    std::string label, primeproc, floor;
};

struct Options {
    std::string dir = "build/bench";
    std::vector<Pair> pairs;
    std::size_t n = 20000, rounds = 11, arith_rounds = 3;
    double seconds = 75;  // budget of the per-number section
    std::string jobs = "64";
};

// ---------------------------------------------------------------------------------------------
// 1. Per-number overhead
// ---------------------------------------------------------------------------------------------

struct PerNumber {
    double us = 0, own_faults = 0, children_faults = 0;
};

PerNumber per_number_of(const Result& r, std::size_t n) {
    return {r.seconds * 1e6 / double(n), double(r.own_faults) / double(n),
            double(r.children_faults) / double(n)};
}

// N for the section: as asked, unless R bracketed rounds of every pair would not fit the budget
// at the cost per number of a trial run of the first floor.
std::size_t numbers_that_fit(const Options& o, double& us_per_fork) {
    const std::size_t trial = std::min<std::size_t>(o.n, 1000);
    const Result t = run({o.pairs.front().floor, std::to_string(trial), o.jobs}, "/dev/null");
    us_per_fork = t.seconds * 1e6 / double(trial);
    // Per pair: R primeproc runs and R + 1 floor runs; primeproc is taken as 1.5 floors.
    const double floors = double(o.pairs.size()) * (2.5 * double(o.rounds) + 1);
    const double fit = o.seconds / (floors * t.seconds / double(trial));
    return std::max<std::size_t>(
        500, std::min<std::size_t>(o.n, static_cast<std::size_t>(fit) / 100 * 100));
}

void per_number(const Options& o) {
    double us_per_fork = 0;
    const std::size_t n = numbers_that_fit(o, us_per_fork);
    const std::string input = write_numbers(o.dir + "/numbers.txt", 1000000, n);
    const std::string before = load_average();
    std::printf(
        "## Per-number overhead: N = %zu small numbers, -j %s, median of %zu bracketed rounds\n\n",
        n, o.jobs.c_str(), o.rounds);
    if (n < o.n) {
        std::printf(
            "(N = %zu was asked; a fork costs %.0f us here, so %zu numbers fit the section's "
            "budget of %.0f s: --n and --seconds change that.)\n\n",
            o.n, us_per_fork, n, o.seconds);
    }
    std::printf(
        "| program | us per number | minor faults per number: parent | children | ratio to its "
        "floor |\n");
    std::printf("|---|---:|---:|---:|---:|\n");
    for (const Pair& pair : o.pairs) {
        const auto floor_run = [&] {
            return per_number_of(run({pair.floor, std::to_string(n), o.jobs}, "/dev/null"), n);
        };
        std::vector<double> f_us, f_own, f_kids, p_us, p_own, p_kids, ratio;
        PerNumber last = floor_run();
        for (std::size_t round = 0; round < o.rounds; ++round) {
            const PerNumber p = per_number_of(run({pair.primeproc, "-j", o.jobs}, input), n);
            const PerNumber next = floor_run();
            ratio.push_back(p.us / ((last.us + next.us) / 2));
            p_us.push_back(p.us);
            p_own.push_back(p.own_faults);
            p_kids.push_back(p.children_faults);
            f_us.push_back(next.us);
            f_own.push_back(next.own_faults);
            f_kids.push_back(next.children_faults);
            last = next;
        }
        std::printf("| floor, %s | %.1f | %.1f | %.1f | 1.00 |\n", pair.label.c_str(), median(f_us),
                    median(f_own), median(f_kids));
        std::printf("| **primeproc, %s** | %.1f | %.1f | %.1f | **%.2f** |\n", pair.label.c_str(),
                    median(p_us), median(p_own), median(p_kids), median(ratio));
        std::fflush(stdout);
    }
    std::printf("\nLoad average before and after: %s, %s\n\n", before.c_str(),
                load_average().c_str());
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

// The reference of the arithmetic target: a mod-30 wheel (after 2, 3 and 5, the 8 numbers of
// every 30 coprime to 30) dividing with %.
std::uint64_t wheel30_smallest_factor(std::uint64_t n) {
    for (std::uint64_t p : {2u, 3u, 5u}) {
        if (n % p == 0) return p;
    }
    static constexpr std::uint64_t kGaps[8] = {4, 2, 4, 2,
                                               4, 6, 2, 6};  // 7 11 13 17 19 23 29 31 37
    const std::uint64_t limit = prime::integer_sqrt(n);
    std::size_t gap = 0;
    for (std::uint64_t d = 7; d <= limit; d += kGaps[gap], gap = (gap + 1) % 8) {
        if (n % d == 0) return d;
    }
    return n;
}

// Candidates a wheel of modulus m (with `first` wheel primes, then the numbers coprime to m from
// the next prime on) tries on a prime n: whole blocks of m are counted by phi(m), the last,
// partial block one by one.
double candidates(std::uint64_t n, std::uint64_t m, std::uint64_t phi, std::uint64_t first) {
    const std::uint64_t r = prime::integer_sqrt(n);
    double count =
        double(first) + double(r / m) * double(phi) - 1;  // minus the 1 of the first block
    for (std::uint64_t k = r / m * m + 1; k <= r; ++k) count += std::gcd(k, m) == 1;
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
    bool slow;  // the naive loop takes about 8 s on the largest prime: left out there
};

// The loop of prime::smallest_factor (the mod-2310 wheel, two candidates a turn) with one
// divider only: % (the integer divider) or fast_remainder (the floating-point one) for every
// candidate. Beside the program's loop, which uses both, they show what the wheel alone gains
// and what each divider adds.
template <bool kFloatingPoint>
std::uint64_t wheel2310_one_divider(std::uint64_t n) {
    const auto remainder = [n](std::uint64_t d) {
        return kFloatingPoint ? prime::fast_remainder(n, d) : n % d;
    };
    const std::uint64_t limit = prime::integer_sqrt(n);
    for (prime::Wheel w; w.value <= limit; w.next()) {
        if (remainder(w.value) == 0) return w.value;
        if (remainder(w.then) == 0 && w.then <= limit) return w.then;
    }
    return n;
}

void arithmetic(const Options& o) {
    struct Case {
        const char* what;
        std::uint64_t n;
        bool big;
    };
    const Case cases[] = {
        {"18446744073709551557, the largest 64-bit prime", 18446744073709551557ull, true},
        {"9007199254740881, a prime near 2^53", 9007199254740881ull, false},
    };
    const Loop loops[] = {
        {"prime::smallest_factor (mod-2310 wheel, both dividers)",
         [](std::uint64_t n) { return prime::smallest_factor(n); }, false},
        {"mod-2310 wheel, fast_remainder only", wheel2310_one_divider<true>, false},
        {"mod-2310 wheel, % only", wheel2310_one_divider<false>, false},
        {"mod-30 wheel with %", wheel30_smallest_factor, false},
        {"naive i * i <= n", naive_smallest_factor, true},
    };
    constexpr int kLoops = 5, kMod30 = 3;
    std::printf(
        "## Arithmetic: smallest factor of a prime, median of %zu rounds, each round "
        "running the loops one after the other\n\n",
        o.arith_rounds);
    std::printf("Load average before: %s\n\n", load_average().c_str());
    std::printf(
        "| input | loop | s (CPU s) | ns per candidate tried | speed-up over the mod-30 wheel |\n");
    std::printf("|---|---|---:|---:|---:|\n");
    for (const Case& c : cases) {
        std::vector<double> wall[kLoops], cpu[kLoops], speedup[kLoops];
        for (std::size_t round = 0; round < o.arith_rounds; ++round) {
            for (int l = 0; l < kLoops; ++l) {
                if (loops[l].slow && c.big) continue;
                const auto [w, u] = time_of(loops[l].f, c.n, c.n);
                wall[l].push_back(w);
                cpu[l].push_back(u);
            }
            for (int l = 0; l < kLoops;
                 ++l) {  // this round's mod-30 wheel against this round's loop
                if (!cpu[l].empty() && cpu[l].size() == round + 1)
                    speedup[l].push_back(cpu[kMod30].back() / cpu[l].back());
            }
        }
        for (int l = 0; l < kLoops; ++l) {
            if (wall[l].empty()) continue;
            const double tried = l < kMod30    ? candidates(c.n, 2310, 480, 5)
                                 : l == kMod30 ? candidates(c.n, 30, 8, 3)
                                               : double(prime::integer_sqrt(c.n));
            std::printf("| %s | %s | %.3f (%.3f) | %.2f | %.2fx |\n", c.what, loops[l].name,
                        median(wall[l]), median(cpu[l]), median(cpu[l]) / tried * 1e9,
                        median(speedup[l]));
        }
    }
    std::printf("\nLoad average after: %s. Speed-ups are ratios of CPU times, round by round.\n",
                load_average().c_str());
    const Result whole = run({o.pairs.front().primeproc, "18446744073709551557"}, "/dev/null");
    std::printf("\nWhole run of `primeproc 18446744073709551557` (%s): %.2f s\n\n",
                o.pairs.front().label.c_str(), whole.seconds);
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
    const std::string& pp = o.pairs.front().primeproc;
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
    const Result r10k = run({pp}, write_numbers(o.dir + "/10000.txt", 1000000, 10000));
    std::printf("## Memory (%s)\n\n", o.pairs.front().label.c_str());
    std::printf("| what | KiB |\n|---|---:|\n");
    std::printf("| parent, peak resident (VmHWM) | %ld |\n", parent_kib);
    std::printf("| one child, peak resident (VmHWM) | %ld |\n", child_kib);
    std::printf("| parent and children, peak (wait4 ru_maxrss) after 100 numbers | %ld |\n",
                r100.max_rss_kib);
    std::printf("| parent and children, peak (wait4 ru_maxrss) after 10,000 numbers | %ld |\n",
                r10k.max_rss_kib);
    std::printf("\nGrowth from 100 to 10,000 numbers: %ld KiB\n\n",
                r10k.max_rss_kib - r100.max_rss_kib);
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--dir") o.dir = value;
        else if (flag == "--n") o.n = std::stoul(value);
        else if (flag == "--rounds") o.rounds = std::stoul(value);
        else if (flag == "--arith-rounds") o.arith_rounds = std::stoul(value);
        else if (flag == "--seconds") o.seconds = std::stod(value);
        else if (flag == "--jobs") o.jobs = value;
        else if (flag == "--pair") {
            const auto eq = value.find('='), comma = value.find(',');
            if (eq == std::string::npos || comma == std::string::npos || comma < eq) {
                throw std::runtime_error("--pair wants LABEL=PRIMEPROC,FLOOR");
            }
            o.pairs.push_back({value.substr(0, eq), value.substr(eq + 1, comma - eq - 1),
                               value.substr(comma + 1)});
        } else {
            throw std::runtime_error("unknown option " + flag);
        }
    }
    if (o.pairs.empty()) throw std::runtime_error("need at least one --pair");
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
