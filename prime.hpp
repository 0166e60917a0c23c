// prime.hpp - the pure part of primeproc: trial division, the input-line parser, and the
// sentences it prints in English and German.
//
// Nothing here makes a system call, so the unit tests can check every rule without starting a
// process. primeproc.cpp does the processes; this header only answers "what is this line?" and
// "what is the smallest factor of n?".
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace prime {

// ---------------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------------

// floor(sqrt(n)) for every 64-bit n. The double estimate can be off by one near 2^64 (a double
// has 53 bits of mantissa), so it is corrected with divisions, which cannot overflow where
// r * r could.
inline std::uint64_t integer_sqrt(std::uint64_t n) {
    auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
    while (r > 0 && r > n / r) --r;            // r*r > n: one too many
    while (r + 1 <= n / (r + 1)) ++r;          // (r+1)^2 <= n: one too few
    return r;
}

// How often a long trial division asks "should I stop?" (see smallest_factor). 2^16 divisions
// take well under a millisecond, so the question costs nothing and the answer comes quickly.
inline constexpr std::uint64_t kStopCheckInterval = 1u << 16;

struct NeverStop {
    bool operator()() const { return false; }
};

// The smallest factor d >= 2 of n (n >= 2): n itself exactly when n is prime. This is the book's
// loop "i = 2; while i*i <= n" with two changes:
//  - the bound is computed once as floor(sqrt(n)), because i*i overflows 64 bits for the largest
//    primes (18446744073709551557 needs i up to 4294967295, and 4294967296^2 = 2^64 wraps to 0);
//  - a mod-30 wheel: after 2, 3 and 5 only numbers coprime to 30 are tried (8 of every 30).
//    Candidates still come in increasing order, and every skipped candidate has a factor 2, 3 or
//    5 that was tried first, so the first divisor found is still the smallest one.
// should_stop() is called every kStopCheckInterval divisions; when it says yes the search gives
// up and returns 0 (a child uses this to notice that its parent is gone).
template <typename StopPredicate = NeverStop>
std::uint64_t smallest_factor(std::uint64_t n, StopPredicate should_stop = {}) {
    for (std::uint64_t p : {2u, 3u, 5u}) {
        if (n % p == 0) return p;
    }
    static constexpr std::uint64_t kGaps[8] = {4, 2, 4, 2, 4, 6, 2, 6};  // 7 11 13 17 19 23 29 31 37
    const std::uint64_t limit = integer_sqrt(n);
    std::uint64_t until_check = kStopCheckInterval;
    std::size_t gap = 0;
    for (std::uint64_t d = 7; d <= limit; d += kGaps[gap], gap = (gap + 1) % 8) {
        if (n % d == 0) return d;
        if (--until_check == 0) {
            if (should_stop()) return 0;
            until_check = kStopCheckInterval;
        }
    }
    return n;
}

// ---------------------------------------------------------------------------------------------
// Parsing one input line
// ---------------------------------------------------------------------------------------------

// A line longer than this is refused without being stored whole: nobody types such a number, and
// the parent's memory must not grow with the input.
inline constexpr std::size_t kMaxLineLength = 1024;

enum class LineKind { Blank, End, Number, Invalid };

enum class Problem {
    None,
    NotANumber,        // letters, 1e5, 0x10, 1_000, --5 ...
    SignWithoutDigits, // "-" or "+" alone
    SeveralNumbers,    // "9 7"
    TooLarge,          // above 2^64 - 1
    NonAscii,          // a byte >= 0x80: e.g. Arabic-Indic or full-width digits
    ControlCharacter,  // NUL, escape, ... anything below 0x20 but tab and a final CR
    TooLong,           // longer than kMaxLineLength
};

struct ParsedLine {
    LineKind kind = LineKind::Blank;
    Problem problem = Problem::None;
    // For a Number: the canonical decimal text (no '+', no leading zeros, "-0" is "0"); for
    // negatives it holds the whole digit string, since they may be of any size.
    std::string text;
    bool below_two = false;     // 0, 1 and every negative number
    std::uint64_t value = 0;    // valid when !below_two
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
        r.below_two = true;        // any size: no need to know its value to answer it
        return r;
    }
    if (!accumulate_u64(digits, r.value)) return invalid(Problem::TooLarge);
    r.below_two = r.value < 2;
    return r;
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

enum class Language { English, German };

// POSIX precedence: the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty decides.
inline Language language_from_locale(const char* lc_all, const char* lc_messages, const char* lang) {
    for (const char* v : {lc_all, lc_messages, lang}) {
        if (v != nullptr && *v != '\0') {
            return std::string_view(v).substr(0, 2) == "de" ? Language::German : Language::English;
        }
    }
    return Language::English;
}

// The verdict line a child prints, newline included. n must be a Number; factor is
// smallest_factor(n.value), ignored when n.below_two.
inline std::string verdict(Language lang, const ParsedLine& n, std::uint64_t factor) {
    const bool de = lang == Language::German;
    if (n.below_two) {
        return n.text + (de ? " ist nicht prim (Primzahlen sind größer als 1)\n"
                            : " is not prime (primes are greater than 1)\n");
    }
    if (factor == n.value) return n.text + (de ? " ist prim\n" : " is prime\n");
    const std::string product = std::to_string(factor) + " * " + std::to_string(n.value / factor);
    return n.text + (de ? " ist nicht prim, da " : " is not prime, since ") + n.text + " = " +
           product + "\n";
}

inline const char* problem_text(Language lang, Problem p) {
    const bool de = lang == Language::German;
    switch (p) {
    case Problem::None: break;
    case Problem::NotANumber:
        return de ? "erwartet wird eine ganze Zahl aus den Ziffern 0-9"
                  : "expected a whole number written with the digits 0-9";
    case Problem::SignWithoutDigits:
        return de ? "nach dem Vorzeichen fehlen die Ziffern" : "a sign must be followed by digits";
    case Problem::SeveralNumbers:
        return de ? "bitte nur eine Zahl pro Zeile" : "one number per line, please";
    case Problem::TooLarge:
        return de ? "größer als 18446744073709551615 (2^64 - 1)"
                  : "larger than 18446744073709551615 (2^64 - 1)";
    case Problem::NonAscii:
        return de ? "enthält Zeichen außerhalb von ASCII; nur die Ziffern 0-9 zählen"
                  : "contains non-ASCII characters; only the digits 0-9 count";
    case Problem::ControlCharacter:
        return de ? "enthält ein Steuerzeichen" : "contains a control character";
    case Problem::TooLong:
        return de ? "Zeile länger als 1024 Bytes" : "line longer than 1024 bytes";
    }
    return "?";
}

// At most this many bytes of a refused line are quoted back: enough to recognise it, never a
// megabyte of it on the terminal.
inline constexpr std::size_t kQuoteLimit = 32;

// A short, printable rendering of a refused line: printable ASCII as is, '"' and '\' escaped,
// every other byte as \xNN (so no raw escape sequence ever reaches the terminal), "..." when cut.
inline std::string quote_for_humans(std::string_view raw) {
    std::string out = "\"";
    const std::string_view shown = raw.substr(0, kQuoteLimit);
    for (char c : shown) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u >= 0x20 && u < 0x7f) {
            out += c;
        } else {
            char hex[5];
            std::snprintf(hex, sizeof hex, "\\x%02x", u);
            out += hex;
        }
    }
    out += '"';
    if (raw.size() > shown.size()) out += "...";
    return out;
}

// The refusal line, newline included: "Invalid input "1e5": expected ..." or the book's
// "Falsche Eingabe! ...".
inline std::string refusal(Language lang, std::string_view raw, Problem p) {
    const bool de = lang == Language::German;
    return std::string(de ? "Falsche Eingabe! " : "Invalid input ") + quote_for_humans(raw) + ": " +
           problem_text(lang, p) + "\n";
}

}  // namespace prime
