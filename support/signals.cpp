// support/signals.cpp - see signals.hpp.
#include "signals.hpp"

#include "io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace {

constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int kMaxWaitMs = 1000;

volatile sig_atomic_t g_stop_signal = 0;
volatile sig_atomic_t g_continued = 0;  // SIGCONT came: fg after Ctrl-Z
int g_wakeup_fd = -1;                   // write end of the self-pipe
pid_t g_parent = 0;                     // the process that installed the handler

// Returns false when sigaction fails (errno says why); in a handler nobody can be told.
bool set_default(int sig) {
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    return sigaction(sig, &sa, nullptr) == 0;
}

// A handler may do almost nothing safely (only async-signal-safe calls: getpid, write, sigaction,
// raise are). A child inherits this handler with the rest of the parent; rather than reset every
// handler in every child after fork() (two system calls per number, paid even when no signal
// ever comes), a child that receives a signal puts the default action back and raises the signal
// again: it dies of SIGINT, SIGTERM or SIGHUP as any program would, and SIGCONT (which the parent
// sends with SIGTERM: stop_all) does nothing more than continue it. The cost: one getpid() per
// signal.
extern "C" void on_signal(int sig) {
    const int saved_errno = errno;  // the interrupted code may be about to read errno
    if (getpid() != g_parent) {
        if (set_default(sig)) raise(sig);  // pending until the handler returns, then acted on
    } else {
        if (sig == SIGCONT) g_continued = 1;
        else if (sig != SIGCHLD) g_stop_signal = sig;
        // Non-blocking: a full pipe means a wake-up is already pending, so EAGAIN is fine.
        if (write(g_wakeup_fd, "!", 1) < 0) { /* nothing safe to do in a handler */
        }
    }
    errno = saved_errno;
}

void make_nonblocking_cloexec(int fd) {
    const int flags = fcntl(fd, F_GETFL);
    if (flags < 0) io::throw_errno("fcntl(F_GETFL)");
    if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) io::throw_errno("fcntl(F_SETFL)");
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) io::throw_errno("fcntl(F_SETFD)");
}

bool ignored_at_start(int sig) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) != 0) io::throw_errno("sigaction");
    return old.sa_handler == SIG_IGN;
}

void install(int sig) {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    // No SA_RESTART: a blocking call interrupted by a signal returns EINTR, and each caller
    // decides what that means. SA_NOCLDSTOP: a child stopped with Ctrl-Z is not news.
    sa.sa_flags = SA_NOCLDSTOP;
    if (sigaction(sig, &sa, nullptr) != 0) io::throw_errno("sigaction");
}

void change_mask(int how, int sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    if (sigprocmask(how, &set, nullptr) != 0) io::throw_errno("sigprocmask");
}

}  // namespace

Signals::Signals() {
    int fds[2];
    if (pipe(fds) != 0) io::throw_errno("pipe");
    read_fd_ = fds[0];
    g_wakeup_fd = fds[1];
    make_nonblocking_cloexec(read_fd_);
    make_nonblocking_cloexec(g_wakeup_fd);
    g_parent = getpid();
    io::give_way_to(&g_stop_signal);
    for (int sig : kStopSignals) {
        if (ignored_at_start(sig)) continue;
        install(sig);
        // A signal mask is inherited across exec: whoever started us may have blocked these.
        // We wait for them, and our children (who inherit our mask) must be stoppable by them.
        change_mask(SIG_UNBLOCK, sig);
    }
    // SIGCHLD always gets the handler: ignoring it would make the kernel reap our children
    // itself, and their exit statuses would be lost. It stays blocked except while we wait in
    // poll(), so children ending do not interrupt the parent's work (each delivery costs a
    // handler run, a pipe write and a sigreturn); the self-pipe keeps every wake-up.
    install(SIGCHLD);
    change_mask(SIG_BLOCK, SIGCHLD);
    // SIGCONT (fg after Ctrl-Z) only wakes us: the shell has written over the prompt (TLPI 34.7).
    install(SIGCONT);
}

Signals::~Signals() {
    if (close(read_fd_) != 0) io::say(std::string("close: ") + std::strerror(errno));
    if (close(g_wakeup_fd) != 0) io::say(std::string("close: ") + std::strerror(errno));
}

int Signals::stop_signal() const { return g_stop_signal; }

// Unblock, poll, block: a SIGCHLD that became pending while blocked is delivered the moment it is
// unblocked, its handler writes to the pipe, and poll() sees the byte; nothing is lost.
int Signals::poll_with_wakeups(int fd, int timeout_ms) {
    pollfd fds[2] = {{read_fd_, POLLIN, 0}, {fd, POLLIN, 0}};
    change_mask(SIG_UNBLOCK, SIGCHLD);
    const int n = poll(fds, fd < 0 ? 1 : 2, timeout_ms);
    const int saved_errno = errno;
    change_mask(SIG_BLOCK, SIGCHLD);
    if (n < 0 && saved_errno != EINTR) {
        errno = saved_errno;
        io::throw_errno("poll");
    }
    if (fds[0].revents != 0) drain();
    return n > 0 && fd >= 0 && fds[1].revents != 0;  // POLLIN, or POLLHUP at the end of a pipe
}

bool Signals::wait_readable(int fd) {
    for (;;) {
        if (g_stop_signal != 0) return false;
        if (g_continued != 0) show_prompt_again();
        if (poll_with_wakeups(fd, -1)) return true;
    }
}

void Signals::set_prompt(int fd, std::string_view text) {
    prompt_fd_ = fd;
    prompt_ = text;
}

// After fg the shell has printed the job's name on a line of its own: draw the prompt again
// there, if the terminal is ours (tcgetpgrp; after bg it is not, and a write would stop us with
// SIGTTOU where TOSTOP is set).
void Signals::show_prompt_again() {
    g_continued = 0;
    if (prompt_fd_ < 0 || tcgetpgrp(prompt_fd_) != getpgrp()) return;
    io::write_all(prompt_fd_, prompt_);
}

void Signals::wait_for_child(int timeout_ms) {
    if (g_stop_signal != 0) return;
    poll_with_wakeups(-1, timeout_ms < 0 ? kMaxWaitMs : std::min(timeout_ms, kMaxWaitMs));
}

void Signals::drain() {
    char bytes[64];
    for (;;) {
        if (read(read_fd_, bytes, sizeof bytes) > 0) continue;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // empty: all wake-ups consumed
        io::throw_errno("read(self-pipe)");
    }
}

void Signals::ignore_output_signals() {
    struct sigaction sa {};
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGPIPE, SIGXFSZ}) {
        if (sigaction(sig, &sa, nullptr) != 0) io::throw_errno("sigaction");
    }
}

void Signals::die_of(int sig) {
    if (!set_default(sig)) io::say(std::string("sigaction: ") + std::strerror(errno));
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, sig);
    if (sigprocmask(SIG_UNBLOCK, &only, nullptr) != 0)
        io::say(std::string("sigprocmask: ") + std::strerror(errno));
    if (raise(sig) != 0) io::say(std::string("raise: ") + std::strerror(errno));
    _exit(128 + sig);  // only reached if the signal could not end us
}
