// primeproc.cpp - an interactive prime tester with one process per number.
//
// Usage: primeproc [OPTIONS] [NUMBER...]        (primeproc --help for the options)
//
// The C++ rendering of the book's multiprocessing example (shared/seed): who does what, in order.
//   1. The parent creates the output lock (lock.hpp) in shared memory, before any fork.
//   2. The parent reads a number (from the arguments or one line at a time from standard input)
//      and forks a child for it; it does not wait for the answer but reads the next number.
//   3. The child finds the smallest factor by trial division, takes the lock, writes its one
//      verdict line, releases the lock and leaves with _exit.
//   4. The parent reaps finished children with waitpid before each new number, and all of them
//      at the end ("e" or end of input), reporting any child that did not exit normally.
#include "lock.hpp"
#include "prime.hpp"
#include "support/messages.hpp"

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <optional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace {

using prime::Language;
using prime::LineKind;
using prime::ParsedLine;

constexpr const char* kVersion = "primeproc 1.0";
constexpr unsigned kDefaultJobs = 64;
constexpr unsigned kMaxJobs = 100000;
constexpr int kQuietWaitMs = 200;  // children still running after this long are announced

// =============================================================================================
// Writing: every byte goes through write(2), so nothing waits in a user-space buffer
// =============================================================================================

[[noreturn]] void throw_errno(const char* call) {
    throw std::system_error(errno, std::generic_category(), call);
}

// write(2) may write less than asked (a pipe that is nearly full, a signal arriving mid-way) or
// be interrupted before writing anything (EINTR); both simply mean "carry on from here".
void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = write(fd, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("write");
        }
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

// A message that is not an error of a system call, e.g. "primeproc: -j needs a number".
void report(std::string_view text) {
    const std::string line = "primeproc: " + std::string(text) + "\n";
    try {
        write_all(STDERR_FILENO, line);
    } catch (const std::system_error&) {
        // stderr itself is broken: there is nowhere left to say anything.
    }
}

std::string pid_text(pid_t pid) { return std::to_string(static_cast<long>(pid)); }

// =============================================================================================
// --trace: what happens, as it happens
// =============================================================================================
//
// One line per event on stderr:  trace <ms since start> <parent|child> <pid>: <event>
// Each line is one write(2) of well under PIPE_BUF bytes, so lines of different processes never
// mix, lock or no lock. The start time is taken once in the parent; each child inherits a copy,
// and CLOCK_MONOTONIC (steady_clock) is the same clock in every process.

// Called by the parent and by children alike; the pid in the line says which.
struct TraceSettings {
    bool on = false;
    std::chrono::steady_clock::time_point start;
};
TraceSettings g_trace;

void trace(const char* role, const std::string& event) {
    if (!g_trace.on) return;
    const std::chrono::duration<double, std::milli> since = std::chrono::steady_clock::now() - g_trace.start;
    char head[64];
    std::snprintf(head, sizeof head, "trace %10.3f %s %ld: ", since.count(), role,
                  static_cast<long>(getpid()));
    write_all(STDERR_FILENO, head + event + "\n");
}

// The waitpid status, decoded the way a C program must: WIFEXITED before WEXITSTATUS, etc.
std::string decode_wait_status(int status) {
    if (WIFEXITED(status)) return "WIFEXITED, WEXITSTATUS = " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return "WIFSIGNALED, WTERMSIG = " + std::to_string(sig) + " (" + strsignal(sig) + ")";
    }
    return "status " + std::to_string(status);
}

// =============================================================================================
// Command line
// =============================================================================================

