// support/fast_remainder.hpp - n % d on the floating-point divider, and why the program's loop
// uses it for every other candidate.
//
// Adds to the story: speed only. prime::smallest_factor (prime.hpp) tries its candidates two at
// a time, the first with % and the second with fast_remainder; nothing else calls it. Not a TLPI
// subject, and no system call: tests/test_prime.cpp checks it against % on millions of pairs.
//
// Why two dividers. Trial division is one division per candidate, and the division is the slow
// part. Many recent cores (AMD Zen, Intel since Ice Lake) divide integers and floating-point
// numbers in separate units that work at the same time, so one candidate on each costs less than
// two divisions one after the other (docs/performance.md measures it). On cores where the two
// share one divider (Intel before Ice Lake, by published instruction tables) the pair waits for
// the slower one, and fast_remainder for every candidate would be the faster choice there.
#pragma once

#include <cstdint>

namespace prime {

// Below this divisor, fast_remainder uses the % operator (see there why).
inline constexpr std::uint64_t kDoubleFrom = 1u << 13;

// n % d for 1 <= d <= 2^53, on the floating-point divider when d >= 2^13.
//
// Why it is exact for 2^13 <= d <= 2^53 (n any 64-bit number). Let t = n / d, the real quotient,
// and q = floor(t), the integer one. A double has a 53-bit mantissa: between 2^k and 2^(k+1) the
// doubles are 2^(k-52) apart, and each operation rounds to the nearest one (the default; other
// rounding modes at most double each error below, and 1/2 would still do).
//  1. double(d) is exact, since d <= 2^53.
//  2. double(n) moves n by at most half a spacing: n < 2^64, so by at most 2^11 / 2 = 2^10.
//     Divided by d >= 2^13, that moves the quotient by at most 2^10 / 2^13 = 1/8.
//  3. That quotient is at most 2^64 / 2^13 = 2^51, where doubles are at most 2^-2 apart, so
//     rounding it moves it by at most 1/8 more.
// So the double quotient x is within 1/4 of t, and truncating x gives q - 1, q or q + 1, never
// further off. Then n - estimate*d is the remainder r, or r + d, or r - d (exact integer
// arithmetic), and one correction by d, up or down, gives r.
// Below 2^13 the bound of step 2, 2^10 / d, is more than 1/8 (from d <= 2^11 on, 1/2 or more),
// so the sum is no longer within 1/4 and this proof does not hold: those d keep %, about 1,700 of
// the 900 million candidates for the largest prime.
inline std::uint64_t fast_remainder(std::uint64_t n, std::uint64_t d) {
    if (d < kDoubleFrom) return n % d;
    // Through int64_t: between signed integers and double, x86-64 converts in one instruction,
    // unsigned 64-bit ones take several. d <= 2^53 and x <= 2^51 fit.
    const double x = static_cast<double>(n) / static_cast<double>(static_cast<std::int64_t>(d));
    const auto estimate = static_cast<std::uint64_t>(static_cast<std::int64_t>(x));
    // r, r + d or r - d: computed modulo 2^64, then read as signed (each fits easily). g++ and
    // clang++ convert modulo 2^64, as every compiler must from C++20 on.
    const auto r = static_cast<std::int64_t>(n - estimate * d);
    const auto sd = static_cast<std::int64_t>(d);
    if (r < 0) return static_cast<std::uint64_t>(r + sd);
    if (r >= sd) return static_cast<std::uint64_t>(r - sd);
    return static_cast<std::uint64_t>(r);
}

}  // namespace prime
