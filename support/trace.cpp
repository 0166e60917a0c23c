// support/trace.cpp - see trace.hpp.
#include "trace.hpp"

#include "io.hpp"
#include "timeline.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <sys/wait.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <system_error>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace trace {

namespace {
bool g_to_stderr = false;
int g_file = -1;
std::string g_timeline_path;
bool g_failed = false;
pid_t g_parent = 0;
timespec g_start{};

double ms_since_start() {
    timespec now{};
    // CLOCK_MONOTONIC always exists (start() checked it); a failure would only spoil a time.
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) return -1;
    return static_cast<double>(now.tv_sec - g_start.tv_sec) * 1e3 +
           static_cast<double>(now.tv_nsec - g_start.tv_nsec) / 1e6;
}

// An unlinked file: it vanishes with the last descriptor, however primeproc ends. O_APPEND makes
// each write land at the end as a whole, whichever process writes it.
int make_event_file() {
    char name[] = "/tmp/primeproc-timeline-XXXXXX";
    const int fd = mkstemp(name);
    if (fd < 0) io::throw_errno("mkstemp");
    if (unlink(name) != 0) io::throw_errno("unlink");
    if (fcntl(fd, F_SETFL, O_APPEND) != 0) io::throw_errno("fcntl(F_SETFL)");
    return fd;
}
}  // namespace

void start(bool to_stderr, const std::string& timeline_path) {
    g_to_stderr = to_stderr;
    g_parent = getpid();
    if (clock_gettime(CLOCK_MONOTONIC, &g_start) != 0) io::throw_errno("clock_gettime");
    g_timeline_path = timeline_path;
    if (!timeline_path.empty()) g_file = make_event_file();
}

void finish() {
    if (g_file < 0) return;
    try {
        const int out = open(g_timeline_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out < 0) io::throw_errno(("open(" + g_timeline_path + ")").c_str());
        try {
            timeline::draw(g_file, out, *timeline::format_for(g_timeline_path));
        } catch (...) {
            close(out);
            throw;
        }
        if (close(out) != 0) io::throw_errno("close");
    } catch (const std::exception& e) {
        io::say(std::string("--timeline: ") + e.what());
        g_failed = true;
    }
    if (close(g_file) != 0) io::say(std::string("close: ") + std::strerror(errno));
    g_file = -1;
}

bool failed() { return g_failed; }

std::string decode(int status) {
    if (WIFEXITED(status)) return "WIFEXITED, WEXITSTATUS = " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return "WIFSIGNALED, WTERMSIG = " + std::to_string(sig) + " (" + strsignal(sig) + ")";
    }
    return "status " + std::to_string(status);
}

bool on() { return g_to_stderr || g_file >= 0; }

void event(const char* format, ...) {
    if (!on()) return;
    const pid_t me = getpid();
    char line[2048];  // a negative number may have 1024 digits
    int n = std::snprintf(line, sizeof line, "trace %10.3f %s %ld: ", ms_since_start(),
                          me == g_parent ? "parent" : "child", static_cast<long>(me));
    va_list args;
    va_start(args, format);
    n += std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n) - 1, format, args);
    va_end(args);
    if (n > static_cast<int>(sizeof line) - 2) n = sizeof line - 2;  // cut, but still one line
    line[n++] = '\n';
    // Best effort, one write each: a trace that cannot be written must not cost an answer
    // (io::say_line notes the failure for the exit status).
    if (g_to_stderr) io::say_line(std::string_view(line, static_cast<std::size_t>(n)));
    if (g_file >= 0 && write(g_file, line, static_cast<std::size_t>(n)) < 0) g_failed = true;
}

}  // namespace trace
