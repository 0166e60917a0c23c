// Unit tests of prime.hpp (the arithmetic) and of the parser and the sentences. No processes here.
#include "../prime.hpp"
#include "../support/messages.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <random>
#include <vector>

using namespace prime;

namespace {

// fast_remainder(n, d) must be n % d; FAIL names the pair, so one failure says enough.
void check_remainder(std::uint64_t n, std::uint64_t d) {
    if (fast_remainder(n, d) != n % d) {
        FAIL("n = " << n << ", d = " << d << ": " << fast_remainder(n, d) << " != " << n % d);
    }
}

// count pairs (n, d): n uniform over 64 bits or, one time in four, within 2^20 of 2^64; d of a
// random bit length from 1 to 53, so that small, middle and large divisors are all frequent.
void check_random_remainders(std::uint64_t seed, long count) {
    std::mt19937_64 rng(seed);
    for (long i = 0; i < count; ++i) {
        const std::uint64_t bits = rng();
        const std::uint64_t n = (bits & 3) == 0 ? UINT64_MAX - (rng() >> 44) : rng();
        const int length = 1 + static_cast<int>((bits >> 2) % 53);  // d < 2^length
        const std::uint64_t d = (rng() >> (64 - length)) | (1ull << (length - 1));
        check_remainder(n, d);
    }
}

ParsedLine number(std::string_view line) {
    ParsedLine p = parse_line(line);
    REQUIRE(p.kind == LineKind::Number);
    return p;
}

Problem problem_of(std::string_view line) {
    const ParsedLine p = parse_line(line);
    REQUIRE(p.kind == LineKind::Invalid);
    return p.problem;
}

}  // namespace

TEST_CASE("integer_sqrt is exact at the perfect squares and next to them, up to 2^64-1") {
    for (std::uint64_t r : {0ull, 1ull, 2ull, 3ull, 65535ull, 65536ull, 94906265ull, 3037000499ull,
                            4294967291ull, 4294967295ull}) {
        const std::uint64_t sq = r * r;
        CHECK(integer_sqrt(sq) == r);
        if (sq > 0) CHECK(integer_sqrt(sq - 1) == r - 1);
        if (r < 4294967295ull) CHECK(integer_sqrt(sq + 2 * r) == r);  // (r+1)^2 - 1
    }
    CHECK(integer_sqrt(UINT64_MAX) == 4294967295ull);
}

TEST_CASE("smallest_factor_book agrees with a sieve, and its bound does not overflow") {
    // Eratosthenes' sieve, a different way to the same answers: each prime p marks the multiples
    // that no smaller prime has marked with p.
    std::vector<std::uint64_t> sieve(20000, 0);
    for (std::uint64_t p = 2; p < sieve.size(); ++p) {
        if (sieve[p] != 0) continue;
        for (std::uint64_t m = p; m < sieve.size(); m += p) {
            if (sieve[m] == 0) sieve[m] = p;
        }
    }
    for (std::uint64_t n = 2; n < sieve.size(); ++n) {
        if (smallest_factor_book(n) != sieve[n]) {
            FAIL("n = " << n << ": " << smallest_factor_book(n) << " != " << sieve[n]);
        }
    }
    CHECK(smallest_factor_book(UINT64_MAX) == 3);
    CHECK(smallest_factor_book(9007199254740881ull) == 9007199254740881ull);  // prime near 2^53
}

TEST_CASE("smallest_factor_book ends on the largest 64-bit prime", "[.][slow]") {
    // i reaches 2^32 here, where "i*i <= n" would wrap to 0 and go on. Some 10 s, so hidden:
    // run it by name or with the tag [slow].
    CHECK(smallest_factor_book(18446744073709551557ull) == 18446744073709551557ull);
}

TEST_CASE("smallest_factor agrees with the book's loop on every n below 200000") {
    for (std::uint64_t n = 2; n < 200000; ++n) {
        if (smallest_factor(n) != smallest_factor_book(n)) {
            FAIL("n = " << n << ": " << smallest_factor(n) << " != " << smallest_factor_book(n));
        }
    }
}

