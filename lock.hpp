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

#include <chrono>

// An anonymous shared mapping: the same bytes for parent and children after fork(). Unmapped when
// the object dies (a failing munmap is reported, not thrown).
class SharedMemory {
public:
    explicit SharedMemory(size_t size);
    ~SharedMemory();
    SharedMemory(const SharedMemory&) = delete;
    SharedMemory& operator=(const SharedMemory&) = delete;
    void* address() const { return address_; }

private:
    void* address_;
    size_t size_;
};

// A process-shared, robust pthread mutex in its own SharedMemory. Lockable and TimedLockable, so
// std::lock_guard, std::unique_lock and std::scoped_lock work.
//
// Owner-died policy: if a process dies while holding the lock, the next locker gets EOWNERDEAD
// from the C library. We repair the mutex (pthread_mutex_consistent), count the repair, and carry
// on holding it. Repair is safe here because what the lock protects is only "one whole line at a
// time on the terminal": the worst a dead holder leaves behind is half a line, never a broken
// data structure. (Boost.Interprocess takes the other choice and marks such a mutex unusable;
// that is right when the lock guards shared data.) Whether a repair is news to the user is not
// the lock's to say: the parent knows how each child ended.
class ProcessMutex {
public:
    ProcessMutex();
    ~ProcessMutex();  // destroys the mutex only in the process that created it
    ProcessMutex(const ProcessMutex&) = delete;
    ProcessMutex& operator=(const ProcessMutex&) = delete;

    void lock();  // never gives way to a signal (no EINTR); a wait that must, loops on try_lock_for
    bool try_lock();
    bool try_lock_for(std::chrono::milliseconds wait) {  // false: still held by another
        return try_lock_until(std::chrono::steady_clock::now() + wait);
    }
    bool try_lock_until(std::chrono::steady_clock::time_point deadline);
    void unlock() noexcept;  // an unlock that fails is a bug: reported, then abort()

    // How many times a holder died and the lock was repaired, counted across all processes.
    unsigned long owner_deaths() const;

    // Whether this build's mutex is robust. macOS and OpenBSD lack robust mutexes (POSIX.1-2008):
    // there the lock is a plain process-shared mutex, and a process killed while holding it blocks
    // every other one, the very reason robust mutexes exist. `make norobust` builds that on Linux.
    static bool robust();

private:
    struct Shared;
    bool took_it(int err, const char* call);
    Shared& shared() const { return *static_cast<Shared*>(memory_.address()); }

    SharedMemory memory_;
    pid_t creator_;
};
