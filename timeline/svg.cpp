// timeline/svg.cpp - the pieces as an SVG picture for any browser: one lane per process, time
// going right, a tooltip (<title>) on every piece.
#include "picture.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <utility>

namespace picture {
namespace {

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

// A coordinate, with two decimals.
std::string num(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", v);
    return text;
}

// Ticks every 1, 2 or 5 times a power of ten (in microseconds), at most ten across.
Micros tick_step(Micros span) {
    for (Micros power = 1;; power *= 10)
        for (const Micros times : {1, 2, 5})
            if (span / (power * times) <= 10) return power * times;
}

// A long number would run off the left edge: the label shows its start, the tooltip all of it.
std::string label_number(const std::string& number) {
    return number.size() <= 16 ? number : number.substr(0, 13) + "…";
}

class SvgSink : public Sink {
public:
    SvgSink(Out& out, const Request& r) : out_(out), request_(r) {}
    void begin(const Survey& s) override;
    void piece(const Piece& p) override;
    void reaped(std::size_t lane, Micros at, const std::string& title, bool killed) override;
    void end() override;

private:
    // Geometry: the parent's lane has two rows (the lock above; input and waitpid below).
    static constexpr double width = 1280, left = 210, right = 40, plot = width - left - right;
    static constexpr double parent_height = 44, pitch = 22, bar = 16;
    // Where time t is drawn; a time outside the axis is drawn at its edge.
    double x(Micros t) const {
        return left + static_cast<double>(std::clamp(t, from_, to_) - from_) * plot /
                          static_cast<double>(to_ - from_);
    }
    bool on_axis(Micros t) const { return t >= from_ && t <= to_; }
    double lane_top(std::size_t lane) const {
        return lane == 0 ? top_ : top_ + parent_height + 6 + pitch * static_cast<double>(lane - 1);
    }
    void header();
    void legend(double y);
    void axis();
    void lanes();
    void rect(Kind kind, double x0, double x1, double y, double h, const std::string& title);
    void flush_merged(std::size_t which);

