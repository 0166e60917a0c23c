// prime.hpp - the child's arithmetic: the smallest factor of n by trial division.
//
// The book's loop twice: first as the book wrote it, then as the program runs it, over a wheel
// and two candidates at a time, which finds the same factor sooner. Nothing here makes a system
// call, so the unit tests check it without starting a process. primeproc.cpp does the processes.
#pragma once

#include "support/fast_remainder.hpp"

#include <cmath>
#include <cstdint>

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

// The pieces of the program's loop, defined after it.
std::uint64_t integer_sqrt(std::uint64_t n);
struct Wheel {  // the candidates, two a turn: 2 and 3, 5 and 7, 11 and 13, 17 and 19, ...
    std::uint64_t value = 2;
    std::uint64_t then = 3;
    std::uint64_t next_value = 5;  // worked out a turn ahead (see Wheel::next)
    int turn = 0;
    void next();
};

// How often a long trial division asks "should I stop?" (see smallest_factor). 2^16 divisions
// take well under a millisecond, so the question costs nothing and the answer comes quickly.
inline constexpr std::uint64_t kStopCheckInterval = 1u << 16;

struct NeverStop {
    bool operator()() const { return false; }
};

// The loop the program runs: the book's loop, with the same answer several times sooner for a
// big prime (docs/performance.md). Three changes, each explained where it is defined:
//  - the bound "i*i <= n" is "i <= floor(sqrt(n))", computed once (integer_sqrt);
//  - after 2, 3, 5, 7 and 11 only the numbers none of them divides are tried: 480 of every 2310
//    (Wheel);
//  - two candidates a turn, w.value with % and w.then with fast_remainder, which gives the same
//    remainder on the processor's other divider: the two divisions run at the same time
//    (support/fast_remainder.hpp). w.value is checked first: the smaller divisor wins.
// should_stop() is asked every kStopCheckInterval candidates; when it says yes the search gives
// up and returns 0 (a child uses this to notice that its parent is gone).
template <typename StopPredicate = NeverStop>
std::uint64_t smallest_factor(std::uint64_t n, StopPredicate should_stop = {}) {
    const std::uint64_t limit = integer_sqrt(n);
    std::uint64_t turns_to_check = kStopCheckInterval / 2;
    for (Wheel w; w.value <= limit; w.next()) {
        if (n % w.value == 0) return w.value;
        if (fast_remainder(n, w.then) == 0 && w.then <= limit) return w.then;  // not past the bound
        if (--turns_to_check == 0) {
            if (should_stop()) return 0;
            turns_to_check = kStopCheckInterval / 2;
        }
    }
    return n;
}

// ---------------------------------------------------------------------------------------------
// The pieces
// ---------------------------------------------------------------------------------------------

// The wheel. After 2, 3, 5, 7 and 11, the candidates are the numbers with none of them as a
// factor: 480 of every 2310 = 2*3*5*7*11, in the same pattern in every block of 2310, so the
// steps from one to the next repeat. They still come in increasing order, and a skipped number
// has a factor 2, 3, 5, 7 or 11 that was tried first: had the skipped number divided n, that
// smaller factor would have too, and the loop would have stopped there. So the first divisor
// found is still the smallest one. (Each prime added to the wheel removes fewer candidates: 30
// leaves 27% of the numbers, 210 23%, 2310 21%, 30030 19% with a table of 5760 steps.)
//
// The candidates go in pairs, (value, then), one turn of the loop each. The first three turns
// are 2 and 3, 5 and 7, 11 and 13; from the fourth (17 and 19) on, the turns repeat every 240
// (480 candidates), each block of 2310 further on.
inline constexpr int kTurns = 3 + 240;
inline constexpr int kFirstRepeatingTurn = 3;
struct WheelSteps {  // entry k: the steps of the pair after turn k's, pair k + 1
    std::uint8_t then_gap[kTurns] = {};    // its then - its value (at most 14)
    std::uint8_t value_step[kTurns] = {};  // the value of pair k + 2 - its value (at most 28)
};

constexpr bool is_candidate(std::uint64_t d) {
    if (d <= 11) return d == 2 || d == 3 || d == 5 || d == 7 || d == 11;
    return d % 2 != 0 && d % 3 != 0 && d % 5 != 0 && d % 7 != 0 && d % 11 != 0;
}

constexpr std::uint64_t candidate_after(std::uint64_t d) {
    ++d;
    while (!is_candidate(d)) ++d;
    return d;
}

// Worked out by the compiler, turn by turn, from (2, 3) on.
constexpr WheelSteps wheel_steps() {
    WheelSteps w;
    std::uint64_t then = 3;  // of pair k
    for (int k = 0; k < kTurns; ++k) {
        const std::uint64_t next_value = candidate_after(then);
        const std::uint64_t next_then = candidate_after(next_value);
        w.then_gap[k] = static_cast<std::uint8_t>(next_then - next_value);
        w.value_step[k] = static_cast<std::uint8_t>(candidate_after(next_then) - next_value);
        then = next_then;
    }
    return w;
}
inline constexpr WheelSteps kWheel = wheel_steps();

// The next pair's value was worked out a turn ago, so the loop's next division need not wait for
// a look-up in the table (2 to 3% faster on the largest prime, measured side by side).
inline void Wheel::next() {
    value = next_value;
    then = value + kWheel.then_gap[turn];
    next_value = value + kWheel.value_step[turn];
    turn = (turn == kTurns - 1) ? kFirstRepeatingTurn : turn + 1;  // not %: a division per turn
}

// floor(sqrt(n)) for every 64-bit n. The double estimate can be off by one near 2^64 (a double
// has 53 bits of mantissa), so it is corrected with divisions, which cannot overflow where
// r * r could.
inline std::uint64_t integer_sqrt(std::uint64_t n) {
    auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<double>(n)));
    while (r > 0 && r > n / r) --r;    // r*r > n: one too many
    while (r + 1 <= n / (r + 1)) ++r;  // (r+1)^2 <= n: one too few
    return r;
}

}  // namespace prime
