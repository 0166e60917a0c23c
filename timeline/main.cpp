// timeline/main.cpp - primeproc-timeline: draws a run of primeproc from its trace.
//
// Usage: primeproc-timeline [OPTIONS] TRACE OUT        (primeproc-timeline --help for the options)
//
//     primeproc --trace 97 100 91 2>run.trace
//     primeproc-timeline run.trace run.svg
//
// primeproc --timeline FILE starts this program itself when its run is over
// (support/timeline.hpp), with the events file as standard input and FILE as standard output:
//     primeproc-timeline --format svg - -
// Nothing here is a system call lesson: it turns lines into rectangles, and is read last.
//   trace_file.hpp  reading the trace, each line checked against support/events.hpp
//   picture.hpp     what the parts share; draw.cpp the two passes; svg.cpp and json.cpp the output
#include "draw.hpp"

#include "../support/io.hpp"

#include <fcntl.h>
#include <getopt.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>

namespace {

using picture::Micros;

constexpr const char* kHelp =
    "Usage: primeproc-timeline [OPTIONS] TRACE OUT\n"
    "Draw the run of primeproc that TRACE holds (what primeproc --trace wrote on\n"
    "standard error) into OUT: one lane per process, time going right. OUT ending\n"
    "in .svg is a picture for a web browser; .json is the Trace Event Format that\n"
    "Perfetto (ui.perfetto.dev) and chrome://tracing open. TRACE - reads standard\n"
    "input; OUT - writes standard output (then --format is needed).\n"
    "\n"
    "      --from MS          draw only from MS milliseconds after the start of the run\n"
    "      --to MS            ... up to MS milliseconds: in a window of a millisecond a\n"
    "                         lock wait of 0.1 ms is a wide piece\n"
    "      --format svg|json  the format, whatever OUT is called\n"
    "      --incomplete WHY   say on the picture that the trace lacks the end of the run\n"
    "                         (primeproc --timeline does, when its events file could not\n"
    "                         be written to the end)\n"
    "  -h, --help             show this help and exit\n"
    "  -V, --version          show the version and exit\n"
    "\n"
    "Example: primeproc --trace 97 100 91 2>run.trace; primeproc-timeline run.trace run.svg\n"
    "Exit status: 0 drawn; 1 TRACE or OUT could not be read or written, or TRACE holds\n"
    "a trace line with an event this program does not know; 2 usage error.\n";

constexpr const char* kVersion =
    "primeproc-timeline (primeproc) 1.1\n"
    "Copyright (C) 2026 the primeproc authors. MIT licence: free to use, change and share.\n";

void say(const std::string& text) { io::say_line("primeproc-timeline: " + text + "\n"); }

[[noreturn]] void usage_error(const std::string& problem) {
    say(problem);
    io::say_line("Try 'primeproc-timeline --help' for more information.\n");
    std::exit(2);
}

// --help and --version: a full or closed stdout is an error to report, as coreutils does.
[[noreturn]] void print_and_exit(const char* text) {
    int error = 0;
    try {
        io::write_all(STDOUT_FILENO, text);
    } catch (const std::system_error& e) {
        error = e.code().value();
    }
    if (error != 0) say(std::string("write error: ") + std::strerror(error));
    std::exit(error != 0 ? 1 : 0);
}

struct CommandLine {
    picture::Request request;
    std::string trace, out;
};

// "2.5" milliseconds as 2500 microseconds.
Micros parse_ms(const char* option, const char* arg) {
    char* end = nullptr;
    errno = 0;
    const double ms = std::strtod(arg, &end);  // the C locale: this program never sets another
    if (end == arg || *end != '\0' || errno != 0 || !(ms >= 0 && ms <= 1e12)) {
        usage_error(std::string(option) +
                    " needs milliseconds since the start of the run, such as 2.5, not '" + arg +
                    "'");
    }
    return std::llround(ms * 1000);
}

enum LongOnly { kFrom = 1000, kTo, kFormat, kIncomplete };

void take_option(int c, CommandLine& cl, const char* word) {
    switch (c) {
    case 'h':
        print_and_exit(kHelp);
    case 'V':
        print_and_exit(kVersion);
    case kFrom:
        cl.request.from = parse_ms("--from", optarg);
        break;
    case kTo:
        cl.request.to = parse_ms("--to", optarg);
        break;
    case kFormat:
        if (std::strcmp(optarg, "svg") == 0) cl.request.format = timeline::Format::Svg;
        else if (std::strcmp(optarg, "json") == 0) cl.request.format = timeline::Format::Json;
        else usage_error(std::string("--format must be svg or json, not '") + optarg + "'");
        break;
    case kIncomplete:
        cl.request.incomplete = optarg;
        break;
    case ':':
        usage_error(std::string("option '") + word + "' needs a value");
    default:
        usage_error(std::string("unknown option '") + word + "'");
    }
}

CommandLine parse_command_line(int argc, char** argv) {
    static const option kLongOptions[] = {
        {"help", no_argument, nullptr, 'h'},
        {"version", no_argument, nullptr, 'V'},
        {"from", required_argument, nullptr, kFrom},
        {"to", required_argument, nullptr, kTo},
        {"format", required_argument, nullptr, kFormat},
        {"incomplete", required_argument, nullptr, kIncomplete},
        {nullptr, 0, nullptr, 0},
    };
    CommandLine cl;
    bool format_given = false;
    opterr = 0;  // we word the complaint ourselves
    for (int c; (c = getopt_long(argc, argv, ":hV", kLongOptions, nullptr)) != -1;) {
        take_option(c, cl, argv[optind - 1]);
        format_given = format_given || c == kFormat;
    }
    if (argc - optind < 2)
        usage_error(argc - optind == 0 ? "missing TRACE and OUT" : "missing OUT");
    if (argc - optind > 2)
        usage_error(std::string("one TRACE and one OUT, but also '") + argv[optind + 2] + "'");
    cl.trace = argv[optind];
    cl.out = argv[optind + 1];
    if (!format_given) {
        const auto format = timeline::format_for(cl.out);
        if (!format)
            usage_error("OUT must end in .svg or .json, or --format must say which: '" + cl.out +
                        "'");
        cl.request.format = *format;
    }
    if (cl.request.from && cl.request.to && *cl.request.to <= *cl.request.from)
        usage_error("--to must be after --from");
    return cl;
}

// OUT, opened before the trace is read, so that a bad path costs no work; emptied only once the
// whole trace has been read without an error. "-" is standard output, taken as it is.
class Output {
public:
    Output(const std::string& path, const picture::TraceFile& trace)
        : name_(path == "-" ? "standard output" : path), fd_(path == "-" ? STDOUT_FILENO : -1) {
        if (fd_ < 0) {
            fd_ = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
            if (fd_ < 0) io::throw_errno(("open(" + path + ")").c_str());
            owned_ = true;
        }
        struct stat out {
        }, in{};
        if (fstat(fd_, &out) != 0 || fstat(trace.fd(), &in) != 0) io::throw_errno("fstat");
        if (out.st_dev == in.st_dev && out.st_ino == in.st_ino)
            throw std::runtime_error(name_ + " is the trace itself");
        regular_ = S_ISREG(out.st_mode);
    }
    ~Output() {
        if (owned_) ::close(fd_);  // only after an error, which has been said
    }
    Output(const Output&) = delete;
    Output& operator=(const Output&) = delete;

