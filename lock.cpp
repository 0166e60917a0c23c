// lock.cpp - the process-shared robust mutex of lock.hpp, one system call at a time. Every
// pthread_* function *returns* its error number (it does not set errno), so each result is kept
// and turned into a std::system_error that names the call.
//
// MAP_ANONYMOUS is in POSIX.1-2024 but not in 2008, which `make strict` holds us to; glibc shows it
// with _DEFAULT_SOURCE. Every current Unix has it (macOS and the BSDs without asking).
#if !defined(_DEFAULT_SOURCE)
// NOLINTNEXTLINE(bugprone-reserved-identifier): a feature-test macro is ours to set
#define _DEFAULT_SOURCE 1
#endif
#include "lock.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <string>
#include <system_error>

// The platform's choice, made here only (robust() tells the rest). The build without robust mutexes
// gets macOS's lock, pthread_mutex_timedlock missing too, so Linux tests that lock.
#if defined(__OpenBSD__)
// pthread_mutexattr_setpshared(PTHREAD_PROCESS_SHARED) fails there.
#error "OpenBSD has no process-shared mutexes: primeproc cannot share its lock there"
#elif defined(__APPLE__) || defined(PRIMEPROC_NO_ROBUST_MUTEX)
#define PRIMEPROC_ROBUST 0
#else
#define PRIMEPROC_ROBUST 1
#endif

namespace {

[[noreturn]] void throw_error(int err, const char* call) {
    throw std::system_error(err, std::generic_category(), call);
}

void check_pthread(int err, const char* call) {
    if (err != 0) throw_error(err, call);
}

// Where nothing may throw (destructors, unlock): "call: reason" as perror prints it, one write(2).
void report_error(int err, const char* call) {
    const std::string line = std::string(call) + ": " + std::strerror(err) + "\n";
    if (write(STDERR_FILENO, line.data(), line.size()) < 0) return;  // nowhere else to say it
}

}  // namespace

SharedMemory::SharedMemory(size_t size) : size_(size) {
    // MAP_SHARED: fork() gives the child the same physical pages, not a copy-on-write copy.
    // MAP_ANONYMOUS: no file behind it; the memory lives as long as some process maps it.
    address_ = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (address_ == MAP_FAILED) throw_error(errno, "mmap");
}

SharedMemory::~SharedMemory() {
    if (munmap(address_, size_) != 0) report_error(errno, "munmap");
}

struct ProcessMutex::Shared {
    pthread_mutex_t mutex;
    std::atomic<unsigned long> owner_deaths;  // counted by a repairer, read by anyone
};

bool ProcessMutex::robust() { return PRIMEPROC_ROBUST; }

ProcessMutex::ProcessMutex() : memory_(sizeof(Shared)), creator_(getpid()) {
    static_assert(std::atomic<unsigned long>::is_always_lock_free,
                  "a shared counter must be lock-free");
    pthread_mutexattr_t attr;
    check_pthread(pthread_mutexattr_init(&attr), "pthread_mutexattr_init");
    struct Destroy {  // on every way out, exceptions included (init may allocate)
        pthread_mutexattr_t* attr;
        ~Destroy() {
            if (const int err = pthread_mutexattr_destroy(attr))
                report_error(err, "pthread_mutexattr_destroy");
        }
    } destroy{&attr};
    // PTHREAD_PROCESS_SHARED: the portable promise that the mutex may be used by several processes.
    // (For a robust mutex glibc uses shared futexes anyway, so on Linux it works without; without
    // both attributes it does not: see docs/exercises.md.)
    check_pthread(pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED),
                  "pthread_mutexattr_setpshared");
#if PRIMEPROC_ROBUST
    // PTHREAD_MUTEX_ROBUST: if a holder dies (a child killed with SIGKILL while printing), the
    // next locker is told EOWNERDEAD instead of waiting forever for an unlock that never comes.
    check_pthread(pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST),
                  "pthread_mutexattr_setrobust");
#endif
    // The mapping arrives zero-filled; the mutex must still be initialised with its attributes.
    Shared& s = *new (memory_.address()) Shared;
    s.owner_deaths = 0;
    check_pthread(pthread_mutex_init(&s.mutex, &attr), "pthread_mutex_init");
}

ProcessMutex::~ProcessMutex() {
    // Destroyed in a child, it would be destroyed for everyone (children _exit and never get here).
    if (getpid() != creator_) return;
    if (const int err = pthread_mutex_destroy(&shared().mutex))
        report_error(err, "pthread_mutex_destroy");
}

// Whether a pthread_mutex_*lock call left us holding the mutex: 0 yes; EBUSY (try) or ETIMEDOUT
// (timed) no; EOWNERDEAD yes, once repaired; anything else (ENOTRECOVERABLE, say) is thrown.
bool ProcessMutex::took_it(int err, const char* call) {
    if (err == 0) return true;
    if (err == EBUSY || err == ETIMEDOUT) return false;
#if PRIMEPROC_ROBUST
    if (err == EOWNERDEAD) {
        // We hold it. Unlocked without pthread_mutex_consistent, it would be ENOTRECOVERABLE for good.
        if (const int bad = pthread_mutex_consistent(&shared().mutex)) {
            unlock();  // leaves it not recoverable: the honest state
            throw_error(bad, "pthread_mutex_consistent");
        }
        ++shared().owner_deaths;
        return true;
    }
#endif
    throw_error(err, call);
}

void ProcessMutex::lock() {
    // No EINTR: a signal's handler runs, then the wait goes on.
    const int err = pthread_mutex_lock(&shared().mutex);
    if (!took_it(err, "pthread_mutex_lock")) throw_error(err, "pthread_mutex_lock");
}

bool ProcessMutex::try_lock() {
    return took_it(pthread_mutex_trylock(&shared().mutex), "pthread_mutex_trylock");
}

bool ProcessMutex::try_lock_until(std::chrono::steady_clock::time_point deadline) {
    using namespace std::chrono;
#if PRIMEPROC_ROBUST
    // The deadline is CLOCK_REALTIME's (system_clock's; pthread_mutex_clocklock, which takes
    // CLOCK_MONOTONIC, is POSIX.1-2024): a clock step stretches or shortens the wait. Harmless here.
    const auto at =
        system_clock::now() + duration_cast<system_clock::duration>(deadline - steady_clock::now());
    const auto ns = duration_cast<nanoseconds>(at.time_since_epoch()).count();
    const timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    return took_it(pthread_mutex_timedlock(&shared().mutex, &ts), "pthread_mutex_timedlock");
#else
    // No pthread_mutex_timedlock (macOS): try, sleep a millisecond, try again. Looking only once
    // a millisecond, we may see others take the lock first; we still get it once it stays free.
    const timespec step{0, 1000000};
    while (!try_lock()) {
        if (steady_clock::now() >= deadline) return false;
        if (nanosleep(&step, nullptr) != 0 && errno != EINTR) throw_error(errno, "nanosleep");
    }
    return true;
#endif
}

void ProcessMutex::unlock() noexcept {
    if (const int err = pthread_mutex_unlock(&shared().mutex)) {
        // EPERM: unlocking a lock we do not hold. No caller can recover from that bug.
        report_error(err, "pthread_mutex_unlock");
        std::abort();
    }
}

unsigned long ProcessMutex::owner_deaths() const { return shared().owner_deaths; }
