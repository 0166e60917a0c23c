// harness.cpp - see harness.hpp. Test code: a failed system call throws std::system_error.
#include "harness.hpp"

#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pty.h>  // forkpty: glibc and musl (the BSDs and macOS have it in <util.h>)
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <utility>

namespace harness {
namespace {

[[noreturn]] void fail(const std::string& call) {
    throw std::system_error(errno, std::generic_category(), call);
}

void set_nonblocking(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) fail("fcntl(O_NONBLOCK)");
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno != EINTR) fail("write");
        if (n > 0) done += static_cast<std::size_t>(n);
    }
}

// Moves what is readable from fd into out; false at EOF (or, on a pseudo-terminal, at EIO: its
// other side is closed).
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
        if (errno == EAGAIN || errno == EIO) return errno == EAGAIN;
        fail("read");
    }
}

// Waits until fd is readable or the deadline (on now_ms()) has come; false on the deadline.
bool readable_by(int fd, double deadline_ms) {
    for (;;) {
        const double left = deadline_ms - now_ms();
        if (left <= 0) return false;
        pollfd p = {fd, POLLIN, 0};
        const int n = poll(&p, 1, static_cast<int>(left) + 1);
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) fail("poll");
    }
}

// ---------------------------------------------------------------------------------------------
// The child, between fork and exec: only _exit on failure (the test's code must not run twice).

// A clean locale, so that the default language is known, then the test's own variables.
void set_environment(const std::map<std::string, std::string>& env) {
    for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"}) unsetenv(name);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
}

// Nothing but 0, 1 and 2 may reach the program: a pipe's write end held by it would keep the
// test from seeing EOF. (The harness's own descriptors are close-on-exec; a test's may not be.)
void close_from_3() {
    for (int fd = 3; fd < 1024; ++fd) close(fd);
}

[[noreturn]] void exec_or_die(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::perror("harness: execv");  // on the program's stderr, where the test looks
    _exit(127);
}

// What the child gets as descriptors 0, 1 and 2.
struct Stdio {
    int in, out, err;
};

int choose(int test_fd, const Fd& opened, const Fd& fallback = Fd()) {
    if (test_fd >= 0) return test_fd;
    return opened.is_open() ? opened.get() : fallback.get();
}

// Starts argv in a process group of its own, so that a deadline can kill primeproc and its
// children at once (both sides set it: whichever runs first, the group exists before a kill).
pid_t spawn(const std::vector<std::string>& argv, const RunOptions& opts, Stdio io) {
    const pid_t pid = fork();
    if (pid < 0) fail("fork");
    if (pid == 0) {
        if (setpgid(0, 0) != 0) _exit(126);
        if (dup2(io.in, 0) < 0 || dup2(io.out, 1) < 0 || dup2(io.err, 2) < 0) _exit(126);
        set_environment(opts.env);
        if (opts.before_exec) opts.before_exec();
        close_from_3();
        if (opts.close_stdout) close(1);
        exec_or_die(argv);
    }
    setpgid(pid, pid);  // EACCES once the child has called exec: it had set it by then
    return pid;
}

// A file of /proc, or what could be read of it: "" once the process is gone (then open fails,
// or read fails with ESRCH).
std::string read_proc_file(const std::string& path) {
    std::string text;
    const Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.is_open()) return text;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd.get(), buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR)) {
        if (n > 0) text.append(buf, static_cast<std::size_t>(n));
    }
    return n < 0 ? "" : text;
}

// The value of a field of /proc/PID/status ("SigIgn", "VmHWM"), or "" (Linux-only).
std::string status_field(pid_t pid, const std::string& name) {
    for (const auto& line : lines(read_proc_file("/proc/" + std::to_string(pid) + "/status"))) {
        if (line.rfind(name + ":", 0) == 0) return line.substr(name.size() + 1);
    }
    return "";
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Descriptors and files

Fd::~Fd() {
    if (fd_ >= 0 && ::close(fd_) != 0) {
        std::fprintf(stderr, "harness: close(%d): %s\n", fd_, std::strerror(errno));
    }
}

Fd::Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other) {
        Fd old(std::exchange(fd_, std::exchange(other.fd_, -1)));  // closed (and reported) here
    }
    return *this;
}