struct Options {
    Language language = Language::English;
    bool interactive = false;          // -i: prompt even when stdin is not a terminal
    unsigned jobs = kDefaultJobs;      // 0: no cap
    bool trace = false;                // -t: lifecycle events on stderr
    bool unlocked = false;             // --unlocked: children print without the lock (a demo)
    bool live = false;                 // --live: the lock is not held while waiting for input
    std::vector<std::string> numbers;  // from the command line; empty: read stdin
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void print_help() {
    write_all(STDOUT_FILENO,
              "Usage: primeproc [OPTIONS] [NUMBER...]\n"
              "Test each NUMBER for primality, each in a child process of its own.\n"
              "With no NUMBER, read one number per line from standard input until a line\n"
              "\"e\" or the end of input; the prompt \"> \" is shown when input is a terminal.\n"
              "\n"
              "  -i, --interactive   show the prompt even when input is not a terminal\n"
              "  -j, --jobs N        at most N children at once; at the cap, wait for one\n"
              "                      (default 64; 0 means no cap, as in the book)\n"
              "  -l, --lang de|en    language of the answers (default: from LC_ALL,\n"
              "                      LC_MESSAGES, LANG; German when it starts with \"de\")\n"
              "  -t, --trace         show forks, the lock and waitpid results on stderr\n"
              "      --unlocked      demonstration: children print without the lock, in\n"
              "                      pieces, so lines mix\n"
              "      --live          demonstration: do not hold the lock while waiting for\n"
              "                      input; answers appear at once and the prompt is redrawn\n"
              "  -h, --help          show this help and exit\n"
              "  -V, --version       show the version and exit\n"
              "\n"
              "A negative NUMBER goes after \"--\": primeproc -- -7\n"
              "Exit status: 0 all answered, 1 invalid input or a failed child, 2 usage error.\n");
}

Language parse_language(const char* arg) {
    const std::string_view s(arg);
    if (s == "de") return Language::German;
    if (s == "en") return Language::English;
    throw UsageError("--lang must be de or en, not '" + std::string(s) + "'");
}

unsigned parse_jobs(const char* arg) {
    const ParsedLine n = prime::parse_line(arg);
    if (n.kind != LineKind::Number || n.text.front() == '-' || n.value > kMaxJobs) {
        throw UsageError("--jobs needs a whole number from 0 to " + std::to_string(kMaxJobs) +
                         ", not '" + arg + "'");
    }
    return static_cast<unsigned>(n.value);
}

constexpr int kUnlockedOption = 1000;  // long options without a letter
constexpr int kLiveOption = 1001;

// getopt_long is not POSIX (getopt is) but is in glibc, musl, the BSDs and macOS alike.
Options parse_command_line(int argc, char** argv) {
    static const option kLongOptions[] = {
        {"help", no_argument, nullptr, 'h'},    {"version", no_argument, nullptr, 'V'},
        {"interactive", no_argument, nullptr, 'i'}, {"lang", required_argument, nullptr, 'l'},
        {"jobs", required_argument, nullptr, 'j'},  {"trace", no_argument, nullptr, 't'},
        {"unlocked", no_argument, nullptr, kUnlockedOption},
        {"live", no_argument, nullptr, kLiveOption},  {nullptr, 0, nullptr, 0},
    };
    Options opts;
    opts.language = prime::language_from_locale(getenv("LC_ALL"), getenv("LC_MESSAGES"),
                                                 getenv("LANG"));
    opterr = 0;  // we word the complaint ourselves
    int c;
    while ((c = getopt_long(argc, argv, ":hVitl:j:", kLongOptions, nullptr)) != -1) {
        switch (c) {
        case 'h': print_help(); std::exit(0);
        case 'V': write_all(STDOUT_FILENO, std::string(kVersion) + "\n"); std::exit(0);
        case 'i': opts.interactive = true; break;
        case 'l': opts.language = parse_language(optarg); break;
        case 'j': opts.jobs = parse_jobs(optarg); break;
        case 't': opts.trace = true; break;
        case kUnlockedOption: opts.unlocked = true; break;
        case kLiveOption: opts.live = true; break;
        case ':': throw UsageError(std::string("option '") + argv[optind - 1] + "' needs a value");
        default: throw UsageError(std::string("unknown option '") + argv[optind - 1] + "'");
        }
    }
    opts.numbers.assign(argv + optind, argv + argc);
    return opts;
}

// =============================================================================================
// Signals: the self-pipe, so that no wait can miss a signal
// =============================================================================================
//
// A handler may do almost nothing safely, so ours records the signal and writes one byte into a
// pipe. Every place where the parent blocks (waiting for input, waiting for a child) polls that
// pipe as well. A flag alone would race: a signal landing just after the flag was checked but
// before read() or waitpid() started would go unnoticed until that call returned by itself.

volatile sig_atomic_t g_stop_signal = 0;  // SIGINT, SIGTERM or SIGHUP, once one arrived
int g_wakeup_fd = -1;                     // write end of the self-pipe

extern "C" void on_signal(int sig) {
    const int saved_errno = errno;  // the interrupted code may be about to read errno
    if (sig != SIGCHLD) g_stop_signal = sig;
    // Non-blocking: when the pipe is full a wake-up is already pending, and EAGAIN is fine.
    if (write(g_wakeup_fd, "!", 1) < 0) { /* nothing safe to do in a handler */ }
    errno = saved_errno;
}

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

class SignalWatch {
public:
    SignalWatch();
    ~SignalWatch();
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

