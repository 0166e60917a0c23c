// timeline.cpp - turns the events file of --timeline into an SVG picture or a Perfetto trace.
//
// The events file holds the --trace lines of every process, each appended by one write(2), so
// lines are whole but processes interleave: a child that runs before its parent returns from
// fork() writes "started" before the parent writes "fork() -> child". Within one process, though,
// file order is time order (a process reads the clock, then writes, one event after the other).
// So nothing needs sorting: each lane is a small state machine fed in file order. The one piece
// made of two processes' lines, the zombie (the child's _exit to the parent's waitpid), pairs
// lines whose file order is fixed too: waitpid returns only after the child's last write.
//
// Two passes over the file keep memory flat however long the run was:
//   1. survey: the time span, the parent, how many children, which ones get a lane (the first
//      max_children_drawn in fork order), when each was forked and for which number;
//   2. draw: replay the lines through the lanes' state machines; each finished piece goes
//      straight to the output through a fixed-size buffer.
#include "timeline.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <vector>

namespace timeline {
namespace {

// Trace times are milliseconds printed with three decimals ("%10.3f"): whole microseconds.
// Kept as integers they are exact, and the JSON wants microseconds anyway.
using Micros = std::int64_t;

[[noreturn]] void fail(const char* call) {
    throw std::system_error(errno, std::generic_category(), call);
}

// =============================================================================================
// Reading: the trace lines of the events file
// =============================================================================================

// The lines of a file, read with pread(2) from offset 0 through one 64 KiB buffer. pread leaves
// the descriptor's offset alone: the caller may still be appending through it.
class LineReader {
public:
    explicit LineReader(int fd) : fd_(fd), buf_(64 * 1024) {}
    bool next(std::string_view& line);  // false at the end of the file

private:
    void refill();
    int fd_;
    off_t offset_ = 0;
    std::vector<char> buf_;
    std::size_t begin_ = 0, end_ = 0;  // the unread bytes are buf_[begin_, end_)
    bool at_eof_ = false;
    bool skipping_ = false;  // inside a line longer than the buffer: no trace line is, skip it
};

bool LineReader::next(std::string_view& line) {
    for (;;) {
        char* const from = buf_.data() + begin_;
        const auto* newline = static_cast<const char*>(std::memchr(from, '\n', end_ - begin_));
        if (newline != nullptr) {
            line = std::string_view(from, static_cast<std::size_t>(newline - from));
            begin_ += line.size() + 1;
            if (!std::exchange(skipping_, false)) return true;
            continue;
        }
        if (at_eof_) {  // a last line without its '\n'
            if (begin_ == end_ || skipping_) return false;
            line = std::string_view(from, end_ - begin_);
            begin_ = end_;
            return true;
        }
        refill();
    }
}

void LineReader::refill() {
    if (begin_ == 0 && end_ == buf_.size()) {  // a full buffer and no newline: drop it
        skipping_ = true;
        end_ = 0;
    } else {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    ssize_t got;
    do {
        got = pread(fd_, buf_.data() + end_, buf_.size() - end_, offset_);
    } while (got < 0 && errno == EINTR);
    if (got < 0) fail("pread");
    if (got == 0) at_eof_ = true;
    offset_ += got;
    end_ += static_cast<std::size_t>(got);
}

// One trace line:  trace <ms since start> <parent|child> <pid>: <event>
struct Event {
    Micros at;
    bool by_parent;
    long pid;
    std::string_view what;  // the event words, e.g. "took the lock"
};

bool eat(std::string_view& s, std::string_view prefix) {
    if (s.substr(0, prefix.size()) != prefix) return false;
    s.remove_prefix(prefix.size());
    return true;
}

// Leading decimal digits (at most 15, so that the value fits) as a number.
bool eat_digits(std::string_view& s, std::int64_t& value, std::size_t max_digits = 15) {
    std::size_t n = 0;
    value = 0;
    while (n < s.size() && n < max_digits && s[n] >= '0' && s[n] <= '9') value = value * 10 + (s[n++] - '0');
    s.remove_prefix(n);
    return n > 0;
}

// "12.345" (ms, up to three decimals) as microseconds. Parsed by hand, not with strtod: the
// program may have set a locale whose decimal point is a comma.
bool eat_time(std::string_view& s, Micros& at) {
    while (eat(s, " ")) {}
    const bool negative = eat(s, "-");
    std::int64_t ms = 0, fraction = 0;
    if (!eat_digits(s, ms) || !eat(s, ".")) return false;
    const std::size_t before = s.size();
    if (!eat_digits(s, fraction, 3)) return false;
    for (std::size_t digits = before - s.size(); digits < 3; ++digits) fraction *= 10;
    at = (negative ? -1 : 1) * (ms * 1000 + fraction);
    return true;
}

std::optional<Event> parse_line(std::string_view line) {
    Event e{};
    std::int64_t pid = 0;
    if (!eat(line, "trace ") || !eat_time(line, e.at) || !eat(line, " ")) return std::nullopt;
    if (eat(line, "parent ")) e.by_parent = true;
    else if (!eat(line, "child ")) return std::nullopt;
    if (!eat_digits(line, pid) || !eat(line, ": ")) return std::nullopt;
    e.pid = static_cast<long>(pid);
    e.what = line;
    return e;
}

// =============================================================================================
// Text: times, input shown safely, numbers
// =============================================================================================

// Text taken from the input, kept short and printable: a number may be thousands of digits, and
// the picture must stay valid XML/JSON whatever bytes the file holds. (Escaping comes later.)
std::string shown(std::string_view s, std::size_t max = 100) {
    std::string out;
    for (const char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (s.size() > max) out += "… (" + std::to_string(s.size()) + " characters)";
    return out;
}

// Microseconds as milliseconds with three decimals, "1.030".
std::string ms(Micros us) {
    const Micros abs = us < 0 ? -us : us;
    std::string frac = std::to_string(abs % 1000);
    return (us < 0 ? "-" : "") + std::to_string(abs / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

// 19700 -> "19,700": the count of left-out children should read at a glance.
std::string thousands(std::size_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

// A coordinate with two decimals, written by hand for the same reason as eat_time: "%.2f"
// follows the locale, and "12,50" would break the SVG.
std::string fixed2(double v) {
    const long long hundredths = static_cast<long long>(v * 100 + (v < 0 ? -0.5 : 0.5));
    const long long abs = hundredths < 0 ? -hundredths : hundredths;
    const std::string frac = std::to_string(abs % 100);
    return (hundredths < 0 ? "-" : "") + std::to_string(abs / 100) + "." + (frac.size() < 2 ? "0" : "") + frac;
}

std::string xml_escaped(std::string_view s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string json_escaped(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;  // shown() has already replaced control characters
    }
    return out;
}

// =============================================================================================
// Pass 1: the survey
// =============================================================================================

struct Child {             // a child that gets a lane
    long pid;
    Micros forked_at;      // the parent's "fork() for N", where the fork mark is drawn
    std::string number;    // N as the parent read it (shortened if huge)
    Micros last_seen;      // its last event, or its reaping
};

struct Survey {
    Micros first = 0, last = 0;      // the time span of all the lines
    long parent = -1;                // the first "parent" pid seen
    std::vector<Child> drawn;        // in fork order, at most max_children_drawn
    std::size_t children = 0;        // every child forked
    Micros shown_until = 0;          // the picture's time axis ends here
    std::size_t left_out() const { return children - drawn.size(); }
};

// Which lane a pid's line belongs to. A pid can be reused once its child has been reaped (a long
// run forks more children than pid_max), so a pid maps to the first of its lanes not yet reaped.
class LaneIndex {
public:
    void add(long pid) {
        by_pid_[pid].push_back(reaped_.size());
        reaped_.push_back(false);
    }
    std::optional<std::size_t> find(long pid) const {
        const auto it = by_pid_.find(pid);
        if (it == by_pid_.end()) return std::nullopt;
        for (const std::size_t lane : it->second)
            if (!reaped_[lane]) return lane;
        return std::nullopt;
    }
    void reap(std::size_t lane) { reaped_[lane] = true; }

private:
    std::unordered_map<long, std::vector<std::size_t>> by_pid_;
    std::vector<bool> reaped_;
};

struct PendingFork {       // "fork() for N" seen, its "fork() -> child C" not yet
    Micros at;
    std::string number;
};

class Surveyor {
public:
    void see(const Event& e);
    Survey result();

private:
    void see_parent(const Event& e);
    Survey s_;
    bool any_ = false;
    LaneIndex lanes_;
    std::optional<PendingFork> pending_;
    Micros first_left_out_fork_ = 0;
};

void Surveyor::see(const Event& e) {
    s_.first = any_ ? std::min(s_.first, e.at) : e.at;
    s_.last = any_ ? std::max(s_.last, e.at) : e.at;
    any_ = true;
    if (e.by_parent) {
        if (s_.parent < 0) s_.parent = e.pid;
        if (e.pid == s_.parent) see_parent(e);
    } else if (const auto lane = lanes_.find(e.pid)) {
        s_.drawn[*lane].last_seen = std::max(s_.drawn[*lane].last_seen, e.at);
    }
}

void Surveyor::see_parent(const Event& e) {
    std::string_view what = e.what;
    std::int64_t pid = 0;
    if (eat(what, "fork() for ")) {
        pending_ = PendingFork{e.at, shown(what)};
    } else if (eat(what, "fork() -> child ") && eat_digits(what, pid)) {
        // Without a "fork() for N" line (an older trace), the fork is drawn where it returned.
        const Micros forked_at = pending_ ? pending_->at : e.at;
        if (s_.children++ < max_children_drawn) {
            const bool tests = eat(what, " tests ");  // older traces name the number here
            s_.drawn.push_back(Child{static_cast<long>(pid), forked_at,
                                     pending_ ? pending_->number : tests ? shown(what) : "?", forked_at});
            lanes_.add(static_cast<long>(pid));
        } else if (s_.children == max_children_drawn + 1) {
            first_left_out_fork_ = forked_at;
        }
        pending_.reset();
    } else if (eat(what, "waitpid() -> child ") && eat_digits(what, pid)) {
        if (const auto lane = lanes_.find(static_cast<long>(pid))) {
            s_.drawn[*lane].last_seen = std::max(s_.drawn[*lane].last_seen, e.at);
            lanes_.reap(*lane);
        }
    }
}

Survey Surveyor::result() {
    // With children left out, the time axis ends with the drawn ones: otherwise 300 lanes out of
    // 20,000 would be squeezed into the first pixels of a picture that is mostly empty lanes.
    s_.shown_until = s_.last;
    if (s_.left_out() > 0) {
        s_.shown_until = first_left_out_fork_;
        for (const Child& c : s_.drawn) s_.shown_until = std::max(s_.shown_until, c.last_seen);
    }
    return s_;
}

// =============================================================================================
// Pass 2: pieces of lanes
// =============================================================================================

enum class Kind { Compute, Wait, Hold, Zombie, Killed, ParentHold, ParentWait, ParentInput, ParentBlocked };

// The class names in the SVG and the event names in the JSON.
const char* name_of(Kind k) {
    static const char* const names[] = {"compute", "wait", "hold", "zombie", "killed",
                                        "parent-hold", "parent-wait", "parent-input", "parent-blocked"};
    return names[static_cast<int>(k)];
}

// What a process is doing during a piece, for the tooltip.
const char* doing_of(Kind k) {
    static const char* const doing[] = {"computing", "waiting for the lock", "holding the lock",
                                        "a zombie (ended, not yet reaped)",
                                        "killed by a signal at some moment in",
                                        "holding the lock", "waiting for the lock", "waiting for input",
                                        "blocked until a child ends"};
    return doing[static_cast<int>(k)];
}

bool is_parent_kind(Kind k) { return k >= Kind::ParentHold; }

struct Piece {
    Kind kind;
    std::size_t lane;      // 0 is the parent, 1 + i the i-th drawn child
    Micros from, to;
    std::string title;     // who, doing what, when, between which two events
};

// Where the pieces go: the SVG or the JSON writer.
class Sink {
public:
    virtual ~Sink() = default;
    virtual void begin(const Survey& s) = 0;
    virtual void piece(const Piece& p) = 0;
    virtual void reaped(std::size_t lane, Micros at, const std::string& title, bool killed) = 0;
    virtual void end() = 0;
};

std::string who(const Survey& s, std::size_t lane) {
    if (lane == 0) return "parent " + std::to_string(s.parent);
    const Child& c = s.drawn[lane - 1];
    return "child " + std::to_string(c.pid) + " (" + c.number + ")";
}

// A state that became a piece once its end is seen: the kind, since when, and after which event.
struct Open {
    Kind kind;
    Micros since;
    std::string by;        // the event that began it
};

class Replay {
public:
    Replay(const Survey& s, Sink& out) : s_(s), out_(out), children_(s.drawn.size()) {
        for (const Child& c : s.drawn) lanes_.add(c.pid);
    }
    void see(const Event& e);
    void finish();  // closes what the trace left open

private:
    // A child's state: what it does now, and since when. Done is after its reaping.
    struct ChildLane {
        std::optional<Open> open;   // computing, waiting or holding
        std::optional<Open> exited; // _exit seen: a zombie until reaped
        bool done = false;
    };
    void see_child(std::size_t lane, const Event& e);
    void see_parent(const Event& e);
    void reap(std::size_t lane, const Event& e);
    void close(std::optional<Open>& open, std::size_t lane, Micros to, std::string_view end_event);

    const Survey& s_;
    Sink& out_;
    LaneIndex lanes_;
    std::vector<ChildLane> children_;
    std::optional<Open> parent_lock_;     // waiting for or holding the lock
    std::optional<Open> parent_waits_;    // for input, or for a child to end
};

void Replay::close(std::optional<Open>& open, std::size_t lane, Micros to, std::string_view end_event) {
    if (!open) return;
    std::string title = who(s_, lane) + ": " + doing_of(open->kind) + " " + ms(open->since) + "–" + ms(to) +
                        " ms (" + open->by + " → " + shown(end_event) + ")";
    out_.piece(Piece{open->kind, lane, open->since, std::max(open->since, to), std::move(title)});
    open.reset();
}

void Replay::see(const Event& e) {
    if (e.by_parent) {
        if (e.pid == s_.parent) see_parent(e);
    } else if (const auto lane = lanes_.find(e.pid)) {
        see_child(*lane, e);
    }
}

// Each event ends the child's current piece and begins the next: started -> compute,
// waits for the lock -> wait, took -> hold; releases begins nothing drawn, _exit the zombie.
void Replay::see_child(std::size_t lane, const Event& e) {
    ChildLane& c = children_[lane];
    std::optional<Kind> next;
    if (e.what.substr(0, 18) == "started by parent ") next = Kind::Compute;
    else if (e.what == "waits for the lock") next = Kind::Wait;
    else if (e.what == "took the lock") next = Kind::Hold;
    else if (e.what != "releases the lock" && e.what.substr(0, 6) != "_exit(") return;  // unknown: skip
    close(c.open, lane + 1, e.at, e.what);
    if (next) c.open = Open{*next, e.at, shown(e.what)};
    if (e.what.substr(0, 6) == "_exit(") c.exited = Open{Kind::Zombie, e.at, shown(e.what)};
}

void Replay::see_parent(const Event& e) {
    std::string_view what = e.what;
    // "waits for a child to end": the wait ends at the parent's next event, whatever it is.
    if (parent_waits_ && parent_waits_->kind == Kind::ParentBlocked) close(parent_waits_, 0, e.at, what);
    std::int64_t pid = 0;
    if (what == "waits for the lock") {
        close(parent_lock_, 0, e.at, what);
        parent_lock_ = Open{Kind::ParentWait, e.at, shown(what)};
    } else if (what == "took the lock") {
        close(parent_lock_, 0, e.at, what);
        parent_lock_ = Open{Kind::ParentHold, e.at, shown(what)};
    } else if (what == "releases the lock") {
        close(parent_lock_, 0, e.at, what);
    } else if (what == "waits for input") {
        close(parent_waits_, 0, e.at, what);
        parent_waits_ = Open{Kind::ParentInput, e.at, shown(what)};
    } else if (what.substr(0, 10) == "read() -> ") {
        close(parent_waits_, 0, e.at, what);
    } else if (what == "waits for a child to end") {
        parent_waits_ = Open{Kind::ParentBlocked, e.at, shown(what)};
    } else if (eat(what, "waitpid() -> child ") && eat_digits(what, pid)) {
        if (const auto lane = lanes_.find(static_cast<long>(pid))) reap(*lane, e);
    }
}

// The parent's waitpid ends the child's lane: a zombie since _exit, or, with no _exit, a child
// killed by a signal somewhere after its last event (the trace cannot say when).
void Replay::reap(std::size_t lane, const Event& e) {
    ChildLane& c = children_[lane];
    bool killed = false;
    if (c.open) {
        c.open->kind = Kind::Killed;
        killed = true;
    } else if (!c.exited) {  // killed before its first event
        c.open = Open{Kind::Killed, s_.drawn[lane].forked_at, "fork() for " + s_.drawn[lane].number};
        killed = true;
    }
    close(c.open, lane + 1, e.at, e.what);
    close(c.exited, lane + 1, e.at, e.what);
    out_.reaped(lane + 1, e.at, who(s_, lane + 1) + ": reaped at " + ms(e.at) + " ms (" + shown(e.what) + ")",
                killed);
    c.done = true;
    lanes_.reap(lane);
}

void Replay::finish() {
    const std::string_view end = "the trace ends";
    close(parent_lock_, 0, s_.last, end);
    close(parent_waits_, 0, s_.last, end);
    for (std::size_t i = 0; i < children_.size(); ++i) {
        close(children_[i].open, i + 1, s_.last, end);
        close(children_[i].exited, i + 1, s_.last, end);
    }
}

// =============================================================================================
// Output: a fixed buffer in front of write(2)
// =============================================================================================

class Out {
public:
    explicit Out(int fd) : fd_(fd) { buf_.reserve(capacity + 4096); }
    Out& operator<<(std::string_view s) {
        buf_.append(s);
        if (buf_.size() >= capacity) flush();
        return *this;
    }
    Out& operator<<(long long n) { return *this << std::string_view(std::to_string(n)); }
    void flush();

private:
    static constexpr std::size_t capacity = 64 * 1024;
    int fd_;
    std::string buf_;
};

void Out::flush() {
    std::size_t done = 0;
    while (done < buf_.size()) {
        const ssize_t n = write(fd_, buf_.data() + done, buf_.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("write");
        done += static_cast<std::size_t>(n);
    }
    buf_.clear();
}

std::string left_out_note(const Survey& s) {
    if (s.left_out() == 0) return "";
    return "children " + std::to_string(max_children_drawn + 1) + "–" + std::to_string(s.children) + " (" +
           thousands(s.left_out()) + ") not drawn: only the first " + std::to_string(max_children_drawn) +
           " children in fork order have a lane";
}

// =============================================================================================
// The SVG
// =============================================================================================

// Okabe & Ito's palette, chosen to stay distinct under the common colour-vision deficiencies;
// waiting, zombies and killed pieces are hatched or dotted too, and wide pieces carry their name.
const char* const svg_style = R"svg(<style>
text { font-family: 'DejaVu Sans', Verdana, sans-serif; font-size: 12px; fill: #222; }
.title { font-size: 18px; font-weight: bold; }
.sub, .note { font-size: 12px; fill: #444; }
.note { fill: #a33c00; font-weight: bold; }
.lane { fill: #f2f2f2; }
.grid { stroke: #d0d0d0; stroke-width: 1; }
.axis { stroke: #555; stroke-width: 1; }
.tick { font-size: 11px; fill: #444; text-anchor: middle; }
.label { text-anchor: end; }
.label-parent { text-anchor: end; font-weight: bold; }
.row { text-anchor: end; font-size: 10px; fill: #666; }
.compute { fill: #56B4E9; }
.wait, .parent-wait { fill: url(#hatch-wait); stroke: #E69F00; stroke-width: 0.5; }
.hold, .parent-hold { fill: #D55E00; }
.zombie { fill: url(#dots-zombie); stroke: #777; stroke-width: 0.5; }
.killed { fill: url(#hatch-killed); stroke: #000; stroke-width: 0.5; }
.parent-input { fill: #F0E442; stroke: #b8a800; stroke-width: 0.5; }
.parent-blocked { fill: #CC79A7; }
.fork line { stroke: #009E73; stroke-width: 1.5; }
.fork circle { fill: #009E73; }
.reap path { fill: #000; stroke: #fff; stroke-width: 1; }
.in { font-size: 10px; pointer-events: none; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
</style>
<defs>
<pattern id="hatch-wait" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="6" height="6" fill="#FBE3B0"/><rect width="3" height="6" fill="#E69F00"/></pattern>
<pattern id="dots-zombie" width="5" height="5" patternUnits="userSpaceOnUse">
<rect width="5" height="5" fill="#e0e0e0"/><circle cx="2.5" cy="2.5" r="1.2" fill="#777"/></pattern>
<pattern id="hatch-killed" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">
<rect width="6" height="6" fill="#fff"/><rect width="2" height="6" fill="#000"/></pattern>
</defs>
)svg";

struct LegendItem {
    const char* swatch;  // a class name, or "fork" / "reap" for the marks
    const char* text;
};

const LegendItem legend_items[] = {
    {"compute", "child computes (trial division)"},
    {"wait", "waits for the lock (parent or child)"},
    {"hold", "holds the lock (parent or child)"},
    {"zombie", "zombie: exited, not yet reaped"},
    {"killed", "killed: died somewhere in here"},
    {"parent-input", "parent waits for input (read)"},
    {"parent-blocked", "parent blocked until a child ends"},
    {"fork", "fork(): parent → new child"},
    {"reap", "reaped by the parent's waitpid()"},
};

class SvgSink : public Sink {
public:
    explicit SvgSink(Out& out) : out_(out) {}
    void begin(const Survey& s) override;
    void piece(const Piece& p) override;
    void reaped(std::size_t lane, Micros at, const std::string& title, bool killed) override;
    void end() override;

private:
    // Geometry: the parent's lane has two rows (the lock above; input and waitpid below).
    static constexpr double width = 1280, left = 210, right = 40, plot = width - left - right;
    static constexpr double parent_height = 44, pitch = 22, bar = 16;
    double x(Micros t) const { return left + static_cast<double>(t - t0_) * plot / static_cast<double>(span_); }
    double lane_top(std::size_t lane) const { return lane == 0 ? top_ : top_ + parent_height + 6 + pitch * (lane - 1); }
    void header();
    void legend(double y);
    void axis();
    void lanes();
    void rect(Kind kind, double x0, double x1, double y, double h, const std::string& title);
    void flush_merged(std::size_t which);

    Out& out_;
    const Survey* s_ = nullptr;
    Micros t0_ = 0, span_ = 1;
    double top_ = 0, height_ = 0;
    // The parent may wait for input or for a child 20,000 times: pieces of one kind less than a
    // pixel apart are merged into one, so the file stays small and every piece is visible.
    struct Merged {
        std::optional<Piece> piece;
        std::size_t count = 0;
    };
    Merged merged_[4];
};

void SvgSink::begin(const Survey& s) {
    s_ = &s;
    t0_ = std::min<Micros>(0, s.first);
    span_ = std::max<Micros>(1, s.shown_until - t0_);
    top_ = s.left_out() > 0 ? 190 : 172;
    height_ = lane_top(s.drawn.size() + 1) + 24;
    out_ << R"(<?xml version="1.0" encoding="UTF-8"?>)" "\n"
         << R"(<svg xmlns="http://www.w3.org/2000/svg" width=")" << fixed2(width) << R"(" height=")"
         << fixed2(height_) << R"(" viewBox="0 0 )" << fixed2(width) << " " << fixed2(height_) << "\">\n"
         << svg_style << R"(<rect width="100%" height="100%" fill="#fff"/>)" "\n";
    header();
    axis();
    lanes();
}

void SvgSink::header() {
    const Survey& s = *s_;
    out_ << R"(<text class="title" x="20" y="30">primeproc --timeline: one lane per process, time going right</text>)"
         << "\n<text class=\"sub\" x=\"20\" y=\"50\">parent " << xml_escaped(std::to_string(s.parent)) << " and "
         << thousands(s.children) << " children, " << ms(s.first) << "–" << ms(s.last)
         << " ms. Hover over a piece to see its two events and their times.</text>\n";
    double y = 70;
    if (s.left_out() > 0) {
        out_ << "<text class=\"note\" id=\"left-out\" x=\"20\" y=\"68\">" << xml_escaped(left_out_note(s))
             << "; the time axis stops at " << ms(s.shown_until) << " ms of " << ms(s.last) << ".</text>\n";
        y += 18;
    }
    legend(y);
}

void SvgSink::legend(double y) {
    out_ << "<g id=\"legend\" class=\"legend\">\n";
    const std::size_t columns = 3;
    for (std::size_t i = 0; i < std::size(legend_items); ++i) {
        const LegendItem& item = legend_items[i];
        const double x0 = 20 + 400.0 * static_cast<double>(i % columns), y0 = y + 24.0 * static_cast<double>(i / columns);
        const std::string swatch = item.swatch;
        if (swatch == "fork") {
            out_ << "<g class=\"fork\"><line x1=\"" << fixed2(x0 + 14) << "\" y1=\"" << fixed2(y0) << "\" x2=\""
                 << fixed2(x0 + 14) << "\" y2=\"" << fixed2(y0 + 14) << "\"/><circle cx=\"" << fixed2(x0 + 14)
                 << "\" cy=\"" << fixed2(y0 + 14) << "\" r=\"2.5\"/></g>";
        } else if (swatch == "reap") {
            out_ << "<g class=\"reap\"><path d=\"M" << fixed2(x0 + 14) << "," << fixed2(y0 + 1)
                 << " l5,6 l-5,6 l-5,-6 z\"/></g>";
        } else {
            out_ << "<rect class=\"swatch " << swatch << "\" x=\"" << fixed2(x0) << "\" y=\"" << fixed2(y0)
                 << "\" width=\"28\" height=\"14\"/>";
        }
        out_ << "<text x=\"" << fixed2(x0 + 36) << "\" y=\"" << fixed2(y0 + 11) << "\">" << xml_escaped(item.text)
             << "</text>\n";
    }
    out_ << "</g>\n";
}

// Ticks every 1, 2 or 5 times a power of ten (in microseconds), at most ten across.
Micros tick_step(Micros span) {
    for (Micros power = 1;; power *= 10)
        for (const Micros times : {1, 2, 5})
            if (span / (power * times) <= 10) return power * times;
}

void SvgSink::axis() {
    const Micros step = tick_step(span_);
    const double axis_y = top_ - 10;
    out_ << "<line class=\"axis\" x1=\"" << fixed2(left) << "\" y1=\"" << fixed2(axis_y) << "\" x2=\""
         << fixed2(left + plot) << "\" y2=\"" << fixed2(axis_y) << "\"/>\n";
    for (Micros t = (t0_ / step) * step; t <= t0_ + span_; t += step) {
        if (t < t0_) continue;
        std::string label = ms(t);
        while (label.back() == '0') label.pop_back();
        if (label.back() == '.') label.pop_back();
        out_ << "<line class=\"grid\" x1=\"" << fixed2(x(t)) << "\" y1=\"" << fixed2(axis_y) << "\" x2=\""
             << fixed2(x(t)) << "\" y2=\"" << fixed2(height_ - 20) << "\"/><text class=\"tick\" x=\"" << fixed2(x(t))
             << "\" y=\"" << fixed2(axis_y - 6) << "\">" << label << " ms</text>\n";
    }
}

// A long number would run off the left edge: the label shows its start, the tooltip all of it.
std::string label_number(const std::string& number) {
    return number.size() <= 16 ? number : number.substr(0, 13) + "…";
}

void SvgSink::lanes() {
    const Survey& s = *s_;
    const double y0 = lane_top(0);
    out_ << "<rect class=\"lane\" x=\"" << fixed2(left) << "\" y=\"" << fixed2(y0) << "\" width=\"" << fixed2(plot)
         << "\" height=\"" << fixed2(parent_height) << "\"><title>parent " << s.parent << "</title></rect>\n"
         << "<text class=\"label-parent\" x=\"" << fixed2(left - 60) << "\" y=\"" << fixed2(y0 + 26)
         << "\">parent · pid " << s.parent << "</text><text class=\"row\" x=\"" << fixed2(left - 6) << "\" y=\""
         << fixed2(y0 + 16) << "\">lock</text><text class=\"row\" x=\"" << fixed2(left - 6) << "\" y=\""
         << fixed2(y0 + 37) << "\">waits</text>\n";
    for (std::size_t i = 0; i < s.drawn.size(); ++i) {
        const Child& c = s.drawn[i];
        const double y = lane_top(i + 1);
        const std::string name = xml_escaped(who(s, i + 1));
        out_ << "<rect class=\"lane\" x=\"" << fixed2(left) << "\" y=\"" << fixed2(y) << "\" width=\"" << fixed2(plot)
             << "\" height=\"" << fixed2(pitch - 2) << "\"><title>" << name << ", forked at " << ms(c.forked_at)
             << " ms</title></rect><text class=\"label\" x=\"" << fixed2(left - 8) << "\" y=\"" << fixed2(y + 14)
             << "\">pid " << c.pid << " · " << xml_escaped(label_number(c.number)) << "</text>\n";
    }
}

void SvgSink::rect(Kind kind, double x0, double x1, double y, double h, const std::string& title) {
    // A piece of a few microseconds in a run of seconds is still drawn a pixel wide, so that it
    // can be found; its x is exact.
    const double w = std::max(x1 - x0, 1.0);
    out_ << "<rect class=\"" << name_of(kind) << "\" x=\"" << fixed2(x0) << "\" y=\"" << fixed2(y) << "\" width=\""
         << fixed2(w) << "\" height=\"" << fixed2(h) << "\"><title>" << xml_escaped(title) << "</title></rect>\n";
    static const char* const words[] = {"compute", "wait", "hold", "zombie", "killed",
                                        "holds the lock", "waits for the lock", "waits for input", "blocked"};
    const std::string word = words[static_cast<int>(kind)];
    if (w > 7.0 * static_cast<double>(word.size()) + 8)
        out_ << "<text class=\"in\" x=\"" << fixed2(x0 + 4) << "\" y=\"" << fixed2(y + h / 2 + 4) << "\">" << word
             << "</text>\n";
}

void SvgSink::piece(const Piece& p) {
    if (p.from > s_->shown_until) return;  // after the drawn children: off the axis
    if (!is_parent_kind(p.kind)) {
        rect(p.kind, x(p.from), x(std::min(p.to, s_->shown_until)), lane_top(p.lane) + 2, bar, p.title);
        return;
    }
    Merged& m = merged_[static_cast<int>(p.kind) - static_cast<int>(Kind::ParentHold)];
    if (m.piece && x(p.from) - x(m.piece->to) < 1.0) {
        m.piece->to = std::max(m.piece->to, p.to);
        ++m.count;
        return;
    }
    flush_merged(static_cast<std::size_t>(&m - merged_));
    m.piece = p;
    m.count = 1;
}

void SvgSink::flush_merged(std::size_t which) {
    Merged& m = merged_[which];
    if (!m.piece) return;
    const Piece& p = *m.piece;
    const bool lock_row = p.kind == Kind::ParentHold || p.kind == Kind::ParentWait;
    const std::string title = m.count == 1 ? p.title
        : who(*s_, 0) + ": " + doing_of(p.kind) + " " + thousands(m.count) + " times in " + ms(p.from) + "–" +
              ms(p.to) + " ms (merged here: each less than a pixel apart; the .json timeline has every one)";
    rect(p.kind, x(p.from), x(std::min(p.to, s_->shown_until)), lane_top(0) + (lock_row ? 3 : 24), bar + 1, title);
    m.piece.reset();
}

void SvgSink::reaped(std::size_t lane, Micros at, const std::string& title, bool killed) {
    if (at > s_->shown_until) return;
    const double cx = x(at), cy = lane_top(lane) + 2;
    out_ << "<g class=\"reap" << (killed ? " reap-killed" : "") << "\"><title>" << xml_escaped(title)
         << "</title><path d=\"M" << fixed2(cx) << "," << fixed2(cy) << " l5,8 l-5,8 l-5,-8 z\"/></g>\n";
}

void SvgSink::end() {
    for (std::size_t i = 0; i < std::size(merged_); ++i) flush_merged(i);
    // The fork marks last, on top of the lanes they cross.
    for (std::size_t i = 0; i < s_->drawn.size(); ++i) {
        const Child& c = s_->drawn[i];
        if (c.forked_at > s_->shown_until) continue;
        const double fx = x(c.forked_at), y1 = lane_top(0) + parent_height, y2 = lane_top(i + 1) + 2 + bar / 2;
        out_ << "<g class=\"fork\"><title>" << xml_escaped(who(*s_, 0)) << ": fork() for " << xml_escaped(c.number)
             << " at " << ms(c.forked_at) << " ms → child " << c.pid << "</title><line x1=\"" << fixed2(fx)
             << "\" y1=\"" << fixed2(y1) << "\" x2=\"" << fixed2(fx) << "\" y2=\"" << fixed2(y2)
             << "\"/><circle cx=\"" << fixed2(fx) << "\" cy=\"" << fixed2(y2) << "\" r=\"2.5\"/></g>\n";
    }
    out_ << "</svg>\n";
}

// =============================================================================================
// The JSON: Trace Event Format, for Perfetto and chrome://tracing
// =============================================================================================

class JsonSink : public Sink {
public:
    explicit JsonSink(Out& out) : out_(out) {}
    void begin(const Survey& s) override;
    void piece(const Piece& p) override;
    void reaped(std::size_t lane, Micros at, const std::string& title, bool killed) override;
    void end() override;

private:
    long pid_of(std::size_t lane) const { return lane == 0 ? s_->parent : s_->drawn[lane - 1].pid; }
    void event(const std::string& fields);
    void process(std::size_t lane);

    Out& out_;
    const Survey* s_ = nullptr;
    bool first_ = true;
};

void JsonSink::event(const std::string& fields) {
    out_ << (first_ ? "\n{" : ",\n{") << fields << "}";
    first_ = false;
}

// Metadata events: the track's name, and its place (fork order; the parent first).
void JsonSink::process(std::size_t lane) {
    const std::string pid = std::to_string(pid_of(lane));
    event(R"("ph":"M","name":"process_name","pid":)" + pid + R"(,"tid":)" + pid + R"(,"args":{"name":")" +
          json_escaped(who(*s_, lane)) + "\"}");
    event(R"("ph":"M","name":"process_sort_index","pid":)" + pid + R"(,"tid":)" + pid +
          R"(,"args":{"sort_index":)" + std::to_string(lane) + "}");
}

void JsonSink::begin(const Survey& s) {
    s_ = &s;
    out_ << "{\"traceEvents\":[";
    for (std::size_t lane = 0; lane <= s.drawn.size(); ++lane) process(lane);
    const std::string parent = std::to_string(s.parent);
    for (const Child& c : s.drawn)
        event(R"("ph":"i","s":"p","name":"fork() for )" + json_escaped(c.number) + R"(","pid":)" + parent +
              R"(,"tid":)" + parent + R"(,"ts":)" + std::to_string(c.forked_at) + R"(,"args":{"child":)" +
              std::to_string(c.pid) + "}");
}

void JsonSink::piece(const Piece& p) {
    const std::string pid = std::to_string(pid_of(p.lane));
    event(R"("ph":"X","name":")" + std::string(name_of(p.kind)) + R"(","cat":")" +
          (p.lane == 0 ? "parent" : "child") + R"(","pid":)" + pid + R"(,"tid":)" + pid + R"(,"ts":)" +
          std::to_string(p.from) + R"(,"dur":)" + std::to_string(p.to - p.from) + R"(,"args":{"events":")" +
          json_escaped(p.title) + "\"}");
}

void JsonSink::reaped(std::size_t lane, Micros at, const std::string& title, bool killed) {
    const std::string pid = std::to_string(pid_of(lane));
    event(R"("ph":"i","s":"p","name":")" + std::string(killed ? "reaped (killed)" : "reaped") + R"(","pid":)" +
          pid + R"(,"tid":)" + pid + R"(,"ts":)" + std::to_string(at) + R"(,"args":{"events":")" +
          json_escaped(title) + "\"}");
}

void JsonSink::end() {
    out_ << "\n],\"displayTimeUnit\":\"ms\"";
    if (s_->left_out() > 0) out_ << ",\"otherData\":{\"note\":\"" << json_escaped(left_out_note(*s_)) << "\"}";
    out_ << "}\n";
}

Survey survey(int events_fd) {
    Surveyor surveyor;
    LineReader in(events_fd);
    std::string_view line;
    while (in.next(line))
        if (const auto e = parse_line(line)) surveyor.see(*e);
    return surveyor.result();
}

}  // namespace

std::optional<Format> format_for(std::string_view path) {
    const auto ends_with = [path](std::string_view end) {
        return path.size() > end.size() && path.substr(path.size() - end.size()) == end;
    };
    if (ends_with(".svg")) return Format::Svg;
    if (ends_with(".json")) return Format::Json;
    return std::nullopt;
}

void draw(int events_fd, int out_fd, Format format) {
    const Survey s = survey(events_fd);
    Out out(out_fd);
    std::unique_ptr<Sink> sink;
    if (format == Format::Svg) sink = std::make_unique<SvgSink>(out);
    else sink = std::make_unique<JsonSink>(out);
    sink->begin(s);
    Replay replay(s, *sink);
    LineReader in(events_fd);
    std::string_view line;
    while (in.next(line))
        if (const auto e = parse_line(line)) replay.see(*e);
    replay.finish();
    sink->end();
    out.flush();
}

}  // namespace timeline
