// harness.cpp - see harness.hpp. Test code: a failed system call throws std::system_error.
#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>  // forkpty: glibc and musl (the BSDs and macOS have it in <util.h>)
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <system_error>

namespace harness {
namespace {

[[noreturn]] void fail(const char* call) { throw std::system_error(errno, std::generic_category(), call); }

// child of the harness, before exec: a clean locale so the default language is known, then the
// test's own variables.
void set_environment(const std::map<std::string, std::string>& env) {
    for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"}) unsetenv(name);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
}

[[noreturn]] void exec_or_die(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::perror("execv");
    _exit(127);
}

void set_nonblocking(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail("fcntl");
}

void close_or_fail(int fd) {
    if (close(fd) != 0) fail("close");
}

// Moves what is readable from fd into out; false at EOF.
bool drain_into(int fd, std::string& out) {
    char buf[65536];
    for (;;) {
        const ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) return false;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EIO) return errno == EAGAIN;  // EIO: pty closed
        fail("read");
    }
}

struct Pipe {
    int r = -1, w = -1;
    Pipe() {
        int fds[2];
        if (pipe(fds) != 0) fail("pipe");
        r = fds[0];
        w = fds[1];
    }
};

pid_t spawn(const std::vector<std::string>& argv, const RunOptions& opts, Pipe& in, Pipe& out, Pipe& err) {
    const pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
        // child: its own process group, so a deadline can kill primeproc and its children at once
        setpgid(0, 0);
        dup2(in.r, 0);
        dup2(err.w, 2);
        if (!opts.stdin_file.empty()) {
            const int fd = open(opts.stdin_file.c_str(), O_RDONLY);
            if (fd < 0 || dup2(fd, 0) < 0) _exit(126);
        }
        if (!opts.stdout_file.empty()) {
            const int fd = open(opts.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || dup2(fd, 1) < 0) _exit(126);
        } else {
            dup2(out.w, 1);
        }
        for (int fd : {in.r, in.w, out.r, out.w, err.r, err.w}) close(fd);
        if (opts.close_stdout) close(1);
        set_environment(opts.env);
        exec_or_die(argv);
    }
    return pid;
}

}  // namespace

std::string primeproc() {
    const char* p = std::getenv("PRIMEPROC");
    return p != nullptr ? p : "./primeproc";
}

double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

int Run::exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
int Run::signal() const { return WIFSIGNALED(status) ? WTERMSIG(status) : 0; }

Run run(const std::vector<std::string>& argv, const std::string& input, const RunOptions& opts) {
    Pipe in, out, err;
    const pid_t pid = spawn(argv, opts, in, out, err);
    for (int fd : {in.r, out.w, err.w}) close_or_fail(fd);
    for (int fd : {in.w, out.r, err.r}) set_nonblocking(fd);
    if (fcntl(in.w, F_SETFD, FD_CLOEXEC) != 0) fail("fcntl");

    Run result;
    std::size_t sent = 0;
    bool out_open = true, err_open = true;
    if (input.empty()) { close_or_fail(in.w); in.w = -1; }
    const double deadline = now_ms() + opts.deadline_seconds * 1000;
    while (out_open || err_open) {
        const double left = deadline - now_ms();
        if (left <= 0) { result.timed_out = true; break; }
        pollfd fds[3] = {{out_open ? out.r : -1, POLLIN, 0}, {err_open ? err.r : -1, POLLIN, 0},
                         {in.w, POLLOUT, 0}};
        if (poll(fds, 3, static_cast<int>(left) + 1) < 0 && errno != EINTR) fail("poll");
        if (fds[0].revents) out_open = drain_into(out.r, result.out);
        if (fds[1].revents) err_open = drain_into(err.r, result.err);
        if (in.w >= 0 && fds[2].revents) {
            const ssize_t n = write(in.w, input.data() + sent, input.size() - sent);
            if (n > 0) sent += static_cast<std::size_t>(n);
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == input.size()) {
                close_or_fail(in.w);  // EPIPE: primeproc stopped reading, which may be right
                in.w = -1;
            }
        }
    }
    if (in.w >= 0) close_or_fail(in.w);
    if (result.timed_out) kill(-pid, SIGKILL);
    if (waitpid(pid, &result.status, 0) != pid) fail("waitpid");
    // Its group still has a member: something outlived it (an orphan, or a pipeline's remains).
    if (kill(-pid, 0) == 0) {
        result.left_behind = true;
        kill(-pid, SIGKILL);
    }
    close_or_fail(out.r);
    close_or_fail(err.r);
    return result;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> result;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t nl = text.find('\n', start);
        if (nl == std::string::npos) {
            result.push_back(text.substr(start));
            break;
        }
        result.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return result;
}

std::multiset<std::string> line_set(const std::string& text) {
    const auto v = lines(text);
    return {v.begin(), v.end()};
}

std::string without_cr(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c != '\r') out += c;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------

Pty::Pty(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
    pid_ = forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ < 0) fail("forkpty");
    if (pid_ == 0) {
        // child: already a session leader with the pty as its controlling terminal
        set_environment(env);
        exec_or_die(argv);
    }
    set_nonblocking(master_);
}

Pty::~Pty() {
    if (!exited_) {
        kill(-pid_, SIGKILL);  // forkpty made it a session (and group) leader
        int status;
        waitpid(pid_, &status, 0);
    }
    close(master_);
}

void Pty::send(const std::string& keys) {
    std::size_t done = 0;
    while (done < keys.size()) {
        const ssize_t n = write(master_, keys.data() + done, keys.size() - done);
        if (n < 0 && errno != EINTR && errno != EAGAIN) fail("write(pty)");
        if (n > 0) done += static_cast<std::size_t>(n);
    }
}

