// support/messages.hpp - every sentence primeproc prints, in English and in the book's German.
//
// Adds to the story: the words of a verdict (the child's one line), of a refusal, and of every
// report about a child. Pure functions; the processes are in primeproc.cpp. The language is
// chosen once, at start (options.cpp). The C library's reasons (strerror: "File too large") stay
// as the C library gives them: primeproc never calls setlocale, so they are English. Trace
// lines stay English too: they name C calls.
#pragma once

#include "parse.hpp"

#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace prime {

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

enum class Language { English, German };

// "de", "DE", "de_AT", "de_DE.UTF-8" are German; "en", "en_GB", "C", "POSIX" English; else none.
inline std::optional<Language> language_named(std::string_view name) {
    const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    // Two letters, then nothing or a separator: the length is checked before name[2] is read.
    const bool two_letters =
        name.size() == 2 ||
        (name.size() > 2 && std::string_view("_.@-").find(name[2]) != std::string_view::npos);
    if (two_letters && lower(name[0]) == 'd' && lower(name[1]) == 'e') return Language::German;
    if (two_letters && lower(name[0]) == 'e' && lower(name[1]) == 'n') return Language::English;
    if (name == "C" || name == "POSIX" || name.substr(0, 2) == "C.") return Language::English;
    return std::nullopt;
}

// POSIX precedence: the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty decides.
inline Language language_from_locale(const char* lc_all, const char* lc_messages,
                                     const char* lang) {
    for (const char* v : {lc_all, lc_messages, lang}) {
        if (v != nullptr && *v != '\0') return language_named(v).value_or(Language::English);
    }
    return Language::English;
}

// As gettext does: LANGUAGE (a list such as "de:en"; its first entry) comes before the locale.
inline Language language_from_environment(const char* language, const char* lc_all,
                                          const char* lc_messages, const char* lang) {
    if (language != nullptr && *language != '\0') {
        const std::string_view first =
            std::string_view(language).substr(0, std::string_view(language).find(':'));
        if (const auto named = language_named(first)) return *named;
    }
    return language_from_locale(lc_all, lc_messages, lang);
}

// The verdict line a child prints, newline included, in a buffer of its own. The child formats
// it after fork(), and this way touches no heap: malloc would write to heap pages it shares with
// the parent, and the kernel copies every shared page before the first write to it.
class Verdict {
public:
    // n must be a Number; factor is smallest_factor(n.value), ignored when n.below_two.
    Verdict(Language lang, const ParsedLine& n, std::uint64_t factor) {
        const bool de = lang == Language::German;
        add(n.text);
        if (n.below_two) {
            add(de ? " ist nicht prim (Primzahlen sind größer als 1)\n"
                   : " is not prime (primes are greater than 1)\n");
        } else if (factor == n.value) {
            add(de ? " ist prim\n" : " is prime\n");
        } else {
            add(de ? " ist nicht prim, da " : " is not prime, since ");
            add(n.text);
            add(" = ");
            add(factor);
            add(" * ");
            add(n.value / factor);
            add("\n");
        }
    }
    std::string_view text() const { return {text_, size_}; }

private:
    void add(std::string_view s) {
        if (s.size() > sizeof text_ - size_)
            throw std::length_error("verdict longer than its buffer");
        std::memcpy(text_ + size_, s.data(), s.size());
        size_ += s.size();
    }
    void add(std::uint64_t v) {
        const auto [end, err] = std::to_chars(text_ + size_, text_ + sizeof text_, v);
        if (err != std::errc()) throw std::length_error("verdict longer than its buffer");
        size_ = static_cast<std::size_t>(end - text_);
    }
    // The longest line: a negative number of kMaxLineLength characters, then the German words
    // (49 bytes: "ö" and "ß" take two each in UTF-8). A product has at most 20 digits in each of
    // its three numbers, so it is shorter.
    static constexpr std::size_t kLongestWords =
        sizeof(" ist nicht prim (Primzahlen sind größer als 1)\n") - 1;
    static_assert(kLongestWords <= 64, "a verdict must fit its buffer");
    char text_[kMaxLineLength + 64];
    std::size_t size_ = 0;
};

// The same as a string, for the tests.
inline std::string verdict(Language lang, const ParsedLine& n, std::uint64_t factor) {
    return std::string(Verdict(lang, n, factor).text());
}

