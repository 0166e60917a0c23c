// expect.hpp - what the end-to-end tests expect primeproc to print, and the inputs they feed it.
//
// The expected verdicts come from the book's plain loop (prime::smallest_factor_book), not from
// the wheel the program runs, so an end-to-end test does not trust the code it is testing.
#pragma once

#include "../prime.hpp"
#include "../support/messages.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace expect {

using Lines = std::multiset<std::string>;

// argv for the program under test.
inline std::vector<std::string> with_program(std::vector<std::string> args) {
    args.insert(args.begin(), harness::primeproc());
    return args;
}

// The verdict line (without '\n') for a valid input line.
inline std::string verdict(const std::string& line,
                           prime::Language lang = prime::Language::English) {
    const prime::ParsedLine n = prime::parse_line(line);
    REQUIRE(n.kind == prime::LineKind::Number);
    static std::map<std::uint64_t, std::uint64_t> known;  // the stress test repeats big primes
    std::uint64_t f = 0;
    if (!n.below_two) {
        const auto at = known.find(n.value);
        f = at != known.end() ? at->second
                              : (known[n.value] = prime::smallest_factor_book(n.value));
    }
    std::string v = prime::verdict(lang, n, f);
    v.pop_back();
    return v;
}

inline std::string verdict(std::uint64_t n) { return verdict(std::to_string(n)); }

// Numbers one per line, and the set of verdict lines they must produce (English).
struct Batch {
    std::string input;
    Lines expected;
    void add(std::uint64_t n) {
        input += std::to_string(n) + "\n";
        expected.insert(verdict(n));
    }
};

// count numbers from first on, step apart.
inline Batch batch(std::uint64_t first, std::size_t count, std::uint64_t step = 1) {
    Batch b;
    for (std::size_t i = 0; i < count; ++i) b.add(first + i * step);
    return b;
}

// Primes that keep a child busy: about a second of one core each near 10^18, and two to four
// seconds for the largest below 2^64.
inline const std::string kSecondPrime = "1000000000000000003";
inline const std::string kSecondPrime2 = "1000000000000000009";
inline const std::string kLongPrime = "18446744073709551557";
inline const std::string kLongPrime2 = "18446744073709551533";
// The prime a harness::Yardstick tests beside a run that must end "at once": 2^62 - 57, half the
// divisions of kLongPrime. A run that waited for a child on kLongPrime ends after it; one that
// did not wait, long before.
inline const std::string kYardstickPrime = "4611686018427387847";

// The lines of a that b lacks (counting repeats), one per line: the readable part of a failure.
inline std::string only_in(const Lines& a, const Lines& b) {
    Lines rest = a;
    for (const auto& line : b) {
        const auto at = rest.find(line);
        if (at != rest.end()) rest.erase(at);
    }
    std::string text;
    for (const auto& line : rest) text += "  " + line + "\n";
    return text.empty() ? "  (none)\n" : text;
}

// primeproc with args, its stdin a temporary file holding text, left running for the test.
// stdout_pipe_bytes: see harness::RunOptions.
struct FedProcess {
    harness::Process process;
    FedProcess(const std::vector<std::string>& args, const std::string& text,
               int stdout_pipe_bytes = 0)
        : process(with_program(args), options(text, stdout_pipe_bytes)) {}

private:
    static harness::RunOptions options(const std::string& text, int stdout_pipe_bytes) {
        harness::RunOptions opts;
        opts.input = text;
        opts.stdout_pipe_bytes = stdout_pipe_bytes;
        return opts;
    }
};

}  // namespace expect
