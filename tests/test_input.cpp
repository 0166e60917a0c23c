// test_input.cpp - numbers from standard input: one a line, blank lines skipped, "e" or the end
// of input to stop; a bad line is refused on stderr, short and printable, and nothing else lost.
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

using expect::Lines;
using expect::with_program;
using harness::line_set;
using harness::run;
using namespace std::string_literals;

// ---------------------------------------------------------------------------------------------
// Lines, blank lines and the end
// ---------------------------------------------------------------------------------------------

TEST_CASE("through a pipe: no prompt, blank lines skipped, end of input ends") {
    const auto r =
        run(with_program({"-l", "en"}), "97\n\n  \n100\r\n 7 \n11");  // last line: no '\n'
    CHECK(line_set(r.out) == Lines{"97 is prime", "100 is not prime, since 100 = 2 * 50",
                                   "7 is prime", "11 is prime"});
    CHECK(r.out.find('>') == std::string::npos);
    CHECK(r.err == "");
    CHECK(r.exit_code() == 0);
}

TEST_CASE("a line 'e' ends the input; later lines are not read") {
    const auto r = run(with_program({"-l", "en"}), "97\n e \n100\nabc\n");
    CHECK(line_set(r.out) == Lines{"97 is prime"});
    CHECK(r.err == "");
    CHECK(r.exit_code() == 0);
}

TEST_CASE("a mixed batch of 400 numbers: every line right, each exactly once") {
    std::mt19937_64 rng(97);
    std::vector<std::string> numbers = {
        "0",   "1",     "2",          "3",          "4",          "-5",          "+17",
        "007", "65521", "4294967291", "4294967297", "1000000007", "999999999989"};
    while (numbers.size() < 400) numbers.push_back(std::to_string(rng() % 1000000000));
    std::string input;
    Lines expected;
    for (const auto& s : numbers) {
        input += s + "\n";
        expected.insert(expect::verdict(s));
    }
    const auto r = run(with_program({"-l", "en", "-j", "16"}), input);
    CHECK(line_set(r.out) == expected);
    CHECK(r.err == "");
    CHECK(r.exit_code() == 0);
}

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

TEST_CASE("invalid lines are refused on stderr, the others answered, exit 1") {
    const auto r = run(with_program({"-l", "en"}), "97\n9 7\n0x10\n4\n");
    CHECK(line_set(r.out) == Lines{"97 is prime", "4 is not prime, since 4 = 2 * 2"});
    CHECK(line_set(r.err) ==
          Lines{"Invalid input \"9 7\": one number per line, please",
                "Invalid input \"0x10\": expected a whole number written with the digits 0-9"});
    CHECK(r.exit_code() == 1);
}

TEST_CASE("exit, quit and q are answered with how to leave") {
    const auto r = run(with_program({"-l", "en"}), "exit\nquit\nq\n97\n");
    CHECK(line_set(r.err) == Lines{"Invalid input \"exit\": to end, type \"e\" or press Ctrl-D",
                                   "Invalid input \"quit\": to end, type \"e\" or press Ctrl-D",
                                   "Invalid input \"q\": to end, type \"e\" or press Ctrl-D"});
    CHECK(line_set(r.out) == Lines{"97 is prime"});
    CHECK(r.exit_code() == 1);
}

TEST_CASE("bad input: each line gets a clear, short, printable answer and nothing is lost") {
    const std::string mebibyte(1 << 20, '7');
    const std::string input = "2\n" + mebibyte + "\n" +
                              "9\0"
                              "7\n"s +
                              "\xff\xfe\n" + "97\r\n" +
                              "\xd9\xa3\n" /* ARABIC-INDIC DIGIT THREE */ + "1e5\n0x10\n--5\n" +
                              std::string(40, '9') + "\n\n   \n" + "13";  // no '\n' at the end
    const auto r = run(with_program({"-l", "en"}), input);
    CHECK(line_set(r.out) == Lines{"2 is prime", "97 is prime", "13 is prime"});
    const auto refusals = harness::lines(r.err);
    CHECK(
        line_set(r.err) ==
        Lines{"Invalid input \"77777777777777777777777777777777\"...: line longer than 1024 bytes",
              "Invalid input \"9\\x007\": contains a control character",
              "Invalid input \"\\xff\\xfe\": contains non-ASCII characters; only the digits 0-9 "
              "count",
              "Invalid input \"\\xd9\\xa3\": contains non-ASCII characters; only the digits 0-9 "
              "count",
              "Invalid input \"1e5\": expected a whole number written with the digits 0-9",
              "Invalid input \"0x10\": expected a whole number written with the digits 0-9",
              "Invalid input \"--5\": expected a whole number written with the digits 0-9",
              "Invalid input \"" + std::string(32, '9') +
                  "\"...: larger than 18446744073709551615 (2^64 - 1)"});
    for (const auto& line : refusals) {
        CHECK(line.size() < 120);
        CHECK(std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c < 0x7f; }));
    }
    CHECK(r.exit_code() == 1);
}
