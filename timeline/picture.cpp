// timeline/picture.cpp - see picture.hpp: the names of the pieces, the output buffer, and text.
#include "picture.hpp"

#include "../support/io.hpp"

#include <cinttypes>
#include <cstdio>
#include <system_error>

namespace picture {

const char* name_of(Kind k) {
    static const char* const names[] = {"compute",     "wait",         "hold",
                                        "zombie",      "killed",       "parent-hold",
                                        "parent-wait", "parent-input", "parent-blocked"};
    return names[static_cast<int>(k)];
}

const char* doing_of(Kind k) {
    static const char* const doing[] = {"computing",
                                        "waiting for the lock",
                                        "holding the lock",
                                        "a zombie (ended, not yet reaped)",
                                        "killed by a signal at some moment in",
                                        "holding the lock",
                                        "waiting for the lock",
                                        "waiting for input",
                                        "blocked until a child ends"};
    return doing[static_cast<int>(k)];
}

Out& Out::operator<<(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= capacity) flush();
    return *this;
}

void Out::flush() {
    try {
        io::write_all(fd_, buf_);
    } catch (const std::system_error& e) {
        throw std::system_error(e.code(), name_ + ": write");
    }
    buf_.clear();
}

std::string shown(std::string_view s, std::size_t max) {
    std::string out;
    for (const char c : s.substr(0, max)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (s.size() > max) out += "… (" + std::to_string(s.size()) + " characters)";
    return out;
}

// (This program never calls setlocale: printf's decimal point is the C locale's '.'.)
std::string ms(Micros us) {
    char text[32];
    std::snprintf(text, sizeof text, "%s%" PRId64 ".%03" PRId64, us < 0 ? "-" : "",
                  (us < 0 ? -us : us) / 1000, (us < 0 ? -us : us) % 1000);
    return text;
}

std::string thousands(std::size_t n) {
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string xml_escaped(std::string_view s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&apos;";
            break;
        default:
            out += c;
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

std::string who(const Survey& s, std::size_t lane) {
    if (lane == 0) return "parent " + std::to_string(s.parent);
    const Child& c = s.drawn[lane - 1];
    return "child " + std::to_string(c.pid) + " (" + c.number + ")";
}

std::string left_out_note(const Survey& s) {
    if (s.left_out() == 0) return "";
    return "children " + std::to_string(max_children_drawn + 1) + "–" + std::to_string(s.children) +
           " (" + thousands(s.left_out()) + ") not drawn: only the first " +
           std::to_string(max_children_drawn) + " children in fork order have a lane";
}

std::string incomplete_note(const std::string& why) {
    return "Incomplete trace (" + shown(why, 200) +
           "): the picture shows only what happened before";
}

}  // namespace picture