    int stop_signal() const { return g_stop_signal; }
    bool readable_or_stopped(int fd);  // true: fd has input (or EOF); false: a stop signal came
    // Returns after SIGCHLD or a stop signal, or after timeout_ms (-1: no timeout).
    void wait_for_any_signal(int timeout_ms = -1);
    void block_all(sigset_t& previous);
    static void restore_mask(const sigset_t& previous);
    void reset_in_child(const sigset_t& previous);

private:
    void drain();
    int read_fd_ = -1;
};

void set_flags(int fd, int status_flags) {
    const int old = fcntl(fd, F_GETFL);
    if (old < 0) throw_errno("fcntl(F_GETFL)");
    if (fcntl(fd, F_SETFL, old | status_flags) < 0) throw_errno("fcntl(F_SETFL)");
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) throw_errno("fcntl(F_SETFD)");
}

SignalWatch::SignalWatch() {
    int fds[2];
    if (pipe(fds) != 0) throw_errno("pipe");
    read_fd_ = fds[0];
    g_wakeup_fd = fds[1];
    set_flags(read_fd_, O_NONBLOCK);
    set_flags(g_wakeup_fd, O_NONBLOCK);

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    // No SA_RESTART: a blocking call interrupted by a signal returns EINTR, and each caller
    // decides what that means. SA_NOCLDSTOP: a child stopped with Ctrl-Z is not news.
    sa.sa_flags = SA_NOCLDSTOP;
    for (int sig : kStopSignals) {
        if (sigaction(sig, &sa, nullptr) != 0) throw_errno("sigaction");
    }
    if (sigaction(SIGCHLD, &sa, nullptr) != 0) throw_errno("sigaction");
}

SignalWatch::~SignalWatch() {
    if (close(read_fd_) != 0) report(std::string("close: ") + std::strerror(errno));
    if (close(g_wakeup_fd) != 0) report(std::string("close: ") + std::strerror(errno));
}

void SignalWatch::drain() {
    char bytes[64];
    for (;;) {
        if (read(read_fd_, bytes, sizeof bytes) > 0) continue;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // empty: all wake-ups consumed
        throw_errno("read(self-pipe)");
    }
}

bool SignalWatch::readable_or_stopped(int fd) {
    for (;;) {
        if (g_stop_signal != 0) return false;
        pollfd fds[2] = {{fd, POLLIN, 0}, {read_fd_, POLLIN, 0}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;  // the handler ran; the loop looks at the flag
            throw_errno("poll");
        }
        if (fds[1].revents != 0) drain();  // a child exiting is no reason to stop reading
        if (fds[0].revents != 0) return true;  // POLLIN, or POLLHUP at end of a pipe
    }
}

void SignalWatch::wait_for_any_signal(int timeout_ms) {
    pollfd fds[1] = {{read_fd_, POLLIN, 0}};
    if (poll(fds, 1, timeout_ms) < 0 && errno != EINTR) throw_errno("poll");
    drain();
}

void SignalWatch::block_all(sigset_t& previous) {
    sigset_t all;
    sigfillset(&all);
    if (sigprocmask(SIG_BLOCK, &all, &previous) != 0) throw_errno("sigprocmask");
}

void SignalWatch::restore_mask(const sigset_t& previous) {
    if (sigprocmask(SIG_SETMASK, &previous, nullptr) != 0) throw_errno("sigprocmask");
}

// child: the parent's handlers would write into the parent's self-pipe and set the parent's
// flag in our copy of memory. A child should simply die of SIGINT/SIGTERM/SIGHUP, as any program.
void SignalWatch::reset_in_child(const sigset_t& previous) {
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (int sig : kStopSignals) {
        if (sigaction(sig, &sa, nullptr) != 0) throw_errno("sigaction");
    }
    if (sigaction(SIGCHLD, &sa, nullptr) != 0) throw_errno("sigaction");
    restore_mask(previous);
}

// =============================================================================================
// Reading lines from standard input with read(2)
// =============================================================================================
//
// Not std::getline: we need to see EINTR and wait in poll() beside the self-pipe, and a line
// of a gigabyte must not be stored whole (only its first kMaxLineLength + 1 bytes are kept).

