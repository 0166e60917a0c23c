// timeline/draw.cpp - the two passes over a trace that make the picture.
//
// Two passes over the file keep memory flat however long the run was:
//   1. survey: the time span, the parent, how many children, which ones get a lane (the first
//      max_children_drawn in fork order), when each was forked and for which number;
//   2. draw: replay the lines through the lanes' state machines; each finished piece goes
//      straight to the output through a fixed-size buffer.
#include "draw.hpp"

#include "trace_file.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace picture {
namespace {

using trace::Event;

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

// =============================================================================================
// Pass 1: the survey
// =============================================================================================

struct PendingFork {  // "fork() for N" seen, its "fork() -> child C" not yet
    Micros at;
    std::string number;
};

class Surveyor {
public:
    void see(const TraceEvent& e);
    Survey result();

private:
    void see_parent(const TraceEvent& e);
    Survey s_;
    bool any_ = false;
    LaneIndex lanes_;
    std::optional<PendingFork> pending_;
    Micros first_left_out_fork_ = 0;
};

void Surveyor::see(const TraceEvent& e) {
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

void Surveyor::see_parent(const TraceEvent& e) {
    if (e.what == Event::fork_for) {
        pending_ = PendingFork{e.at, shown(e.fields.text)};
    } else if (e.what == Event::forked_child) {
        // Without its "fork() for N" (a line lost from a saved trace), drawn where fork returned.
        const Micros forked_at = pending_ ? pending_->at : e.at;
        if (s_.children++ < max_children_drawn) {
            s_.drawn.push_back(
                Child{e.fields.number, forked_at, pending_ ? pending_->number : "?", forked_at});
            lanes_.add(e.fields.number);
        } else if (s_.children == max_children_drawn + 1) {
            first_left_out_fork_ = forked_at;
        }
        pending_.reset();
    } else if (e.what == Event::reaped_child) {
        if (const auto lane = lanes_.find(e.fields.number)) {
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

// A state that becomes a piece once its end is seen: the kind, since when, and after which event.
struct Open {
    Kind kind;
    Micros since;
    std::string by;  // the event that began it
};

class Replay {
public:
    Replay(const Survey& s, Sink& out) : s_(s), out_(out), children_(s.drawn.size()) {
        for (const Child& c : s.drawn) lanes_.add(c.pid);
    }
    void see(const TraceEvent& e);
    void close_all();  // closes what the trace left open

private:
    // A child's state: what it does now, and since when.
    struct ChildLane {
        std::optional<Open> open;    // computing, waiting or holding
        std::optional<Open> exited;  // _exit seen: a zombie until reaped
    };
    void see_child(std::size_t lane, const TraceEvent& e);
    void see_parent(const TraceEvent& e);
    void reap(std::size_t lane, const TraceEvent& e);
    void close(std::optional<Open>& open, std::size_t lane, Micros to, std::string_view end_event);

    const Survey& s_;
    Sink& out_;
    LaneIndex lanes_;
    std::vector<ChildLane> children_;
    std::optional<Open> parent_lock_;   // waiting for or holding the lock
    std::optional<Open> parent_waits_;  // for input, or for a child to end
};

void Replay::close(std::optional<Open>& open, std::size_t lane, Micros to,
                   std::string_view end_event) {
    if (!open) return;
    std::string title = who(s_, lane) + ": " + doing_of(open->kind) + " " + ms(open->since) + "–" +
                        ms(to) + " ms (" + open->by + " → " + shown(end_event) + ")";
    out_.piece(Piece{open->kind, lane, open->since, std::max(open->since, to), std::move(title)});
    open.reset();
}

void Replay::see(const TraceEvent& e) {
    if (e.by_parent) {
        if (e.pid == s_.parent) see_parent(e);
    } else if (const auto lane = lanes_.find(e.pid)) {
        see_child(*lane, e);
    }
}

// Each event ends the child's current piece and begins the next: started -> compute,
// waits for the lock -> wait, took -> hold; releases begins nothing drawn, _exit the zombie.
void Replay::see_child(std::size_t lane, const TraceEvent& e) {
    ChildLane& c = children_[lane];
    std::optional<Kind> next;
    switch (e.what) {
    case Event::started:
        next = Kind::Compute;
        break;
    case Event::waits_for_lock:
        next = Kind::Wait;
        break;
    case Event::took_lock:
        next = Kind::Hold;
        break;
    case Event::releases_lock:
    case Event::exits:
        break;
    default:
        return;  // no child event: nothing of the lane changes
    }
    close(c.open, lane + 1, e.at, e.words);
    if (next) c.open = Open{*next, e.at, shown(e.words)};
    if (e.what == Event::exits) c.exited = Open{Kind::Zombie, e.at, shown(e.words)};
}

void Replay::see_parent(const TraceEvent& e) {
    // "waits for a child to end": the wait ends at the parent's next event, whatever it is.
    if (parent_waits_ && parent_waits_->kind == Kind::ParentBlocked)
        close(parent_waits_, 0, e.at, e.words);
    const auto begin = [&](std::optional<Open>& open, Kind kind) {
        close(open, 0, e.at, e.words);
        open = Open{kind, e.at, shown(e.words)};
    };
    switch (e.what) {
    case Event::waits_for_lock:
        begin(parent_lock_, Kind::ParentWait);
        break;
    case Event::took_lock:
        begin(parent_lock_, Kind::ParentHold);
        break;
    case Event::releases_lock:
        close(parent_lock_, 0, e.at, e.words);
        break;
    case Event::waits_for_input:
        begin(parent_waits_, Kind::ParentInput);
        break;
    case Event::read_bytes:
    case Event::read_end:
        close(parent_waits_, 0, e.at, e.words);
        break;
    case Event::waits_for_child:
        parent_waits_ = Open{Kind::ParentBlocked, e.at, shown(e.words)};
        break;
    case Event::reaped_child:
        if (const auto lane = lanes_.find(e.fields.number)) reap(*lane, e);
        break;
    default:
        break;  // fork lines: the survey placed the fork marks
    }
}

// The parent's waitpid ends the child's lane: a zombie since _exit, or, with no _exit, a child
// killed by a signal somewhere after its last event (the trace cannot say when).
void Replay::reap(std::size_t lane, const TraceEvent& e) {
    ChildLane& c = children_[lane];
    bool killed = false;
    if (c.open) {
        c.open->kind = Kind::Killed;
        killed = true;
    } else if (!c.exited) {  // killed before its first event
        c.open =
            Open{Kind::Killed, s_.drawn[lane].forked_at, "fork() for " + s_.drawn[lane].number};
        killed = true;
    }
    close(c.open, lane + 1, e.at, e.words);
    close(c.exited, lane + 1, e.at, e.words);
    out_.reaped(lane + 1, e.at,
                who(s_, lane + 1) + ": reaped at " + ms(e.at) + " ms (" + shown(e.words) + ")",
                killed);
    lanes_.reap(lane);
}

void Replay::close_all() {
    const std::string_view end = "the trace ends";
    close(parent_lock_, 0, s_.last, end);
    close(parent_waits_, 0, s_.last, end);
    for (std::size_t i = 0; i < children_.size(); ++i) {
        close(children_[i].open, i + 1, s_.last, end);
        close(children_[i].exited, i + 1, s_.last, end);
    }
}

// The events of the run: the lines about drawing the picture came after it (events.hpp).
bool of_the_run(const TraceEvent& e) { return !trace::words_of(e.what).after_run; }

}  // namespace

Survey survey(const TraceFile& trace, bool& ends_cut) {
    Surveyor surveyor;
    TraceReader in(trace);
    TraceEvent e;
    while (in.next_event(e))
        if (of_the_run(e)) surveyor.see(e);
    ends_cut = in.ends_cut();
    return surveyor.result();
}

void draw(const TraceFile& trace, const Survey& s, int out_fd, const std::string& out_name,
          const Request& request) {
    Out out(out_fd, out_name);
    const std::unique_ptr<Sink> sink =
        request.format == timeline::Format::Svg ? svg_sink(out, request) : json_sink(out, request);
    sink->begin(s);
    Replay replay(s, *sink);
    TraceReader in(trace);
    TraceEvent e;
    while (in.next_event(e))
        if (of_the_run(e)) replay.see(e);
    replay.close_all();
    sink->end();
    out.flush();
}

}  // namespace picture
