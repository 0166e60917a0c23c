/* failfork.c - an LD_PRELOAD shim that makes chosen calls of fork() fail.
 *
 * The seam for the one failure a test cannot provoke for real: as root, RLIMIT_NPROC is not
 * enforced, so fork() will not fail with EAGAIN however many children exist. With
 *
 *     LD_PRELOAD=build/tests/failfork.so FAILFORK=2,4=ENOMEM primeproc 2 3 4 5
 *
 * the 2nd call of fork() in each process fails with EAGAIN and the 4th with ENOMEM; every other
 * call goes to the C library's fork(). Only the test suite builds and uses this file.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

pid_t fork(void) {
    static unsigned long calls;
    static pid_t (*real_fork)(void);
    const int err = planned_failure(++calls);
    if (err != 0) {
        errno = err;
        return -1;
    }
    if (real_fork == NULL) real_fork = (pid_t(*)(void))dlsym(RTLD_NEXT, "fork");
    return real_fork();
}
