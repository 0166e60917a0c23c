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
 * makes the 2nd call fail with EAGAIN and the 4th with ENOMEM. A link-time seam (not an
 * LD_PRELOAD shim) because primeproc is linked statically (docs/performance.md).
 */
#include <errno.h>
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

pid_t __wrap_fork(void) {
    static unsigned long calls;
    const int err = planned_failure(++calls);
    if (err != 0) {
        errno = err;
        return -1;
    }
    return __real_fork();
}