void Fd::close() {
    const int fd = std::exchange(fd_, -1);
    if (fd >= 0 && ::close(fd) != 0) fail("close");
}

Pipe::Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe2");
    r = Fd(fds[0]);
    w = Fd(fds[1]);
}

std::string read_to_eof(const Fd& fd, double seconds) {
    set_nonblocking(fd.get());
    const double deadline = now_ms() + seconds * 1000;
    std::string text;
    while (readable_by(fd.get(), deadline) && drain_into(fd.get(), text)) {
    }
    return text;
}

Fd open_fd(const std::string& path, int flags) {
    Fd fd(open(path.c_str(), flags | O_CLOEXEC, 0644));
    if (!fd.is_open()) fail("open(" + path + ")");
    return fd;
}

TempFile::TempFile(const std::string& text, const std::string& suffix) {
    std::string name = "/tmp/primeproc-test-XXXXXX" + suffix;
    Fd fd(mkostemps(name.data(), static_cast<int>(suffix.size()), O_CLOEXEC));
    if (!fd.is_open()) fail("mkostemps");
    try {
        write_all(fd.get(), text);
        fd.close();
    } catch (...) {
        unlink(name.c_str());  // the destructor does not run for a constructor that throws
        throw;
    }
    path_ = name;
}

TempFile::~TempFile() { unlink(path_.c_str()); }

std::string slurp(const std::string& path) {
    const Fd fd = open_fd(path, O_RDONLY);
    std::string text;
    while (drain_into(fd.get(), text)) {
    }
    return text;
}

void write_file(const std::string& path, const std::string& text) {
    Fd fd = open_fd(path, O_WRONLY | O_CREAT | O_TRUNC);
    write_all(fd.get(), text);
    fd.close();
}

TempDir::TempDir() {
    char name[] = "/tmp/primeproc-test-dir-XXXXXX";
    if (mkdtemp(name) == nullptr) fail("mkdtemp");
    path_ = name;
}

namespace {
int remove_entry(const char* path, const struct stat*, int, FTW*) {
    if (remove(path) != 0)
        std::fprintf(stderr, "harness: remove(%s): %s\n", path, std::strerror(errno));
    return 0;  // go on with the rest
}
}  // namespace

TempDir::~TempDir() {
    // FTW_DEPTH: a directory's entries before the directory; FTW_PHYS: a link, not what it names.
    if (nftw(path_.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
        std::fprintf(stderr, "harness: nftw(%s): %s\n", path_.c_str(), std::strerror(errno));
    }
}

// ---------------------------------------------------------------------------------------------
// Starting the program

std::string primeproc() {
    const char* p = std::getenv("PRIMEPROC");
    return p != nullptr ? p : "./primeproc";
}

std::string drawer() {
    const std::string program = primeproc();
    const auto slash = program.rfind('/');
    return (slash == std::string::npos ? "." : program.substr(0, slash)) + "/primeproc-timeline";
}

int Run::exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
int Run::signal() const { return WIFSIGNALED(status) ? WTERMSIG(status) : 0; }

Run run(const std::vector<std::string>& argv, const std::string& input, const RunOptions& opts) {
    Pipe in, out, err;
    Fd in_file = opts.stdin_file.empty() ? Fd() : open_fd(opts.stdin_file, O_RDONLY);
    Fd out_file =
        opts.stdout_file.empty() ? Fd() : open_fd(opts.stdout_file, O_WRONLY | O_CREAT | O_TRUNC);
    const bool fed = opts.stdin_fd < 0 && !in_file.is_open();  // stdin is the pipe
    Group group;
    group.own(spawn(argv, opts,
                    {choose(opts.stdin_fd, in_file, in.r), choose(opts.stdout_fd, out_file, out.w),
                     choose(opts.stderr_fd, Fd(), err.w)}));
    for (Fd* fd : {&in.r, &out.w, &err.w, &in_file, &out_file}) fd->close();
    for (const Fd* fd : {&in.w, &out.r, &err.r}) set_nonblocking(fd->get());

    Run result;
    std::size_t sent = 0;
    bool out_open = true, err_open = true;
    if (input.empty() || !fed) in.w.close();
    const double deadline = now_ms() + opts.deadline_seconds * 1000;
    while (out_open || err_open) {
        const double left = deadline - now_ms();
        if (left <= 0) {
            result.timed_out = true;
            break;
        }
        pollfd fds[3] = {{out_open ? out.r.get() : -1, POLLIN, 0},
                         {err_open ? err.r.get() : -1, POLLIN, 0},
                         {in.w.get(), POLLOUT, 0}};
        if (poll(fds, 3, static_cast<int>(left) + 1) < 0 && errno != EINTR) fail("poll");
        if (fds[0].revents) out_open = drain_into(out.r.get(), result.out);
        if (fds[1].revents) err_open = drain_into(err.r.get(), result.err);
        if (in.w.is_open() && fds[2].revents) {
            const ssize_t n = write(in.w.get(), input.data() + sent, input.size() - sent);
            if (n > 0) sent += static_cast<std::size_t>(n);
            // EPIPE: primeproc stopped reading, which may be right.
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == input.size()) in.w.close();
        }
    }
    in.w.close();
    if (!result.timed_out) result.status = group.reap_by(deadline);
    if (result.status == -1) {
        result.timed_out = true;
        group.kill_all();
    }
    result.left_behind = group.left_behind();
    return result;
}

