// test_command_line.cpp - the command line: numbers as arguments, the options, --help and
// --version, usage errors (status 2, GNU style), and the language every message is in.
#include "../support/messages.hpp"
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

using expect::Lines;
using expect::with_program;
using harness::line_set;
using harness::run;

namespace {
const std::string kGreetingDe =
    "primeproc: eine Zahl pro Zeile; \"e\" oder Strg-D beendet; primeproc --help erklärt mehr";
}  // namespace

// ---------------------------------------------------------------------------------------------
// Numbers as arguments
// ---------------------------------------------------------------------------------------------

TEST_CASE("numbers as arguments: one verdict each, no prompt, exit 0") {
    const auto r = run(with_program({"--lang", "en", "97", "100", "0", "1", "2", "--", "-7"}), "");
    CHECK(line_set(r.out) == Lines{"97 is prime", "100 is not prime, since 100 = 2 * 50",
                                   "0 is not prime (primes are greater than 1)",
                                   "1 is not prime (primes are greater than 1)", "2 is prime",
                                   "-7 is not prime (primes are greater than 1)"});
    CHECK(r.err == "");
    CHECK(r.exit_code() == 0);
}

TEST_CASE("an invalid argument is refused on stderr, the rest answered, exit 1") {
    const auto r =
        run(with_program({"-l", "de", "97", "1e5", "18446744073709551616", "e", "4"}), "");
    CHECK(line_set(r.out) == Lines{"97 ist prim", "4 ist nicht prim, da 4 = 2 * 2"});
    CHECK(
        line_set(r.err) ==
        Lines{
            "Falsche Eingabe! \"1e5\": erwartet wird eine ganze Zahl aus den Ziffern 0-9",
            "Falsche Eingabe! \"18446744073709551616\": größer als 18446744073709551615 (2^64 - 1)",
            "Falsche Eingabe! \"e\": erwartet wird eine ganze Zahl aus den Ziffern 0-9"});
    CHECK(r.exit_code() == 1);
}

TEST_CASE("an argument that is a way to leave (e, quit) is no typed line: it is not a number") {
    const auto r = run(with_program({"quit", "e", "97"}), "");
    CHECK(r.out == "97 is prime\n");
    CHECK(line_set(r.err) ==
          Lines{"Invalid input \"quit\": expected a whole number written with the digits 0-9",
                "Invalid input \"e\": expected a whole number written with the digits 0-9"});
    CHECK(r.exit_code() == 1);
}

TEST_CASE("a negative number is a number, not an option, and -- still works") {
    const auto r = run(with_program({"-l", "en", "-7", "13", "-t0"}), "");
    // -t0 is a cluster of options (-t, then the unknown -0): digits are never options.
    CHECK(r.exit_code() == 2);
    const auto ok = run(with_program({"-l", "en", "-7", "13", "--", "-8"}), "");
    CHECK(line_set(ok.out) == Lines{"-7 is not prime (primes are greater than 1)", "13 is prime",
                                    "-8 is not prime (primes are greater than 1)"});
    CHECK(ok.exit_code() == 0);
    const auto mixed = run(with_program({"13", "-l", "en", "-5", "-j", "2", "4"}), "");
    CHECK(line_set(mixed.out) == Lines{"13 is prime", "-5 is not prime (primes are greater than 1)",
                                       "4 is not prime, since 4 = 2 * 2"});
}

// ---------------------------------------------------------------------------------------------
// Options: --help, --version, usage errors
// ---------------------------------------------------------------------------------------------

TEST_CASE("--help and --version print on stdout and exit 0") {
    const auto help = run(with_program({"--help"}), "");
    CHECK(help.out.rfind("Usage: primeproc [OPTIONS] [NUMBER...]\n", 0) == 0);
    CHECK(help.out.find("--jobs") != std::string::npos);
    CHECK(help.err == "");
    CHECK(help.exit_code() == 0);
    const auto version = run(with_program({"-V"}), "");
    CHECK(version.out.rfind("primeproc ", 0) == 0);
    CHECK(version.exit_code() == 0);
}

