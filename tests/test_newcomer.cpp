// test_newcomer.cpp - a newcomer's first minutes: the greeting, how to leave, German throughout,
// numbers that look like options, GNU-style usage errors, and the wait at the -j cap explained.
#include "../support/messages.hpp"
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <string>
#include <vector>

using expect::Lines;
using expect::with_program;
using harness::line_set;
using harness::run;

namespace {
const std::string kGreetingEn =
    "primeproc: one number per line; \"e\" or Ctrl-D ends; primeproc --help explains more";
const std::string kGreetingDe =
    "primeproc: eine Zahl pro Zeile; \"e\" oder Strg-D beendet; primeproc --help erklärt mehr";
}  // namespace

TEST_CASE("at a terminal a greeting says how to leave, before the first prompt") {
    harness::Pty pty({harness::primeproc(), "-l", "en"}, {});
    REQUIRE(pty.expect(kGreetingEn + "\r\n> "));
    pty.send("e\n");
    CHECK(pty.wait() == 0);
}

TEST_CASE("no greeting when the input is not a terminal, even with -i") {
    const auto r = run(with_program({"-l", "en", "-i"}), "97\n");
    CHECK(r.err == "");
    CHECK(r.exit_code() == 0);
}

TEST_CASE("exit, quit and q are answered with how to leave") {
    const auto r = run(with_program({"-l", "en"}), "exit\nquit\nq\n97\n");
    CHECK(line_set(r.err) == Lines{"Invalid input \"exit\": to end, type \"e\" or press Ctrl-D",
                                   "Invalid input \"quit\": to end, type \"e\" or press Ctrl-D",
                                   "Invalid input \"q\": to end, type \"e\" or press Ctrl-D"});
    CHECK(line_set(r.out) == Lines{"97 is prime"});
    CHECK(r.exit_code() == 1);
}

TEST_CASE("German is German throughout: help, usage errors, greeting, reports") {
    const auto help = run(with_program({"--lang", "de", "--help"}), "");
    CHECK(help.out.rfind("Aufruf: primeproc [OPTIONEN] [ZAHL...]\n", 0) == 0);
    const auto usage = run(with_program({"--lang", "de", "-x"}), "");
    CHECK(usage.err == "primeproc: unbekannte Option \"-x\"\n"
                       "\"primeproc --help\" zeigt weitere Informationen.\n");
    CHECK(usage.exit_code() == 2);
    const auto quit = run(with_program({"-l", "de"}), "quit\n");
    CHECK(quit.err == "Falsche Eingabe! \"quit\": zum Beenden \"e\" eingeben oder Strg-D drücken\n");
    harness::Pty pty({harness::primeproc(), "-l", "de"}, {});
    REQUIRE(pty.expect(kGreetingDe + "\r\n> "));
    pty.send("e\n");
    CHECK(pty.wait() == 0);
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
    CHECK(prime::language_from_environment("", nullptr, nullptr, "de_AT.UTF-8") == prime::Language::German);
    CHECK(prime::language_from_environment("fr:de", nullptr, nullptr, "en") == prime::Language::English);
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

TEST_CASE("usage errors end with the GNU hint; a letter inside a cluster is named") {
    const auto r = run(with_program({"-xi"}), "");
    CHECK(r.err == "primeproc: unknown option \"-x\"\n"
                   "Try 'primeproc --help' for more information.\n");
    CHECK(r.out == "");
    CHECK(r.exit_code() == 2);
    const auto missing = run(with_program({"--lang"}), "");
    CHECK(missing.err.rfind("primeproc: option \"--lang\" needs a value\n", 0) == 0);
}

TEST_CASE("--version gives the version and a one-line licence") {
    const auto r = run(with_program({"--version"}), "");
    const auto lines = harness::lines(r.out);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].rfind("primeproc ", 0) == 0);
    CHECK(lines[1].find("licence") != std::string::npos);
    CHECK(r.exit_code() == 0);
}

TEST_CASE("at the -j cap with a prompt, the wait is explained once", "[timing]") {
    harness::Pty pty({harness::primeproc(), "-l", "en", "-j", "2"}, {});
    REQUIRE(pty.expect("> "));
    pty.send("1000000000000000003\n");  // about a second of work each: both slots stay taken
    REQUIRE(pty.expect("> "));
    pty.send("1000000000000000009\n");
    REQUIRE(pty.expect("> "));
    pty.send("97\n");
    REQUIRE(pty.expect("primeproc: waiting for one of 2 running children (-j 2)...\r\n"));
    REQUIRE(pty.expect("> ", 60));
    pty.send("e\n");
    CHECK(pty.wait(60) == 0);
    const std::string& t = pty.transcript();
    CHECK(t.find("waiting for one of") == t.rfind("waiting for one of"));  // once
    CHECK(t.find("97 is prime") != std::string::npos);
}
