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
    : opts(o), lock(prime::lock_repaired(o.language)),
      board(*new (board_memory.address()) Board), children(o.jobs),
      terminal(o.numbers.empty() && isatty(STDIN_FILENO) == 1),
      prompt(terminal || (o.numbers.empty() && o.interactive)),
      live_prompt(o.live && prompt && isatty(STDOUT_FILENO) == 1 ? &board.prompt_shown : nullptr),
      lock_for_stderr(io::stderr_shares_stdout()) {
    if (o.unlocked) say(prime::unlocked_warning(o.language));
}

// parent: a report on stderr. Where stderr is the verdicts' file (a terminal), it is written
// under the lock, so it never lands inside a child's line; elsewhere it cannot, and we must not
// wait for a child that is stuck writing to a full pipe.
void Parent::say(const std::string& line, bool prefixed) {
    std::unique_lock<ProcessMutex> hold(lock, std::defer_lock);
    if (lock_for_stderr) hold.lock();
    if (prefixed) io::say(line);
    else io::say_line(line);
}

// Only reached with children left when an exception ends the parent (finish() reaps them all
// otherwise). Stop them, so nothing outlives primeproc; init (or a subreaper) reaps them.
Parent::~Parent() {
    lock.expect_owner_deaths();
    children.for_each_pid([](pid_t pid) {
        if (kill(pid, SIGTERM) != 0 || kill(pid, SIGCONT) != 0) io::say(std::string("kill: ") + std::strerror(errno));
    });
}