class LineReader {
public:
    enum class Status { Line, EndOfInput, Stopped };
    LineReader(int fd, SignalWatch& signals) : fd_(fd), signals_(signals) {}
    Status next(std::string& line);

private:
    Status fill();  // Line: the buffer has new bytes
    int fd_;
    SignalWatch& signals_;
    char buffer_[4096];
    std::size_t begin_ = 0, end_ = 0;
    bool at_eof_ = false;
};

LineReader::Status LineReader::fill() {
    for (;;) {
        if (!signals_.readable_or_stopped(fd_)) return Status::Stopped;
        const ssize_t n = read(fd_, buffer_, sizeof buffer_);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;  // the loop re-checks for a stop
            throw_errno("read");
        }
        begin_ = 0;
        end_ = static_cast<std::size_t>(n);
        return n > 0 ? Status::Line : Status::EndOfInput;
    }
}

// Appends to line up to the next '\n' (dropped), keeping at most kMaxLineLength + 1 bytes: one
// more than allowed, so that the parser can still tell that the line was too long.
LineReader::Status LineReader::next(std::string& line) {
    line.clear();
    bool have_bytes = false;
    for (;;) {
        if (begin_ == end_) {
            const Status filled = at_eof_ ? Status::EndOfInput : fill();
            if (filled == Status::Stopped) return filled;
            if (filled == Status::EndOfInput) {
                at_eof_ = true;  // a last line without '\n' still counts as a line
                return have_bytes ? Status::Line : Status::EndOfInput;
            }
        }
        have_bytes = true;
        const char* start = buffer_ + begin_;
        const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
        const std::size_t take = newline ? static_cast<std::size_t>(newline - start) : end_ - begin_;
        const std::size_t keep = prime::kMaxLineLength + 1;
        line.append(start, std::min(take, keep - std::min(line.size(), keep)));
        begin_ += take;
        if (newline) {
            ++begin_;
            return Status::Line;
        }
    }
}

// =============================================================================================
// The child: test one number, print one line, leave
// =============================================================================================

constexpr int kExitParentGone = 3;  // the child gave up: nobody is left to read its answer

// child: our parent is gone once we have been given a new one (init or a subreaper), so nobody
// would read the answer. getppid() is portable; prctl(PR_SET_PDEATHSIG) would be Linux-only.
struct ParentGone {
    pid_t parent;
    bool operator()() const { return getppid() != parent; }
};

// child: SIGPIPE is ignored (see ignore_sigpipe), so a write to a pipe whose reader has gone
// failed with EPIPE. Dying of SIGPIPE now is the Unix way to say "nobody is listening": the
// parent sees WTERMSIG == SIGPIPE and stops reading, exactly as `yes | head -1` stops `yes`.
[[noreturn]] void die_of_sigpipe() {
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGPIPE, &sa, nullptr) != 0) report(std::string("sigaction: ") + std::strerror(errno));
    if (raise(SIGPIPE) != 0) report(std::string("raise: ") + std::strerror(errno));
    _exit(1);  // only reached if SIGPIPE could not kill us
}

// --live in a terminal: is the parent's prompt "> " on the screen, waiting for input? It lives in
// shared memory (like the lock) so that parent and children see the same answer, and it is read
// and written only while holding the lock.
struct PromptState {
    bool waiting = false;
};

// What a child needs besides its number; the parent set all of it up before fork().
struct ChildContext {
    ProcessMutex& lock;
    const Options& opts;
    pid_t parent;
    PromptState* prompt;  // --live in a terminal: shared with the parent; otherwise nullptr
};

// "\r" back to the start of the line, ESC [ K erase to its end: an ANSI (VT100) control sequence,
// understood by every terminal in use but not part of POSIX; so only used on a terminal.
constexpr std::string_view kEraseLine = "\r\x1b[K";

// child, --live: the prompt may be on the screen; erase it, print, and draw it again below.
std::string around_prompt(const ChildContext& ctx, const std::string& line) {
    if (ctx.prompt == nullptr || !ctx.prompt->waiting) return line;
    return std::string(kEraseLine) + line + "> ";
}

