// harness.hpp - the tests' one way to start the real ./primeproc and watch it: through pipes, on a
// pseudo-terminal, with what it inherits chosen by the test, in a process group of its own, with
// deadlines, and from outside through /proc.
//
// Every wait has a deadline, enforced with poll(); on expiry the whole process group (primeproc
// and its children) is killed and the test fails. Nothing here sleeps to synchronise: a test
// waits for an event (output, an end, a state in /proc) with a deadline generous enough for a
// loaded machine. Every descriptor is owned by an Fd, so none is left open when a test fails or a
// constructor throws. Test code: a failed system call throws std::system_error naming it.
// Linux-only where it says so (the program itself uses none of this).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace harness {

// ---------------------------------------------------------------------------------------------
// Descriptors and files
// ---------------------------------------------------------------------------------------------

// One descriptor, owned: closed when the Fd goes (a failed close is then reported on stderr: a
// destructor cannot throw) or by close(), which throws. Moving hands it on.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd();
    Fd(Fd&& other) noexcept;
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    int get() const { return fd_; }
    bool is_open() const { return fd_ >= 0; }
    void close();  // nothing to do when not open

private:
    int fd_ = -1;
};

// A pipe whose ends are close-on-exec: a program started by the harness gets one only as its
// descriptor 0, 1 or 2, never by accident (a write end it held would keep the test from EOF).
struct Pipe {
    Fd r, w;
    Pipe();
};

// Reads fd (a pipe's read end, made non-blocking) until EOF or the deadline.
std::string read_to_eof(const Fd& fd, double seconds);

// open(path, flags | O_CLOEXEC), mode 0644 when it creates; throws naming the path.
Fd open_fd(const std::string& path, int flags);

// A file in /tmp holding text, removed when it goes. The suffix ends its name (--timeline chooses
// its format by the ending).
class TempFile {
public:
    explicit TempFile(const std::string& text = "", const std::string& suffix = "");
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// The whole of a file; throws when it cannot be read.
std::string slurp(const std::string& path);

// Writes text to path (created or emptied); throws naming the path.
void write_file(const std::string& path, const std::string& text);

// A directory in /tmp, removed with all it holds when it goes (without following symbolic links;
// what cannot be removed is reported on stderr: a destructor cannot throw).
class TempDir {
public:
    TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir();
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// ---------------------------------------------------------------------------------------------
// Starting the program
// ---------------------------------------------------------------------------------------------

// The binary under test: $PRIMEPROC if set (the Makefile sets it), else ./primeproc.
std::string primeproc();
// The drawer, primeproc-timeline, beside the binary under test (./primeproc-timeline if that has
// no directory).
std::string drawer();

struct Run {
    std::string out, err;
    int status = -1;  // as from waitpid
    bool timed_out = false;
    bool left_behind = false;  // some process of its group outlived it (then killed)
    int exit_code() const;     // -1 unless it exited normally
    int signal() const;        // 0 unless a signal killed it
};

// How a program is started. By default: stdin the test's input (run) or /dev/null (Process),
// stdout and stderr pipes the harness reads (Process: stderr a temporary file, see err()).
struct RunOptions {
    std::map<std::string, std::string> env;  // set in the child (LANG etc. are cleared first)
    double deadline_seconds = 60;            // run() only
    bool close_stdout = false;               // start it with descriptor 1 closed
    std::string stdout_file;                 // stdout to this file (created or emptied)
    std::string stdin_file;                  // stdin from this file (it must exist)
    std::string input;                       // Process only: stdin a temporary file holding this
    // A descriptor of the test's as stdin, stdout or stderr (/dev/full, a pipe with no reader, a
    // file whose offset the test reads afterwards: the copy shares it). The test keeps its own.
    int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
    // Process only: the stdout pipe's capacity (F_SETPIPE_SZ, Linux; at least a page), so that a
    // test that leaves stdout unread fills it with a few dozen lines instead of a thousand.
    int stdout_pipe_bytes = 0;
    // In the child, after the redirections, just before exec: what the program is to inherit (a
    // blocked or ignored signal, a resource limit, a child of its own). On failure it must _exit.
    std::function<void()> before_exec;
};

// Runs argv[0] with input on stdin (then EOF), collecting stdout and stderr.
Run run(const std::vector<std::string>& argv, const std::string& input,
        const RunOptions& opts = {});

// bash -c script (a pipeline as a user types it, PIPESTATUS included), as run() does it.
Run shell(const std::string& script, const RunOptions& opts = {});

// For RunOptions::before_exec: what a launcher may leave the program (they _exit on failure).
void block_signal_in_child(int sig);
void ignore_signal_in_child(int sig);

// A process started by the harness in a group of its own: killed with its whole group and reaped
// when the owner goes, unless reaped before. wait4 keeps its resource use.
class Group {
public:
    Group() = default;
    ~Group();
    Group(const Group&) = delete;
    Group& operator=(const Group&) = delete;

