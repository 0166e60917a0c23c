// support/trace.cpp - see trace.hpp.
#include "trace.hpp"

#include "../lock.hpp"
#include "io.hpp"
#include "timeline.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <new>
#include <optional>
#include <utility>

namespace trace {

namespace {
bool g_to_stderr = false;
bool g_failed = false;
pid_t g_parent = 0;
timespec g_start{};
// --timeline
int g_events = -1;   // the events file, while it takes lines
int g_picture = -1;  // the picture file, until the drawer has drawn it
timeline::Format g_format = timeline::Format::Svg;
std::string g_argv0;
// The first error of a write to the events file, by any process of the run (a full disk, say).
// After it no process writes there any more: the file holds the lines up to the failure, the
// last one perhaps cut, and no later line after a gap.
std::optional<SharedMemory> g_shared;
std::atomic<int>* g_events_error = nullptr;

double ms_since_start() {
    timespec now{};
    // CLOCK_MONOTONIC always exists (start() checked it); a failure would only spoil a time.
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) return -1;
    return static_cast<double>(now.tv_sec - g_start.tv_sec) * 1e3 +
           static_cast<double>(now.tv_nsec - g_start.tv_nsec) / 1e6;
}

void start_timeline(const std::string& path) {
    g_format = *timeline::format_for(path);    // options.cpp accepts no other name
    g_picture = timeline::open_picture(path);  // refused: throws, before any work is done
    try {
        g_events = timeline::make_events_file();
    } catch (const std::system_error& e) {  // the verdicts still come: only the picture is lost
        io::say(std::string("--timeline: ") + e.what() + "; no picture will be drawn");
        g_failed = true;
        if (close(std::exchange(g_picture, -1)) != 0)
            io::say(std::string("close: ") + std::strerror(errno));
        return;
    }
    g_shared.emplace(sizeof(std::atomic<int>));
    static_assert(std::atomic<int>::is_always_lock_free,
                  "a lock-free atomic works across processes");
    // Placement new: the counter lives in the shared mapping, which owns its memory (no delete).
    // NOLINTNEXTLINE(cppcoreguidelines-owning-memory)
    g_events_error = new (g_shared->address()) std::atomic<int>(0);
}

// One line to the events file, unless some process already failed to write there.
void append_event(const char* line, std::size_t size) {
    if (g_events_error->load() != 0) return;
    while (size > 0) {
        const ssize_t n = write(g_events, line, size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int none = 0;
            g_events_error->compare_exchange_strong(none, errno);  // the first error is kept
            return;
        }
        line += n;
        size -= static_cast<std::size_t>(n);
    }
}

void close_or_say(int fd) {
    if (fd >= 0 && close(fd) != 0) io::say(std::string("close: ") + std::strerror(errno));
}
}  // namespace

void start(bool to_stderr, const std::string& timeline_path, const char* argv0) {
    g_to_stderr = to_stderr;
    g_parent = getpid();
    g_argv0 = argv0 != nullptr ? argv0 : "";
    if (clock_gettime(CLOCK_MONOTONIC, &g_start) != 0) io::throw_errno("clock_gettime");
    if (!timeline_path.empty()) start_timeline(timeline_path);
}

bool on() { return g_to_stderr || g_events >= 0; }

void event(Event e, ...) {
    if (!on()) return;
    const pid_t me = getpid();
    char line[2048];  // a negative number may have 1024 digits
    int n = std::snprintf(line, sizeof line, kLinePrefix, ms_since_start(),
                          me == g_parent ? kParent : kChild, static_cast<long>(me));
    va_list args;
    va_start(args, e);
    n += std::vsnprintf(line + n, sizeof line - static_cast<std::size_t>(n) - 1, words_of(e).format,
                        args);
    va_end(args);
    if (n > static_cast<int>(sizeof line) - 2) n = sizeof line - 2;  // cut, but still one line
    line[n++] = '\n';
    // Best effort, one write each: a trace that cannot be written must not cost an answer
    // (io::say_line notes the failure for the exit status).
    if (g_to_stderr) io::say_line(std::string_view(line, static_cast<std::size_t>(n)));
    if (g_events >= 0) append_event(line, static_cast<std::size_t>(n));
}

std::string decode(int status) {
    if (WIFEXITED(status)) return "WIFEXITED, WEXITSTATUS = " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return "WIFSIGNALED, WTERMSIG = " + std::to_string(sig) + " (" + strsignal(sig) + ")";
    }
    return "status " + std::to_string(status);
}

void draw_timeline() {
    if (g_picture < 0) return;
    const int events = std::exchange(g_events, -1);  // from here on, trace lines go to stderr only
    const int picture = std::exchange(g_picture, -1);
    std::string incomplete;
    if (const int error = g_events_error->load()) {
        incomplete =
            std::string("the events file could not be written to the end: ") + std::strerror(error);
        io::say("--timeline: " + incomplete + "; the picture shows what came before");
        g_failed = true;
    }
    if (!timeline::draw(events, picture, g_format, g_argv0, incomplete)) g_failed = true;
    close_or_say(events);
    close_or_say(picture);
}

bool failed() { return g_failed; }

Recording::~Recording() {
    try {
        draw_timeline();
    } catch (...) {  // out of memory, while an exception unwinds: say it without allocating
        io::say_line("primeproc: --timeline: out of memory; the picture is not drawn\n");
    }
}

}  // namespace trace