// child, --unlocked: the race the lock prevents, made visible. Without the lock and in several
// small writes (as Python's print writes its arguments and separators one by one), pieces of
// different children's lines mix. sched_yield() between the pieces lets others run, so the
// mixing is easy to see on any machine; the race exists without it.
void write_in_pieces(const std::string& line) {
    std::size_t start = 0;
    while (start < line.size()) {
        const std::size_t end = std::min(line.find(' ', start + 1), line.size());
        write_all(STDOUT_FILENO, std::string_view(line).substr(start, end - start));
        if (sched_yield() != 0) throw_errno("sched_yield");
        start = end;
    }
}

// child: writes the verdict the way the options say. Returns false when the reader has gone.
bool print_verdict(const ChildContext& ctx, const std::string& line) {
    try {
        if (ctx.opts.unlocked) {
            write_in_pieces(line);
            return true;
        }
        std::lock_guard<ProcessMutex> hold(ctx.lock);  // the book's "with self.EinAusLock:"
        trace("child", "took the lock");
        write_all(STDOUT_FILENO, around_prompt(ctx, line));  // the whole line, holding the lock
        trace("child", "releases the lock");
        return true;
    } catch (const std::system_error& e) {
        if (e.code().value() != EPIPE) throw;
        return false;  // the lock was released by lock_guard on the way out: see die_of_sigpipe
    }
}

// child: returns the exit status.
int test_and_print(const ParsedLine& n, const ChildContext& ctx) {
    // The arithmetic runs without the lock: a 64-bit prime takes seconds, and the other children
    // (and the parent's prompt) must not wait for it.
    std::uint64_t factor = 0;
    if (!n.below_two) {
        factor = prime::smallest_factor(n.value, ParentGone{ctx.parent});
        if (factor == 0) return kExitParentGone;
    }
    if (!print_verdict(ctx, prime::verdict(ctx.opts.language, n, factor))) die_of_sigpipe();
    return 0;
}

// child: everything the child does, from the moment fork() returned 0 in it.
[[noreturn]] void run_child(const ParsedLine& n, const ChildContext& ctx, SignalWatch& signals,
                            const sigset_t& parent_mask) {
    int status = 1;
    try {
        signals.reset_in_child(parent_mask);
        status = test_and_print(n, ctx);
        trace("child", "_exit(" + std::to_string(status) + ")");
    } catch (const std::exception& e) {
        report("[child " + pid_text(getpid()) + "] " + e.what());
    }
    // _exit, not exit: exit() would run the destructors of static objects and the atexit
    // handlers inherited from the parent (they belong to the parent), and flush the copy of the
    // parent's stdio buffers that fork() made, printing their contents a second time.
    _exit(status);
}

// =============================================================================================
// The parent's children: start, reap, report
// =============================================================================================

class Children {
public:
    Children(ProcessMutex& lock, const Options& opts, SignalWatch& signals, PromptState* prompt)
        : lock_(lock), opts_(opts), signals_(signals), prompt_(prompt) {}
    ~Children();  // an exception is ending the parent: take the children with it
    Children(const Children&) = delete;
    Children& operator=(const Children&) = delete;

    void start(const ParsedLine& n);  // waits for a free slot (-j), then forks
    void reap_finished();             // never blocks
    void wait_for_all(int within_ms = -1);  // returns early on a stop signal or after within_ms
    void stop_all();                  // SIGTERM to each, then reap them all

    std::size_t running() const { return running_.size(); }
    bool some_failed() const { return some_failed_; }
    bool reader_gone() const { return reader_gone_; }

private:
    bool reap_one();
    void record_end(pid_t pid, int status);
    void say(const std::string& text);

    ProcessMutex& lock_;
    const Options& opts_;
    SignalWatch& signals_;
    PromptState* prompt_;
    std::map<pid_t, std::string> running_;  // pid -> its number, for reports; reaped: erased
    bool some_failed_ = false;
    bool reader_gone_ = false;
    bool stopping_ = false;
};

// parent: a diagnostic about a child, under the lock so it never lands inside a verdict line.
void Children::say(const std::string& text) {
    std::lock_guard<ProcessMutex> hold(lock_);
    write_all(STDERR_FILENO, "primeproc: " + text + "\n");
}

