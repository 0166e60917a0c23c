// lock.hpp - a mutex that several processes can share: the C++ twin of the book's
// multiprocessing.Lock.
//
// Typical use (the parent creates it once, before the first fork; every child inherits it):
//
//     ProcessMutex lock;                              // parent, before fork()
//     ...
//     {
//         std::lock_guard<ProcessMutex> hold(lock);   // the book's "with EinAusLock:"
//         write_the_whole_line();
//     }                                               // unlocked here, even on an exception
//
// Why it needs shared memory: after fork() the child has a *copy* of the parent's memory, so an
// ordinary std::mutex would become two unrelated mutexes. The pthread_mutex_t therefore lives in
// an anonymous MAP_SHARED mapping, which fork() shares instead of copying.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string>

// Robust mutexes (POSIX.1-2008) are missing on macOS and OpenBSD. There the lock is a plain
// process-shared mutex, and a process killed while holding it blocks every other one: the very
// reason robust mutexes exist. `make CPPFLAGS=-DPRIMEPROC_NO_ROBUST_MUTEX` builds that on Linux.
#if defined(__APPLE__) || defined(__OpenBSD__) || defined(PRIMEPROC_NO_ROBUST_MUTEX)
#define PRIMEPROC_ROBUST 0
#else
#define PRIMEPROC_ROBUST 1
#endif

// An anonymous shared mapping: memory that parent and children see as the same bytes after
// fork(). Unmapped when the object dies (a failing munmap is reported, not thrown).
class SharedMemory {
public:
    explicit SharedMemory(std::size_t size);
    ~SharedMemory();
    SharedMemory(const SharedMemory&) = delete;
    SharedMemory& operator=(const SharedMemory&) = delete;

    void* address() const { return address_; }

private:
    void* address_;
    std::size_t size_;
};

// A process-shared, robust pthread mutex in its own SharedMemory. BasicLockable (lock/unlock)
// and Lockable (try_lock), so std::lock_guard, std::unique_lock and std::scoped_lock work.
//
// Owner-died policy: if a process dies while holding the lock, the next lock() or try_lock()
// gets EOWNERDEAD from the C library. We repair the mutex (pthread_mutex_consistent), count the
// event, say so on stderr, and carry on holding it. Repair is safe here because what the lock
// protects is only "one whole line at a time on the terminal": the worst a dead holder leaves
// behind is half a line, never a broken data structure. (Boost.Interprocess takes the other
// choice and marks such a mutex unusable; that is right when the lock guards shared data.)
class ProcessMutex {
public:
    // repair_note: what to say on stderr after a repair (in the user's language).
    explicit ProcessMutex(std::string repair_note = "a process died while holding the lock; repaired");
    ~ProcessMutex();  // destroys the mutex only in the process that created it
    ProcessMutex(const ProcessMutex&) = delete;
    ProcessMutex& operator=(const ProcessMutex&) = delete;

    void lock();
    bool try_lock();
    void unlock() noexcept;  // an unlock that fails is a bug: reported, then abort()

    // A pthread mutex is not first-come-first-served: a process that has just unlocked and runs
    // on usually takes the lock back before a woken waiter is even scheduled. lock() therefore
    // announces each waiter in the shared page, and this variant, once it holds the lock, lets
    // the announced waiters go first (waiting on a condition variable, which releases the lock),
    // for at most max_wait_ms. The parent uses it before each prompt (see primeproc.cpp).
    void lock_after_waiters(int max_wait_ms);

    // From now on, a holder that dies is no news (we are stopping them ourselves): the repair
    // that follows is made without a word on stderr. For every process sharing the lock.
    void expect_owner_deaths();

    // How many times a holder died and the lock was repaired, counted across all processes:
    // the tests check the robust path with it; a program could report it at the end.
    unsigned long owner_deaths() const;

private:
    struct Shared;
    void acquire();
    void repair_after_owner_died();
    Shared& shared() const;

    SharedMemory memory_;
    pid_t creator_;
    std::string repair_note_;
};
