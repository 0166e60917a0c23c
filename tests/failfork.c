/* failfork.c - a link-time seam that makes chosen calls of fork() fail.
 *
 * The one failure a test cannot provoke for real: as root, RLIMIT_NPROC is not enforced, so
 * fork() will not fail with EAGAIN however many children exist. The Makefile links the same
 * objects as primeproc with -Wl,--wrap=fork and this file into a test-only program,
 * build/tests/primeproc-failfork: every call of fork() in primeproc.cpp then reaches
 * __wrap_fork below, which either fails as planned or calls the C library's fork (__real_fork).
 *
 *     FAILFORK=2,4=ENOMEM build/tests/primeproc-failfork 2 3 4 5
 *
 * makes the 2nd call fail with EAGAIN and the 4th with ENOMEM. With FAILFORK_HOLD=N as well, the
 * child made by call N waits, before it goes on, until a later call succeeds: a test can then
 * count on a child existing while the calls in between fail, however fast the machine (a child
 * kept busy "long enough" by a big prime would not promise that). A later call must succeed:
 * otherwise the parent ends up waiting for the held child, which waits for it, for ever.
 *
 * A link-time seam rather than an LD_PRELOAD shim, so that it works with 'make LINK=-static' too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

pid_t __real_fork(void);
pid_t __wrap_fork(void);

/* The errno for call number `call` according to FAILFORK, or 0 when that call should succeed. */
static int planned_failure(unsigned long call) {
    const char* plan = getenv("FAILFORK");
    while (plan != NULL && *plan != '\0') {
        char* end;
        const unsigned long n = strtoul(plan, &end, 10);
        int err = EAGAIN;
        if (strncmp(end, "=ENOMEM", 7) == 0) {
            err = ENOMEM;
            end += 7;
        }
        if (n == call) return err;
        plan = *end == ',' ? end + 1 : NULL;
    }
    return 0;
}

/* The pipe the held child waits on: it reads until EOF, which comes when the parent closes the
 * write end at the next call that succeeds. */
static int hold[2] = {-1, -1};

static void close_or_die(int fd) {
    if (close(fd) != 0) {
        perror("failfork: close");
        _exit(125);
    }
}

static void wait_until_released(void) {
    char c;
    ssize_t n;
    close_or_die(hold[1]);
    while ((n = read(hold[0], &c, 1)) < 0 && errno == EINTR) {
    }
    if (n < 0) {
        perror("failfork: read");
        _exit(125);
    }
    close_or_die(hold[0]);
    hold[0] = hold[1] = -1;
}

pid_t __wrap_fork(void) {
    static unsigned long calls;
    const int err = planned_failure(++calls);
    if (err != 0) {
        errno = err;
        return -1;
    }
    if (hold[1] >= 0) { /* before the fork, so that the new child does not inherit it */
        close_or_die(hold[1]);
        hold[1] = -1;
    }
    const char* held = getenv("FAILFORK_HOLD");
    const int hold_this = held != NULL && strtoul(held, NULL, 10) == calls;
    if (hold_this && pipe(hold) != 0) {
        perror("failfork: pipe");
        _exit(125);
    }
    const pid_t pid = __real_fork();
    if (hold_this && pid == 0) {
        wait_until_released();
    } else if (hold_this) {
        close_or_die(hold[0]);
        hold[0] = -1;
        if (pid < 0) {
            close_or_die(hold[1]);
            hold[1] = -1;
        }
    }
    return pid;
}