// parent: fork one child for n.
void Children::start(const ParsedLine& n) {
    while (opts_.jobs != 0 && running_.size() >= opts_.jobs && signals_.stop_signal() == 0) {
        reap_finished();
        if (running_.size() >= opts_.jobs) signals_.wait_for_any_signal();
    }
    if (signals_.stop_signal() != 0) return;
    // fork() copies stdio buffers along with everything else: bytes the parent had buffered would
    // exist twice, and be printed twice if the child ever flushed them (the classic duplicated
    // output that appears only when stdout is a file or a pipe). primeproc writes with write(2),
    // so nothing should be waiting; this flush keeps it so for any printf added later.
    if (std::fflush(nullptr) != 0) throw_errno("fflush");
    const pid_t parent = getpid();
    // Block signals across fork(): a signal arriving in the new child before it has reset the
    // parent's handlers would run the parent's handler there.
    sigset_t previous;
    signals_.block_all(previous);
    const pid_t pid = fork();
    if (pid == 0) {
        // child: a copy of the parent that continues from here, not from main()
        run_child(n, ChildContext{lock_, opts_, parent, prompt_}, signals_, previous);
    }
    const int fork_errno = errno;
    SignalWatch::restore_mask(previous);
    if (pid < 0) {
        // fork failed (EAGAIN: too many processes; ENOMEM): this number goes untested.
        some_failed_ = true;
        say(std::string("fork: ") + std::strerror(fork_errno) + " (" + n.text + " not tested)");
        return;
    }
    // parent: remember who tests what, then go on reading without waiting.
    trace("parent", "fork() -> child " + pid_text(pid) + " tests " + n.text);
    running_.emplace(pid, n.text);
}

void Children::reap_finished() {
    while (reap_one()) {
    }
}

// parent: reap one finished child if there is one; never blocks (WNOHANG).
bool Children::reap_one() {
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
        record_end(pid, status);
        return true;
    }
    if (pid == 0) return false;           // children exist, none has ended yet
    if (errno == EINTR) return true;      // try again
    if (errno == ECHILD) {                // no children at all: this is how reaping ends
        running_.clear();
        return false;
    }
    throw_errno("waitpid");
}

// parent: what a child's wait status says, decoded with the W* macros.
void Children::record_end(pid_t pid, int status) {
    trace("parent", "waitpid() -> child " + pid_text(pid) + ": " + decode_wait_status(status));
    const auto found = running_.find(pid);
    const std::string number = found == running_.end() ? "?" : found->second;
    if (found != running_.end()) running_.erase(found);
    const bool de = opts_.language == Language::German;
    const std::string who = (de ? "Kindprozess " : "child ") + pid_text(pid) + " (" + number + ")";
    if (WIFEXITED(status)) {
        if (WEXITSTATUS(status) == 0) return;
        some_failed_ = true;
        say(who + (de ? " endete mit Status " : " exited with status ") +
            std::to_string(WEXITSTATUS(status)));
    } else if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        if (sig == SIGPIPE) reader_gone_ = true;  // quietly: the reader left, as with `| head`
        if (sig == SIGPIPE || stopping_) return;
        some_failed_ = true;
        say(who + (de ? " wurde durch Signal " : " was killed by signal ") + std::to_string(sig) +
            " (" + strsignal(sig) + ")" + (de ? " beendet" : ""));
    }
}

// parent: wait until every child has been reaped (or within_ms have passed), sleeping in poll()
// between SIGCHLDs.
void Children::wait_for_all(int within_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(within_ms);
    while (!running_.empty() && signals_.stop_signal() == 0) {
        reap_finished();
        if (running_.empty()) return;
        if (within_ms < 0) {
            signals_.wait_for_any_signal();
            continue;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        signals_.wait_for_any_signal(static_cast<int>(left.count()) + 1);
    }
}

// parent: end every child now. SIGCONT too, since a stopped child cannot act on SIGTERM.
void Children::stop_all() {
    stopping_ = true;
    for (const auto& [pid, number] : running_) {
        // Not yet reaped, so the pid cannot have been reused: kill() reaches our own child.
        if (kill(pid, SIGTERM) != 0) report(std::string("kill: ") + std::strerror(errno));
        if (kill(pid, SIGCONT) != 0) report(std::string("kill: ") + std::strerror(errno));
    }
    while (!running_.empty()) {
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);  // blocking: they are all dying
        if (pid > 0) {
            record_end(pid, status);
        } else if (errno == ECHILD) {
            running_.clear();
        } else if (errno != EINTR) {
            throw_errno("waitpid");
        }
    }
}

Children::~Children() {
    try {
        if (!running_.empty()) stop_all();
    } catch (const std::exception& e) {
        report(e.what());
    }
}

// =============================================================================================
// The parent's story
// =============================================================================================

