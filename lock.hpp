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
// an anonymous MAP_SHARED mapping, which fork() shares instead of copying, and it is initialised
// PTHREAD_PROCESS_SHARED so the C library may use it across processes.
#pragma once

#include <sys/types.h>

#include <cstddef>

// An anonymous shared mapping: memory that parent and children see as the same bytes after
// fork(). Unmapped when the object dies (a failing munmap is reported, not thrown).
class SharedMemory {
public:
    explicit SharedMemory(std::size_t size);
    ~SharedMemory();
    SharedMemory(const SharedMemory&) = delete;
    SharedMemory& operator=(const SharedMemory&) = delete;

    void* address() const { return address_; }
    std::size_t size() const { return size_; }

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
    ProcessMutex();   // throws std::system_error naming the failed call
    ~ProcessMutex();  // destroys the mutex only in the process that created it
    ProcessMutex(const ProcessMutex&) = delete;
    ProcessMutex& operator=(const ProcessMutex&) = delete;

    void lock();
    bool try_lock();
    void unlock() noexcept;  // an unlock that fails is a bug: reported, then abort()

    // How many times a holder died and the lock was repaired, counted across all processes.
    unsigned long owner_deaths() const;

private:
    struct Shared;
    void repair_after_owner_died();
    Shared& shared() const;

    SharedMemory memory_;
    pid_t creator_;
};
