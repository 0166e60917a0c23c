// spawn.cpp - core.cpp as Python's "spawn" start method works: every child a fresh program run.
//
// Usage: g++ -std=c++17 -pthread -o spawn docs/spawn.cpp && ./spawn    (one number a line, "e" ends)
// Who does what, in order:
//   1. main first asks "am I a child?": a child is this program run as `spawn --child FD NUMBER`.
//      (Python's spawn runs the file again as module __mp_main__: `if __name__ == "__main__":`.)
//   2. The parent puts the mutex into a POSIX shared memory object (an anonymous mapping would
//      not survive exec) and keeps it open as descriptor FD.
//   3. The parent, holding the lock, prompts and reads a line, then starts `spawn --child FD
//      NUMBER` with posix_spawn: the lock is handed to each child as a parameter, as the book
//      hands EinAusLock. The child maps FD, tests NUMBER without the lock, then locks, writes
//      its line and unlocks.
//   4. The parent reaps finished children after every line, and all of them at the end.
// Python (3.11, checked with strace) hands its Lock over by name: the child reads it pickled from
// a pipe, as (an address valid only in the parent, kind, maximum, "/mp-XXXXXXXX"), and opens the
// named semaphore /dev/shm/sem.mp-XXXXXXXX again; the parent removes the name when it ends.
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

extern char **environ;
static pthread_mutex_t *lock;  // in the shared memory object: the parent and every child map it
// pthread calls return their error number instead of setting errno.
static void check(int err, const char *call) { if (err) { errno = err; perror(call); exit(1); } }

// child: the book's trial division without the lock, then the whole line with it.
static int answer(const std::string &s, unsigned long long n) {
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
    return written < 0;  // a fresh program: exit() runs only its own handlers, no copy of the parent's
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

static void map_lock(int fd) {  // MAP_SHARED: every process that maps the object sees one mutex
    void *m = mmap(nullptr, sizeof *lock, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) { perror("mmap"); exit(1); }
    lock = static_cast<pthread_mutex_t *>(m);
}

// parent: the mutex in a new shared memory object; returns the descriptor the children inherit.
static int make_lock() {
    const std::string name = "/spawn-" + std::to_string(getpid());
    const int fd = shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0) { perror("shm_open"); exit(1); }
    // The name only finds the object, and the descriptor keeps it: removed at once, no name is
    // left behind however the program ends (Python's resource tracker exists for that).
    if (shm_unlink(name.c_str()) < 0) { perror("shm_unlink"); exit(1); }
    // shm_open sets close-on-exec: exec would close FD, and the child's FD would name nothing.
    if (fcntl(fd, F_SETFD, 0) < 0) { perror("fcntl"); exit(1); }
    if (ftruncate(fd, sizeof *lock) < 0) { perror("ftruncate"); exit(1); }
    map_lock(fd);
    pthread_mutexattr_t attr;
    check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
    check(pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED),
          "pthread_mutexattr_setpshared");
    check(pthread_mutex_init(lock, &attr), "pthread_mutex_init");
    check(pthread_mutexattr_destroy(&attr), "pthread_mutexattr_destroy");
    return fd;
}

int main(int argc, char *argv[]) {
    unsigned long long n;
    if (argc == 4 && strcmp(argv[1], "--child") == 0) {  // am I a child?
        map_lock(atoi(argv[2]));  // the parameter: the lock the parent made
        parse(argv[3], &n);  // the parent has checked it: only the text came over
        return answer(argv[3], n);
    }
    std::string fd = std::to_string(make_lock()), s;
    char child[] = "--child";
    for (;;) {
        check(pthread_mutex_lock(lock), "pthread_mutex_lock");  // no answer lands inside the prompt
        if (isatty(STDIN_FILENO)) { fputs("> ", stdout); fflush(stdout); }  // at a terminal only
        const bool got = static_cast<bool>(std::getline(std::cin, s));
        check(pthread_mutex_unlock(lock), "pthread_mutex_unlock");
        if (!got || s == "e") break;
        if (s.empty() || !parse(s, &n)) continue;
        // No fflush: exec replaces the child's memory, a copy of stdout's buffer included.
        char *args[] = {argv[0], child, &fd[0], &s[0], nullptr};
        pid_t pid;  // posix_spawnp: found as the shell found this program; fork + exec, in effect
        const int err = posix_spawnp(&pid, argv[0], nullptr, nullptr, args, environ);
        if (err) { errno = err; perror("posix_spawnp"); exit(1); }  // nobody will answer this number
        int status;  // waitpid: > 0 reaped one; 0 the others still run; -1 (ECHILD) none left
        while (waitpid(-1, &status, WNOHANG) > 0)
            if (!WIFEXITED(status) || WEXITSTATUS(status)) fprintf(stderr, "a child failed\n");
    }
    for (int status; waitpid(-1, &status, 0) > 0;)  // wait for every child still running
        if (!WIFEXITED(status) || WEXITSTATUS(status)) fprintf(stderr, "a child failed\n");
    if (errno != ECHILD) { perror("waitpid"); exit(1); }  // ECHILD: no child left, reaping is done
}
