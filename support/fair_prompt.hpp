// support/fair_prompt.hpp - answers waiting at the lock go before the next prompt.
//
// Adds to the story: the book's prompt holds the output lock while the user types, so a child
// that finishes meanwhile waits at the lock, and its answer should appear right after the next
// Enter. A mutex does not promise that: it promises exclusion, not order. After the Enter the
// parent unlocks, forks for the new line and asks for the lock again for the next prompt, usually
// before the woken child has even been scheduled; then the answer waits another Enter (measured
// without this file: 2 to 21 Enters). So each child that waits at the lock writes its pid into a
// slot of a page shared by all, and takes it out once it has printed and let go of the lock;
// before each prompt the parent waits, without the lock, until no slot is taken, then locks.
// OSTEP ch. 28 (whether locks are fair); TLPI ch. 49 (shared mappings).
//
// What it costs: one slot (4 bytes) per child that may run at once (-j, at most 1024); a child
// scans for a free slot and the parent scans the slots before each prompt and at each reap; after
// the last waiting answer the prompt comes up to a millisecond later (the parent looks again each
// millisecond, for at most 250 ms, and gives up when the program is ending). A dead waiter is
// forgotten when the parent reaps it, so it holds up no later prompt.
//
// No condition variable: the parent would wait on it holding the lock's pthread_mutex_t, which
// lock.hpp keeps to itself, and handle EOWNERDEAD inside the wait; POSIX makes mutexes robust,
// not condition variables. Only the parent waits here, for a person's Enter at most once a line,
// so looking every millisecond costs nothing anyone notices, and nothing when no child waits.
// (More waiting children than slots, possible only with -j 0 or above 1024: the rest wait
// without a slot, and their answers may wait one more Enter.)
#pragma once

#include "../lock.hpp"

#include <sys/types.h>

#include <atomic>
#include <functional>

class FairPrompt {
public:
    FairPrompt(ProcessMutex& lock, unsigned jobs);  // parent, before the first fork

    // child: while this lives, our pid is in a slot. Made before taking the lock, it goes after
    // the unlock: a child writes
    //     const FairPrompt::Waiter seen(c.fair_prompt);
    //     std::lock_guard<ProcessMutex> hold(c.lock);
    class Waiter {
    public:
        explicit Waiter(FairPrompt& prompt);
        ~Waiter();
        Waiter(const Waiter&) = delete;
        Waiter& operator=(const Waiter&) = delete;

    private:
        std::atomic<pid_t>* slot_;  // nullptr: all slots taken, we wait unseen
    };

    // parent, before each prompt: once no slot is taken (or after 250 ms), take the lock. false,
    // without the lock, when stop() says the program is ending; both waits give way to it.
    bool lock_after_waiters(const std::function<bool()>& stop);

    // parent, when it reaps pid: if it died waiting at the lock, its slot is freed.
    void forget(pid_t pid);

    bool someone_waits() const;

private:
    ProcessMutex& lock_;
    unsigned count_;
    SharedMemory memory_;
    std::atomic<pid_t>* slots_;
};
