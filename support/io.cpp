// support/io.cpp - see io.hpp.
#include "io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace io {

namespace {
bool g_stderr_failed = false;
const volatile std::sig_atomic_t* g_stop_flag = nullptr;

[[noreturn]] void give_up() { throw std::system_error(EINTR, std::generic_category(), "write"); }

bool writable_now(int fd) {
    pollfd p = {fd, POLLOUT, 0};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) != 0;
}

// Told to stop, a write goes out only if it need not wait. (A signal that lands between this
// check and the write() that then blocks is missed: the next one interrupts it. Closing that
// window for good would take the descriptor out of blocking mode, for every process sharing it.)
bool must_give_way(int fd) {
    return g_stop_flag != nullptr && *g_stop_flag != 0 && !writable_now(fd);
}

// EAGAIN: the descriptor is non-blocking and full. Wait until it can take more.
void wait_writable(int fd) {
    pollfd p = {fd, POLLOUT, 0};
    while (poll(&p, 1, -1) < 0) {
        if (errno != EINTR) throw_errno("poll");
        if (must_give_way(fd)) give_up();
    }
}
}  // namespace

void give_way_to(const volatile std::sig_atomic_t* stop_flag) { g_stop_flag = stop_flag; }

[[noreturn]] void throw_errno(const char* call) {
    throw std::system_error(errno, std::generic_category(), call);
}

// A blocking write(2) returns short only when a signal arrives after part was written (or at a
// file-size limit or a full disk, where the next call reports the error); EINTR means nothing was
// written. Either way: carry on from where it stopped.
void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        if (must_give_way(fd)) give_up();
        const ssize_t n = write(fd, text.data(), text.size());
        if (n >= 0) {
            text.remove_prefix(static_cast<std::size_t>(n));
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            wait_writable(fd);
        } else if (errno != EINTR) {
            throw_errno("write");
        }
    }
}

void say(std::string_view text) { say_line("primeproc: " + std::string(text) + "\n"); }

void say_line(std::string_view line) {
    try {
        write_all(STDERR_FILENO, line);
    } catch (const std::system_error& e) {
        // Nowhere left to say it; the answers go on. (EINTR: we are stopping, and stderr was full.)
        if (e.code().value() != EINTR) g_stderr_failed = true;
    }
}

bool stderr_failed() { return g_stderr_failed; }

bool stderr_shares_stdout() {
    struct stat out {
    }, err{};
    if (fstat(STDOUT_FILENO, &out) != 0 || fstat(STDERR_FILENO, &err) != 0) return true;  // be safe
    return out.st_dev == err.st_dev && out.st_ino == err.st_ino;
}

void check_standard_descriptors(bool reading_stdin) {
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
        if (fcntl(fd, F_GETFD) >= 0) continue;
        if (errno != EBADF) throw_errno("fcntl(F_GETFD)");
        if (fd == STDOUT_FILENO)
            throw std::system_error(EBADF, std::generic_category(), "standard output");
        if (fd == STDIN_FILENO && reading_stdin) {
            throw std::system_error(EBADF, std::generic_category(), "standard input");
        }
        // open() returns the lowest free descriptor, which is fd.
        if (open("/dev/null", O_RDWR) < 0) throw_errno("open(/dev/null)");
    }
}

}  // namespace io
