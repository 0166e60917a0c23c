// primeproc.cpp - an interactive prime tester with one process per number.
//
// Usage: primeproc [OPTIONS] [NUMBER...]        (primeproc --help for the options)
//
// The C++ rendering of the book's multiprocessing prime test (see docs/walkthrough.md), in order:
//   1. The parent creates the output lock (lock.hpp) in shared memory, before any fork.
//   2. The parent reads a number (from the arguments or one line at a time from standard input)
//      and forks a child for it; it does not wait for the answer but reads the next number.
//   3. The child finds the smallest factor by trial division, takes the lock, writes its one
//      verdict line, releases the lock and leaves with _exit.
//   4. The parent reaps finished children with waitpid before each new number, and all of them
//      at the end ("e" or end of input), reporting any child that did not exit normally.
// This file is that story, top-down. docs/core.cpp tells it in one screen; what a real program
// adds (signals, reading lines, options, messages, trace) is in support/, one subject a file.
#include "lock.hpp"
#include "prime.hpp"
#include "support/io.hpp"
#include "support/lines.hpp"
#include "support/messages.hpp"
#include "support/modes.hpp"
#include "support/options.hpp"
#include "support/parent.hpp"
#include "support/signals.hpp"
#include "support/trace.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <system_error>

namespace {

using prime::LineKind;
using prime::ParsedLine;
using Status = LineReader::Status;

constexpr int kExitParentGone = 3;    // a child gave up: its parent died, nobody would read it
constexpr int kExitOutputFailed = 4;  // a child found stdout unusable (a file-size limit, say)
constexpr int kQuietWaitMs = 200;     // a wait shorter than this is not worth a message

bool read_and_answer(Parent& p);
bool answer_arguments(Parent& p);
bool refuse_or_fork(Parent& p, const std::string& raw, const ParsedLine& n);
void start_child(Parent& p, const ParsedLine& n);
void wait_for_free_slot(Parent& p);
[[noreturn]] void run_child(const ChildContext& c, const ParsedLine& n);
void reap_finished(Parent& p, int options = WNOHANG);
void wait_for_children(Parent& p, int within_ms);
int finish(Parent& p, bool all_valid);

}  // namespace

int main(int argc, char** argv) {
    try {
        const Options opts = parse_command_line(argc, argv);  // --help, usage errors: exits there
        io::check_standard_descriptors(opts.numbers.empty());
        Signals::ignore_output_signals();
        const trace::Recording recording(opts.trace, opts.timeline, argv[0]);  // opens FILE now
        // fork() copies stdio buffers along with everything else: bytes still in one would be
        // written twice, by parent and child (the classic duplicated output, seen only when stdout
        // is a file or a pipe). Unbuffered, nothing waits there (we write with write(2) anyway).
        if (std::setvbuf(stdout, nullptr, _IONBF, 0) != 0) io::throw_errno("setvbuf");
        Parent p(opts);  // the lock (support/parent.hpp): before the first fork, for all to inherit
        const bool all_valid = opts.numbers.empty() ? read_and_answer(p) : answer_arguments(p);
        // Children that only waited for the lock finish at once; announce those still computing.
        wait_for_children(p, kQuietWaitMs);
        if (p.terminal && !p.ending() && p.children.size() > 0) {
            p.say(prime::waiting_for_children(opts.language, p.children.size()));
        }
        wait_for_children(p, -1);
        return finish(p, all_valid);
    } catch (const std::bad_alloc&) {
        io::say("memory exhausted");  // as coreutils say it; "std::bad_alloc" tells a user nothing
        return 1;
    } catch (const std::exception& e) {
        io::say(e.what());  // a system_error reads "call: reason", as perror would print it
        return 1;
    }
}

