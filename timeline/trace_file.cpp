// timeline/trace_file.cpp - see trace_file.hpp.
#include "trace_file.hpp"

#include "../support/io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace picture {

namespace {

// A copy of what fd holds until its end, in an unlinked temporary file. Returns the copy's
// descriptor and size.
std::pair<int, off_t> copy_to_temp_file(int fd, const std::string& fd_name) {
    const std::string pattern = timeline::temp_directory() + "/primeproc-timeline-XXXXXX";
    std::string name = pattern;  // mkstemp puts the name it tried in place of the Xs
    const int copy = mkstemp(name.data());
    if (copy < 0) io::throw_errno(("mkstemp(" + pattern + ")").c_str());
    off_t size = 0;
    try {
        if (unlink(name.c_str()) != 0) io::throw_errno(("unlink(" + name + ")").c_str());
        std::vector<char> buf(std::size_t{64} * 1024);
        for (;;) {
            const ssize_t n = read(fd, buf.data(), buf.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) io::throw_errno(("read(" + fd_name + ")").c_str());
            if (n == 0) break;
            io::write_all(copy, std::string_view(buf.data(), static_cast<std::size_t>(n)));
            size += n;
        }
    } catch (...) {
        if (close(copy) != 0)
            io::say_line("primeproc-timeline: close: " + std::string(std::strerror(errno)) + "\n");
        throw;
    }
    return {copy, size};
}

bool eat(std::string_view& s, std::string_view prefix) {
    if (s.substr(0, prefix.size()) != prefix) return false;
    s.remove_prefix(prefix.size());
    return true;
}

// Leading decimal digits (at most max_digits, so that the value fits) as a number.
bool eat_digits(std::string_view& s, std::int64_t& value, std::size_t max_digits = 15) {
    std::size_t n = 0;
    value = 0;
    while (n < s.size() && n < max_digits && s[n] >= '0' && s[n] <= '9')
        value = value * 10 + (s[n++] - '0');
    s.remove_prefix(n);
    return n > 0;
}

// "   12.345" (ms, right-aligned, three decimals) as microseconds, exactly.
bool eat_time(std::string_view& s, Micros& at) {
    while (eat(s, " ")) {
    }
    std::int64_t ms = 0, fraction = 0;
    if (!eat_digits(s, ms) || !eat(s, ".")) return false;
    const std::size_t before = s.size();
    if (!eat_digits(s, fraction, 3)) return false;
    for (std::size_t digits = before - s.size(); digits < 3; ++digits) fraction *= 10;
    at = ms * 1000 + fraction;
    return true;
}

}  // namespace

TraceFile::TraceFile(const std::string& path)
    : name_(path == "-" ? "standard input" : path), fd_(path == "-" ? STDIN_FILENO : -1) {
    if (fd_ < 0) {
        fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) io::throw_errno(("open(" + path + ")").c_str());
        own_fd_ = true;
    }
    try {
        struct stat st {};
        if (fstat(fd_, &st) != 0) io::throw_errno(("fstat(" + name_ + ")").c_str());
        if (S_ISREG(st.st_mode)) {
            size_ = st.st_size;
            return;
        }
        auto [copy, size] = copy_to_temp_file(fd_, name_);  // a pipe, a terminal, a FIFO
        const int original = std::exchange(fd_, copy);
        size_ = size;
        if (std::exchange(own_fd_, true) && close(original) != 0)
            io::throw_errno(("close(" + name_ + ")").c_str());
    } catch (...) {
        if (own_fd_ && close(fd_) != 0)
            io::say_line("primeproc-timeline: close: " + std::string(std::strerror(errno)) + "\n");
        throw;
    }
}

TraceFile::~TraceFile() {
    if (own_fd_) close(fd_);  // read only: nothing a failed close could lose
}

bool parse_trace_line(std::string_view line, TraceEvent& e, const std::string& where) {
    if (!eat(line, "trace ")) return false;
    const std::string_view whole = line;
    std::int64_t pid = 0;
    bool prefix_read = eat_time(line, e.at) && eat(line, " ");
    e.by_parent = prefix_read && eat(line, trace::kParent);
    prefix_read = prefix_read && (e.by_parent || eat(line, trace::kChild)) && eat(line, " ") &&
                  eat_digits(line, pid) && eat(line, ": ");
    if (!prefix_read)
        throw BadTrace(where + ": not a trace line of primeproc: 'trace " + shown(whole) + "'");
    e.pid = static_cast<long>(pid);
    e.words = line;
    e.fields = trace::EventFields{};
    const auto what = trace::match_event(line, e.fields);
    if (!what)
        throw BadTrace(where + ": an event this drawer does not know: '" + shown(line) + "'");
    e.what = *what;
    return true;
}

bool TraceReader::next_event(TraceEvent& e) {
    std::string_view line;
    while (next_line(line)) {
        if (parse_trace_line(line, e, file_.name() + ":" + std::to_string(line_number_)))
            return true;
    }
    return false;
}

bool TraceReader::next_line(std::string_view& line) {
    for (;;) {
        char* const from = buf_.data() + begin_;
        const auto* newline = static_cast<const char*>(std::memchr(from, '\n', end_ - begin_));
        if (newline != nullptr) {
            line = std::string_view(from, static_cast<std::size_t>(newline - from));
            begin_ += line.size() + 1;
            ++line_number_;
            if (!std::exchange(skipping_, false)) return true;
            continue;
        }
        if (at_eof_) {  // a last line without its '\n' was cut short: it is not read
            ends_cut_ = begin_ != end_ || skipping_;
            return false;
        }
        refill();
    }
}

void TraceReader::refill() {
    if (begin_ == 0 && end_ == buf_.size()) {  // a full buffer and no newline: drop it
        skipping_ = true;
        end_ = 0;
    } else {
        std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    const std::size_t wanted =
        std::min(buf_.size() - end_, static_cast<std::size_t>(file_.size_ - offset_));
    ssize_t got = 0;
    do {
        got = wanted == 0 ? 0 : pread(file_.fd_, buf_.data() + end_, wanted, offset_);
    } while (got < 0 && errno == EINTR);
    if (got < 0) io::throw_errno(("pread(" + file_.name_ + ")").c_str());
    if (got == 0) at_eof_ = true;
    offset_ += got;
    end_ += static_cast<std::size_t>(got);
}

}  // namespace picture
