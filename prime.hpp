// prime.hpp - the child's arithmetic: the smallest factor of n by trial division.
//
// First the book's loop, as the book wrote it; then the faster loop the program runs, which
// finds the same factor. Nothing here makes a system call, so the unit tests check it without
// starting a process. primeproc.cpp does the processes.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

namespace prime {

// The book's loop: "i = 2; while i*i <= n: if n % i == 0 ... i += 1". The bound is written
// i <= n / i, the same test without the product: for the largest 64-bit primes i reaches 2^32,
// and i*i = 2^64 wraps round to 0 in 64 bits, so "i*i <= n" would never turn false.
// Returns the smallest factor d >= 2 of n (n >= 2): n itself exactly when n is prime.
inline std::uint64_t smallest_factor_book(std::uint64_t n) {
    std::uint64_t i = 2;
    while (i <= n / i) {
        if (n % i == 0) return i;
        ++i;
    }
    return n;
}

// The pieces of the faster loop, defined after it.
std::uint64_t integer_sqrt(std::uint64_t n);
std::uint64_t fast_remainder(std::uint64_t n, std::uint64_t d);
struct Wheel {  // the candidates 13, 17, 19, 23, 29, 31, 37, 41, 43, ...
    std::uint64_t value = 13;
    int spoke = 0;
    void next();
};

// How often a long trial division asks "should I stop?" (see smallest_factor). 2^16 divisions
// take well under a millisecond, so the question costs nothing and the answer comes quickly.
inline constexpr std::uint64_t kStopCheckInterval = 1u << 16;

struct NeverStop {
    bool operator()() const { return false; }
};

// The loop the program runs: the same answer as smallest_factor_book, several times sooner for a
// big prime (docs/performance.md). Four changes, each explained where it is defined or used:
//  - the bound floor(sqrt(n)) is computed once (integer_sqrt), not a division per candidate;
//  - after 2, 3, 5, 7 and 11 a wheel skips their multiples: 480 candidates of every 2310 (Wheel);
//  - n % d can be computed through a double-precision quotient (fast_remainder);
//  - the candidates go in pairs, one to each of the core's two dividers (below).
// should_stop() is called every kStopCheckInterval divisions; when it says yes the search gives
// up and returns 0 (a child uses this to notice that its parent is gone).
template <typename StopPredicate = NeverStop>
std::uint64_t smallest_factor(std::uint64_t n, StopPredicate should_stop = {}) {
    for (std::uint64_t p : {2u, 3u, 5u, 7u, 11u}) {
        if (n % p == 0) return p;
    }
    const std::uint64_t limit = integer_sqrt(n);
    std::uint64_t until_check = kStopCheckInterval;
    for (Wheel w; w.value <= limit;) {
        // Two candidates a < b per step. Many recent cores (AMD Zen, Intel since Ice Lake) divide
        // integers and floating-point numbers in separate units that work at the same time, so a
        // goes to the integer divider (%) and b to the floating-point one (fast_remainder): the
        // pair costs less than two divisions one after the other. (Below 2^13 both use %.)
        // a is checked first: the smaller divisor wins.
        const std::uint64_t a = w.value;
        w.next();
        const std::uint64_t b = w.value;
        w.next();
        const std::uint64_t remainder_a = n % a;
        const std::uint64_t remainder_b = fast_remainder(n, b);
        if (remainder_a == 0) return a;
        if (remainder_b == 0 && b <= limit) return b;  // as in the book, nothing past the bound
        until_check -= 2;  // kStopCheckInterval is even
        if (until_check == 0) {
            if (should_stop()) return 0;
            until_check = kStopCheckInterval;
        }
    }
    return n;
}

// ---------------------------------------------------------------------------------------------
// The pieces
// ---------------------------------------------------------------------------------------------

// Below this divisor, fast_remainder uses the % operator (see there why).
inline constexpr std::uint64_t kDoubleFrom = 1u << 13;

// n % d for 1 <= d <= 2^53, on the floating-point divider when d >= 2^13. On many x86-64 CPUs a
// 64-bit integer division takes longer than a double one; on newer ones the two are close, and
// smallest_factor gains by using both at once.
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
// Below 2^13, step 2 alone can move the quotient by 1/2 or more and this proof no longer holds,
// so those d keep %: about 1,700 of the 900 million candidates for the largest prime.
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

// The wheel. After 2, 3, 5, 7 and 11, the candidates are the numbers with none of them as a
// factor: 480 of every 2310 = 2*3*5*7*11, in the same pattern in every block of 2310, so the 480
// steps from one to the next repeat. They still come in increasing order, and a skipped number
// has a factor 2, 3, 5, 7 or 11 that was tried first: had the skipped number divided n, that
// smaller factor would have too, and the loop would have stopped there. So the first divisor
// found is still the smallest one. (Each prime added to the wheel removes fewer candidates: 30
// leaves 27% of the numbers, 210 23%, 2310 21%, 30030 19% with a table of 5760 steps.)
inline constexpr int kSpokes = 480;
struct WheelSteps {
    std::uint8_t step[kSpokes] = {};  // the largest step is 14
};

// Worked out by the compiler: from 13 to the next number coprime to 2310, and so on through one
// block of 2310 (the last step goes from 2311 = 1 + 2310 to 2323 = 13 + 2310).
constexpr WheelSteps wheel_steps() {
    WheelSteps w;
    std::uint64_t previous = 13;
    int i = 0;
    for (std::uint64_t d = 14; d <= 13 + 2310; ++d) {
        if (d % 2 != 0 && d % 3 != 0 && d % 5 != 0 && d % 7 != 0 && d % 11 != 0) {
            w.step[i++] = static_cast<std::uint8_t>(d - previous);
            previous = d;
        }
    }
    return w;
}
inline constexpr WheelSteps kWheel = wheel_steps();

inline void Wheel::next() {
    value += kWheel.step[spoke];
    spoke = (spoke == kSpokes - 1) ? 0 : spoke + 1;  // not % kSpokes, a multiplication per step
}

// floor(sqrt(n)) for every 64-bit n. The double estimate can be off by one near 2^64 (a double
// has 53 bits of mantissa), so it is corrected with divisions, which cannot overflow where
// r * r could.
inline std::uint64_t integer_sqrt(std::uint64_t n) {
    auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
    while (r > 0 && r > n / r) --r;            // r*r > n: one too many
    while (r + 1 <= n / (r + 1)) ++r;          // (r+1)^2 <= n: one too few
    return r;
}

}  // namespace prime