namespace {

// =============================================================================================
// The parent: read, fork, go on
// =============================================================================================

// parent: the book's loop. Returns false if some line was invalid.
bool read_and_answer(Parent& p) {
    if (p.terminal) p.say(prime::greeting(p.opts.language));
    LineReader reader(STDIN_FILENO, p.signals);
    bool all_valid = true;
    std::string line;
    for (;;) {
        reap_finished(p);  // zombies must not pile up in a long session
        if (p.ending()) break;
        const Status status = read_line(p, reader, line);  // the book's prompt, or --live's
        if (status != Status::Line) break;
        const ParsedLine n = prime::parse_line(line);
        if (n.kind == LineKind::End) break;  // "e"
        all_valid = refuse_or_fork(p, line, n) && all_valid;
    }
    return all_valid;
}

bool answer_arguments(Parent& p) {
    bool all_valid = true;
    for (const std::string& arg : p.opts.numbers) {
        reap_finished(p);
        if (p.ending()) break;
        all_valid = refuse_or_fork(p, arg, prime::parse_argument(arg)) && all_valid;
    }
    return all_valid;
}

// parent: one line or argument, raw and parsed. Returns false for invalid input.
bool refuse_or_fork(Parent& p, const std::string& raw, const ParsedLine& n) {
    if (n.kind == LineKind::Invalid) {
        p.say(prime::refusal(p.opts.language, raw, n.problem), false);
        return false;
    }
    if (n.kind == LineKind::Number) start_child(p, n);
    return true;
}

// parent: fork one child for n; it tests n while we go on reading.
void start_child(Parent& p, const ParsedLine& n) {
    wait_for_free_slot(p);
    if (p.ending()) return;
    trace::event(trace::Event::fork_for, n.text.c_str());
    for (;;) {
        const pid_t pid = fork();
        switch (pid) {
        case -1:  // fork failed: no child. EAGAIN: too many processes; ENOMEM: no memory.
            if (errno == EAGAIN && p.children.size() > 0) {  // wait for one of ours, try again
                const int saved = errno;
                p.signals.wait_for_child(kQuietWaitMs);
                reap_finished(p);
                errno = saved;
                if (!p.ending()) continue;
            }
            p.report_failure(prime::fork_failed(p.opts.language, std::strerror(errno), n.text));
            return;
        case 0:  // child: a copy of the parent that continues from here, not from main()
            run_child(p.for_child, n);  // never returns
        default:  // parent: remember who tests what, and go on without waiting
            trace::event(trace::Event::forked_child, static_cast<long>(pid));
            p.children.add(pid, n.text);
            return;
        }
    }
}

// parent: at the -j cap, wait until one of our children ends. At a terminal a wait longer than
// kQuietWaitMs is explained, or the missing prompt would look like a hang.
void wait_for_free_slot(Parent& p) {
    bool said = false;
    while (p.opts.jobs != 0 && p.children.size() >= p.opts.jobs && !p.ending()) {
        trace::event(trace::Event::waits_for_child);
        p.signals.wait_for_child(kQuietWaitMs);
        reap_finished(p);
        if (!said && p.terminal && p.children.size() >= p.opts.jobs) {
            p.say(prime::waiting_for_a_slot(p.opts.language, p.children.size()));
            said = true;
        }
    }
}

// =============================================================================================
// The child: test one number, print one line, leave
// =============================================================================================

// child, holding the lock: the whole line in one write(2). Returns the exit status.
int write_verdict(const ChildContext& c, std::string_view line) {
    if (c.board.output_error != 0) return kExitOutputFailed;  // a sibling found stdout unusable
    try {
        write_around_prompt(c.live_prompt, line);
        return 0;
    } catch (const std::system_error& e) {
        if (e.code().value() == EPIPE) return -SIGPIPE;  // the reader has gone: see run_child
        c.board.output_error = e.code().value();         // the parent says it, once
        return kExitOutputFailed;
    }
}

// child: the book's "with self.EinAusLock: print(...)".
int print_holding_lock(const ChildContext& c, std::string_view line) {
    trace::event(trace::Event::waits_for_lock);
    const FairPrompt::Waiter seen(c.fair_prompt);  // the next prompt lets us go first
    std::lock_guard<ProcessMutex> hold(c.lock);
    trace::event(trace::Event::took_lock);
    const int status = write_verdict(c, line);
    trace::event(trace::Event::releases_lock);  // before the unlock: no two holds overlap
    return status;
}

// child: returns the exit status.
int test_and_print(const ChildContext& c, const ParsedLine& n) {
    // The arithmetic runs without the lock: a 64-bit prime takes seconds, and the other children
    // (and the parent's prompt) must not wait for it.
    std::uint64_t factor = 0;
    if (!n.below_two) {
        factor = prime::smallest_factor(n.value, ParentGone{c.parent});
        if (factor == 0) return kExitParentGone;
    }
    const prime::Verdict line(c.language, n, factor);     // no heap after fork: see Verdict
    if (c.unlocked) return print_in_pieces(line.text());  // --unlocked: the race, made visible
    return print_holding_lock(c, line.text());
}

// child: everything the child does, from the moment fork() returned 0 in it. Never inlined: the
// verdict's 1 KiB buffer would sit in the parent's stack frame, one more page to copy per fork.
[[noreturn, gnu::noinline]] void run_child(const ChildContext& c, const ParsedLine& n) {
    trace::event(trace::Event::started, static_cast<long>(c.parent), n.text.c_str());
    int status = 1;
    // Every exception stops here: one escaping would unwind into the parent's read loop, in this
    // child, which would then read the parent's input and fork grandchildren.
    try {
        status = test_and_print(c, n);
    } catch (const std::exception& e) {
        io::say(std::string("[child ") + std::to_string(getpid()) + "] " + e.what());
    } catch (...) {
        io::say(std::string("[child ") + std::to_string(getpid()) + "] unknown exception");
    }
    // EPIPE: die of SIGPIPE (ignored until now, see Signals::ignore_output_signals), the Unix way
    // to say "nobody is listening"; the parent sees it and stops, as `yes | head -1` stops `yes`.
    if (status == -SIGPIPE) Signals::die_of(SIGPIPE);
    trace::event(trace::Event::exits, status);
    // _exit, not exit: exit() would run the destructors of static objects and the atexit
    // handlers inherited from the parent (they belong to the parent), and flush any stdio
    // buffer that fork() copied, printing its contents a second time.
    _exit(status);
}

// =============================================================================================
// The parent again: reap, report, end
// =============================================================================================

// parent: what a child's wait status says, decoded with the W* macros.
void record_end(Parent& p, pid_t pid, int status) {
    if (trace::on())
        trace::event(trace::Event::reaped_child, long{pid}, trace::decode(status).c_str());
    p.fair_prompt.forget(pid);  // had it died waiting at the lock, no prompt waits for it now
    std::string number;
    if (!p.children.remove(pid, number)) return;  // not ours (see children.hpp): reaped quietly
    if (WIFEXITED(status) && WEXITSTATUS(status) == kExitOutputFailed) {
        p.end_because(Ending::OutputFailed);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        p.report_failure(prime::child_exited(p.opts.language, pid, number, WEXITSTATUS(status)));
    } else if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        if (sig == SIGPIPE) p.end_because(Ending::ReaderGone);  // as with `| head`: quietly
        // Ending: a child killed now is one we stopped, or one our own Ctrl-C reached: no news.
        if (p.ending()) return;
        p.report_failure(prime::child_killed(p.opts.language, pid, number, sig, strsignal(sig)));
        ++p.killed_unexpectedly;  // if it held the lock, its repair is news: Parent::tell_repairs
    }
}

