// harness.hpp - run the real ./primeproc from a test: through pipes, or on a pseudo-terminal.
//
// Every run has a deadline, enforced with poll(); on expiry the whole process group (primeproc
// and its children) is killed and the test fails. Nothing here sleeps to synchronise.
#pragma once

#include <sys/types.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace harness {

// The binary under test: $PRIMEPROC if set (the Makefile sets it), else ./primeproc.
std::string primeproc();

struct Run {
    std::string out, err;
    int status = -1;         // as from waitpid
    bool timed_out = false;
    bool left_behind = false;  // some process of its group outlived it (then killed)
    int exit_code() const;   // -1 unless it exited normally
    int signal() const;      // 0 unless a signal killed it
};

struct RunOptions {
    std::map<std::string, std::string> env;  // set in the child (LANG etc. are cleared first)
    double deadline_seconds = 60;
    bool close_stdout = false;               // start it with descriptor 1 closed
    std::string stdout_file;                 // redirect stdout to this file instead of a pipe
    std::string stdin_file;                  // Process only: stdin from this file, not /dev/null
    // Process only: the stdout pipe's capacity (F_SETPIPE_SZ, Linux; at least a page), so that a
    // test that leaves stdout unread fills it with a few dozen lines instead of a thousand.
    int stdout_pipe_bytes = 0;
};

// Runs argv[0] with input on stdin (then EOF), collecting stdout and stderr.
Run run(const std::vector<std::string>& argv, const std::string& input, const RunOptions& opts = {});

// Lines of text without their '\n'; a last line without '\n' counts too.
std::vector<std::string> lines(const std::string& text);
std::multiset<std::string> line_set(const std::string& text);

// Milliseconds on a monotonic clock.
double now_ms();

// A program on a pseudo-terminal: it sees a terminal on stdin, stdout and stderr.
class Pty {
public:
    Pty(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);
    ~Pty();  // kills what is still running
    Pty(const Pty&) = delete;
    Pty& operator=(const Pty&) = delete;

    void send(const std::string& keys);
    // Reads until the output seen since the last expect() contains needle; false on deadline.
    bool expect(const std::string& needle, double seconds = 20);
    // Waits for the program to end (reading all output meanwhile); -1 on deadline.
    int wait(double seconds = 20);
    const std::string& transcript() const { return transcript_; }
    pid_t pid() const { return pid_; }

private:
    bool read_some(double deadline_ms);  // false at EOF or deadline
    pid_t pid_ = -1;
    int master_ = -1;
    std::string transcript_;
    std::size_t seen_ = 0;
    bool exited_ = false;
};

// A primeproc started in its own process group and left running, so a test can look at it from
// outside (/proc), signal it, or leave its stdout pipe unread. stderr goes to a temporary file.
class Process {
public:
    Process(const std::vector<std::string>& argv, const RunOptions& opts = {});
    ~Process();  // kills its whole process group if it is still running
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    int stdout_fd() const { return out_; }
    // Reads what stdout has now, without blocking; false once it reached EOF.
    bool read_available();
    // Reads stdout to EOF and reaps the process; the status, or -1 on deadline.
    int finish(double seconds = 60);
    const std::string& out() const { return stdout_; }
    std::string err() const;

private:
    pid_t pid_ = -1;
    int out_ = -1;
    std::string err_path_;
    std::string stdout_;
    bool reaped_ = false;
};

// Linux-only test helpers (the program itself uses none of this).
// The children of pid, zombies included (/proc/PID/task/PID/children).
std::vector<pid_t> children_of(pid_t pid);
// The state letter of /proc/PID/stat ('R', 'S', 'Z', ...), or 0 when the process is gone.
char state_of(pid_t pid);
// The number of the system call pid is blocked in (/proc/PID/syscall), or -1.
long syscall_of(pid_t pid);
// A child of p asleep in write() while p's stdout pipe, which nobody reads, is full (queued bytes
// within 1/16 of its capacity: a line never straddles two of the pipe's pages, so for lines far
// shorter than 256 bytes, as these tests write, a full pipe is that full), or 0. (A child
// seen in write() before the pipe filled might just be finishing a write that succeeds.)
pid_t child_asleep_writing(const Process& p);
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

// Terminal output with "\r\n" turned into "\n".
std::string without_cr(const std::string& text);

}  // namespace harness
