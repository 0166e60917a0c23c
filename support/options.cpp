// support/options.cpp - see options.hpp.
#include "options.hpp"

#include "../lock.hpp"
#include "io.hpp"
#include "timeline.hpp"

#include <getopt.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace {

using prime::Language;

constexpr unsigned kMaxJobs = 100000;
constexpr const char* kVersion =
    "primeproc 1.1\n"
    "Copyright (C) 2026 the primeproc authors. MIT licence: free to use, change and share.\n";

// --version and the English --help say what a build without robust mutexes (lock.hpp) loses.
std::string noting_the_lock(const char* text) {
    if (ProcessMutex::robust()) return text;
    return text + std::string(
                      "This build has no robust mutexes: a child killed while it prints blocks the "
                      "others.\n");
}

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

std::string help_text(Language lang) {
    if (lang == Language::German) {
        return "Aufruf: primeproc [OPTIONEN] [ZAHL...]\n"
               "Prüft jede ZAHL auf Primalität, jede in einem eigenen Kindprozess.\n"
               "Ohne ZAHL wird eine Zahl pro Zeile von der Standardeingabe gelesen, bis zu\n"
               "einer Zeile \"e\" oder dem Ende der Eingabe; am Terminal mit der "
               "Eingabeaufforderung \"> \".\n"
               "\n"
               "  -i, --interactive   Eingabeaufforderung auch, wenn die Eingabe kein Terminal "
               "ist\n"
               "  -j, --jobs N        höchstens N Kindprozesse zugleich; danach auf einen warten\n"
               "                      (Vorgabe 64; 0 heißt keine Grenze, wie im Buch)\n"
               "  -l, --lang de|en    Sprache (Vorgabe: aus LANGUAGE, LC_ALL, LC_MESSAGES, LANG)\n"
               "  -t, --trace         fork, Sperre und waitpid-Ergebnisse auf stderr zeigen\n"
               "      --timeline DATEI am Ende ein Bild des Laufs schreiben (.svg oder .json)\n"
               "      --unlocked      Vorführung: Kindprozesse schreiben ohne Sperre, stückweise\n"
               "      --live          Vorführung: Sperre nicht halten, während auf Eingabe "
               "gewartet\n"
               "                      wird; Antworten erscheinen sofort\n"
               "  -h, --help          diese Hilfe zeigen und beenden\n"
               "  -V, --version       Version zeigen und beenden\n"
               "\n"
               "Eine negative ZAHL darf wie eine Option aussehen: primeproc -7 13\n"
               "Rückgabewert: 0 alles beantwortet, 1 falsche Eingabe oder ein Fehler, 2 falscher "
               "Aufruf.\n";
    }
    return noting_the_lock(
        "Usage: primeproc [OPTIONS] [NUMBER...]\n"
        "Test each NUMBER for primality, each in a child process of its own.\n"
        "With no NUMBER, read one number per line from standard input until a line\n"
        "\"e\" or the end of input; the prompt \"> \" is shown when input is a terminal.\n"
        "\n"
        "  -i, --interactive   show the prompt even when input is not a terminal\n"
        "  -j, --jobs N        at most N children at once; at the cap, wait for one\n"
        "                      (default 64; 0 means no cap, as in the book)\n"
        "  -l, --lang de|en    language (default: from LANGUAGE, LC_ALL, LC_MESSAGES, LANG)\n"
        "  -t, --trace         show forks, the lock and waitpid results on stderr\n"
        "      --timeline FILE when done, draw the run into FILE (.svg or .json)\n"
        "      --unlocked      demonstration: children print without the lock, in\n"
        "                      pieces, so lines mix\n"
        "      --live          demonstration: do not hold the lock while waiting for\n"
        "                      input; answers appear at once and the prompt is redrawn\n"
        "  -h, --help          show this help and exit\n"
        "  -V, --version       show the version and exit\n"
        "\n"
        "A negative NUMBER may look like an option: primeproc -7 13\n"
        "Exit status: 0 all answered, 1 invalid input or a failure, 2 usage error.\n");
}

// --help and --version: a full or closed stdout is an error to report, as coreutils does.
// (exit() outside the catch: leaving with the exception still alive would leak it.)
[[noreturn]] void print_and_exit(const std::string& text, Language lang) {
    int error = 0;
    try {
        io::write_all(STDOUT_FILENO, text);
    } catch (const std::system_error& e) {
        error = e.code().value();
    }
    if (error != 0) io::say(prime::write_error(lang, std::strerror(error)));
    std::exit(error != 0 ? 1 : 0);
}

std::string quoted(const char* value) { return prime::quote_for_humans(value); }

Language parse_language(const char* arg, Language lang) {
    if (const auto named = prime::language_named(arg)) return *named;
    throw UsageError(lang == Language::German ? "--lang muss de oder en sein, nicht " + quoted(arg)
                                              : "--lang must be de or en, not " + quoted(arg));
}

