/* tests/strict-prelude.h - for `make strict` only (-include'd before every source).
 *
 * `make strict` compiles the program with glibc showing only POSIX.1-2008, so that a Linux-only
 * call in our code fails the build. But libstdc++ 12's <mutex> itself calls two glibc
 * extensions (pthread_mutex_clocklock, pthread_cond_clockwait), which glibc then hides. They are
 * declared here, exactly as glibc declares them, so that the check is about our code only.
 */
#include <pthread.h>
#include <time.h>
#ifdef __cplusplus
extern "C" {
#endif
int pthread_mutex_clocklock(pthread_mutex_t*, clockid_t, const struct timespec*);
int pthread_cond_clockwait(pthread_cond_t*, pthread_mutex_t*, clockid_t, const struct timespec*);
#ifdef __cplusplus
}
#endif
