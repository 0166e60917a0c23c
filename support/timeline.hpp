// timeline.hpp - draws what --trace saw as a picture: one lane per process, time going right.
//
// Adds to the story: the shapes in time that the trace only lists (children computing side by
// side, the lock serialising the printing, zombies until waitpid): the events of TLPI ch. 24-26
// (fork, _exit, wait), drawn. Nothing here is a system call lesson; it is read last.
//
// Usage (primeproc --timeline FILE): the parent and every child append their trace lines to one
// events file; at the end the parent calls
//     timeline::draw(events_fd, out_fd, *timeline::format_for(FILE));
// FILE ending in .svg gives a picture for any browser; .json gives the Trace Event Format that
// Perfetto (ui.perfetto.dev) and chrome://tracing open.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace timeline {

enum class Format { Svg, Json };

// The format a file name asks for, by its ending (.svg or .json); nullopt for anything else.
std::optional<Format> format_for(std::string_view path);

// A run of 20,000 numbers cannot be drawn one lane per child and stay readable: the first this
// many children (in fork order) get a lane, and the picture says which ones were left out.
constexpr std::size_t max_children_drawn = 300;

// Reads the trace lines of events_fd from offset 0 (its file offset is left alone) and writes the
// picture to out_fd. Lines that are not trace lines, and events it does not know, are skipped.
// Memory does not grow with the length of the run: the file is read twice, through a fixed
// buffer, and only the drawn lanes have state. Throws std::system_error naming the failed call.
void draw(int events_fd, int out_fd, Format format);

}  // namespace timeline
