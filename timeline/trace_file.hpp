// timeline/trace_file.hpp - a saved trace, read line by line, each line checked against the table
// of events (support/events.hpp).
//
// The drawing reads the trace twice (picture.hpp) through one fixed buffer, with pread(2) from
// offset 0, so memory does not grow with the length of the run. A trace on a pipe cannot be read
// twice: it is copied into an unlinked file in $TMPDIR first.
#pragma once

#include "picture.hpp"

#include <sys/types.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace picture {

// A line that begins like a trace line but is no event of the table (a misspelt event, a trace
// of another version): the drawing stops, rather than leave a piece out without a word.
struct BadTrace : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class TraceFile {
public:
    // path "-" is standard input. Only the bytes the file holds now are read: lines appended
    // later (by a process of the run still dying, say) are not, so both passes see the same.
    // Throws std::system_error naming the call.
    explicit TraceFile(const std::string& path);
    ~TraceFile();
    TraceFile(const TraceFile&) = delete;
    TraceFile& operator=(const TraceFile&) = delete;

    const std::string& name() const { return name_; }  // for messages
    int fd() const { return fd_; }

private:
    friend class TraceReader;
    std::string name_;
    int fd_ = -1;
    bool own_fd_ = false;
    off_t size_ = 0;
};

// One pass over a TraceFile: its trace lines as events, in file order.
class TraceReader {
public:
    explicit TraceReader(const TraceFile& file) : file_(file), buf_(64 * 1024) {}
    // The next event; false at the end. Lines that are not trace lines (a message that went to
    // stderr with the trace) are skipped; a trace line with an unknown event throws BadTrace.
    bool next_event(TraceEvent& e);
    // The trace ended in the middle of a line (a write that failed half-way, a file cut short):
    // that line was left out. Known once next_event has returned false.
    bool ends_cut() const { return ends_cut_; }

private:
    bool next_line(std::string_view& line);  // false at the end of the file
    void refill();
    const TraceFile& file_;
    off_t offset_ = 0;
    std::vector<char> buf_;
    std::size_t begin_ = 0, end_ = 0;  // the unread bytes are buf_[begin_, end_)
    bool at_eof_ = false;
    bool skipping_ = false;  // inside a line longer than the buffer: no trace line is, skip it
    bool ends_cut_ = false;
    std::size_t line_number_ = 0;
};

// One line, read against the table: true and `e` filled for an event; false for a line that is
// not a trace line; throws BadTrace (naming `where`) for a trace line with no known event.
bool parse_trace_line(std::string_view line, TraceEvent& e, const std::string& where);

}  // namespace picture