Run shell(const std::string& script, const RunOptions& opts) {
    return run({"/bin/bash", "-c", script}, "", opts);
}

void block_signal_in_child(int sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) _exit(125);
}

void ignore_signal_in_child(int sig) {
    if (signal(sig, SIG_IGN) == SIG_ERR) _exit(125);
}

// ---------------------------------------------------------------------------------------------
// Group

Group::~Group() {
    if (pid_ > 0 && !reaped_) kill_all();
}

int Group::reap_by(double deadline_ms) {
    if (reaped_) return status_;
    int status = 0;
    rusage usage{};
    pid_t r;
    while ((r = wait4(pid_, &status, WNOHANG, &usage)) == 0 || (r < 0 && errno == EINTR)) {
        if (now_ms() > deadline_ms) return -1;
        pause_ms(2);  // its output closes a moment before it ends
    }
    if (r != pid_) fail("wait4");
    reaped_ = true;
    status_ = status;
    max_rss_kib_ = usage.ru_maxrss;
    // Its group still has a member: something outlived it (an orphan, or a pipeline's remains).
    if (kill(-pid_, 0) == 0) {
        left_behind_ = true;
        kill(-pid_, SIGKILL);
    }
    return status_;
}

void Group::kill_all() {
    if (pid_ <= 0 || reaped_) return;
    kill(-pid_, SIGKILL);
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
    }
    if (r != pid_) std::fprintf(stderr, "harness: waitpid(%d): %s\n", pid_, std::strerror(errno));
    reaped_ = true;
    status_ = status;
}

// ---------------------------------------------------------------------------------------------
// Pty

Pty::Pty(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
         int stderr_fd) {
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    if (pid < 0) fail("forkpty");
    if (pid == 0) {
        // child: already a session leader with the pty as its controlling terminal
        if (stderr_fd >= 0 && dup2(stderr_fd, 2) < 0) _exit(126);
        set_environment(env);
        close_from_3();
        exec_or_die(argv);
    }
    group_.own(pid);  // forkpty made it a session (and group) leader
    master_ = Fd(master);
    if (fcntl(master, F_SETFD, FD_CLOEXEC) != 0) fail("fcntl(FD_CLOEXEC)");
    set_nonblocking(master);
}

void Pty::send(const std::string& keys) {
    std::size_t done = 0;
    while (done < keys.size()) {
        const ssize_t n = write(master_.get(), keys.data() + done, keys.size() - done);
        if (n < 0 && errno != EINTR && errno != EAGAIN) fail("write(pty)");
        if (n > 0) done += static_cast<std::size_t>(n);
    }
}

