// support/parent.hpp - what the parent sets up before its first fork, and each child inherits.
//
// Adds to the story: one place that holds the lock, the fair prompt, the shared board, the signal
// watch and the table of children, so that primeproc.cpp's functions need only "the parent" (p).
// A child gets a copy of all of it with fork() (TLPI ch. 24.2), and shares the lock's, the fair
// prompt's and the board's pages.
#pragma once

#include "../lock.hpp"
#include "children.hpp"
#include "fair_prompt.hpp"
#include "options.hpp"
#include "signals.hpp"

#include <unistd.h>

#include <csignal>
#include <string>

// A page that parent and children share besides the lock's and the fair prompt's; read and
// written under the lock.
struct Board {
    bool prompt_shown = false;  // --live on a terminal: "> " is on the screen (modes.hpp)
    int output_error = 0;       // the errno of the first failed write to stdout
};

// Everything the parent sets up before its first fork. Each child gets a copy of it, and
// through the lock and the board, memory it shares with the parent and its siblings.
struct Parent {
    explicit Parent(const Options& o);  // creates the lock and the board
    ~Parent();  // children still running when the parent ends early (an exception) are stopped
    Parent(const Parent&) = delete;
    Parent& operator=(const Parent&) = delete;
    void say(const std::string& line, bool prefixed = true);
    bool ending() const { return end_signal != 0 || signals.stop_signal() != 0 || output_failed; }
    void tell_repairs();  // says that the lock was repaired, when that is news (parent.cpp)

    const Options& opts;
    ProcessMutex lock;
    FairPrompt fair_prompt{lock, opts.jobs};  // the answers waiting at the lock go first
    SharedMemory board_memory{sizeof(Board)};
    Board& board;
    Signals signals;
    ChildTable children;
    pid_t pid = getpid();
    bool terminal;                  // a person types the numbers: greet, explain waits
    bool prompt;                    // show "> " and hold the lock while reading (the book)
    bool* live_prompt;              // --live on a terminal: &board.prompt_shown, else nullptr
    bool lock_for_stderr;           // stderr is where the verdicts go: lock to write there
    bool some_failed = false;
    bool output_failed = false;     // a child found stdout unusable: stop like a vanished reader
    bool stopping = false;          // we are ending our children ourselves
    int end_signal = 0;             // SIGPIPE: the reader has gone; SIGHUP: the terminal has
    unsigned killed_unexpectedly = 0;  // children killed by a signal we report (see tell_repairs)
    unsigned long repairs_seen = 0;    // of lock.owner_deaths()
};
