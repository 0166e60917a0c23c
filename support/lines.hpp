// support/lines.hpp - reading standard input one line at a time with read(2).
//
// Adds to the story: the parent's "read a line" that can be interrupted. Not std::getline: the
// parent must wait in poll() beside the signal pipe (signals.hpp), see EINTR, and never store a
// line of a gigabyte whole (TLPI ch. 4 on read, ch. 63.2 on poll).
#pragma once

#include "signals.hpp"

#include <cstddef>
#include <string>

class LineReader {
public:
    enum class Status { Line, EndOfInput, Stopped, HungUp };
    LineReader(int fd, Signals& signals) : fd_(fd), signals_(signals) {}
    // The next line without its '\n', of which at most max_kept bytes are kept (enough for the
    // parser to see that it was too long). Stopped: a stop signal arrived while waiting; HungUp:
    // the terminal has gone (read fails with EIO), which ends us as SIGHUP would.
    Status next(std::string& line, std::size_t max_kept);

private:
    Status fill();  // Line: the buffer has new bytes
    int fd_;
    Signals& signals_;
    char buffer_[4096];
    std::size_t begin_ = 0, end_ = 0;
    bool at_eof_ = false;
};