TEST_CASE("smallest_factor agrees with the book's loop on random 40-bit numbers") {
    std::mt19937_64 rng(20261125);
    for (int i = 0; i < 3000; ++i) {
        const std::uint64_t n = (rng() >> 24) | 2;  // below 2^40, at least 2
        CHECK(smallest_factor(n) == smallest_factor_book(n));
    }
}

TEST_CASE("smallest_factor finds the smaller prime of squares and products of two primes") {
    // Each side of the product is prime; the answer is the smaller one.
    const std::uint64_t primes[] = {7, 11, 13, 31, 37, 65521, 65537, 2147483647, 4294967291};
    for (std::uint64_t p : primes) {
        for (std::uint64_t q : primes) {
            if (p <= q && q <= UINT64_MAX / p && p < 100000) CHECK(smallest_factor(p * q) == p);
        }
    }
    CHECK(smallest_factor(65521ull * 65521ull) == 65521);
    CHECK(smallest_factor(2147483647ull * 2147483647ull) == 2147483647);  // 2^31 - 1, squared
    CHECK(smallest_factor(4294967291ull) == 4294967291ull);               // largest prime < 2^32
    CHECK(smallest_factor(4294967311ull) == 4294967311ull);               // smallest prime > 2^32
    CHECK(smallest_factor(9007199254740881ull) == 9007199254740881ull);   // prime near 2^53
    CHECK(smallest_factor(UINT64_MAX) == 3);                              // 2^64-1 = 3*5*17*257*...
    CHECK(smallest_factor(1ull << 63) == 2);
}

TEST_CASE("smallest_factor finds p in p * p for every prime p from 2 to 50000") {
    // The candidates go in pairs (a % on one, fast_remainder on the other): p is the first of
    // its pair for some p and the second for others, below and above 2^13, and p * p puts it
    // right at the bound, where the second of a pair may lie beyond.
    int first = 0, second = 0;
    const auto check = [](std::uint64_t p) {
        if (smallest_factor(p * p) != p) FAIL("p = " << p << ": " << smallest_factor(p * p));
        if (smallest_factor(p * (p + 2)) != smallest_factor_book(p * (p + 2))) {
            FAIL("p * (p + 2), p = " << p);
        }
    };
    for (Wheel w; w.value <= 50000; w.next()) {
        if (smallest_factor_book(w.value) == w.value) {
            check(w.value);
            ++first;
        }
        if (smallest_factor_book(w.then) == w.then) {
            check(w.then);
            ++second;
        }
    }
    CHECK(first > 2000);
    CHECK(second > 2000);
}

TEST_CASE("smallest_factor is right at the top of the 64-bit range", "[slow]") {
    // The book's "i*i <= n" would overflow here; each takes a second or two.
    CHECK(smallest_factor(18446744073709551557ull) == 18446744073709551557ull);  // largest prime
    CHECK(smallest_factor(4294967291ull * 4294967279ull) == 4294967279ull);      // two near 2^32
}

TEST_CASE("fast_remainder is n % d on millions of random pairs") {
    check_random_remainders(20261129, 8000000);
}

TEST_CASE("fast_remainder is n % d on many millions more random pairs", "[slow]") {
    check_random_remainders(1129, 40000000);
}

TEST_CASE("fast_remainder is n % d at the edges of its argument") {
    const std::uint64_t k2p32 = 1ull << 32, k2p53 = 1ull << 53;
    std::vector<std::uint64_t> divisors = {1,         2,    3,    7,
                                           8191,      8192, 8193, 8209,  // around 2^13
                                           k2p32 - 5,  // 4294967291, the largest prime below 2^32
                                           k2p53 - 1, k2p53};
    for (std::uint64_t d = k2p32 - 3; d <= k2p32 + 3; ++d) divisors.push_back(d);  // sqrt(2^64)
    for (std::uint64_t d : divisors) {
        for (std::uint64_t n : {std::uint64_t{0}, std::uint64_t{1}, d - 1, d, d + 1})
            check_remainder(n, d);  // n < d
        for (std::uint64_t n = UINT64_MAX; n > UINT64_MAX - 1000; --n) check_remainder(n, d);
        // Exact multiples k*d and their neighbours, small k and the largest k that fits.
        const std::uint64_t top = UINT64_MAX / d;
        for (std::uint64_t k :
             {std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{1000}, top / 2, top - 1, top}) {
            if (k == 0 || k > top) continue;
            for (std::uint64_t n : {k * d - 1, k * d, k * d + 1}) check_remainder(n, d);
        }
    }
}

