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

// EAGAIN: the descriptor is non-blocking and full. Wait until it can take more.
void wait_writable(int fd) {
    pollfd p = {fd, POLLOUT, 0};
    while (poll(&p, 1, -1) < 0) {
        if (errno != EINTR) throw_errno("poll");
    }
}
}  // namespace

[[noreturn]] void throw_errno(const char* call) {
    throw std::system_error(errno, std::generic_category(), call);
}

// A blocking write(2) returns short only when a signal arrives after part was written (or at a
// file-size limit or a full disk, where the next call reports the error); EINTR means nothing was
// written. Either way: carry on from where it stopped.
void write_all(int fd, std::string_view text) {
    while (!text.empty()) {
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
    } catch (const std::system_error&) {
        g_stderr_failed = true;  // nowhere left to say it; the answers go on
    }
}

bool stderr_failed() { return g_stderr_failed; }

bool stderr_shares_stdout() {
    struct stat out {}, err {};
    if (fstat(STDOUT_FILENO, &out) != 0 || fstat(STDERR_FILENO, &err) != 0) return true;  // be safe
    return out.st_dev == err.st_dev && out.st_ino == err.st_ino;
}

void check_standard_descriptors(bool reading_stdin) {
    for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
        if (fcntl(fd, F_GETFD) >= 0) continue;
        if (errno != EBADF) throw_errno("fcntl(F_GETFD)");
        if (fd == STDOUT_FILENO) throw std::system_error(EBADF, std::generic_category(), "standard output");
        if (fd == STDIN_FILENO && reading_stdin) {
            throw std::system_error(EBADF, std::generic_category(), "standard input");
        }
        // open() returns the lowest free descriptor, which is fd.
        if (open("/dev/null", O_RDWR) < 0) throw_errno("open(/dev/null)");
    }
}

}  // namespace io