    void own(pid_t pid) { pid_ = pid; }  // the process just forked
    pid_t pid() const { return pid_; }
    // Reaps it; the wait status, or -1 when it is still running at deadline_ms (on now_ms()).
    int reap_by(double deadline_ms);
    bool reaped() const { return reaped_; }
    void kill_all();  // SIGKILL to the group, then reap (a no-op once reaped)
    // Reaped, and some process of its group was still there (then killed).
    bool left_behind() const { return left_behind_; }
    long max_rss_kib() const {
        return max_rss_kib_;
    }  // its peak (or a reaped child's), once reaped

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    bool left_behind_ = false;
    int status_ = -1;
    long max_rss_kib_ = 0;
};

// A program on a pseudo-terminal: it sees a terminal on stdin, stdout and stderr (stderr_fd: a
// descriptor of the test's instead, for what it says after a hangup).
class Pty {
public:
    Pty(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
        int stderr_fd = -1);
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;

    void send(const std::string& keys);
    // Reads until the output seen since the last expect() contains needle; false on deadline.
    bool expect(const std::string& needle, double seconds = 20);
    // Waits for the program to end (reading all output meanwhile); -1 on deadline.
    int wait(double seconds = 20);
    // Closes the terminal, as its window closing does: the kernel sends SIGHUP to the session.
    void hang_up() { master_.close(); }
    const std::string& transcript() const { return transcript_; }
    pid_t pid() const { return group_.pid(); }

private:
    bool read_some(double deadline_ms);  // false at EOF or deadline
    Fd master_;
    Group group_;
    std::string transcript_;
    std::size_t seen_ = 0;
};

// A program left running while the test looks at it from outside (/proc), signals it, or leaves
// its stdout pipe unread. stderr goes to a temporary file (unless RunOptions::stderr_fd).
class Process {
public:
    Process(const std::vector<std::string>& argv, const RunOptions& opts = {});
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return group_.pid(); }
    int stdout_fd() const { return out_.get(); }
    // Reads what stdout has now, without blocking; false once it reached EOF.
    bool read_available();
    // Reads stdout to EOF and reaps the process; the status, or -1 on deadline.
    int finish(double seconds = 60);
    // Reaps it without reading stdout (reading could free a writer the test keeps blocked).
    int reap(double seconds = 60) { return group_.reap_by(deadline_in(seconds)); }
    const std::string& out() const { return stdout_; }
    std::string err() const;  // all it wrote to stderr so far ("" with RunOptions::stderr_fd)
    bool left_behind() const { return group_.left_behind(); }
    long max_rss_kib() const { return group_.max_rss_kib(); }

private:
    static double deadline_in(double seconds);
    // Members in the order they are made: a constructor that throws closes what it opened.
    std::optional<TempFile> input_, err_file_;
    Fd out_;
    Group group_;
    std::string stdout_;
};

// A yardstick for "promptly": another program started beside the one a test measures, under the
// same load. What the test sees happen before the yardstick has ended happened promptly on this
// machine today, however loaded, and no clock was read. (The tests use primeproc testing a prime
// near 10^18: about a second of one core.)
class Yardstick {
public:
    explicit Yardstick(const std::vector<std::string>& argv) : p_(argv) {}
    bool done() { return !p_.read_available(); }  // it has ended (its stdout is at EOF)

private:
    Process p_;
};

// ---------------------------------------------------------------------------------------------
// Statuses, /proc, waiting
// ---------------------------------------------------------------------------------------------

bool exited_with(int status, int code);  // false for -1 (the deadline)
bool killed_by(int status, int sig);
std::string describe(int status);  // "exited with 1", "killed by signal 15", ...

// Linux-only: what /proc says of a process.
// The children of pid, zombies included (/proc/PID/task/PID/children).
std::vector<pid_t> children_of(pid_t pid);
// Waits until pid has n children; returns them (fewer or more only at the deadline).
std::vector<pid_t> wait_for_children(pid_t pid, std::size_t n, double seconds = 30);
// The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 when the process is gone.
char state_of(pid_t pid);
bool gone_or_zombie(pid_t pid);
// The number of the system call pid is blocked in (/proc/PID/syscall), or -1.
long syscall_of(pid_t pid);
// A size of /proc/PID/status ("VmHWM", "VmRSS") in KiB, or -1 when it cannot be read.
long status_kib(pid_t pid, const std::string& name);
// Whether pid ignores sig (the SigIgn mask of /proc/PID/status).
bool ignores(pid_t pid, int sig);
// A child of p asleep in write() while p's stdout pipe, which nobody reads, is full (queued bytes
// within 1/16 of its capacity: a line never straddles two of the pipe's pages, so for lines far
// shorter than 256 bytes, as these tests write, a full pipe is that full), or 0. (A child
// seen in write() before the pipe filled might just be finishing a write that succeeds.)
pid_t child_asleep_writing(const Process& p);

// Milliseconds on a monotonic clock.
double now_ms();
// Waits (polling with a deadline) until pred() holds; false on deadline.
template <typename Pred>
bool eventually(Pred pred, double seconds);
void pause_ms(int ms);  // poll() with no descriptors: the pause between two looks at /proc

template <typename Pred>
bool eventually(Pred pred, double seconds) {
    const double deadline = now_ms() + seconds * 1000;
    while (!pred()) {
        if (now_ms() > deadline) return false;
        pause_ms(2);
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

// Lines of text without their '\n'; a last line without '\n' counts too.
std::vector<std::string> lines(const std::string& text);
std::multiset<std::string> line_set(const std::string& text);
// Terminal output with "\r\n" turned into "\n".
std::string without_cr(const std::string& text);
// How often needle occurs in text (overlaps counted).
std::size_t count(const std::string& text, const std::string& needle);

}  // namespace harness