unsigned parse_jobs(const char* arg, Language lang) {
    const prime::ParsedLine n = prime::parse_line(arg);
    if (n.kind != prime::LineKind::Number || n.text.front() == '-' || n.value > kMaxJobs) {
        const std::string range = std::to_string(kMaxJobs);
        throw UsageError(
            lang == Language::German
                ? "--jobs braucht eine ganze Zahl von 0 bis " + range + ", nicht " + quoted(arg)
                : "--jobs needs a whole number from 0 to " + range + ", not " + quoted(arg));
    }
    return static_cast<unsigned>(n.value);
}

std::string parse_timeline(const char* arg, Language lang) {
    if (timeline::format_for(arg)) return arg;
    throw UsageError(lang == Language::German
                         ? "--timeline braucht eine Datei, die auf .svg oder .json endet, nicht " +
                               quoted(arg)
                         : "--timeline needs a file ending in .svg or .json, not " + quoted(arg));
}

// No option is a digit, so "-7" is a number, as for seq(1).
bool looks_negative(const char* arg) { return arg[0] == '-' && arg[1] >= '0' && arg[1] <= '9'; }

// The option as the user wrote it. For a letter inside a cluster (-xi) getopt leaves the letter
// in optopt, and argv[optind - 1] would name the whole cluster or the word after it.
std::string bad_option(const char* word, Language lang, bool missing_value) {
    const bool is_long = std::strncmp(word, "--", 2) == 0;
    const std::string name = is_long || optopt <= 0 || optopt > 127
                                 ? std::string(word).substr(0, std::string(word).find('='))
                                 : std::string("-") + static_cast<char>(optopt);
    if (lang == Language::German) {
        return missing_value ? "Option " + quoted(name.c_str()) + " braucht einen Wert"
                             : "unbekannte Option " + quoted(name.c_str());
    }
    return missing_value ? "option " + quoted(name.c_str()) + " needs a value"
                         : "unknown option " + quoted(name.c_str());
}

enum LongOnly { kUnlocked = 1000, kLive, kTimeline };

void take_option(int c, Options& opts, const char* word) {
    switch (c) {
    case 'h':
        print_and_exit(help_text(opts.language), opts.language);
    case 'V':
        print_and_exit(noting_the_lock(kVersion), opts.language);
    case 'i':
        opts.interactive = true;
        break;
    case 'l':
        opts.language = parse_language(optarg, opts.language);
        break;
    case 'j':
        opts.jobs = parse_jobs(optarg, opts.language);
        break;
    case 't':
        opts.trace = true;
        break;
    case kTimeline:
        opts.timeline = parse_timeline(optarg, opts.language);
        break;
    case kUnlocked:
        opts.unlocked = true;
        break;
    case kLive:
        opts.live = true;
        break;
    case ':':
        throw UsageError(bad_option(word, opts.language, true));
    default:
        throw UsageError(bad_option(word, opts.language, false));
    }
}

// getopt_long in POSIX mode ('+': stop at the first operand) so that operands are seen one by
// one: numbers may stand before, between and after the options, and "-7" is one of them.
void parse_into(Options& opts, int argc, char** argv) {
    static const option kLongOptions[] = {
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},
        {"interactive", no_argument, nullptr, 'i'},
        {"lang", required_argument, nullptr, 'l'},
        {"jobs", required_argument, nullptr, 'j'},
        {"trace", no_argument, nullptr, 't'},
        {"timeline", required_argument, nullptr, kTimeline},
        {"unlocked", no_argument, nullptr, kUnlocked},
        {"live", no_argument, nullptr, kLive},
        {nullptr, 0, nullptr, 0},
    };
    opterr = 0;  // we word the complaint ourselves
    while (optind < argc) {
        if (looks_negative(argv[optind])) {
            opts.numbers.emplace_back(argv[optind++]);
            continue;
        }
        const int before = optind;
        optopt = 0;
        const int c = getopt_long(argc, argv, "+:hVitl:j:", kLongOptions, nullptr);
        if (c != -1) {
            take_option(c, opts, argv[optind - 1]);
        } else if (optind > before) {  // "--": everything after it is a number
            opts.numbers.insert(opts.numbers.end(), argv + optind, argv + argc);
            return;
        } else {
            opts.numbers.emplace_back(argv[optind++]);
        }
    }
}

}  // namespace

Options parse_command_line(int argc, char** argv) {
    Options opts;
    opts.language = prime::language_from_environment(getenv("LANGUAGE"), getenv("LC_ALL"),
                                                     getenv("LC_MESSAGES"), getenv("LANG"));
    std::string problem;
    try {
        parse_into(opts, argc, argv);
    } catch (const UsageError& e) {
        problem = e.what();
    }
    if (problem.empty()) return opts;
    io::say(problem);
    // The hint without the "primeproc: " prefix, as coreutils print it.
    io::say_line(opts.language == Language::German
                     ? "\"primeproc --help\" zeigt weitere Informationen.\n"
                     : "Try 'primeproc --help' for more information.\n");
    std::exit(2);
}
