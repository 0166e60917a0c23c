// support/lines.cpp - see lines.hpp.
#include "lines.hpp"

#include "io.hpp"
#include "trace.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

LineReader::Status LineReader::fill() {
    trace::event(trace::Event::waits_for_input);
    for (;;) {
        if (!signals_.wait_readable(fd_)) return Status::Stopped;
        const ssize_t n = read(fd_, buffer_, sizeof buffer_);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;  // the loop looks for a stop first
            if (errno == EIO && isatty(fd_) == 1) return Status::HungUp;
            io::throw_errno("read");
        }
        if (n > 0) trace::event(trace::Event::read_bytes, n);
        else trace::event(trace::Event::read_end);
        begin_ = 0;
        end_ = static_cast<std::size_t>(n);
        return n > 0 ? Status::Line : Status::EndOfInput;
    }
}

LineReader::Status LineReader::next(std::string& line, std::size_t max_kept) {
    line.clear();
    bool have_bytes = false;
    for (;;) {
        if (begin_ == end_) {
            const Status filled = at_eof_ ? Status::EndOfInput : fill();
            if (filled == Status::Stopped || filled == Status::HungUp) return filled;
            if (filled == Status::EndOfInput) {
                at_eof_ = true;  // a last line without '\n' still counts as a line
                return have_bytes ? Status::Line : Status::EndOfInput;
            }
        }
        have_bytes = true;
        const char* start = buffer_ + begin_;
        const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
        const std::size_t take =
            newline ? static_cast<std::size_t>(newline - start) : end_ - begin_;
        line.append(start, std::min(take, max_kept - std::min(line.size(), max_kept)));
        begin_ += take;
        if (newline) {
            ++begin_;
            return Status::Line;
        }
    }
}
