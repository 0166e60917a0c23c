// support/messages.hpp - the sentences primeproc prints, in English and in the book's German.
//
// Adds to the story: the words of a verdict (the child's one line) and of a refusal. Pure
// functions; the processes are in primeproc.cpp.
#pragma once

#include "parse.hpp"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace prime {

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
