// support/parent.cpp - see parent.hpp.
#include "parent.hpp"

#include "io.hpp"
#include "messages.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <new>

// The board is built in its shared page (placement new); it needs no destructor, and the page is
// unmapped when board_memory goes.
Parent::Parent(const Options& o)
    : opts(o),
      board(*new (board_memory.address()) Board),
      children(o.jobs),
      terminal(o.numbers.empty() && isatty(STDIN_FILENO) == 1),
      prompt(terminal || (o.numbers.empty() && o.interactive)),
      // A person at a terminal whose verdicts go to a file or a pipe (./primeproc > out) must
      // see the prompt, and the verdicts must stay whole lines: then it goes to stderr, as the
      // shell's and Python's prompts do. (-i without a terminal keeps the book's stdout.)
      prompt_fd(terminal && isatty(STDOUT_FILENO) != 1 ? STDERR_FILENO : STDOUT_FILENO),
      lock_for_stderr(io::stderr_shares_stdout()),
      for_child{lock, fair_prompt, board, live_prompt(), o.language, o.unlocked, getpid()} {
    if (o.unlocked) say(prime::unlocked_warning(o.language));
}

// --live on a terminal: children erase and redraw "> " around their line (modes.hpp).
const bool* Parent::live_prompt() {
    return opts.live && prompt && isatty(STDOUT_FILENO) == 1 ? &board.prompt_shown : nullptr;
}

Ending Parent::why_ending() const {
    if (why_ == Ending::No && signals.stop_signal() != 0) return Ending::StopSignal;
    return why_;
}

int Parent::death_signal() const {
    switch (why_ending()) {
    case Ending::StopSignal:
        return signals.stop_signal();
    case Ending::ReaderGone:
        return SIGPIPE;
    case Ending::HungUp:
        return SIGHUP;
    default:
        return 0;
    }
}

// parent: a report on stderr. Where stderr is the verdicts' file (a terminal), it is written
// under the lock, so it never lands inside a child's line; elsewhere it cannot, and we must not
// wait for a child that is stuck writing to a full pipe.
void Parent::say(const std::string& line, bool prefixed) {
    std::unique_lock<ProcessMutex> hold(lock, std::defer_lock);
    // Told to stop, we say it without the lock (best effort: io::write_all gives way too).
    if (lock_for_stderr) take_lock(hold);
    if (prefixed) io::say(line);
    else io::say_line(line);
}

void Parent::report_failure(const std::string& line) {
    some_failed = true;
    say(line);
}

bool Parent::take_lock(std::unique_lock<ProcessMutex>& hold) {
    // Ten milliseconds at a time: pthread_mutex_lock cannot be interrupted by a signal.
    while (!hold.try_lock_for(std::chrono::milliseconds(10))) {
        if (ending()) return false;
    }
    return true;
}

// Only reached with children left when an exception ends the parent (finish() reaps them all
// otherwise). Stop them, so nothing outlives primeproc; init (or a subreaper) reaps them.
Parent::~Parent() { signal_children(); }

// A stopped child cannot act on SIGTERM: SIGCONT too. Not yet reaped, so no pid can have been
// reused: kill() reaches our own child.
void Parent::signal_children() {
    children.for_each_pid([](pid_t pid) {
        if (kill(pid, SIGTERM) != 0 || kill(pid, SIGCONT) != 0)
            io::say(std::string("kill: ") + std::strerror(errno));
    });
}

// parent: the lock counts its repairs; waitpid says how each child ended. A repair is news only
// when a child was killed by a signal we report (record_end counts those in killed_unexpectedly):
// a child that dies of SIGPIPE has let go of the lock first, and one ended by the signal that
// ends us, or by our own stop_all, is no news, nor is its repair (from then on we are ending).
// A repair seen before the reap that explains it waits for that reap. Called after each reap.
void Parent::tell_repairs() {
    for (const unsigned long repairs = lock.owner_deaths(); repairs_seen < repairs;
         ++repairs_seen) {
        if (ending()) continue;
        if (killed_unexpectedly == 0) return;
        --killed_unexpectedly;
        say(prime::lock_repaired(opts.language));
    }
}