inline const char* problem_text(Language lang, Problem p) {
    const bool de = lang == Language::German;
    switch (p) {
    case Problem::None:
        break;
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
    case Problem::QuitWord:
        return de ? "zum Beenden \"e\" eingeben oder Strg-D drücken"
                  : "to end, type \"e\" or press Ctrl-D";
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

// ---------------------------------------------------------------------------------------------
// What the parent says about its children and itself (stderr, "primeproc: " in front)
// ---------------------------------------------------------------------------------------------

inline std::string greeting(Language lang) {
    return lang == Language::German
               ? "eine Zahl pro Zeile; \"e\" oder Strg-D beendet; primeproc --help erklärt mehr"
               : "one number per line; \"e\" or Ctrl-D ends; primeproc --help explains more";
}

inline std::string child_named(Language lang, long pid, std::string_view number) {
    return std::string(lang == Language::German ? "Kindprozess " : "child ") + std::to_string(pid) +
           " (" + std::string(number) + ")";
}

inline std::string child_exited(Language lang, long pid, std::string_view number, int status) {
    return child_named(lang, pid, number) +
           (lang == Language::German ? " endete mit Status " : " exited with status ") +
           std::to_string(status);
}

// The signal's C name (SIGKILL): the same in every language, unlike strsignal's "Killed".
inline const char* signal_name(int sig) {
    static const struct {
        int sig;
        const char* name;
    } kNames[] = {
        {SIGHUP, "SIGHUP"},   {SIGINT, "SIGINT"},   {SIGQUIT, "SIGQUIT"}, {SIGILL, "SIGILL"},
        {SIGABRT, "SIGABRT"}, {SIGFPE, "SIGFPE"},   {SIGKILL, "SIGKILL"}, {SIGSEGV, "SIGSEGV"},
        {SIGPIPE, "SIGPIPE"}, {SIGALRM, "SIGALRM"}, {SIGTERM, "SIGTERM"}, {SIGUSR1, "SIGUSR1"},
        {SIGUSR2, "SIGUSR2"}, {SIGBUS, "SIGBUS"},   {SIGXCPU, "SIGXCPU"}, {SIGXFSZ, "SIGXFSZ"},
    };
    for (const auto& n : kNames) {
        if (n.sig == sig) return n.name;
    }
    return "?";
}

// English says what strsignal says ("Killed"); German names the signal, since the C library's
// text would be English unless a German locale is installed.
inline std::string child_killed(Language lang, long pid, std::string_view number, int sig,
                                const char* text) {
    return child_named(lang, pid, number) +
           (lang == Language::German
                ? " wurde durch Signal " + std::to_string(sig) + " (" + signal_name(sig) +
                      ") beendet"
                : " was killed by signal " + std::to_string(sig) + " (" + text + ")");
}

inline std::string fork_failed(Language lang, const char* reason, std::string_view number) {
    return std::string("fork: ") + reason +
           (lang == Language::German ? " (" + std::string(number) + " nicht getestet)"
                                     : " (" + std::string(number) + " not tested)");
}

inline std::string waiting_for_children(Language lang, std::size_t count) {
    const std::string n = std::to_string(count);
    if (lang == Language::German)
        return "warte auf " + n + (count == 1 ? " Kindprozess ..." : " Kindprozesse ...");
    return "waiting for " + n + (count == 1 ? " child..." : " children...");
}

inline std::string waiting_for_a_slot(Language lang, std::size_t running) {
    const std::string n = std::to_string(running);
    if (lang == Language::German) {
        return running == 1 ? "warte, bis der laufende Kindprozess endet (-j 1) ..."
                            : "warte, bis einer der " + n + " laufenden Kindprozesse endet (-j " +
                                  n + ") ...";
    }
    return running == 1 ? "waiting for the running child (-j 1)..."
                        : "waiting for one of " + n + " running children (-j " + n + ")...";
}

inline std::string unlocked_warning(Language lang) {
    return lang == Language::German
               ? "--unlocked: Kindprozesse schreiben ohne Sperre und stückweise; Zeilen werden "
                 "sich vermischen (eine Vorführung)"
               : "--unlocked: children print without the lock, in pieces; lines will mix "
                 "(a demonstration)";
}

inline std::string lock_repaired(Language lang) {
    return lang == Language::German
               ? "ein Prozess starb, während er die Ausgabesperre hielt; mit "
                 "pthread_mutex_consistent repariert, es geht weiter"
               : "a process died while holding the output lock; repaired it with "
                 "pthread_mutex_consistent and carrying on";
}

inline std::string write_error(Language lang, const char* reason) {
    return std::string(lang == Language::German ? "Schreibfehler: " : "write error: ") + reason;
}

}  // namespace prime
