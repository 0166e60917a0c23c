// lock.cpp - the process-shared robust mutex of lock.hpp, one system call at a time.
//
// Every pthread_* function *returns* its error number (it does not set errno), so each result is
// kept and turned into a std::system_error that names the call.
#include "lock.hpp"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

namespace {

[[noreturn]] void throw_error(int err, const char* call) {
    throw std::system_error(err, std::generic_category(), call);
}

void check_pthread(int err, const char* call) {
    if (err != 0) throw_error(err, call);
}

// For the places that must not throw (destructors, unlock): one write(2) to stderr, so the line
// arrives whole even when several processes report at once.
void report(const std::string& text) {
    const std::string line = "primeproc [" + std::to_string(getpid()) + "]: " + text + "\n";
    if (write(STDERR_FILENO, line.data(), line.size()) < 0) {
        // Nowhere left to report to; there is nothing more useful to do.
    }
}

void report_error(int err, const char* call) {
    report(std::string(call) + ": " + std::strerror(err));
}

// The attribute object is a resource of its own (pthread_mutexattr_init may allocate), so it
// is destroyed on every path out of the set-up, including the exceptions.
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

}  // namespace

// ---------------------------------------------------------------------------------------------

SharedMemory::SharedMemory(std::size_t size) : size_(size) {
    // MAP_SHARED: fork() gives the child the same physical pages, not a copy-on-write copy.
    // MAP_ANONYMOUS: no file behind it; the memory lives as long as some process maps it.
    // (MAP_ANONYMOUS is not in POSIX.1-2008 but is in POSIX.1-2024 and on every current Unix.)
    address_ = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (address_ == MAP_FAILED) throw_error(errno, "mmap");
}

SharedMemory::~SharedMemory() {
    if (munmap(address_, size_) != 0) report_error(errno, "munmap");
}

// ---------------------------------------------------------------------------------------------

struct ProcessMutex::Shared {
    pthread_mutex_t mutex;
    unsigned long owner_deaths;  // written only by the holder of mutex
};

ProcessMutex::ProcessMutex() : memory_(sizeof(Shared)), creator_(getpid()) {
    // The mapping arrives zero-filled; the mutex must still be initialised with attributes.
    MutexAttributes attr;
    // PTHREAD_PROCESS_SHARED: the C library may not assume that only threads of one process use
    // the mutex (glibc then avoids process-private futexes).
    check_pthread(pthread_mutexattr_setpshared(attr.get(), PTHREAD_PROCESS_SHARED),
                  "pthread_mutexattr_setpshared");
    // PTHREAD_MUTEX_ROBUST: if a holder dies (a child killed with SIGKILL while printing), the
    // next locker is told EOWNERDEAD instead of waiting forever for an unlock that never comes.
    check_pthread(pthread_mutexattr_setrobust(attr.get(), PTHREAD_MUTEX_ROBUST),
                  "pthread_mutexattr_setrobust");
    check_pthread(pthread_mutex_init(&shared().mutex, attr.get()), "pthread_mutex_init");
    shared().owner_deaths = 0;
}

ProcessMutex::~ProcessMutex() {
    // A child shares the mutex: destroying it there would destroy it for everyone. Children
    // leave with _exit and never get here; the check keeps it so for any future caller.
    if (getpid() != creator_) return;
    const int err = pthread_mutex_destroy(&shared().mutex);
    if (err != 0) report_error(err, "pthread_mutex_destroy");
}

ProcessMutex::Shared& ProcessMutex::shared() const {
    return *static_cast<Shared*>(memory_.address());
}

void ProcessMutex::lock() {
    // pthread_mutex_lock never fails with EINTR: a signal handler runs, then the wait resumes.
    const int err = pthread_mutex_lock(&shared().mutex);
    if (err == 0) return;
    if (err == EOWNERDEAD) return repair_after_owner_died();   // we hold it now
    throw_error(err, "pthread_mutex_lock");                     // e.g. ENOTRECOVERABLE
}

bool ProcessMutex::try_lock() {
    const int err = pthread_mutex_trylock(&shared().mutex);
    if (err == 0) return true;
    if (err == EBUSY) return false;
    if (err == EOWNERDEAD) {
        repair_after_owner_died();
        return true;
    }
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

// Called holding the mutex after EOWNERDEAD. Without pthread_mutex_consistent, our unlock would
// mark the mutex ENOTRECOVERABLE and every later lock() would fail.
void ProcessMutex::repair_after_owner_died() {
    const int err = pthread_mutex_consistent(&shared().mutex);
    if (err != 0) {
        unlock();  // leaves it not recoverable: the honest state
        throw_error(err, "pthread_mutex_consistent");
    }
    ++shared().owner_deaths;
    report("a process died while holding the output lock; "
           "repaired it with pthread_mutex_consistent and carrying on");
}
