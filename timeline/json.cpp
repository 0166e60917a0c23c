// timeline/json.cpp - the pieces in the Trace Event Format, which Perfetto (ui.perfetto.dev) and
// chrome://tracing open: a track per process, every piece (none merged), times in microseconds.
#include "picture.hpp"

#include <algorithm>

namespace picture {
namespace {

class JsonSink : public Sink {
public:
    JsonSink(Out& out, const Request& r) : out_(out), request_(r) {}
    void begin(const Survey& s) override;
    void piece(const Piece& p) override;
    void reaped(std::size_t lane, Micros at, const std::string& title, bool killed) override;
    void end() override;

private:
    long pid_of(std::size_t lane) const { return lane == 0 ? s_->parent : s_->drawn[lane - 1].pid; }
    // With --from/--to, only what happened in that window of time.
    bool in_window(Micros from, Micros to) const {
        return (!request_.from || to >= *request_.from) && (!request_.to || from <= *request_.to);
    }
    void event(const std::string& fields);
    void process(std::size_t lane);

    Out& out_;
    const Request& request_;
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
    event(R"("ph":"M","name":"process_name","pid":)" + pid + R"(,"tid":)" + pid +
          R"(,"args":{"name":")" + json_escaped(who(*s_, lane)) + "\"}");
    event(R"("ph":"M","name":"process_sort_index","pid":)" + pid + R"(,"tid":)" + pid +
          R"(,"args":{"sort_index":)" + std::to_string(lane) + "}");
}

void JsonSink::begin(const Survey& s) {
    s_ = &s;
    out_ << "{\"traceEvents\":[";
    for (std::size_t lane = 0; lane <= s.drawn.size(); ++lane) process(lane);
    const std::string parent = std::to_string(s.parent);
    for (const Child& c : s.drawn) {
        if (!in_window(c.forked_at, c.forked_at)) continue;
        // One string per child, built once: clearer as a sum than as appends.
        // NOLINTBEGIN(performance-inefficient-string-concatenation)
        event(R"("ph":"i","s":"p","name":"fork() for )" + json_escaped(c.number) + R"(","pid":)" +
              parent + R"(,"tid":)" + parent + R"(,"ts":)" + std::to_string(c.forked_at) +
              R"(,"args":{"child":)" + std::to_string(c.pid) + "}");
        // NOLINTEND(performance-inefficient-string-concatenation)
    }
}

void JsonSink::piece(const Piece& p) {
    if (!in_window(p.from, p.to)) return;
    const Micros from = std::max(p.from, request_.from.value_or(p.from)),
                 to = std::min(p.to, request_.to.value_or(p.to));
    const std::string pid = std::to_string(pid_of(p.lane));
    event(R"("ph":"X","name":")" + std::string(name_of(p.kind)) + R"(","cat":")" +
          (p.lane == 0 ? "parent" : "child") + R"(","pid":)" + pid + R"(,"tid":)" + pid +
          R"(,"ts":)" + std::to_string(from) + R"(,"dur":)" + std::to_string(to - from) +
          R"(,"args":{"events":")" + json_escaped(p.title) + "\"}");
}

void JsonSink::reaped(std::size_t lane, Micros at, const std::string& title, bool killed) {
    if (!in_window(at, at)) return;
    const std::string pid = std::to_string(pid_of(lane));
    event(R"("ph":"i","s":"p","name":")" + std::string(killed ? "reaped (killed)" : "reaped") +
          R"(","pid":)" + pid + R"(,"tid":)" + pid + R"(,"ts":)" + std::to_string(at) +
          R"(,"args":{"events":")" + json_escaped(title) + "\"}");
}

void JsonSink::end() {
    out_ << "\n],\"displayTimeUnit\":\"ms\"";
    std::string notes;
    if (s_->left_out() > 0) notes += "\"note\":\"" + json_escaped(left_out_note(*s_)) + "\"";
    if (!request_.incomplete.empty())
        notes += (notes.empty() ? "" : ",") + std::string("\"incomplete\":\"") +
                 json_escaped(incomplete_note(request_.incomplete)) + "\"";
    if (!notes.empty()) out_ << ",\"otherData\":{" << notes << "}";
    out_ << "}\n";
}

}  // namespace

std::unique_ptr<Sink> json_sink(Out& out, const Request& r) {
    return std::make_unique<JsonSink>(out, r);
}

}  // namespace picture