TEST_CASE("--version gives the version and a one-line licence") {
    const auto r = run(with_program({"--version"}), "");
    const auto lines = harness::lines(r.out);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].rfind("primeproc ", 0) == 0);
    CHECK(lines[1].find("licence") != std::string::npos);
    CHECK(r.exit_code() == 0);
}

TEST_CASE("usage errors go to stderr with exit 2 and nothing on stdout") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"-x"},
                                                                  {"--frobnicate"},
                                                                  {"--lang", "fr"},
                                                                  {"--lang"},
                                                                  {"-j", "many"},
                                                                  {"-j", "-1"}}) {
        const auto r = run(with_program(args), "97\n");
        CHECK(r.out == "");
        CHECK(r.err.find("\nTry 'primeproc --help' for more information.\n") != std::string::npos);
        CHECK(r.exit_code() == 2);
    }
}

TEST_CASE("usage errors end with the GNU hint; a letter inside a cluster is named") {
    const auto r = run(with_program({"-xi"}), "");
    CHECK(r.err ==
          "primeproc: unknown option \"-x\"\n"
          "Try 'primeproc --help' for more information.\n");
    CHECK(r.out == "");
    CHECK(r.exit_code() == 2);
    const auto missing = run(with_program({"--lang"}), "");
    CHECK(missing.err.rfind("primeproc: option \"--lang\" needs a value\n", 0) == 0);
}

TEST_CASE("a bad option value is quoted: no raw control bytes and no 100 kB echo") {
    const std::string big(100000, 'x');
    const std::vector<std::vector<std::string>> calls = {
        {"--lang", "\x1b[2J"}, {"--lang=\x1b[2J"}, {"--lang", big},           {"-l", big},
        {"--jobs", "\x1b[2J"}, {"--jobs", big},    {"--timeline", "\x1b[2J"}, {"--timeline", big},
        {"--" + big},          {"--\x1b[2J"},
    };
    for (const auto& args : calls) {
        INFO("arguments: " << prime::quote_for_humans(args[0]).substr(0, 60) << " "
                           << (args.size() > 1 ? prime::quote_for_humans(args[1]).substr(0, 60)
                                               : ""));
        const auto r = harness::run(with_program(args), "");
        INFO("stderr (first 300 bytes): " << prime::quote_for_humans(r.err.substr(0, 300)));
        CHECK(r.exit_code() == 2);
        CHECK(r.out == "");
        CHECK_FALSE(r.err.empty());
        CHECK(r.err.find('\x1b') == std::string::npos);
        for (const auto& line : harness::lines(r.err)) CHECK(line.size() < 200);
    }
}

TEST_CASE("running out of memory while reading the options: a message and status 1, no abort",
          "[memory]") {
    // 60,000 words to keep; under an address-space limit (prlimit) the copy runs out somewhere.
    // Large enough a limit and every word is refused as no number (1); smaller, std::bad_alloc
    // must end in a message. (Below about 4.3 MB here the C library cannot even be loaded, or the
    // C++ runtime has no room left to throw at all and calls std::terminate: no program's to fix.)
    std::vector<std::string> args{"/usr/bin/prlimit", "", harness::primeproc(), "-l", "en"};
    args.insert(args.end(), 60000, "x");
    int exhausted = 0;
    for (long limit = 4500000; limit <= 9000000; limit += 250000) {
        args[1] = "--as=" + std::to_string(limit);
        const auto r = run(args, "");
        INFO("limit " << limit << ": " << r.err.substr(0, 200));
        CHECK(r.signal() == 0);
        const bool not_loaded =
            r.exit_code() == 127 && r.err.find("error while loading") != std::string::npos;
        CHECK((r.exit_code() == 1 || not_loaded));
        if (r.err == "primeproc: memory exhausted\n") ++exhausted;
    }
    CHECK(exhausted > 0);
}

