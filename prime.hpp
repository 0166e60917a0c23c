// prime.hpp - the child's arithmetic: the smallest factor of n by trial division.
//
// Nothing here makes a system call, so the unit tests check it without starting a process.
// primeproc.cpp does the processes; this header only answers "what is the smallest factor of n?".
#pragma once

#include <cmath>
#include <cstdint>

namespace prime {

// ---------------------------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------------------------

// floor(sqrt(n)) for every 64-bit n. The double estimate can be off by one near 2^64 (a double
// has 53 bits of mantissa), so it is corrected with divisions, which cannot overflow where
// r * r could.
inline std::uint64_t integer_sqrt(std::uint64_t n) {
    auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
    while (r > 0 && r > n / r) --r;            // r*r > n: one too many
    while (r + 1 <= n / (r + 1)) ++r;          // (r+1)^2 <= n: one too few
    return r;
}

// How often a long trial division asks "should I stop?" (see smallest_factor). 2^16 divisions
// take well under a millisecond, so the question costs nothing and the answer comes quickly.
inline constexpr std::uint64_t kStopCheckInterval = 1u << 16;

struct NeverStop {
    bool operator()() const { return false; }
};

// The smallest factor d >= 2 of n (n >= 2): n itself exactly when n is prime. This is the book's
// loop "i = 2; while i*i <= n" with two changes:
//  - the bound is computed once as floor(sqrt(n)), because i*i overflows 64 bits for the largest
//    primes (18446744073709551557 needs i up to 4294967295, and 4294967296^2 = 2^64 wraps to 0);
//  - a mod-30 wheel: after 2, 3 and 5 only numbers coprime to 30 are tried (8 of every 30).
//    Candidates still come in increasing order, and every skipped candidate has a factor 2, 3 or
//    5 that was tried first, so the first divisor found is still the smallest one.
// should_stop() is called every kStopCheckInterval divisions; when it says yes the search gives
// up and returns 0 (a child uses this to notice that its parent is gone).
template <typename StopPredicate = NeverStop>
std::uint64_t smallest_factor(std::uint64_t n, StopPredicate should_stop = {}) {
    for (std::uint64_t p : {2u, 3u, 5u}) {
        if (n % p == 0) return p;
    }
    static constexpr std::uint64_t kGaps[8] = {4, 2, 4, 2, 4, 6, 2, 6};  // 7 11 13 17 19 23 29 31 37
    const std::uint64_t limit = integer_sqrt(n);
    std::uint64_t until_check = kStopCheckInterval;
    std::size_t gap = 0;
    for (std::uint64_t d = 7; d <= limit; d += kGaps[gap], gap = (gap + 1) % 8) {
        if (n % d == 0) return d;
        if (--until_check == 0) {
            if (should_stop()) return 0;
            until_check = kStopCheckInterval;
        }
    }
    return n;
}

}  // namespace prime
