// support/trace.hpp - --trace and --timeline: what each process does, as it happens.
//
// Adds to the story: a line per event, so that a student sees the order of fork, lock and
// waitpid across processes (TLPI ch. 24.4 on the race after fork):
//     trace <ms since start> <parent|child> <pid>: <event>
// Each line is one write(2): to a pipe or FIFO, a write of at most PIPE_BUF bytes is atomic
// (POSIX); to a terminal or a file POSIX promises no such thing, so one write per line is the
// best a process can do without the lock (trace lines take none). The start time is taken once in the
// parent and inherited by every child; CLOCK_MONOTONIC is the same clock in every process.
// With --timeline the same lines also go, with O_APPEND, to an unlinked temporary file that every
// process shares, and the picture is drawn from it at the end (timeline.hpp): the two never disagree.
#pragma once

#include <string>

namespace trace {

// Parent, before the first fork: where events go (stderr, the timeline file, both or neither).
// Throws std::system_error naming the call if the timeline file cannot be made.
void start(bool to_stderr, const std::string& timeline_path);
bool on();
// Parent, at the end, every child reaped: --timeline draws its picture (a failure is reported,
// and makes the exit status 1, but costs no answer: they are all printed by now).
void finish();
bool failed();

// A waitpid status as the W* macros decode it: "WIFEXITED, WEXITSTATUS = 0".
std::string decode(int status);

// One event, printf-style. Nothing is formatted when tracing is off. Best effort: a failing
// stderr or file never stops the program.
void event(const char* format, ...) __attribute__((format(printf, 1, 2)));

}  // namespace trace