bool Pty::read_some(double deadline_ms) {
    if (!master_.is_open()) return false;  // hung up
    if (!readable_by(master_.get(), deadline_ms)) return false;
    return drain_into(master_.get(), transcript_);
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
    // The pty reports EOF (EIO) once every process holding the terminal has closed it.
    while (read_some(deadline)) {
    }
    return group_.reap_by(deadline);
}

// ---------------------------------------------------------------------------------------------
// Process

Process::Process(const std::vector<std::string>& argv, const RunOptions& opts) {
    if (!opts.input.empty()) input_.emplace(opts.input);
    Pipe out;
    Fd in;
    if (opts.stdin_fd < 0) {
        in = open_fd(!opts.stdin_file.empty() ? opts.stdin_file
                     : input_                 ? input_->path()
                                              : "/dev/null",
                     O_RDONLY);
    }
    Fd out_file =
        opts.stdout_file.empty() ? Fd() : open_fd(opts.stdout_file, O_WRONLY | O_CREAT | O_TRUNC);
    Fd err;
    if (opts.stderr_fd < 0) {
        err_file_.emplace();
        err = open_fd(err_file_->path(), O_WRONLY);
    }
    if (opts.stdout_pipe_bytes > 0 &&
        fcntl(out.r.get(), F_SETPIPE_SZ, opts.stdout_pipe_bytes) < 0) {
        fail("fcntl(F_SETPIPE_SZ)");
    }
    group_.own(spawn(argv, opts,
                     {choose(opts.stdin_fd, in), choose(opts.stdout_fd, out_file, out.w),
                      choose(opts.stderr_fd, err)}));
    for (Fd* fd : {&out.w, &in, &out_file, &err}) fd->close();
    out_ = std::move(out.r);
    set_nonblocking(out_.get());
}

double Process::deadline_in(double seconds) { return now_ms() + seconds * 1000; }

bool Process::read_available() { return drain_into(out_.get(), stdout_); }

int Process::finish(double seconds) {
    const double deadline = deadline_in(seconds);
    bool open = true;
    while (open) {
        if (!readable_by(out_.get(), deadline)) return -1;
        open = read_available();
    }
    return group_.reap_by(deadline);
}

std::string Process::err() const { return err_file_ ? slurp(err_file_->path()) : ""; }

// ---------------------------------------------------------------------------------------------
// Statuses, /proc, waiting

bool exited_with(int status, int code) {
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

bool killed_by(int status, int sig) {
    return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

std::string describe(int status) {
    if (status == -1) return "still running at the deadline";
    if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
}

std::vector<pid_t> children_of(pid_t pid) {
    const std::string p = std::to_string(pid);
    const std::string text = read_proc_file("/proc/" + p + "/task/" + p + "/children");
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

std::vector<pid_t> wait_for_children(pid_t pid, std::size_t n, double seconds) {
    std::vector<pid_t> kids;
    eventually([&] { return (kids = children_of(pid)).size() == n; }, seconds);
    return kids;
}

char state_of(pid_t pid) {
    const std::string text = read_proc_file("/proc/" + std::to_string(pid) + "/stat");
    const std::size_t paren = text.rfind(')');  // the command name may hold blanks and ')'
    return paren == std::string::npos || paren + 2 >= text.size() ? 0 : text[paren + 2];
}

bool gone_or_zombie(pid_t pid) {
    const char s = state_of(pid);
    return s == 0 || s == 'Z';
}

long syscall_of(pid_t pid) {
    const std::string text = read_proc_file("/proc/" + std::to_string(pid) + "/syscall");
    if (text.empty() || text[0] < '0' || text[0] > '9') return -1;  // "running" or unreadable
    return std::stol(text);
}

long status_kib(pid_t pid, const std::string& name) {
    const std::string value = status_field(pid, name);  // "   1234 kB"
    return value.empty() ? -1 : std::stol(value);
}

bool ignores(pid_t pid, int sig) {
    const std::string mask = status_field(pid, "SigIgn");
    return !mask.empty() && ((std::stoull(mask, nullptr, 16) >> (sig - 1)) & 1);
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

double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

void pause_ms(int ms) {
    if (poll(nullptr, 0, ms) < 0 && errno != EINTR) fail("poll");
}

// ---------------------------------------------------------------------------------------------
// Text

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

std::size_t count(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace harness
