// test_newcomer.cpp - a newcomer's first minutes: the greeting, how to leave, German throughout,
// numbers that look like options, GNU-style usage errors, and the wait at the -j cap explained.
#include "../support/messages.hpp"
#include "expect.hpp"
#include "harness.hpp"

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <string>
#include <vector>

using expect::Lines;
using expect::with_program;
using harness::line_set;
using harness::run;

namespace {
const std::string kGreetingEn =
    "primeproc: one number per line; \"e\" or Ctrl-D ends; primeproc --help explains more";
}  // namespace

TEST_CASE("at a terminal a greeting says how to leave, before the first prompt") {
    harness::Pty pty({harness::primeproc(), "-l", "en"}, {});
    REQUIRE(pty.expect(kGreetingEn + "\r\n> "));
    pty.send("e\n");
    CHECK(pty.wait() == 0);
}

TEST_CASE("no greeting when the input is not a terminal, even with -i") {
    const auto r = run(with_program({"-l", "en", "-i"}), "97\n");
    CHECK(r.err == "");
    CHECK(r.exit_code() == 0);
}







TEST_CASE("at the -j cap with a prompt, the wait is explained once", "[timing]") {
    harness::Pty pty({harness::primeproc(), "-l", "en", "-j", "2"}, {});
    REQUIRE(pty.expect("> "));
    pty.send("1000000000000000003\n");  // about a second of work each: both slots stay taken
    REQUIRE(pty.expect("> "));
    pty.send("1000000000000000009\n");
    REQUIRE(pty.expect("> "));
    pty.send("97\n");
    REQUIRE(pty.expect("primeproc: waiting for one of 2 running children (-j 2)...\r\n"));
    REQUIRE(pty.expect("> ", 60));
    pty.send("e\n");
    CHECK(pty.wait(60) == 0);
    const std::string& t = pty.transcript();
    CHECK(t.find("waiting for one of") == t.rfind("waiting for one of"));  // once
    CHECK(t.find("97 is prime") != std::string::npos);
}
