// start.hpp - what both benchmarks (bench.cpp, models.cpp) do to run a program: fork, point its
// stdin at a file and its stdout at /dev/null, and exec it. The caller waits for it (wait4 gives
// the rusage the benchmarks report).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
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

}  // namespace bench
