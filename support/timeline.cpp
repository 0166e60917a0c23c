// support/timeline.cpp - see timeline.hpp.
#include "timeline.hpp"

#include "events.hpp"
#include "io.hpp"
#include "trace.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace timeline {

namespace {

constexpr const char* kDrawer = "primeproc-timeline";
constexpr int kExecFailed = 127;  // as a shell says "command not found"

bool same_file(const struct stat& a, int fd) {
    struct stat b {};
    return fstat(fd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// The directory this program was started from. Linux names the running file in /proc/self/exe
// (Linux-only); elsewhere, or without /proc, argv[0] names it when it holds a '/' (a program found
// on PATH has none: then the drawer is looked for on PATH alone).
std::string program_directory(const std::string& argv0) {
#ifdef __linux__
    char exe[4096];
    const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe);
    if (n > 0 && static_cast<std::size_t>(n) < sizeof exe) {
        const std::string path(exe, static_cast<std::size_t>(n));
        return path.substr(0, path.rfind('/'));
    }
#endif
    const auto slash = argv0.rfind('/');
    return slash == std::string::npos ? "" : argv0.substr(0, slash);
}

// The drawer's command line, made before fork: after it, the child only execs.
struct DrawerCommand {
    std::string beside;             // the drawer next to this program, or "" (see above)
    std::vector<std::string> args;  // primeproc-timeline --format svg [--incomplete WHY] - -
    std::vector<char*> argv;        // args as execv wants them
};

DrawerCommand drawer_command(Format format, const std::string& argv0,
                             const std::string& incomplete) {
    DrawerCommand c;
    const std::string dir = program_directory(argv0);
    if (!dir.empty()) c.beside = dir + "/" + kDrawer;
    c.args = {kDrawer, "--format", name_of(format)};
    if (!incomplete.empty()) c.args.insert(c.args.end(), {"--incomplete", incomplete});
    c.args.insert(c.args.end(), {"-", "-"});  // the trace on stdin, the picture to stdout
    for (std::string& a : c.args) c.argv.push_back(a.data());
    c.argv.push_back(nullptr);
    return c;
}

// The child of fork(), which becomes the drawer. It never returns.
[[noreturn]] void exec_drawer(const DrawerCommand& c, int events_fd, int picture_fd) {
    // dup2 gives descriptors 0 and 1 without FD_CLOEXEC, so they survive the exec; the originals
    // (close-on-exec, as is the signals' self-pipe) are closed by it. pid and parent stay the same.
    if (dup2(events_fd, STDIN_FILENO) < 0 || dup2(picture_fd, STDOUT_FILENO) < 0) {
        io::say(std::string("--timeline: dup2: ") + std::strerror(errno));
        _exit(kExecFailed);
    }
    // exec resets caught signals to their default but keeps the mask: the parent blocks SIGCHLD
    // (signals.hpp), and the drawer should not start with that. Ignored SIGPIPE stays ignored.
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (sigprocmask(SIG_UNBLOCK, &chld, nullptr) != 0)
        io::say(std::string("sigprocmask: ") + std::strerror(errno));
    int beside_error = ENOENT;
    if (!c.beside.empty()) {
        trace::event(trace::Event::exec_beside, c.beside.c_str());
        execv(c.beside.c_str(), c.argv.data());  // returns only if it failed
        beside_error = errno;
    }
    trace::event(trace::Event::exec_on_path, kDrawer);
    execvp(kDrawer, c.argv.data());
    const int path_error = errno;
    io::say(std::string("--timeline: cannot run ") + kDrawer + " (" +
            (c.beside.empty() ? "" : c.beside + ": " + std::strerror(beside_error) + "; ") +
            "on PATH: " + std::strerror(path_error) + "): the picture is not drawn");
    _exit(kExecFailed);
}

// waitpid for the drawer alone: a child inherited from whoever exec'd us is none of its business.
bool wait_for_drawer(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno == EINTR) continue;  // a signal to us: the drawer is still ours to reap
        io::say(std::string("--timeline: waitpid: ") + std::strerror(errno));
        return false;
    }
    if (trace::on())
        trace::event(trace::Event::reaped_drawer, static_cast<long>(pid),
                     trace::decode(status).c_str());
    if (WIFSIGNALED(status)) {
        io::say(std::string("--timeline: ") + kDrawer + " was killed by signal " +
                std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) +
                "): the picture is incomplete");
    }
    // Any other failure the drawer (or the child that could not exec it) has said itself.
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Why the picture must not go to the file open at fd, or "" if it may.
std::string refusal(int fd) {
    struct stat st {};
    if (fstat(fd, &st) != 0) return std::string("fstat: ") + std::strerror(errno);
    if (same_file(st, STDOUT_FILENO))
        return "the same file as standard output (the picture would replace the verdicts)";
    if (same_file(st, STDERR_FILENO)) return "the same file as standard error";
    // The picture is written when the run ends, maybe hours later: a FIFO's reader or a terminal
    // may be gone by then. And only a regular file can be truncated when the drawing starts.
    if (!S_ISREG(st.st_mode)) return "not a regular file";
    return "";
}

}  // namespace

int open_picture(const std::string& path) {
    // No O_TRUNC: this may be the file the verdicts go to (checked below). O_NONBLOCK: opening a
    // FIFO that no one reads would wait until someone does; now it fails with ENXIO. (On the
    // regular file that is kept, O_NONBLOCK has no effect: open(2).)
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENXIO)
        throw std::runtime_error("--timeline: " + path + ": not a regular file");
    if (fd < 0) io::throw_errno(("--timeline: open(" + path + ")").c_str());
    const std::string problem = refusal(fd);
    if (!problem.empty()) {
        close(fd);  // nothing written, nothing to lose
        throw std::runtime_error("--timeline: " + path + ": " + problem);
    }
    return fd;
}

int make_events_file() {
    const std::string pattern = temp_directory() + "/primeproc-timeline-XXXXXX";
    std::string name = pattern;  // mkstemp puts the name it tried in place of the Xs
    const int fd = mkstemp(name.data());
    if (fd < 0) io::throw_errno(("mkstemp(" + pattern + ")").c_str());
    // Unlinked at once: the file vanishes with its last descriptor, however primeproc ends.
    // O_APPEND: each write lands at the end as a whole, whichever process writes it.
    if (unlink(name.c_str()) != 0 || fcntl(fd, F_SETFL, O_APPEND) != 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
        const int saved = errno;
        if (close(fd) != 0) io::say(std::string("close: ") + std::strerror(errno));  // besides
        errno = saved;
        io::throw_errno(("unlink or fcntl(" + name + ")").c_str());
    }
    return fd;
}

bool draw(int events_fd, int picture_fd, Format format, const std::string& argv0,
          const std::string& incomplete) {
    // Only now does the picture replace what the file held: a run that draws nothing leaves it.
    if (ftruncate(picture_fd, 0) != 0) {
        io::say(std::string("--timeline: ftruncate: ") + std::strerror(errno));
        return false;
    }
    const DrawerCommand command = drawer_command(format, argv0, incomplete);
    trace::event(trace::Event::fork_for_drawer);
    const pid_t pid = fork();
    if (pid < 0) {
        io::say(std::string("--timeline: fork: ") + std::strerror(errno));
        return false;
    }
    if (pid == 0) exec_drawer(command, events_fd, picture_fd);
    trace::event(trace::Event::forked_drawer, static_cast<long>(pid));
    return wait_for_drawer(pid);
}

}  // namespace timeline