TEST_CASE("fast_remainder is n % d for every d from 1 to 20000, at n near 2^64 and at k*d") {
    // The switch from % to the double quotient at 2^13 lies inside; so do its first divisors.
    std::mt19937_64 rng(29);
    for (std::uint64_t d = 1; d <= 20000; ++d) {
        const std::uint64_t k = UINT64_MAX / d - (rng() >> 40);  // a big multiple of d
        for (std::uint64_t n : {UINT64_MAX, UINT64_MAX - d, k * d, k * d - 1, rng()}) {
            check_remainder(n, d);
        }
    }
}

TEST_CASE("the wheel gives 2, 3, 5, 7, 11, then exactly the numbers coprime to 2310, in order") {
    std::vector<std::uint64_t> expected = {2, 3, 5, 7, 11};
    for (std::uint64_t n = 13; n < 100000; ++n) {
        const bool coprime = n % 2 != 0 && n % 3 != 0 && n % 5 != 0 && n % 7 != 0 && n % 11 != 0;
        if (coprime) expected.push_back(n);
    }
    std::size_t i = 0;
    const auto check = [&](std::uint64_t given) {
        if (given >= 100000) return;
        if (i == expected.size() || given != expected[i]) {
            FAIL("the wheel says " << given << " at place " << i);
        }
        ++i;
    };
    for (Wheel w; w.value < 100000; w.next()) {
        check(w.value);
        check(w.then);
    }
    CHECK(i == expected.size());
}

TEST_CASE("smallest_factor agrees with the book's loop near 2^64 when the factor is above 2^13") {
    // n = p * m with p prime, 2^13 < p < 2^16, kept when n has no factor below 2^13, so that
    // fast_remainder finds the factor. The reference loop stops there too, so each is quick.
    std::mt19937_64 rng(20261130);
    int kept = 0;
    while (kept < 300) {
        const std::uint64_t p = (1ull << 13) + (rng() >> 51);
        if (smallest_factor_book(p) != p) continue;
        const std::uint64_t n = p * (UINT64_MAX / p - (rng() >> 34));  // near 2^64
        const std::uint64_t expected = smallest_factor_book(n);
        if (expected < (1ull << 13)) continue;
        CHECK(smallest_factor(n) == expected);
        ++kept;
    }
}

TEST_CASE("smallest_factor gives up when asked to stop") {
    int asked = 0;
    const auto stop_on_second_question = [&asked] { return ++asked == 2; };
    CHECK(smallest_factor(18446744073709551557ull, stop_on_second_question) == 0);
    CHECK(asked == 2);
}

TEST_CASE("the parser accepts decimal integers with sign, blanks and a trailing CR") {
    CHECK(number("97").value == 97);
    CHECK(number("  97\t").text == "97");
    CHECK(number("97\r").value == 97);
    CHECK(number("+97").text == "97");
    CHECK(number("0097").text == "97");
    CHECK(number("18446744073709551615").value == UINT64_MAX);
    CHECK(number("000000000000000000000000000018446744073709551615").value == UINT64_MAX);
}

TEST_CASE("the parser marks 0, 1 and negatives of any size as below two") {
    CHECK(number("0").below_two);
    CHECK(number("1").below_two);
    CHECK_FALSE(number("2").below_two);
    CHECK(number("-0").text == "0");
    CHECK(number("-1").below_two);
    const ParsedLine huge = number("-123456789012345678901234567890");
    CHECK(huge.below_two);
    CHECK(huge.text == "-123456789012345678901234567890");
}

