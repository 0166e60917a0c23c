// support/children.hpp - the parent's table of its running children: pid and the number it tests.
//
// Adds to the story: whom the parent waits for, and what to call a child in a report. A fixed
// table of -j entries (a std::vector that grows only without a cap, -j 0): no allocation per
// child. A pid not in the table is not ours: a process inherited from whoever exec'd us.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

class ChildTable {
public:
    explicit ChildTable(unsigned jobs) { entries_.reserve(jobs); }

    void add(pid_t pid, std::string_view number) {
        Entry e{pid, {}};
        // A number longer than the room (a negative one of many digits) is cut: it names the child.
        const std::size_t n = std::min(number.size(), sizeof e.number - 1);
        std::memcpy(e.number, number.data(), n);
        if (n < number.size()) std::memcpy(e.number + n - 3, "...", 3);
        entries_.push_back(e);
    }

    // Takes pid out of the table; false when it was not there.
    bool remove(pid_t pid, std::string& number) {
        const auto at = std::find_if(entries_.begin(), entries_.end(),
                                     [pid](const Entry& e) { return e.pid == pid; });
        if (at == entries_.end()) return false;
        number = at->number;
        *at = entries_.back();  // order does not matter: swap the last one in
        entries_.pop_back();
        return true;
    }

    std::size_t size() const { return entries_.size(); }
    void clear() { entries_.clear(); }
    template <typename F>
    void for_each_pid(F f) const {
        for (const Entry& e : entries_) f(e.pid);
    }

private:
    struct Entry {
        pid_t pid;
        char number[24];  // 2^64 - 1 has 20 digits
    };
    std::vector<Entry> entries_;
};