    const std::string& name() const { return name_; }
    int fd() const { return fd_; }
    void truncate() {
        if (owned_ && regular_ && ftruncate(fd_, 0) != 0)
            io::throw_errno(("ftruncate(" + name_ + ")").c_str());
    }
    void close() {  // checked: on NFS, or with a full disk, close may report that the file is lost
        if (owned_ && ::close(fd_) != 0) io::throw_errno(("close(" + name_ + ")").c_str());
        owned_ = false;
    }

private:
    std::string name_;
    int fd_;
    bool owned_ = false;
    bool regular_ = false;  // only a regular file is emptied (not /dev/null, a FIFO, a terminal)
};

}  // namespace

int main(int argc, char** argv) {
    const CommandLine cl = parse_command_line(argc, argv);  // --help, usage errors: exits there
    try {
        const picture::TraceFile trace(cl.trace);
        Output out(cl.out, trace);
        bool ends_cut = false;
        const picture::Survey survey = picture::survey(trace, ends_cut);
        picture::Request request = cl.request;
        if (ends_cut && request.incomplete.empty())
            request.incomplete = "its last line is cut short";
        out.truncate();
        picture::draw(trace, survey, out.fd(), out.name(), request);
        out.close();
        return 0;
    } catch (const std::exception& e) {
        say(e.what());
        return 1;
    }
}
