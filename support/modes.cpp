// support/modes.cpp - see modes.hpp.
#include "modes.hpp"

#include "io.hpp"
#include "parse.hpp"
#include "trace.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace {
// "\r" back to the start of the line, ESC [ K erase to its end: an ANSI (VT100) control sequence,
// understood by every terminal in use but not part of POSIX; so only used on a terminal.
constexpr std::string_view kEraseLine = "\r\x1b[K";
}  // namespace

// "> " where the person sees it (Parent::prompt_fd), the line, and the prompt drawn again after
// Ctrl-Z and fg.
LineReader::Status prompt_and_read(Parent& p, LineReader& reader, std::string& line) {
    io::write_all(p.prompt_fd, "> ");
    p.signals.set_prompt(p.prompt_fd, "> ");
    const LineReader::Status status = reader.next(line, prime::kMaxLineLength + 1);
    p.signals.set_prompt(-1, {});
    // Ctrl-D leaves the cursor after "> ": end that line, or the next verdict would start there.
    if (status != LineReader::Status::Line) io::write_all(p.prompt_fd, "\n");
    return status;
}

// The book holds the lock while it shows "> " and waits for the line, so that no verdict
// can land inside the prompt line. Children that finish meanwhile wait at the lock; before the
// next prompt they go first (a plain mutex would often hand it straight back to us: see
// fair_prompt.hpp), so each answer appears after the Enter that follows it.
LineReader::Status read_line_holding_lock(Parent& p, LineReader& reader, std::string& line) {
    trace::event(trace::Event::waits_for_lock);
    if (!p.fair_prompt.lock_after_waiters([&p] { return p.ending(); }))
        return LineReader::Status::Stopped;
    std::lock_guard<ProcessMutex> hold(p.lock, std::adopt_lock);
    trace::event(trace::Event::took_lock);
    const LineReader::Status status = prompt_and_read(p, reader, line);
    trace::event(trace::Event::releases_lock);
    return status;
}

// sched_yield() between the pieces lets the others run, so the mixing is easy to see on any
// machine; the race exists without it.
int print_in_pieces(std::string_view line) {
    std::size_t start = 0;
    while (start < line.size()) {
        const std::size_t end = std::min(line.find(' ', start + 1), line.size());
        try {
            io::write_all(STDOUT_FILENO, line.substr(start, end - start));
        } catch (const std::system_error& e) {
            if (e.code().value() == EPIPE)
                return -SIGPIPE;  // the reader has gone: as write_verdict
            throw;
        }
        if (sched_yield() != 0) io::throw_errno("sched_yield");
        start = end;
    }
    return 0;
}

// The new cost: what the user has half typed vanishes from the screen when a child redraws the
// prompt (the terminal still holds it; Ctrl-R shows it again).
LineReader::Status read_line_live(Parent& p, LineReader& reader, std::string& line) {
    const bool redraws = p.for_child.live_prompt != nullptr;  // children redraw "> " below theirs
    {
        trace::event(trace::Event::waits_for_lock);
        std::unique_lock<ProcessMutex> hold(p.lock, std::defer_lock);
        if (!p.take_lock(hold)) return LineReader::Status::Stopped;
        trace::event(trace::Event::took_lock);
        // A child may have redrawn "> " after the Enter that ended the last line: erase it first.
        if (redraws) io::write_all(p.prompt_fd, kEraseLine);
        io::write_all(p.prompt_fd, "> ");
        if (redraws) p.board.prompt_shown = true;
        trace::event(trace::Event::releases_lock);
    }
    p.signals.set_prompt(p.prompt_fd, "> ");
    // Children print meanwhile.
    const LineReader::Status status = reader.next(line, prime::kMaxLineLength + 1);
    p.signals.set_prompt(-1, {});
    std::unique_lock<ProcessMutex> hold(p.lock, std::defer_lock);
    if (!p.take_lock(hold)) return LineReader::Status::Stopped;
    if (redraws) p.board.prompt_shown = false;
    if (status != LineReader::Status::Line) io::write_all(p.prompt_fd, "\n");
    return status;
}

void write_around_prompt(const bool* prompt_shown, std::string_view line) {
    if (prompt_shown == nullptr || !*prompt_shown) {
        io::write_all(STDOUT_FILENO, line);
        return;
    }
    // The child's stack, not the heap (see prime::Verdict); a verdict is shorter than a line of
    // input plus a hundred bytes.
    char text[prime::kMaxLineLength + 128];
    if (kEraseLine.size() + line.size() + 2 > sizeof text) throw std::length_error("line too long");
    char* end = std::copy(kEraseLine.begin(), kEraseLine.end(), text);
    end = std::copy(line.begin(), line.end(), end);
    end = std::copy_n("> ", 2, end);
    io::write_all(STDOUT_FILENO, std::string_view(text, static_cast<std::size_t>(end - text)));
}

namespace {
// A prompt that cannot be written ends the parent as a child's failed write would.
Ending ending_after_write_error(Parent& p, int err) {
    switch (err) {
    case EPIPE:
        return Ending::ReaderGone;  // stdout's reader has gone
    case EIO:
        return Ending::HungUp;  // the terminal has gone
    case EINTR:
        return Ending::StopSignal;  // told to stop while stdout was full (io::give_way_to)
    default:                        // a full disk, a file-size limit: said at the end
        if (p.board.output_error == 0) p.board.output_error = err;
        return Ending::OutputFailed;
    }
}
}  // namespace

LineReader::Status read_line(Parent& p, LineReader& reader, std::string& line) {
    LineReader::Status status;
    try {
        if (!p.prompt) status = reader.next(line, prime::kMaxLineLength + 1);
        else if (p.opts.live) status = read_line_live(p, reader, line);
        else status = read_line_holding_lock(p, reader, line);
    } catch (const std::system_error& e) {
        p.end_because(ending_after_write_error(p, e.code().value()));
        return LineReader::Status::Stopped;
    }
    if (status == LineReader::Status::HungUp) p.end_because(Ending::HungUp);
    return status;
}
