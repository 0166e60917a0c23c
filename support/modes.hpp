// support/modes.hpp - how the parent prompts and a child prints: the book's way and two others.
//
// Adds to the story: the book's prompt, which holds the lock while the user types, side by side
// with the two demonstration modes, each undoing one choice of the book: --unlocked shows the race
// the lock prevents (lines of different children mix); --live shows the other side of the book's
// prompt (answers appear at once, the prompt is redrawn below them). TLPI ch. 24.4 (races after
// fork), ch. 62 (terminals); OSTEP ch. 28 (locks, and whether they are fair).
#pragma once

#include "../lock.hpp"
#include "lines.hpp"
#include "parent.hpp"

#include <string>

// parent: one line, the way the options say (the mode is chosen here, once): no prompt, the
// book's, or --live's. A terminal that hangs up, or a prompt that cannot be written (stdout's
// reader gone, the terminal gone, a full disk), is a reason for the parent to end (p.end_because).
LineReader::Status read_line(Parent& p, LineReader& reader, std::string& line);

// parent, the book's way: "> " and the whole wait for the line while holding the lock.
LineReader::Status read_line_holding_lock(Parent& p, LineReader& reader, std::string& line);

// child, --unlocked: the verdict without the lock and in several small writes (as Python's print
// writes its arguments one by one). Returns the exit status: 0, or -SIGPIPE when the reader has
// gone (EPIPE), so that the child dies of SIGPIPE as one that writes its line whole does.
int print_in_pieces(std::string_view line);

// parent, --live: the lock only while drawing the prompt, not while waiting for the line.
// p.board.prompt_shown (in shared memory, touched under the lock) tells children that "> " is on
// the screen; they look at it through ChildContext::live_prompt, nullptr unless stdout is a
// terminal.
LineReader::Status read_line_live(Parent& p, LineReader& reader, std::string& line);

// child, under the lock: the line in one write(2). With --live, if the prompt is on the screen
// (prompt_shown), erase it, print, and draw it again below, still in one write.
void write_around_prompt(const bool* prompt_shown, std::string_view line);