bool Pty::read_some(double deadline_ms) {
    const double left = deadline_ms - now_ms();
    if (left <= 0) return false;
    pollfd fds[1] = {{master_, POLLIN, 0}};
    if (poll(fds, 1, static_cast<int>(left) + 1) < 0 && errno != EINTR) fail("poll");
    if (fds[0].revents == 0) return now_ms() < deadline_ms;
    return drain_into(master_, transcript_);
}

bool Pty::expect(const std::string& needle, double seconds) {
    const double deadline = now_ms() + seconds * 1000;
    for (;;) {
        const std::size_t at = transcript_.find(needle, seen_);
        if (at != std::string::npos) {
            seen_ = at + needle.size();
            return true;
        }
        if (!read_some(deadline)) {
            const std::size_t again = transcript_.find(needle, seen_);
            if (again == std::string::npos) return false;
            seen_ = again + needle.size();
            return true;
        }
    }
}

int Pty::wait(double seconds) {
    const double deadline = now_ms() + seconds * 1000;
    while (read_some(deadline)) {
    }
    // The pty reports EOF (EIO) once every process holding the terminal has closed it.
    for (;;) {
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            exited_ = true;
            return status;
        }
        if (r < 0) fail("waitpid");
        if (now_ms() > deadline) return -1;
        pollfd none[1] = {{-1, 0, 0}};
        poll(none, 0, 5);  // the child closed the pty a moment before it exits: re-check shortly
    }
}

// ---------------------------------------------------------------------------------------------

Process::Process(const std::vector<std::string>& argv, const RunOptions& opts) {
    char path[] = "/tmp/primeproc-err-XXXXXX";
    const int err_fd = mkstemp(path);
    if (err_fd < 0) fail("mkstemp");
    err_path_ = path;
    Pipe in, out, err;
    RunOptions o = opts;
    if (o.stdin_file.empty()) o.stdin_file = "/dev/null";
    // spawn() wants pipes for stderr; give it the file instead by swapping the write end.
    close_or_fail(err.w);
    err.w = err_fd;
    if (o.stdout_pipe_bytes > 0 && fcntl(out.r, F_SETPIPE_SZ, o.stdout_pipe_bytes) < 0) fail("fcntl F_SETPIPE_SZ");
    pid_ = spawn(argv, o, in, out, err);
    for (int fd : {in.r, in.w, out.w, err.r, err.w}) close_or_fail(fd);
    out_ = out.r;
    set_nonblocking(out_);
}

Process::~Process() {
    if (!reaped_) {
        kill(-pid_, SIGKILL);
        int status;
        waitpid(pid_, &status, 0);
    }
    close(out_);
    unlink(err_path_.c_str());
}

bool Process::read_available() { return drain_into(out_, stdout_); }

int Process::finish(double seconds) {
    const double deadline = now_ms() + seconds * 1000;
    bool open = true;
    while (open) {
        const double left = deadline - now_ms();
        if (left <= 0) return -1;
        pollfd fds[1] = {{out_, POLLIN, 0}};
        if (poll(fds, 1, static_cast<int>(left) + 1) < 0 && errno != EINTR) fail("poll");
        if (fds[0].revents) open = read_available();
    }
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid_, &status, WNOHANG)) == 0) {
        if (now_ms() > deadline) return -1;
        pause_ms(2);  // stdout closed a moment before it exits
    }
    if (r != pid_) fail("waitpid");
    reaped_ = true;
    return status;
}

std::string Process::err() const {
    std::string text;
    const int fd = open(err_path_.c_str(), O_RDONLY);
    if (fd < 0) fail("open");
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    close(fd);
    return text;
}

namespace {
std::string read_small_file(const std::string& path) {
    std::string text;
    const int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) return text;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
    close(fd);
    return text;
}
}  // namespace

std::vector<pid_t> children_of(pid_t pid) {
    const std::string p = std::to_string(pid);
    const std::string text = read_small_file("/proc/" + p + "/task/" + p + "/children");
    std::vector<pid_t> result;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t used = 0;
        result.push_back(static_cast<pid_t>(std::stol(text.substr(at), &used)));
        at += used;
        while (at < text.size() && text[at] == ' ') ++at;
    }
    return result;
}

char state_of(pid_t pid) {
    const std::string text = read_small_file("/proc/" + std::to_string(pid) + "/stat");
    const std::size_t paren = text.rfind(')');  // the command name may hold blanks and ')'
    return paren == std::string::npos || paren + 2 >= text.size() ? 0 : text[paren + 2];
}

long syscall_of(pid_t pid) {
    const std::string text = read_small_file("/proc/" + std::to_string(pid) + "/syscall");
    if (text.empty() || text[0] < '0' || text[0] > '9') return -1;  // "running" or unreadable
    return std::stol(text);
}

void pause_ms(int ms) {
    if (poll(nullptr, 0, ms) < 0 && errno != EINTR) fail("poll");
}

pid_t child_asleep_writing(const Process& p) {
    int queued = 0;
    const int capacity = fcntl(p.stdout_fd(), F_GETPIPE_SZ);
    if (capacity < 0 || ioctl(p.stdout_fd(), FIONREAD, &queued) != 0) return 0;
    if (queued < capacity - capacity / 16) return 0;
    for (pid_t kid : children_of(p.pid())) {
        if (syscall_of(kid) == SYS_write && state_of(kid) == 'S') return kid;
    }
    return 0;
}

}  // namespace harness
