// support/fair_prompt.cpp - see fair_prompt.hpp.
#include "fair_prompt.hpp"

#include "io.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <new>

namespace {
constexpr unsigned kMaxSlots = 1024;
constexpr std::chrono::milliseconds kMaxWait{250};   // at most this long, answers go first
constexpr std::chrono::milliseconds kStopLooks{10};  // while waiting for the lock, look this often

void sleep_a_millisecond() {
    const timespec step{0, 1000000};
    // EINTR: a stop signal's handler ran; the caller looks at stop() next.
    if (nanosleep(&step, nullptr) != 0 && errno != EINTR) io::throw_errno("nanosleep");
}
}  // namespace

// A slot is free when it holds 0 (no process has pid 0). The mapping arrives zero-filled; the
// atomics are still constructed in it, one per slot.
FairPrompt::FairPrompt(ProcessMutex& lock, unsigned jobs)
    : lock_(lock),
      count_(jobs == 0 ? kMaxSlots : std::min(jobs, kMaxSlots)),
      memory_(count_ * sizeof(std::atomic<pid_t>)),
      slots_(static_cast<std::atomic<pid_t>*>(memory_.address())) {
    static_assert(std::atomic<pid_t>::is_always_lock_free, "a shared slot must be lock-free");
    for (unsigned i = 0; i < count_; ++i) new (&slots_[i]) std::atomic<pid_t>(0);
}

FairPrompt::Waiter::Waiter(FairPrompt& prompt) : slot_(nullptr) {
    const pid_t pid = getpid();
    for (unsigned i = 0; i < prompt.count_ && slot_ == nullptr; ++i) {
        pid_t free = 0;  // a plain look first: the compare-and-swap takes the cache line for itself
        if (prompt.slots_[i] == 0 && prompt.slots_[i].compare_exchange_strong(free, pid))
            slot_ = &prompt.slots_[i];
    }
}

FairPrompt::Waiter::~Waiter() {
    if (slot_ != nullptr) *slot_ = 0;
}

bool FairPrompt::someone_waits() const {
    return std::any_of(slots_, slots_ + count_, [](const std::atomic<pid_t>& s) { return s != 0; });
}

// Without the lock while the waiters go: they take it one after another (a mutex hands it to
// whoever asks, and we do not ask). Once no slot is taken, each of them has printed.
bool FairPrompt::lock_after_waiters(const std::function<bool()>& stop) {
    const auto give_up = std::chrono::steady_clock::now() + kMaxWait;
    while (someone_waits() && std::chrono::steady_clock::now() < give_up) {
        if (stop()) return false;
        sleep_a_millisecond();
    }
    // A child holding the lock may be stuck writing to a full pipe: wait in pieces, looking at stop().
    while (!lock_.try_lock_for(kStopLooks)) {
        if (stop()) return false;
    }
    if (!stop()) return true;
    lock_.unlock();  // the program ends: no prompt
    return false;
}

void FairPrompt::forget(pid_t pid) {
    for (unsigned i = 0; i < count_; ++i) {
        pid_t dead = pid;
        if (slots_[i] == pid && slots_[i].compare_exchange_strong(dead, 0)) return;
    }
}
