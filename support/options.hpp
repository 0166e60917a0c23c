// support/options.hpp - the command line: options, --help, --version, usage errors.
//
// Adds to the story: the switches that choose how the story is told (-j, --lang, --trace,
// --timeline, --unlocked, --live). Each is read here once; the story consults it in one place.
// (TLPI appendix B on getopt; getopt_long is not POSIX, but glibc, musl, the BSDs and macOS have it.)
#pragma once

#include "messages.hpp"

#include <string>
#include <vector>

struct Options {
    prime::Language language = prime::Language::English;
    bool interactive = false;          // -i: prompt even when stdin is not a terminal
    unsigned jobs = 64;                // -j: at most this many children at once; 0: no cap
    bool trace = false;                // -t: lifecycle events on stderr
    std::string timeline;              // --timeline FILE: a picture of the run (.svg or .json)
    bool unlocked = false;             // --unlocked: children print without the lock (a demo)
    bool live = false;                 // --live: the lock is not held while waiting for input
    std::vector<std::string> numbers;  // from the command line; empty: read stdin
};

// Parses argv. --help and --version print and exit(0) (exit(1) when stdout fails); a usage error
// is reported with a hint and exit(2), as GNU tools do.
Options parse_command_line(int argc, char** argv);
