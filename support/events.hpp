// support/events.hpp - the trace events: every event's words, defined once.
//
// Adds to the story: the vocabulary of --trace. A trace line reads
//     trace <ms since start> <parent|child> <pid>: <event>
// and <event> is one of the formats below, filled in printf-style. The trace writer (trace.hpp)
// writes them, the drawer (primeproc-timeline, a program of its own in timeline/) reads them
// back, and the tests build their expected lines from them: a word changed here changes all
// three, and a line the drawer cannot match here is an error, not a silently missing piece.
// (TLPI ch. 24.4: the order of fork, _exit and wait across processes is what these lines show.)
//
// A format holds at most one integer (%d, %ld or %zd) and one %s, and a %s is followed only by
// fixed words: that is what match_event can read back. (The compiler cannot check the arguments
// of a format taken from a table; the tests make every event happen and read it back.)
#pragma once

#include <cstddef>
#include <iterator>
#include <optional>
#include <string_view>

namespace trace {

enum class Event {
    fork_for,        // parent, before fork(), so that it comes before anything the child says
    forked_child,    // parent, when fork() has returned the child's pid
    started,         // child, first thing
    waits_for_lock,  // child, or the parent at a prompt
    took_lock,
    releases_lock,    // before the unlock, so that two holders' intervals never overlap
    exits,            // child, last thing
    waits_for_input,  // parent
    read_bytes,
    read_end,
    waits_for_child,  // parent, blocked until a child ends (-j cap, or the end)
    reaped_child,     // parent, what waitpid() returned, decoded
    // After the run, with --timeline: the parent starts the drawer. Not part of the run's
    // picture (it is drawn meanwhile), so the drawer reads these lines and draws nothing for them.
    fork_for_drawer,
    forked_drawer,
    exec_beside,   // the drawer's process, before execv of the drawer beside the program
    exec_on_path,  // ... and, if that failed, before execvp, which searches PATH
    reaped_drawer,
};

struct EventWords {
    Event event;
    const char* format;
    bool after_run;  // about drawing the picture, not about the run
};

inline constexpr EventWords kEvents[] = {
    {Event::fork_for, "fork() for %s", false},
    {Event::forked_child, "fork() -> child %ld", false},
    {Event::started, "started by parent %ld, tests %s", false},
    {Event::waits_for_lock, "waits for the lock", false},
    {Event::took_lock, "took the lock", false},
    {Event::releases_lock, "releases the lock", false},
    {Event::exits, "_exit(%d)", false},
    {Event::waits_for_input, "waits for input", false},
    {Event::read_bytes, "read() -> %zd bytes", false},
    {Event::read_end, "read() -> end of input", false},
    {Event::waits_for_child, "waits for a child to end", false},
    {Event::reaped_child, "waitpid() -> child %ld: %s", false},
    {Event::fork_for_drawer, "fork() to draw the picture", true},
    {Event::forked_drawer, "fork() -> drawer %ld", true},
    {Event::exec_beside, "execv(%s)", true},
    {Event::exec_on_path, "execvp(%s)", true},
    {Event::reaped_drawer, "waitpid() -> drawer %ld: %s", true},
};

// What comes before the event: milliseconds since the start, "parent" or "child", the pid.
inline constexpr const char* kLinePrefix = "trace %10.3f %s %ld: ";
inline constexpr const char* kParent = "parent";
inline constexpr const char* kChild = "child";

constexpr const EventWords& words_of(Event e) { return kEvents[static_cast<std::size_t>(e)]; }

constexpr bool table_in_enum_order() {
    for (std::size_t i = 0; i < std::size(kEvents); ++i)
        if (static_cast<std::size_t>(kEvents[i].event) != i) return false;
    return true;
}
static_assert(table_in_enum_order(), "kEvents lists the events in the order of enum Event");

// What an event's %-fields held.
struct EventFields {
    long number = 0;        // the integer (a pid, a status, a byte count), if the format has one
    std::string_view text;  // the %s (a number as typed, a decoded status, a path), if any
};

// Does `words` read as `format` filled in? Fills `fields` if so.
inline bool matches(std::string_view format, std::string_view words, EventFields& fields) {
    while (!format.empty()) {
        if (format.substr(0, 2) == "%s") {  // the rest of the format is fixed words
            const std::string_view tail = format.substr(2);
            if (words.size() < tail.size() || words.substr(words.size() - tail.size()) != tail)
                return false;
            fields.text = words.substr(0, words.size() - tail.size());
            return true;
        }
        if (format[0] == '%') {  // %d, %ld or %zd: an optional '-' and at least one digit
            format.remove_prefix(format.find('d') + 1);
            const bool negative = words.substr(0, 1) == "-";
            std::size_t n = negative ? 1 : 0;
            const std::size_t first_digit = n;
            long value = 0;
            for (; n < words.size() && n - first_digit < 18 && words[n] >= '0' && words[n] <= '9';
                 ++n)
                value = value * 10 + (words[n] - '0');
            if (n == first_digit) return false;
            fields.number = negative ? -value : value;
            words.remove_prefix(n);
            continue;
        }
        if (words.empty() || words[0] != format[0]) return false;
        format.remove_prefix(1);
        words.remove_prefix(1);
    }
    return words.empty();
}

// Which event `words` are (the part of a trace line after "<pid>: "), or nullopt for words that
// no format reads.
inline std::optional<Event> match_event(std::string_view words, EventFields& fields) {
    for (const EventWords& e : kEvents)
        if (matches(e.format, words, fields)) return e.event;
    return std::nullopt;
}

}  // namespace trace
