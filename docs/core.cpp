// core.cpp - primeproc's idea on one screen: a child process per number, a shared lock per line.
//
// Usage: g++ -std=c++17 -pthread -o core docs/core.cpp && ./core    (one number a line, "e" ends)
// Who does what, in order:
//   1. The parent puts a pthread mutex into anonymous shared memory, before the first fork.
//   2. The parent, holding the lock, prompts and reads a line, then forks a child for the number.
//   3. The child tests it without the lock, then locks, writes its line, unlocks and _exits.
//   4. The parent reaps finished children after every line, and all of them at the end.
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

static pthread_mutex_t *lock;  // in shared memory: the parent and every child use the same one
// pthread calls return their error number instead of setting errno. _exit: safe in a child too.
static void check(int err, const char *call) { if (err) { errno = err; perror(call); _exit(1); } }

// child: the book's trial division without the lock, then the whole line with it.
[[noreturn]] static void answer(const std::string &s, unsigned long long n) {
    unsigned long long i;
    for (i = 2; i <= n / i; ++i)  // i <= n / i: i * i <= n, without i * i overflowing
        if (n % i == 0) break;
    std::string line = s + (n < 2 ? " is not prime (primes are greater than 1)\n" : " is prime\n");
    if (i <= n / i)  // the loop stopped at a factor
        line = s + " is not prime, since " + s + " = " + std::to_string(i) + " * " +
               std::to_string(n / i) + "\n";
    check(pthread_mutex_lock(lock), "pthread_mutex_lock");
    const ssize_t written = write(STDOUT_FILENO, line.data(), line.size());  // one write, one line
    if (written < 0) perror("write");
    check(pthread_mutex_unlock(lock), "pthread_mutex_unlock");
    _exit(written < 0);  // not exit(): that would run the parent's atexit handlers and destructors
}

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
    // MAP_SHARED: fork() shares these bytes instead of copying them, so all use one mutex.
    // MAP_ANONYMOUS (no file behind it) is in Linux, the BSDs and macOS.
    void *m = mmap(nullptr, sizeof *lock, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(1); }
    lock = static_cast<pthread_mutex_t *>(m);
    pthread_mutexattr_t attr;
    check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
    // PROCESS_SHARED: several processes may use it. primeproc also makes it ROBUST: without that, a
    // child killed while holding the lock leaves every other process waiting for it forever.
    check(pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED),
          "pthread_mutexattr_setpshared");
    check(pthread_mutex_init(lock, &attr), "pthread_mutex_init");
    check(pthread_mutexattr_destroy(&attr), "pthread_mutexattr_destroy");
    std::string s;
    unsigned long long n;
    for (;;) {
        check(pthread_mutex_lock(lock), "pthread_mutex_lock");  // no answer lands inside the prompt
        if (isatty(STDIN_FILENO)) { fputs("> ", stdout); fflush(stdout); }  // at a terminal only
        const bool got = static_cast<bool>(std::getline(std::cin, s));
        check(pthread_mutex_unlock(lock), "pthread_mutex_unlock");
        if (!got || s == "e") break;
        if (s.empty() || !parse(s, &n)) continue;
        fflush(stdout);  // else the child gets a copy of unwritten bytes and may print them again
        const pid_t pid = fork();
        switch (pid) {
        case -1:  // fork failed: no child, nobody will answer this number
            perror("fork"); exit(1);
        case 0:   // child: answer this one number, then end
            answer(s, n);  // never returns
        default:  // parent: collect the children that have finished, then read on
            int status;  // waitpid: > 0 reaped one; 0 the others still run; -1 (ECHILD) none left
            while (waitpid(-1, &status, WNOHANG) > 0)
                if (!WIFEXITED(status) || WEXITSTATUS(status)) fprintf(stderr, "a child failed\n");
        }
    }
    for (int status; waitpid(-1, &status, 0) > 0;)  // wait for every child still running
        if (!WIFEXITED(status) || WEXITSTATUS(status)) fprintf(stderr, "a child failed\n");
    if (errno != ECHILD) { perror("waitpid"); exit(1); }  // ECHILD: no child left, reaping is done
}
