// threads.cpp - the book's thread version on one screen: a thread per number, one lock per line.
//
// Usage: g++ -std=c++17 -pthread -o threads docs/threads.cpp && ./threads    (one number a line, "e" ends)
// core.cpp with a thread where core.cpp has a child process. Who does what, in order:
//   1. Nothing to set up: the lock is an ordinary static std::mutex (the book's class attribute),
//      since all threads live in one process and share all of its memory.
//   2. main, holding the lock, prompts and reads a line, then starts a thread for the number.
//   3. The thread tests it without the lock, then locks, writes its line, unlocks and returns.
//   4. main joins every thread at the end (the book's join); there is nothing to reap meanwhile.
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

static std::mutex lock;  // one mutex in the one address space: every thread uses the same one

// thread: the book's trial division without the lock, then the whole line with it.
static void answer(const std::string &s, unsigned long long n) {
    unsigned long long i;
    for (i = 2; i <= n / i; ++i)  // i <= n / i: i * i <= n, without i * i overflowing
        if (n % i == 0) break;
    std::string line = s + (n < 2 ? " is not prime (primes are greater than 1)\n" : " is prime\n");
    if (i <= n / i)  // the loop stopped at a factor
        line = s + " is not prime, since " + s + " = " + std::to_string(i) + " * " +
               std::to_string(n / i) + "\n";
    const std::lock_guard<std::mutex> hold(lock);  // the book's `with`: unlocked on the way out
    if (write(STDOUT_FILENO, line.data(), line.size()) < 0) perror("write");  // one write, one line
}  // return, not _exit(): that would end the whole process, every other thread with it

// An optional sign, then the digits 0-9, echoed as typed (primeproc drops '+' and leading zeros).
static bool parse(const std::string &s, unsigned long long *n) {
    const size_t digits = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    errno = 0;
    *n = s[0] == '-' ? 0 : strtoull(s.c_str() + digits, nullptr, 10);  // negative: below two anyway
    if (digits < s.size() && s.find_first_not_of("0123456789", digits) == s.npos && errno != ERANGE)
        return true;  // ERANGE: above 2^64 - 1
    fprintf(stderr, "Invalid input \"%s\": expected a whole number written with the digits 0-9\n",
            s.c_str());
    return false;
}

int main() {
    std::vector<std::thread> threads;  // the book's list of threads, to join at the end
    std::string s;
    unsigned long long n;
    for (;;) {
        lock.lock();  // no answer lands inside the prompt
        if (isatty(STDIN_FILENO)) { fputs("> ", stdout); fflush(stdout); }  // at a terminal only
        const bool got = static_cast<bool>(std::getline(std::cin, s));
        lock.unlock();
        if (!got || s == "e") break;
        if (s.empty() || !parse(s, &n)) continue;
        // No fflush: nothing is copied, all threads share the one stdout buffer.
        try {
            threads.emplace_back(answer, s, n);  // the thread gets its own copy of s: main reads on
        } catch (const std::system_error &e) {  // no thread: nobody will answer this number
            fprintf(stderr, "std::thread: %s\n", e.what()); exit(1);
        }
    }
    for (std::thread &t : threads) t.join();  // wait for every thread still running
}