// parent: a line on stderr under the lock, so it never splits a child's verdict on a terminal.
void say_under_lock(ProcessMutex& lock, const std::string& line) {
    std::lock_guard<ProcessMutex> hold(lock);
    write_all(STDERR_FILENO, line);
}

// parent: one number (a line or an argument). Returns false for invalid input.
bool answer(const std::string& raw, bool from_arguments, ProcessMutex& lock, Children& children,
            const Options& opts) {
    ParsedLine n = prime::parse_line(raw);
    if (from_arguments && n.kind != LineKind::Number && n.kind != LineKind::Invalid) {
        n = prime::invalid(prime::Problem::NotANumber);  // "" or "e" is no number to test
    }
    if (n.kind == LineKind::Invalid) {
        say_under_lock(lock, prime::refusal(opts.language, raw, n.problem));
        return false;
    }
    if (n.kind == LineKind::Number) children.start(n);
    return true;
}

// parent: the book holds the lock while it shows "> " and waits for the line, so that no verdict
// can land inside the prompt line. The price: a child that finishes meanwhile waits at the lock,
// and its answer appears only after the next Enter. Without a prompt there is nothing to protect,
// so the lock is not taken at all.
LineReader::Status read_line(LineReader& reader, std::string& line, bool prompt, ProcessMutex& lock) {
    if (!prompt) return reader.next(line);
    std::lock_guard<ProcessMutex> hold(lock);
    write_all(STDOUT_FILENO, "> ");
    const LineReader::Status status = reader.next(line);
    // Ctrl-D leaves the cursor after "> ": end that line, or the next verdict would start there.
    if (status != LineReader::Status::Line) write_all(STDOUT_FILENO, "\n");
    return status;
}

// parent, --live: the lock only while drawing the prompt, not while waiting. Answers appear at
// once; on a terminal the child erases the waiting prompt and draws it again below its line
// (see around_prompt). The new cost: what the user has half typed vanishes from the screen
// (the terminal still holds it; Ctrl-R shows it again).
LineReader::Status read_line_live(LineReader& reader, std::string& line, ProcessMutex& lock,
                                  PromptState* on_terminal) {
    {
        std::lock_guard<ProcessMutex> hold(lock);
        // A child may have redrawn "> " after the Enter that ended the last line: erase it first.
        write_all(STDOUT_FILENO, on_terminal ? std::string(kEraseLine) + "> " : "> ");
        if (on_terminal) on_terminal->waiting = true;
    }
    const LineReader::Status status = reader.next(line);  // children may print meanwhile
    std::lock_guard<ProcessMutex> hold(lock);
    if (on_terminal) on_terminal->waiting = false;
    if (status != LineReader::Status::Line) write_all(STDOUT_FILENO, "\n");
    return status;
}

// parent: the book's loop. Returns false if some line was invalid.
bool answer_lines(ProcessMutex& lock, Children& children, SignalWatch& signals, const Options& opts,
                  bool prompt, PromptState* on_terminal) {
    LineReader reader(STDIN_FILENO, signals);
    bool all_valid = true;
    std::string line;
    for (;;) {
        children.reap_finished();  // zombies must not pile up in a long session
        if (children.reader_gone()) break;
        const LineReader::Status status = prompt && opts.live
                                              ? read_line_live(reader, line, lock, on_terminal)
                                              : read_line(reader, line, prompt, lock);
        if (status != LineReader::Status::Line) break;
        if (prime::parse_line(line).kind == LineKind::End) break;
        all_valid = answer(line, false, lock, children, opts) && all_valid;
    }
    return all_valid;
}

bool answer_arguments(ProcessMutex& lock, Children& children, SignalWatch& signals,
                      const Options& opts) {
    bool all_valid = true;
    for (const std::string& arg : opts.numbers) {
        children.reap_finished();
        if (children.reader_gone() || signals.stop_signal() != 0) break;
        all_valid = answer(arg, true, lock, children, opts) && all_valid;
    }
    return all_valid;
}

// parent, at the very start: a closed descriptor 0, 1 or 2 would be handed out by our own
// pipe(), and children would then write their verdicts into the self-pipe.
void check_standard_descriptors(bool reading_stdin) {
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
        if (fcntl(fd, F_GETFD) >= 0) continue;
        if (errno != EBADF) throw_errno("fcntl(F_GETFD)");
        if (fd == STDOUT_FILENO) throw std::system_error(EBADF, std::generic_category(), "standard output");
        if (fd == STDIN_FILENO && reading_stdin) {
            throw std::system_error(EBADF, std::generic_category(), "standard input");
        }
        // Unused and closed: occupy the number (lowest free, so it lands on fd) with /dev/null.
        if (open("/dev/null", O_RDWR) < 0) throw_errno("open(/dev/null)");
    }
}

