// support/trace.hpp - --trace and --timeline: what each process does, as it happens.
//
// Adds to the story: a line per event, so that a student sees the order of fork, lock and
// waitpid across processes (TLPI ch. 24.4 on the race after fork):
//     trace <ms since start> <parent|child> <pid>: <event>
// The events and their words are in events.hpp. Each line is one write(2): to a pipe or FIFO, a
// write of at most PIPE_BUF bytes is atomic (POSIX); to a terminal or a file POSIX promises no
// such thing, so one write per line is the best a process can do without the lock (trace lines
// take none). The start time is taken once in the parent and inherited by every child;
// CLOCK_MONOTONIC is the same clock in every process.
// With --timeline the same lines also go, with O_APPEND, to an unlinked events file that every
// process shares; when the run is over the parent hands that file to the drawer, a program of its
// own (timeline.hpp). The picture and the trace are made of the same lines: they never disagree.
#pragma once

#include "events.hpp"

#include <string>

namespace trace {

// Parent, before the first fork: where events go (stderr, the events file, both or neither).
// With --timeline the picture file is opened and checked here (timeline::open_picture), before
// any work: a refused one throws. An events file that cannot be made is said once on stderr and
// costs only the picture (failed() becomes true). argv0: where the drawer is looked for.
void start(bool to_stderr, const std::string& timeline_path, const char* argv0);
bool on();

// start() for main's whole run. When it goes, a picture not drawn yet is drawn (an exception
// ended the run before finish(): the picture shows what happened until then).
class Recording {
public:
    Recording(bool to_stderr, const std::string& timeline_path, const char* argv0) {
        start(to_stderr, timeline_path, argv0);
    }
    ~Recording();
    Recording(const Recording&) = delete;
    Recording& operator=(const Recording&) = delete;
};

// One event: its words from events.hpp, filled in printf-style with the arguments its format
// asks for. Nothing is formatted when tracing is off. Best effort: a failing stderr or events
// file never stops the program, and never makes a child allocate.
void event(Event e, ...);

// A waitpid status as the W* macros decode it: "WIFEXITED, WEXITSTATUS = 0".
std::string decode(int status);

// Parent, once the run is over (every child reaped; or after an exception, with what was
// written by then): --timeline starts the drawer and waits for it (timeline::draw). The events
// file takes no more lines from here on. A failure, or an events file that could not be written
// to the end, is said once and makes failed() true; no answer is lost by then. Once; later calls
// do nothing.
void draw_timeline();
bool failed();

}  // namespace trace
