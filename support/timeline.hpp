// support/timeline.hpp - --timeline FILE: the picture file, opened at the start, and the drawer,
// a program of its own that the parent starts when the run ends: the program's one exec.
//
// Adds to the story: fork + exec + waitpid, the way every shell starts a command (TLPI ch. 27 on
// exec, 5.5 and 27.4 on descriptors across exec; OSTEP ch. 5). The events file and the picture
// file become the drawer's standard input and output with dup2(2): open descriptors survive exec
// unless they are close-on-exec, and so do the signal mask and ignored signals. The drawing
// itself (timeline/, ./primeproc-timeline) is no system call lesson and is not linked in here.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace timeline {

enum class Format { Svg, Json };

// The format a file name asks for, by its ending (.svg or .json); nullopt for anything else.
inline std::optional<Format> format_for(std::string_view path) {
    const auto ends_with = [path](std::string_view end) {
        return path.size() > end.size() && path.substr(path.size() - end.size()) == end;
    };
    if (ends_with(".svg")) return Format::Svg;
    if (ends_with(".json")) return Format::Json;
    return std::nullopt;
}

inline const char* name_of(Format f) { return f == Format::Svg ? "svg" : "json"; }

// Where temporary files go: $TMPDIR, or /tmp when it is unset or empty (POSIX: XBD 8.3).
inline std::string temp_directory() {
    const char* dir = std::getenv("TMPDIR");
    return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

// Parent, at the start, before any child: opens FILE for the picture (creating it, but not
// truncating it yet) and checks it, so that a bad path costs no work. Throws std::system_error
// naming the call, or std::runtime_error, when FILE is refused: it cannot be opened for writing,
// is not a regular file (a FIFO, a terminal, a directory), or is the very file standard output
// or standard error goes to, however it is named (its verdicts would be overwritten).
int open_picture(const std::string& path);

// Parent, at the start: an unlinked file in $TMPDIR (default /tmp) that every process of the run
// appends its trace lines to (O_APPEND), close-on-exec. Throws std::system_error naming the call.
int make_events_file();

// Parent, when the run is over: truncates the picture file, then fork(); the child makes the
// events file its stdin and the picture file its stdout and execs primeproc-timeline (found beside
// this program, else on PATH); the parent waits for it with waitpid. `incomplete`, if not empty,
// is why the events file lacks the end of the run (the picture says so). Returns true if the
// picture was drawn; every failure has been said on stderr, once.
bool draw(int events_fd, int picture_fd, Format format, const std::string& argv0,
          const std::string& incomplete);

}  // namespace timeline