// parent: a reader that has gone away must not kill us mid-write; see die_of_sigpipe.
void ignore_sigpipe() {
    struct sigaction sa {};
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGPIPE, &sa, nullptr) != 0) throw_errno("sigaction");
}

// parent: end the way the signal asked for, so the shell sees it (status 128 + sig).
[[noreturn]] void die_of(int sig) {
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, nullptr) != 0) report(std::string("sigaction: ") + std::strerror(errno));
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    if (sigprocmask(SIG_UNBLOCK, &only, nullptr) != 0) report(std::string("sigprocmask: ") + std::strerror(errno));
    if (raise(sig) != 0) report(std::string("raise: ") + std::strerror(errno));
    _exit(128 + sig);  // only reached if the signal could not end us
}

void say_how_many_we_wait_for(ProcessMutex& lock, const Options& opts, std::size_t count) {
    const bool de = opts.language == Language::German;
    const std::string n = std::to_string(count);
    say_under_lock(lock, de ? "warte auf " + n + (count == 1 ? " Kindprozess ...\n" : " Kindprozesse ...\n")
                            : "waiting for " + n + (count == 1 ? " child...\n" : " children...\n"));
}

// parent, --unlocked: say at once that the garbled lines to come are the point.
void warn_unlocked(const Options& opts) {
    report(opts.language == Language::German
               ? "--unlocked: Kindprozesse schreiben ohne Sperre und stückweise; Zeilen werden "
                 "sich vermischen (eine Vorführung)"
               : "--unlocked: children print without the lock, in pieces; lines will mix "
                 "(a demonstration)");
}

int run(const Options& opts) {
    const bool reading_stdin = opts.numbers.empty();
    check_standard_descriptors(reading_stdin);
    ignore_sigpipe();
    g_trace.on = opts.trace;
    g_trace.start = std::chrono::steady_clock::now();
    if (opts.unlocked) warn_unlocked(opts);
    ProcessMutex lock;  // before the first fork: every child must inherit this same mapping
    SignalWatch signals;
    const bool terminal = isatty(STDIN_FILENO) == 1;
    const bool prompt = reading_stdin && (opts.interactive || terminal);
    // --live on a terminal only: the prompt state, in a mapping of its own that children
    // inherit like the lock's (see PromptState). Placement new builds it in that memory; it
    // needs no destructor, and the mapping is unmapped when prompt_memory goes.
    std::optional<SharedMemory> prompt_memory;
    PromptState* on_terminal = nullptr;
    if (opts.live && prompt && isatty(STDOUT_FILENO) == 1) {
        prompt_memory.emplace(sizeof(PromptState));
        on_terminal = new (prompt_memory->address()) PromptState;
    }
    Children children(lock, opts, signals, on_terminal);
    const bool all_valid = reading_stdin ? answer_lines(lock, children, signals, opts, prompt, on_terminal)
                                         : answer_arguments(lock, children, signals, opts);
    // Children that only waited for the lock (held while the prompt was shown) finish at once;
    // announce only those still computing a moment later.
    children.wait_for_all(kQuietWaitMs);
    if (reading_stdin && terminal && children.running() > 0 && signals.stop_signal() == 0 &&
        !children.reader_gone()) {
        say_how_many_we_wait_for(lock, opts, children.running());
    }
    children.wait_for_all();
    if (signals.stop_signal() != 0 || children.reader_gone()) {
        children.stop_all();
        die_of(signals.stop_signal() != 0 ? signals.stop_signal() : SIGPIPE);
    }
    return all_valid && !children.some_failed() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options opts;
    try {
        opts = parse_command_line(argc, argv);
    } catch (const UsageError& e) {
        report(e.what());
        report("usage: primeproc [-it] [-j N] [-l de|en] [--unlocked] [--live] [NUMBER...]");
        report("(primeproc --help for more)");
        return 2;
    }
    try {
        return run(opts);
    } catch (const std::exception& e) {
        report(e.what());  // a system_error reads "call: reason", as perror would print it
        return 1;
    }
}
