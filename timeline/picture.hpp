// timeline/picture.hpp - what the parts of primeproc-timeline share: the trace read as events,
// the pieces of lanes made from them, and where the pieces go (the SVG or the JSON writer).
//
// The trace holds the lines of every process of a run, each written by one write(2), so lines
// are whole but processes interleave: a child that runs before its parent returns from fork()
// writes "started" before the parent writes "fork() -> child". Within one process, though, file
// order is time order (a process reads the clock, then writes, one event after the other). So
// nothing needs sorting: each lane is a small state machine fed in file order. The one piece
// made of two processes' lines, the zombie (the child's _exit to the parent's waitpid), pairs
// lines whose file order is fixed too: waitpid returns only after the child's last write.
#pragma once

#include "../support/events.hpp"
#include "../support/timeline.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace picture {

// Trace times are milliseconds with three decimals ("%10.3f"): whole microseconds. Kept as
// integers they are exact, and the JSON wants microseconds anyway.
using Micros = std::int64_t;

// One trace line:  trace <ms since start> <parent|child> <pid>: <event>
struct TraceEvent {
    Micros at = 0;
    bool by_parent = false;
    long pid = 0;
    trace::Event what = trace::Event::started;
    trace::EventFields fields;  // the event's number and text
    std::string_view words;     // as written, e.g. "took the lock"
};

// A run of 20,000 numbers cannot be drawn one lane per child and stay readable: the first this
// many children (in fork order) get a lane, and the picture says which ones were left out.
constexpr std::size_t max_children_drawn = 300;

// What to draw, besides the trace.
struct Request {
    timeline::Format format = timeline::Format::Svg;
    std::optional<Micros> from, to;  // --from, --to: only this window of time
    std::string incomplete;          // why the trace lacks the end of the run, or ""
};

// =============================================================================================
// The survey (pass 1): what the whole trace holds
// =============================================================================================

struct Child {  // a child that gets a lane
    long pid;
    Micros forked_at;    // the parent's "fork() for N", where the fork mark is drawn
    std::string number;  // N as the parent read it (shortened if huge)
    Micros last_seen;    // its last event, or its reaping
};

struct Survey {
    Micros first = 0, last = 0;  // the time span of the run's lines
    long parent = -1;            // the first "parent" pid seen
    std::vector<Child> drawn;    // in fork order, at most max_children_drawn
    std::size_t children = 0;    // every child forked
    Micros shown_until = 0;      // without --to, the picture's time axis ends here
    std::size_t left_out() const { return children - drawn.size(); }
};

// =============================================================================================
// Pieces (pass 2), and where they go
// =============================================================================================

enum class Kind {
    Compute,
    Wait,
    Hold,
    Zombie,
    Killed,
    ParentHold,
    ParentWait,
    ParentInput,
    ParentBlocked
};

const char* name_of(Kind k);   // the class names in the SVG and the event names in the JSON
const char* doing_of(Kind k);  // what a process is doing during a piece, for the tooltip
inline bool is_parent_kind(Kind k) { return k >= Kind::ParentHold; }

struct Piece {
    Kind kind;
    std::size_t lane;  // 0 is the parent, 1 + i the i-th drawn child
    Micros from, to;
    std::string title;  // who, doing what, when, between which two events
};

// Writes to a descriptor through a fixed buffer (io::write_all when full and at the end). A failed
// write throws std::system_error naming "NAME: write".
class Out {
public:
    Out(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
        buf_.reserve(capacity + 4096);
    }
    Out& operator<<(std::string_view s);
    Out& operator<<(long long n) { return *this << std::string_view(std::to_string(n)); }
    void flush();

private:
    static constexpr std::size_t capacity = 64 * 1024;
    int fd_;
    std::string name_;
    std::string buf_;
};

class Sink {
public:
    virtual ~Sink() = default;
    virtual void begin(const Survey& s) = 0;
    virtual void piece(const Piece& p) = 0;
    virtual void reaped(std::size_t lane, Micros at, const std::string& title, bool killed) = 0;
    virtual void end() = 0;
};

std::unique_ptr<Sink> svg_sink(Out& out, const Request& r);
std::unique_ptr<Sink> json_sink(Out& out, const Request& r);

// =============================================================================================
// Text
// =============================================================================================

// Text taken from the trace, kept short and printable: a number may be thousands of digits, and
// the picture must stay valid XML/JSON whatever bytes the file holds. (Escaping comes later.)
std::string shown(std::string_view s, std::size_t max = 100);
std::string ms(Micros us);             // 1030 -> "1.030"
std::string thousands(std::size_t n);  // 19700 -> "19,700", so that a count reads at a glance
std::string xml_escaped(std::string_view s);
std::string json_escaped(std::string_view s);
std::string who(const Survey& s, std::size_t lane);  // "parent 4100", "child 4101 (91)"
std::string left_out_note(const Survey& s);          // "" when every child has a lane
std::string incomplete_note(const std::string& why);

}  // namespace picture