// ---------------------------------------------------------------------------------------------
// The language
// ---------------------------------------------------------------------------------------------

TEST_CASE("the language comes from the locale unless --lang says otherwise") {
    harness::RunOptions german;
    german.env = {{"LANG", "de_DE.UTF-8"}};
    CHECK(line_set(run(with_program({}), "97\n", german).out) == Lines{"97 ist prim"});
    CHECK(line_set(run(with_program({"--lang=en"}), "97\n", german).out) == Lines{"97 is prime"});
    german.env["LC_ALL"] = "C";
    CHECK(line_set(run(with_program({}), "97\n", german).out) == Lines{"97 is prime"});
    CHECK(line_set(run(with_program({}), "97\n").out) == Lines{"97 is prime"});
}

TEST_CASE("the language: --lang DE and de_AT work; LANGUAGE comes first, as for gettext") {
    for (const char* value : {"DE", "de_AT", "de_DE.UTF-8"}) {
        INFO(value);
        CHECK(run(with_program({"--lang", value, "97"}), "").out == "97 ist prim\n");
    }
    harness::RunOptions de_first;
    de_first.env = {{"LANGUAGE", "de:en"}, {"LANG", "en_US.UTF-8"}};
    CHECK(run(with_program({"97"}), "", de_first).out == "97 ist prim\n");
    harness::RunOptions en_first;
    en_first.env = {{"LANGUAGE", "en"}, {"LC_ALL", "de_DE.UTF-8"}};
    CHECK(run(with_program({"97"}), "", en_first).out == "97 is prime\n");
    CHECK(prime::language_from_environment("", nullptr, nullptr, "de_AT.UTF-8") ==
          prime::Language::German);
    CHECK(prime::language_from_environment("fr:de", nullptr, nullptr, "en") ==
          prime::Language::English);
}

TEST_CASE(
    "a locale name shorter than two letters is read safely: C, an empty LANGUAGE entry, -l d") {
    // language_named once read name[2] of "C": a build with -D_GLIBCXX_ASSERTIONS (the asan
    // stage's) aborted there.
    for (const auto& env : std::vector<std::map<std::string, std::string>>{
             {{"LC_ALL", "C"}}, {{"LANG", "C"}}, {{"LANGUAGE", ":de"}}, {{"LANGUAGE", "d"}}}) {
        harness::RunOptions o;
        o.env = env;
        const auto r = run(with_program({"97"}), "", o);
        CHECK(r.out == "97 is prime\n");
        CHECK(r.err == "");
        CHECK(r.exit_code() == 0);
    }
    const auto r = run(with_program({"-l", "d", "97"}), "");
    CHECK(r.err ==
          "primeproc: --lang must be de or en, not \"d\"\n"
          "Try 'primeproc --help' for more information.\n");
    CHECK(r.exit_code() == 2);
}

TEST_CASE("German is German throughout: help, usage errors, greeting, reports") {
    const auto help = run(with_program({"--lang", "de", "--help"}), "");
    CHECK(help.out.rfind("Aufruf: primeproc [OPTIONEN] [ZAHL...]\n", 0) == 0);
    const auto usage = run(with_program({"--lang", "de", "-x"}), "");
    CHECK(usage.err ==
          "primeproc: unbekannte Option \"-x\"\n"
          "\"primeproc --help\" zeigt weitere Informationen.\n");
    CHECK(usage.exit_code() == 2);
    const auto quit = run(with_program({"-l", "de"}), "quit\n");
    CHECK(quit.err ==
          "Falsche Eingabe! \"quit\": zum Beenden \"e\" eingeben oder Strg-D drücken\n");
    harness::Pty pty({harness::primeproc(), "-l", "de"}, {});
    REQUIRE(pty.expect(kGreetingDe + "\r\n> "));
    pty.send("e\n");
    CHECK(pty.wait() == 0);
}