    Out& out_;
    const Request& request_;
    const Survey* s_ = nullptr;
    Micros from_ = 0, to_ = 1;  // the time axis: the whole run, or --from/--to
    std::vector<std::pair<const char*, std::string>> notes_;  // id and text, under the title
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
    from_ = request_.from.value_or(std::min<Micros>(0, s.first));
    to_ = std::max(from_ + 1, request_.to.value_or(s.shown_until));
    if (s.left_out() > 0) {
        notes_.emplace_back("left-out",
                            left_out_note(s) +
                                (request_.to ? ""
                                             : "; the time axis stops at " + ms(s.shown_until) +
                                                   " ms of " + ms(s.last)) +
                                ".");
    }
    if (!request_.incomplete.empty())
        notes_.emplace_back("incomplete", incomplete_note(request_.incomplete) + ".");
    top_ = 172 + 18 * static_cast<double>(notes_.size());
    height_ = lane_top(s.drawn.size() + 1) + 24;
    out_ << R"(<?xml version="1.0" encoding="UTF-8"?>)"
            "\n"
         << R"(<svg xmlns="http://www.w3.org/2000/svg" width=")" << num(width) << R"(" height=")"
         << num(height_) << R"(" viewBox="0 0 )" << num(width) << " " << num(height_) << "\">\n"
         << svg_style
         << R"(<rect width="100%" height="100%" fill="#fff"/>)"
            "\n";
    header();
    axis();
    lanes();
}

void SvgSink::header() {
    const Survey& s = *s_;
    const std::string window =
        request_.from || request_.to ? "; drawn here: " + ms(from_) + "–" + ms(to_) + " ms" : "";
    out_
        << R"(<text class="title" x="20" y="30">primeproc --timeline: one lane per process, time going right</text>)"
        << "\n<text class=\"sub\" x=\"20\" y=\"50\">parent "
        << xml_escaped(std::to_string(s.parent)) << " and " << thousands(s.children)
        << " children, " << ms(s.first) << "–" << ms(s.last) << " ms" << window
        << ". Hover over a piece to see its two events and their times.</text>\n";
    double y = 70;
    for (const auto& [id, text] : notes_) {
        out_ << "<text class=\"note\" id=\"" << id << "\" x=\"20\" y=\""
             << static_cast<long long>(y - 2) << "\">" << xml_escaped(text) << "</text>\n";
        y += 18;
    }
    legend(y);
}

void SvgSink::legend(double y) {
    out_ << "<g id=\"legend\" class=\"legend\">\n";
    const std::size_t columns = 3;
    for (std::size_t i = 0; i < std::size(legend_items); ++i) {
        const LegendItem& item = legend_items[i];
        const std::size_t row = i / columns;  // whole rows: the division is meant to cut
        const double x0 = 20 + 400.0 * static_cast<double>(i % columns),
                     y0 = y + 24.0 * static_cast<double>(row);
        const std::string swatch = item.swatch;
        if (swatch == "fork") {
            out_ << "<g class=\"fork\"><line x1=\"" << num(x0 + 14) << "\" y1=\"" << num(y0)
                 << "\" x2=\"" << num(x0 + 14) << "\" y2=\"" << num(y0 + 14) << "\"/><circle cx=\""
                 << num(x0 + 14) << "\" cy=\"" << num(y0 + 14) << "\" r=\"2.5\"/></g>";
        } else if (swatch == "reap") {
            out_ << "<g class=\"reap\"><path d=\"M" << num(x0 + 14) << "," << num(y0 + 1)
                 << " l5,6 l-5,6 l-5,-6 z\"/></g>";
        } else {
            out_ << "<rect class=\"swatch " << swatch << "\" x=\"" << num(x0) << "\" y=\""
                 << num(y0) << "\" width=\"28\" height=\"14\"/>";
        }
        out_ << "<text x=\"" << num(x0 + 36) << "\" y=\"" << num(y0 + 11) << "\">"
             << xml_escaped(item.text) << "</text>\n";
    }
    out_ << "</g>\n";
}

void SvgSink::axis() {
    const Micros step = tick_step(to_ - from_);
    const double axis_y = top_ - 10;
    out_ << "<line class=\"axis\" x1=\"" << num(left) << "\" y1=\"" << num(axis_y) << "\" x2=\""
         << num(left + plot) << "\" y2=\"" << num(axis_y) << "\"/>\n";
    for (Micros t = (from_ / step) * step; t <= to_; t += step) {
        if (t < from_) continue;
        std::string label = ms(t);
        while (label.back() == '0') label.pop_back();
        if (label.back() == '.') label.pop_back();
        out_ << "<line class=\"grid\" x1=\"" << num(x(t)) << "\" y1=\"" << num(axis_y) << "\" x2=\""
             << num(x(t)) << "\" y2=\"" << num(height_ - 20) << "\"/><text class=\"tick\" x=\""
             << num(x(t)) << "\" y=\"" << num(axis_y - 6) << "\">" << label << " ms</text>\n";
    }
}

void SvgSink::lanes() {
    const Survey& s = *s_;
    const double y0 = lane_top(0);
    out_ << "<rect class=\"lane\" x=\"" << num(left) << "\" y=\"" << num(y0) << "\" width=\""
         << num(plot) << "\" height=\"" << num(parent_height) << "\"><title>parent " << s.parent
         << "</title></rect>\n"
         << "<text class=\"label-parent\" x=\"" << num(left - 60) << "\" y=\"" << num(y0 + 26)
         << "\">parent · pid " << s.parent << "</text><text class=\"row\" x=\"" << num(left - 6)
         << "\" y=\"" << num(y0 + 16) << "\">lock</text><text class=\"row\" x=\"" << num(left - 6)
         << "\" y=\"" << num(y0 + 37) << "\">waits</text>\n";
    for (std::size_t i = 0; i < s.drawn.size(); ++i) {
        const Child& c = s.drawn[i];
        const double y = lane_top(i + 1);
        const std::string name = xml_escaped(who(s, i + 1));
        out_ << "<rect class=\"lane\" x=\"" << num(left) << "\" y=\"" << num(y) << "\" width=\""
             << num(plot) << "\" height=\"" << num(pitch - 2) << "\"><title>" << name
             << ", forked at " << ms(c.forked_at) << " ms</title></rect><text class=\"label\" x=\""
             << num(left - 8) << "\" y=\"" << num(y + 14) << "\">pid " << c.pid << " · "
             << xml_escaped(label_number(c.number)) << "</text>\n";
    }
}

void SvgSink::rect(Kind kind, double x0, double x1, double y, double h, const std::string& title) {
    // A piece of a few microseconds in a run of seconds is still drawn a pixel wide, so that it
    // can be found; its x is exact. (--from and --to make it as wide as it deserves.)
    const double w = std::max(x1 - x0, 1.0);
    out_ << "<rect class=\"" << name_of(kind) << "\" x=\"" << num(x0) << "\" y=\"" << num(y)
         << "\" width=\"" << num(w) << "\" height=\"" << num(h) << "\"><title>"
         << xml_escaped(title) << "</title></rect>\n";
    static const char* const words[] = {"compute",
                                        "wait",
                                        "hold",
                                        "zombie",
                                        "killed",
                                        "holds the lock",
                                        "waits for the lock",
                                        "waits for input",
                                        "blocked"};
    const std::string word = words[static_cast<int>(kind)];
    if (w > 7.0 * static_cast<double>(word.size()) + 8)
        out_ << "<text class=\"in\" x=\"" << num(x0 + 4) << "\" y=\"" << num(y + h / 2 + 4) << "\">"
             << word << "</text>\n";
}

void SvgSink::piece(const Piece& p) {
    if (p.from > to_ || p.to < from_) return;  // off the axis
    if (!is_parent_kind(p.kind)) {
        rect(p.kind, x(p.from), x(p.to), lane_top(p.lane) + 2, bar, p.title);
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
                                           : who(*s_, 0) + ": " + doing_of(p.kind) + " " +
                                                 thousands(m.count) + " times in " + ms(p.from) +
                                                 "–" + ms(p.to) +
                                                 " ms (merged here: each less than a pixel apart; "
                                                 "the .json timeline has every one)";
    rect(p.kind, x(p.from), x(p.to), lane_top(0) + (lock_row ? 3 : 24), bar + 1, title);
    m.piece.reset();
}

void SvgSink::reaped(std::size_t lane, Micros at, const std::string& title, bool killed) {
    if (!on_axis(at)) return;
    const double cx = x(at), cy = lane_top(lane) + 2;
    out_ << "<g class=\"reap" << (killed ? " reap-killed" : "") << "\"><title>"
         << xml_escaped(title) << "</title><path d=\"M" << num(cx) << "," << num(cy)
         << " l5,8 l-5,8 l-5,-8 z\"/></g>\n";
}

void SvgSink::end() {
    for (std::size_t i = 0; i < std::size(merged_); ++i) flush_merged(i);
    // The fork marks last, on top of the lanes they cross.
    for (std::size_t i = 0; i < s_->drawn.size(); ++i) {
        const Child& c = s_->drawn[i];
        if (!on_axis(c.forked_at)) continue;
        const double fx = x(c.forked_at), y1 = lane_top(0) + parent_height,
                     y2 = lane_top(i + 1) + 2 + bar / 2;
        out_ << "<g class=\"fork\"><title>" << xml_escaped(who(*s_, 0)) << ": fork() for "
             << xml_escaped(c.number) << " at " << ms(c.forked_at) << " ms → child " << c.pid
             << "</title><line x1=\"" << num(fx) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(fx)
             << "\" y2=\"" << num(y2) << "\"/><circle cx=\"" << num(fx) << "\" cy=\"" << num(y2)
             << "\" r=\"2.5\"/></g>\n";
    }
    out_ << "</svg>\n";
}

}  // namespace

std::unique_ptr<Sink> svg_sink(Out& out, const Request& r) {
    return std::make_unique<SvgSink>(out, r);
}

}  // namespace picture
