// timeline/draw.hpp - the picture of a saved trace, made in two passes over it (draw.cpp).
#pragma once

#include "picture.hpp"
#include "trace_file.hpp"

namespace picture {

// Pass 1: what the trace holds. Reading it all first also finds a line with an unknown event
// (BadTrace) before a byte of the picture is written. ends_cut: its last line is cut short.
Survey survey(const TraceFile& trace, bool& ends_cut);

// Pass 2: the picture, to out_fd (out_name in messages). Throws std::system_error naming the
// failed call.
void draw(const TraceFile& trace, const Survey& s, int out_fd, const std::string& out_name,
          const Request& request);

}  // namespace picture
