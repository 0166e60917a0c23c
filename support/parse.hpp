// support/parse.hpp - what is this input line? The rules for a number, and why a line is refused.
//
// Adds to the story: the parent's "is this a number?" before it forks (primeproc.cpp, answer).
// Pure functions, no system call, so every rule is unit-tested (tests/test_prime.cpp) and fuzzed
// (tests/fuzz_parser.cpp). Not a TLPI subject; it is what a careful command-line tool owes its
// users: accept exactly the decimal integers, and say why anything else is not one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace prime {

// ---------------------------------------------------------------------------------------------
// Parsing one input line
// ---------------------------------------------------------------------------------------------

// A line longer than this is refused without being stored whole: nobody types such a number, and
// the parent's memory must not grow with the input.
inline constexpr std::size_t kMaxLineLength = 1024;

enum class LineKind { Blank, End, Number, Invalid };

enum class Problem {
    None,
    NotANumber,         // letters, 1e5, 0x10, 1_000, --5 ...
    SignWithoutDigits,  // "-" or "+" alone
    SeveralNumbers,     // "9 7"
    TooLarge,           // above 2^64 - 1
    NonAscii,           // a byte >= 0x80: e.g. Arabic-Indic or full-width digits
    ControlCharacter,   // NUL, escape, ... anything below 0x20 but tab and a final CR
    TooLong,            // longer than kMaxLineLength
    QuitWord,           // "exit", "quit", "q": someone wants to leave; say how
};

struct ParsedLine {
    LineKind kind = LineKind::Blank;
    Problem problem = Problem::None;
    // For a Number: the canonical decimal text (no '+', no leading zeros, "-0" is "0"); for
    // negatives it holds the whole digit string, since they may be of any size.
    std::string text;
    bool below_two = false;   // 0, 1 and every negative number
    std::uint64_t value = 0;  // valid when !below_two
};

inline bool is_blank(char c) { return c == ' ' || c == '\t'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }  // ASCII only, unlike some locales

// Blanks around the line and one trailing CR (Windows line ends, pasted text) are not content.
inline std::string_view trim(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

inline ParsedLine invalid(Problem p) {
    ParsedLine r;
    r.kind = LineKind::Invalid;
    r.problem = p;
    return r;
}

// Why a non-number is not one, most specific reason first.
inline Problem classify_junk(std::string_view s) {
    for (char c : s) {
        if (static_cast<unsigned char>(c) >= 0x80) return Problem::NonAscii;
    }
    for (char c : s) {
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return Problem::ControlCharacter;
    }
    if (s == "exit" || s == "quit" || s == "q") return Problem::QuitWord;
    std::size_t i = 0;
    if (s[i] == '+' || s[i] == '-') ++i;
    const std::size_t first_digit = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    const bool digits_then_blank = i > first_digit && i < s.size() && is_blank(s[i]);
    if (digits_then_blank && is_digit(s.back())) return Problem::SeveralNumbers;
    if (i == s.size()) return Problem::SignWithoutDigits;
    return Problem::NotANumber;
}

// 18446744073709551615 (2^64 - 1) accumulated without overflow: before each step, check that
// value * 10 + digit still fits.
inline bool accumulate_u64(std::string_view digits, std::uint64_t& value) {
    constexpr std::uint64_t kMax = UINT64_MAX;
    value = 0;
    for (char c : digits) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (kMax - digit) / 10) return false;
        value = value * 10 + digit;
    }
    return true;
}

inline ParsedLine parse_line(std::string_view raw) {
    if (raw.size() > kMaxLineLength) return invalid(Problem::TooLong);
    const std::string_view s = trim(raw);
    if (s.empty()) return ParsedLine{};
    if (s == "e") {
        ParsedLine r;
        r.kind = LineKind::End;
        return r;
    }
    const bool negative = s.front() == '-';
    std::string_view digits = s;
    if (s.front() == '+' || s.front() == '-') digits.remove_prefix(1);
    if (digits.empty()) return invalid(Problem::SignWithoutDigits);
    for (char c : digits) {
        if (!is_digit(c)) return invalid(classify_junk(s));
    }
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    const bool zero = digits == "0";

    ParsedLine r;
    r.kind = LineKind::Number;
    r.text = (negative && !zero ? "-" : "") + std::string(digits);
    if (negative && !zero) {
        r.below_two = true;  // any size: no need to know its value to answer it
        return r;
    }
    if (!accumulate_u64(digits, r.value)) return invalid(Problem::TooLarge);
    r.below_two = r.value < 2;
    return r;
}

// A command-line argument is no typed line: "", "e" or "quit" there is simply not a number (the
// hint on how to leave is for a person at the prompt).
inline ParsedLine parse_argument(std::string_view raw) {
    const ParsedLine n = parse_line(raw);
    if (n.kind == LineKind::Blank || n.kind == LineKind::End || n.problem == Problem::QuitWord) {
        return invalid(Problem::NotANumber);
    }
    return n;
}

}  // namespace prime
