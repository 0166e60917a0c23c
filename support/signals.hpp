// support/signals.hpp - the parent's signals: SIGINT, SIGTERM and SIGHUP stop it, SIGCHLD wakes it,
// and no signal can slip past a wait unnoticed.
//
// Adds to the story: Ctrl-C, kill and a closed terminal end primeproc and its children cleanly,
// and the parent sleeps while it waits for a child instead of polling waitpid (TLPI ch. 20-22 on
// signals, ch. 26.3 on SIGCHLD, ch. 63.5.2 on the self-pipe trick).
//
// The handler records the signal and writes one byte into a pipe; every place where the parent
// blocks (waiting for input, waiting for a child) polls that pipe as well. A flag alone would race:
// a signal landing after the flag was checked but before poll() started would go unnoticed.
#pragma once

#include <csignal>
#include <string_view>

class Signals {
public:
    // Installs the handler for each stop signal that was not ignored when we started (nohup and
    // shells ignore some on purpose: they stay ignored, for us and our children) and for SIGCHLD.
    Signals();
    ~Signals();
    Signals(const Signals&) = delete;
    Signals& operator=(const Signals&) = delete;

    int stop_signal() const;  // the SIGINT, SIGTERM or SIGHUP that arrived, or 0

    // Waits until fd is readable (true) or a stop signal arrives (false). A child ending meanwhile
    // is no reason to stop waiting; after Ctrl-Z and fg the prompt (set_prompt) is drawn again.
    bool wait_readable(int fd);
    // The prompt shown while wait_readable waits, on fd; fd -1: none.
    void set_prompt(int fd, std::string_view text);
    // Returns after a SIGCHLD or a stop signal, or after timeout_ms; never later than one second,
    // so that even a lost SIGCHLD (say, one reaped by a debugger) costs at most a second.
    void wait_for_child(int timeout_ms = -1);

    // SIGPIPE and SIGXFSZ ignored, by us and (inherited) by our children: a write to a pipe whose
    // reader has gone, or past a file-size limit, then fails with EPIPE or EFBIG where we can see
    // it, instead of killing the writer in the middle of a line.
    static void ignore_output_signals();

    // The parent ends the way the signal asked for, so its own parent sees it (status 128 + sig).
    [[noreturn]] static void die_of(int sig);

private:
    int poll_with_wakeups(int fd, int timeout_ms);
    void drain();
    void show_prompt_again();
    int read_fd_ = -1;
    int prompt_fd_ = -1;
    std::string_view prompt_;
};
