// test_harness.cpp - the harness itself (tests/harness.hpp): when starting a program fails half
// way, every descriptor it had opened is closed again. Linux-only (it counts /proc/self/fd).
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <set>
#include <system_error>
#include <utility>

namespace {

// The descriptors open in this process, without the one that reads /proc/self/fd.
std::set<int> open_descriptors() {
    DIR* dir = opendir("/proc/self/fd");
    REQUIRE(dir != nullptr);
    std::set<int> fds;
    while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') fds.insert(std::atoi(entry->d_name));
    }
    fds.erase(dirfd(dir));
    closedir(dir);
    return fds;
}

// While it lives, RLIMIT_NOFILE leaves room for exactly `room` more descriptors (a new one takes
// the lowest free number, and must be below the limit): the next open, pipe or mkstemp after
// those fails with EMFILE.
class RoomFor {
public:
    explicit RoomFor(int room) {
        REQUIRE(getrlimit(RLIMIT_NOFILE, &saved_) == 0);
        const std::set<int> open = open_descriptors();
        rlim_t limit = 0;
        while (static_cast<int>(limit) -
                   static_cast<int>(std::distance(open.begin(), open.lower_bound(limit))) <
               room) {
            ++limit;
        }
        rlimit lower = saved_;
        lower.rlim_cur = limit;
        REQUIRE(setrlimit(RLIMIT_NOFILE, &lower) == 0);
    }
    ~RoomFor() { setrlimit(RLIMIT_NOFILE, &saved_); }
    RoomFor(const RoomFor&) = delete;
    RoomFor& operator=(const RoomFor&) = delete;

private:
    rlimit saved_{};
};

// What f threw, as an errno value; 0 when it did not throw.
template <typename F>
int error_thrown_by(F f) {
    try {
        f();
    } catch (const std::system_error& e) {
        return e.code().value();
    }
    return 0;
}

}  // namespace

TEST_CASE("the harness leaves no descriptor open when starting a program fails half way") {
    const std::set<int> before = open_descriptors();
    SECTION("run(): its second pipe cannot be made (EMFILE)") {
        int error = 0;
        {
            const RoomFor three(3);  // the first pipe takes two, the second finds one
            error = error_thrown_by([] { harness::run(expect::with_program({"97"}), ""); });
        }
        CHECK(error == EMFILE);
    }
    SECTION("Process: its temporary file for stderr cannot be made (EMFILE)") {
        int error = 0;
        {
            const RoomFor three(3);
            error = error_thrown_by([] { harness::Process p(expect::with_program({"97"})); });
        }
        CHECK(error == EMFILE);
    }
    SECTION("Process: its stdin_file does not exist") {
        harness::RunOptions opts;
        opts.stdin_file = "/nonexistent/numbers.txt";
        CHECK(error_thrown_by([&] { harness::Process p(expect::with_program({}), opts); }) ==
              ENOENT);
    }
    SECTION("an Fd closes once, also when moved, and a close that fails throws") {
        {
            harness::Pipe p;
            const int r = p.r.get();
            harness::Fd moved = std::move(p.r);
            CHECK_FALSE(p.r.is_open());
            CHECK(moved.get() == r);
        }
        harness::Fd stale(dup(0));
        REQUIRE(stale.is_open());
        REQUIRE(close(stale.get()) == 0);  // closed behind its back: its own close finds EBADF
        CHECK(error_thrown_by([&] { stale.close(); }) == EBADF);
    }
    CHECK(open_descriptors() == before);
}
