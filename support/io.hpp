// support/io.hpp - writing with write(2): whole lines, retried, and errors said once.
//
// Adds to the story: every byte primeproc prints goes through write(2), never a stdio buffer, so
// nothing waits in user space when fork() copies the process (TLPI ch. 4 on write, ch. 13 on
// stdio buffering, ch. 24.2 on fork and buffers). Diagnostics on stderr are best effort: a broken
// stderr must never cost an answer on stdout.
#pragma once

#include <csignal>
#include <string_view>

namespace io {

[[noreturn]] void throw_errno(const char* call);  // std::system_error(errno, call)

// All of text, or a std::system_error naming "write". Retries after EINTR and after a short
// write; on a descriptor in non-blocking mode (O_NONBLOCK, inherited from the shell) EAGAIN
// means "full for now", so it waits in poll() until the descriptor takes more.
// Once *stop_flag (see give_way_to) is set, a write that would have to wait fails with EINTR.
void write_all(int fd, std::string_view text);

// The parent's Ctrl-C or kill must not wait behind a write that blocks (stdout's pipe full and
// unread, a terminal stopped with Ctrl-S): Signals points this at the flag its handler sets.
// Such a write is interrupted (EINTR: we install the handler without SA_RESTART); write_all then
// sees the flag and gives up instead of trying again.
void give_way_to(const volatile std::sig_atomic_t* stop_flag);

// "primeproc: " + text + "\n" on stderr as one write(2). Never throws: if stderr is broken the
// line is lost and stderr_failed() says so (the exit status becomes 1).
void say(std::string_view text);
void say_line(std::string_view line);  // as it is, e.g. a refusal; also never throws
bool stderr_failed();

// Are stdout and stderr the same open file (a terminal, say)? Only then can a diagnostic land
// inside a verdict line, and only then must the parent take the output lock to write one.
bool stderr_shares_stdout();

// At the very start: a closed descriptor 0, 1 or 2 would be handed out by our own pipe() or
// open(), and children would then write their verdicts into it. Throws when stdout is closed
// (or stdin, when it is to be read); an unused one is pointed at /dev/null.
void check_standard_descriptors(bool reading_stdin);

}  // namespace io