TEST_CASE("the parser refuses everything else, saying why") {
    CHECK(problem_of("18446744073709551616") == Problem::TooLarge);
    CHECK(problem_of("1234567890123456789012345678901234567890") == Problem::TooLarge);
    CHECK(problem_of("abc") == Problem::NotANumber);
    CHECK(problem_of("1e5") == Problem::NotANumber);
    CHECK(problem_of("0x10") == Problem::NotANumber);
    CHECK(problem_of("1_000") == Problem::NotANumber);
    CHECK(problem_of("--5") == Problem::NotANumber);
    CHECK(problem_of("9 7") == Problem::SeveralNumbers);
    CHECK(problem_of("+ 5") == Problem::NotANumber);
    CHECK(problem_of("-") == Problem::SignWithoutDigits);
    CHECK(problem_of("+") == Problem::SignWithoutDigits);
    CHECK(problem_of("\xd9\xa9\xd9\xa7") == Problem::NonAscii);          // Arabic-Indic 9 7
    CHECK(problem_of("\xef\xbc\x99\xef\xbc\x97") == Problem::NonAscii);  // full-width 9 7
    CHECK(problem_of("\xff\xfe") == Problem::NonAscii);                  // not UTF-8 at all
    CHECK(problem_of(std::string("9\0"
                                 "7",
                                 3)) == Problem::ControlCharacter);
    CHECK(problem_of("97\x1b[31m") == Problem::ControlCharacter);
    CHECK(problem_of(std::string(kMaxLineLength + 1, '7')) == Problem::TooLong);
}

TEST_CASE("the parser knows blank lines and the end line") {
    CHECK(parse_line("").kind == LineKind::Blank);
    CHECK(parse_line(" \t \r").kind == LineKind::Blank);
    CHECK(parse_line("e").kind == LineKind::End);
    CHECK(parse_line("  e \r").kind == LineKind::End);
    CHECK(parse_line("ende").kind == LineKind::Invalid);
}

TEST_CASE("verdicts use the book's words in German and plain ones in English") {
    const auto de = Language::German, en = Language::English;
    CHECK(verdict(de, number("97"), 97) == "97 ist prim\n");
    CHECK(verdict(de, number("100"), 2) == "100 ist nicht prim, da 100 = 2 * 50\n");
    CHECK(verdict(en, number("97"), 97) == "97 is prime\n");
    CHECK(verdict(en, number("100"), 2) == "100 is not prime, since 100 = 2 * 50\n");
    CHECK(verdict(en, number("1"), 0) == "1 is not prime (primes are greater than 1)\n");
    CHECK(verdict(de, number("-7"), 0) == "-7 ist nicht prim (Primzahlen sind größer als 1)\n");
}

TEST_CASE("refusals start with the book's words and quote a short, printable prefix") {
    CHECK(refusal(Language::German, "abc", Problem::NotANumber) ==
          "Falsche Eingabe! \"abc\": erwartet wird eine ganze Zahl aus den Ziffern 0-9\n");
    CHECK(refusal(Language::English, "9 7", Problem::SeveralNumbers) ==
          "Invalid input \"9 7\": one number per line, please\n");
    CHECK(quote_for_humans(std::string("a\0b\x1b\"\\", 6)) == "\"a\\x00b\\x1b\\\"\\\\\"");
    const std::string long_line(1 << 20, 'x');
    CHECK(quote_for_humans(long_line) == "\"" + std::string(kQuoteLimit, 'x') + "\"...");
}

TEST_CASE("the language comes from LC_ALL, then LC_MESSAGES, then LANG") {
    CHECK(language_from_locale(nullptr, nullptr, nullptr) == Language::English);
    CHECK(language_from_locale(nullptr, nullptr, "de_DE.UTF-8") == Language::German);
    CHECK(language_from_locale("C", nullptr, "de_DE.UTF-8") == Language::English);
    CHECK(language_from_locale("", "de_AT", "en_US") == Language::German);
    CHECK(language_from_locale(nullptr, "", "de") == Language::German);
}