// parent: reap every child that has ended, never blocking (WNOHANG); with options 0, wait for
// each until none of ours is left (they are all dying: stop_all).
void reap_finished(Parent& p, int options) {
    for (;;) {
        if (options == 0 && p.children.size() == 0) return;
        int status = 0;
        const pid_t pid = waitpid(-1, &status, options);
        if (pid > 0) {
            record_end(p, pid, status);
            p.tell_repairs();
        } else if (pid == 0) {  // none has ended yet
            return;
        } else if (errno == ECHILD) {  // no children at all: how reaping ends, not an error
            p.children.clear();        // (one a debugger reaped is gone all the same)
            return;
        } else if (errno != EINTR) {
            io::throw_errno("waitpid");
        }
    }
}

// parent: until all our children are reaped, we end, or within_ms (-1: no limit) have passed.
void wait_for_children(Parent& p, int within_ms) {
    using namespace std::chrono;
    const auto deadline = steady_clock::now() + milliseconds(within_ms);
    while (p.children.size() > 0 && !p.ending()) {
        reap_finished(p);
        const auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
        if (p.children.size() == 0 || (within_ms >= 0 && left <= 0)) return;
        trace::event(trace::Event::waits_for_child);
        p.signals.wait_for_child(within_ms < 0 ? -1 : static_cast<int>(left));
    }
}

// parent: end every child now and reap them.
void stop_all(Parent& p) {
    p.signal_children();
    reap_finished(p, 0);  // blocking: they are all dying
}

// parent: the exit status, or death by the signal that asked us to end.
int finish(Parent& p, bool all_valid) {
    if (p.ending()) stop_all(p);
    p.tell_repairs();        // a repair made after the last reap
    trace::draw_timeline();  // --timeline: fork + exec the drawer, now that every child is reaped
    if (p.why_ending() == Ending::OutputFailed) {
        p.say(prime::write_error(p.opts.language, std::strerror(p.board.output_error)));
        return 1;
    }
    if (p.ending()) Signals::die_of(p.death_signal());
    return all_valid && !p.some_failed && !io::stderr_failed() && !trace::failed() ? 0 : 1;
}

}  // namespace
