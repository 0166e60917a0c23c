// support/parent.hpp - what the parent sets up before its first fork, and each child inherits.
//
// Adds to the story: one place that holds the lock, the fair prompt, the shared board, the signal
// watch and the table of children, so that primeproc.cpp's parent functions need only "the
// parent" (p), and one reason for ending (Ending). A child gets a copy of all of it with fork()
// (TLPI ch. 24.2) and uses only its ChildContext: the lock's, the fair prompt's and the board's
// pages, which it shares.
#pragma once

#include "../lock.hpp"
#include "children.hpp"
#include "fair_prompt.hpp"
#include "messages.hpp"
#include "options.hpp"
#include "signals.hpp"

#include <unistd.h>

#include <csignal>
#include <mutex>
#include <string>

// A page that parent and children share besides the lock's and the fair prompt's; read and
// written under the lock.
struct Board {
    bool prompt_shown = false;  // --live on a terminal: "> " is on the screen (modes.hpp)
    int output_error = 0;       // the errno of the first failed write to stdout
};

// What a child needs of all that the parent set up. After fork() it has a copy of everything,
// but it uses only this: the shared pages, and how to print its line.
struct ChildContext {
    ProcessMutex& lock;
    FairPrompt& fair_prompt;
    Board& board;
    const bool* live_prompt;  // --live on a terminal: "> " may be on the screen (modes.hpp)
    prime::Language language;
    bool unlocked;  // --unlocked: in pieces, without the lock (modes.hpp)
    pid_t parent;   // to notice that it has gone (ParentGone)
};

// child: our parent is gone once we have been given a new one (init or a subreaper), so nobody
// would read the answer. getppid() is portable; prctl(PR_SET_PDEATHSIG) would be Linux-only.
// (Not in a namespace, so that a debugger names smallest_factor<ParentGone> plainly.)
struct ParentGone {
    pid_t parent;
    bool operator()() const { return getppid() != parent; }
};

// Why the parent ends before its input does, if it does. The first reason stays.
enum class Ending {
    No,
    StopSignal,    // SIGINT, SIGTERM or SIGHUP arrived: stop the children, die of that signal
    ReaderGone,    // stdout's reader has gone (EPIPE): die of SIGPIPE, as `yes | head -1` does
    HungUp,        // the terminal has gone (EIO): die of SIGHUP, as if it had been sent
    OutputFailed,  // stdout takes no more (a file-size limit, a full disk): say so, exit 1
};

// Everything the parent sets up before its first fork, and what it learns as it goes.
struct Parent {
    explicit Parent(const Options& o);  // creates the lock and the board
    ~Parent();  // children still running when the parent ends early (an exception) are stopped
    Parent(const Parent&) = delete;
    Parent& operator=(const Parent&) = delete;

    void say(const std::string& line, bool prefixed = true);
    void report_failure(const std::string& line);  // says it; the exit status will be 1
    // Waits for the lock, giving way to a stop signal (then false, without the lock): a child
    // stuck writing to a full pipe while it holds the lock must not keep Ctrl-C from us.
    bool take_lock(std::unique_lock<ProcessMutex>& hold);
    void tell_repairs();     // says that the lock was repaired, when that is news (parent.cpp)
    void signal_children();  // SIGTERM and SIGCONT to every child in the table

    // A stop signal is noticed here: its handler can only set a flag (signals.hpp).
    Ending why_ending() const;
    bool ending() const { return why_ending() != Ending::No; }
    void end_because(Ending why) {
        if (why_ == Ending::No) why_ = why;
    }
    int death_signal() const;  // the signal to die of, 0 for OutputFailed

    const Options& opts;
    ProcessMutex lock;
    FairPrompt fair_prompt{lock, opts.jobs};  // the answers waiting at the lock go first
    SharedMemory board_memory{sizeof(Board)};
    Board& board;
    Signals signals;
    ChildTable children;
    bool terminal;  // a person types the numbers: greet, explain waits
    bool prompt;    // show "> " and hold the lock while reading (the book)
    int prompt_fd;  // where the person sees "> ": stdout, or stderr if only that is a terminal
    bool lock_for_stderr;              // stderr is where the verdicts go: lock to write there
    const ChildContext for_child;      // handed to run_child
    bool some_failed = false;          // a child or a fork failed: exit status 1
    unsigned killed_unexpectedly = 0;  // children killed by a signal we report (see tell_repairs)
    unsigned long repairs_seen = 0;    // of lock.owner_deaths()

private:
    const bool* live_prompt();
    Ending why_ = Ending::No;
};
