// common.hpp - what both benchmarks (bench.cpp, models.cpp) share: running a program (fork,
// stdin from a file, stdout to /dev/null, exec; the caller waits for it with wait4 for the rusage
// the benchmarks report), the median of the rounds, and the load average said beside them.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

namespace bench {

[[noreturn]] inline void fail(const char* call) {
    throw std::system_error(errno, std::generic_category(), call);
}

// Starts argv[0] (looked up on PATH when it has no '/', as execvp does); returns its pid. A child
// that cannot redirect exits 126, one that cannot exec 127, as a shell's would.
inline pid_t start_with_input(const std::vector<std::string>& argv, const std::string& in_path) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {  // child of the bench: become the program, stdin and stdout redirected
        const int in = open(in_path.c_str(), O_RDONLY);
        const int out = open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) _exit(126);
        execvp(args[0], args.data());
        _exit(127);
    }
    return pid;
}

inline double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The 1, 5 and 15 minute load averages, as uptime prints them (getloadavg: BSD and glibc).
inline std::string load_average() {
    double load[3];
    if (getloadavg(load, 3) != 3) return "unknown";
    char text[64];
    std::snprintf(text, sizeof text, "%.2f %.2f %.2f", load[0], load[1], load[2]);
    return text;
}

}  // namespace bench
