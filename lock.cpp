// lock.cpp - the process-shared robust mutex of lock.hpp, one system call at a time.
//
// Every pthread_* function *returns* its error number (it does not set errno), so each result is
// kept and turned into a std::system_error that names the call.
// MAP_ANONYMOUS is in POSIX.1-2024 but not in 2008, which `make strict` holds us to; glibc shows it
// with _DEFAULT_SOURCE. Every current Unix has it (macOS and the BSDs without asking).
#if !defined(_DEFAULT_SOURCE)
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
#include <system_error>

#if defined(__OpenBSD__)
#error "OpenBSD has no process-shared pthread mutexes (pthread_mutexattr_setpshared with PTHREAD_PROCESS_SHARED fails): primeproc cannot share its lock between processes there"
#endif

namespace {

[[noreturn]] void throw_error(int err, const char* call) {
    throw std::system_error(err, std::generic_category(), call);
}

void check_pthread(int err, const char* call) {
    if (err != 0) throw_error(err, call);
}

// For the places that must not throw (destructors, unlock): one write(2) to stderr, so the line
// arrives whole even when several processes report at once. Best effort: stderr may be broken.
void report(const std::string& text) {
    const std::string line = "primeproc: " + text + "\n";
    if (write(STDERR_FILENO, line.data(), line.size()) < 0) {
        // Nowhere left to report to; there is nothing more useful to do.
    }
}

void report_error(int err, const char* call) {
    report(std::string(call) + ": " + std::strerror(err));
}

// The attribute objects are resources of their own (the init functions may allocate), so they
// are destroyed on every path out of the set-up, including the exceptions.
class MutexAttributes {
public:
    MutexAttributes() { check_pthread(pthread_mutexattr_init(&attr_), "pthread_mutexattr_init"); }
    ~MutexAttributes() {
        const int err = pthread_mutexattr_destroy(&attr_);
        if (err != 0) report_error(err, "pthread_mutexattr_destroy");
    }
    MutexAttributes(const MutexAttributes&) = delete;
    MutexAttributes& operator=(const MutexAttributes&) = delete;
    pthread_mutexattr_t* get() { return &attr_; }

private:
    pthread_mutexattr_t attr_;
};

class CondAttributes {
public:
    CondAttributes() { check_pthread(pthread_condattr_init(&attr_), "pthread_condattr_init"); }
    ~CondAttributes() {
        const int err = pthread_condattr_destroy(&attr_);
        if (err != 0) report_error(err, "pthread_condattr_destroy");
    }
    CondAttributes(const CondAttributes&) = delete;
    CondAttributes& operator=(const CondAttributes&) = delete;
    pthread_condattr_t* get() { return &attr_; }

private:
    pthread_condattr_t attr_;
};

timespec deadline_after(int ms) {
    timespec t{};
    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0) throw_error(errno, "clock_gettime");
    t.tv_sec += ms / 1000;
    t.tv_nsec += static_cast<long>(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec += 1;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

SharedMemory::SharedMemory(std::size_t size) : size_(size) {
    // MAP_SHARED: fork() gives the child the same physical pages, not a copy-on-write copy.
    // MAP_ANONYMOUS: no file behind it; the memory lives as long as some process maps it.
    address_ = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (address_ == MAP_FAILED) throw_error(errno, "mmap");
}

SharedMemory::~SharedMemory() {
    if (munmap(address_, size_) != 0) report_error(errno, "munmap");
}

// ---------------------------------------------------------------------------------------------

struct ProcessMutex::Shared {
    pthread_mutex_t mutex;
    pthread_cond_t waiters_went;    // broadcast when the last announced waiter took the lock
    std::atomic<unsigned> waiting;  // lock() callers not yet holding it; lock-free, so it works
                                    // between processes in shared memory
    unsigned long owner_deaths;     // written only by the holder of mutex
    std::atomic<bool> deaths_expected;  // see expect_owner_deaths
};

ProcessMutex::ProcessMutex(std::string repair_note)
    : memory_(sizeof(Shared)), creator_(getpid()), repair_note_(std::move(repair_note)) {
    static_assert(std::atomic<unsigned>::is_always_lock_free, "a shared counter must be lock-free");
    // The mapping arrives zero-filled; the mutex must still be initialised with attributes.
    MutexAttributes attr;
    // PTHREAD_PROCESS_SHARED: the portable promise that the mutex may be used by several processes.
    // (For a robust mutex glibc uses shared futexes anyway, so on Linux it works without; without
    // both attributes it does not: see docs/exercises.md.)
    check_pthread(pthread_mutexattr_setpshared(attr.get(), PTHREAD_PROCESS_SHARED),
                  "pthread_mutexattr_setpshared");
#if PRIMEPROC_ROBUST
    // PTHREAD_MUTEX_ROBUST: if a holder dies (a child killed with SIGKILL while printing), the
    // next locker is told EOWNERDEAD instead of waiting forever for an unlock that never comes.
    check_pthread(pthread_mutexattr_setrobust(attr.get(), PTHREAD_MUTEX_ROBUST),
                  "pthread_mutexattr_setrobust");
#endif
    Shared& s = *new (memory_.address()) Shared;
    check_pthread(pthread_mutex_init(&s.mutex, attr.get()), "pthread_mutex_init");
    CondAttributes cond_attr;
    check_pthread(pthread_condattr_setpshared(cond_attr.get(), PTHREAD_PROCESS_SHARED),
                  "pthread_condattr_setpshared");
    check_pthread(pthread_condattr_setclock(cond_attr.get(), CLOCK_MONOTONIC), "pthread_condattr_setclock");
    check_pthread(pthread_cond_init(&s.waiters_went, cond_attr.get()), "pthread_cond_init");
    s.waiting = 0;
    s.owner_deaths = 0;
    s.deaths_expected = false;
}

ProcessMutex::~ProcessMutex() {
    // A child shares the mutex: destroying it there would destroy it for everyone. Children
    // leave with _exit and never get here; the check keeps it so for any future caller.
    if (getpid() != creator_) return;
    int err = pthread_cond_destroy(&shared().waiters_went);
    if (err != 0) report_error(err, "pthread_cond_destroy");
    err = pthread_mutex_destroy(&shared().mutex);
    if (err != 0) report_error(err, "pthread_mutex_destroy");
}

ProcessMutex::Shared& ProcessMutex::shared() const {
    return *static_cast<Shared*>(memory_.address());
}

void ProcessMutex::acquire() {
    // pthread_mutex_lock never fails with EINTR: a signal handler runs, then the wait resumes.
    const int err = pthread_mutex_lock(&shared().mutex);
    if (err == 0) return;
#if PRIMEPROC_ROBUST
    if (err == EOWNERDEAD) return repair_after_owner_died();   // we hold it now
#endif
    throw_error(err, "pthread_mutex_lock");                     // e.g. ENOTRECOVERABLE
}

void ProcessMutex::lock() {
    Shared& s = shared();
    ++s.waiting;  // announced, so that lock_after_waiters lets us go first
    try {
        acquire();
    } catch (...) {
        --s.waiting;
        throw;
    }
    if (--s.waiting == 0) {
        // We hold the lock now: report rather than throw, or no lock_guard would ever release it.
        const int err = pthread_cond_broadcast(&s.waiters_went);
        if (err != 0) report_error(err, "pthread_cond_broadcast");
    }
}

void ProcessMutex::lock_after_waiters(int max_wait_ms) {
    acquire();
    Shared& s = shared();
    const timespec deadline = deadline_after(max_wait_ms);
    while (s.waiting > 0) {
        const int err = pthread_cond_timedwait(&s.waiters_went, &s.mutex, &deadline);
        if (err == ETIMEDOUT) return;  // a waiter that never came (killed meanwhile, say)
#if PRIMEPROC_ROBUST
        if (err == EOWNERDEAD) {
            repair_after_owner_died();
            continue;
        }
#endif
        if (err != 0) {
            unlock();
            throw_error(err, "pthread_cond_timedwait");
        }
    }
}

bool ProcessMutex::try_lock() {
    const int err = pthread_mutex_trylock(&shared().mutex);
    if (err == 0) return true;
    if (err == EBUSY) return false;
#if PRIMEPROC_ROBUST
    if (err == EOWNERDEAD) {
        repair_after_owner_died();
        return true;
    }
#endif
    throw_error(err, "pthread_mutex_trylock");
}

void ProcessMutex::unlock() noexcept {
    const int err = pthread_mutex_unlock(&shared().mutex);
    if (err != 0) {
        // EPERM: unlocking a lock we do not hold. No caller can recover from that bug.
        report_error(err, "pthread_mutex_unlock");
        std::abort();
    }
}

unsigned long ProcessMutex::owner_deaths() const { return shared().owner_deaths; }

void ProcessMutex::expect_owner_deaths() { shared().deaths_expected = true; }

// Called holding the mutex after EOWNERDEAD. Without pthread_mutex_consistent, our unlock would
// mark the mutex ENOTRECOVERABLE and every later lock() would fail.
void ProcessMutex::repair_after_owner_died() {
#if PRIMEPROC_ROBUST
    const int err = pthread_mutex_consistent(&shared().mutex);
    if (err != 0) {
        unlock();  // leaves it not recoverable: the honest state
        throw_error(err, "pthread_mutex_consistent");
    }
    ++shared().owner_deaths;
    if (!shared().deaths_expected) report(repair_note_);
#endif
}
