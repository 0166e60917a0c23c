/* floor.c - the physical floor of primeproc's design, for 'make bench'.
 *
 *     floor N JOBS
 *
 * What primeproc's processes do for each number, and nothing else. Once, before any fork: a
 * process-shared robust mutex in anonymous shared memory (mmap). Then N times, for the numbers
 * 1000000, 1000001, ...: fork; the child formats a verdict line for its number with snprintf,
 * locks the mutex, writes the line to stdout with one write, unlocks and leaves with _exit(0);
 * the parent first reaps every child that has ended (waitpid with WNOHANG) and, with JOBS
 * children unreaped, waits for one, as primeproc -j JOBS does. No input is read and no factor
 * is computed (the line says "is prime" for every number): whatever primeproc spends beyond
 * this is its own overhead. Built three times, statically, with the C library dynamic, and the
 * same with every symbol bound at start (-z now): each build of primeproc is compared with the
 * floor linked the same way, since a dynamic C library alone makes every fork dearer (more
 * mappings to copy, and symbols a child binds lazily). Not part of primeproc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Says which call failed and why, then leaves; _exit, since a child must not run exit handlers
 * (nothing is buffered: stderr is unbuffered). */
static void die(const char* call, int err) {
    fprintf(stderr, "floor [%ld]: %s: %s\n", (long)getpid(), call, strerror(err));
    _exit(1);
}

static pthread_mutex_t* shared_mutex(void) {
    pthread_mutex_t* m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) die("mmap", errno);
    pthread_mutexattr_t attr;
    int err;
    if ((err = pthread_mutexattr_init(&attr)) != 0) die("pthread_mutexattr_init", err);
    if ((err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED)) != 0) die("pthread_mutexattr_setpshared", err);
    if ((err = pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST)) != 0) die("pthread_mutexattr_setrobust", err);
    if ((err = pthread_mutex_init(m, &attr)) != 0) die("pthread_mutex_init", err);
    if ((err = pthread_mutexattr_destroy(&attr)) != 0) die("pthread_mutexattr_destroy", err);
    return m;
}

/* child: one line under the lock, then _exit (a failure is reported, and the parent stops). */
static void child(pthread_mutex_t* m, long number) {
    char line[64];
    const int length = snprintf(line, sizeof line, "%ld is prime\n", number);
    if (length < 0 || length >= (int)sizeof line) die("snprintf", EOVERFLOW);
    int err;
    if ((err = pthread_mutex_lock(m)) != 0) die("pthread_mutex_lock", err);
    const ssize_t n = write(STDOUT_FILENO, line, (size_t)length);
    if (n != length) die("write", n < 0 ? errno : EIO);
    if ((err = pthread_mutex_unlock(m)) != 0) die("pthread_mutex_unlock", err);
    _exit(0);
}

/* parent: reap one child; block when asked. Returns 1 if one was reaped. */
static int reap(int block) {
    int status;
    for (;;) {
        const pid_t pid = waitpid(-1, &status, block ? 0 : WNOHANG);
        if (pid > 0) {
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "floor: child %ld failed\n", (long)pid);
                exit(1);
            }
            return 1;
        }
        if (pid == 0) return 0;
        if (errno != EINTR) die("waitpid", errno);
    }
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: floor N JOBS\n");
        return 2;
    }
    const long n = atol(argv[1]);
    const long jobs = atol(argv[2]);
    pthread_mutex_t* m = shared_mutex();
    long live = 0;
    for (long i = 0; i < n; ++i) {
        while (live > 0 && reap(0)) --live;          /* reap as we go, as primeproc does */
        if (jobs > 0 && live >= jobs) live -= reap(1);  /* at the cap: wait for one */
        const pid_t pid = fork();
        if (pid < 0) die("fork", errno);
        if (pid == 0) child(m, 1000000 + i);  /* child: never returns */
        ++live;
    }
    while (live > 0) live -= reap(1);
    return 0;
}
