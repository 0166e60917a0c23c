// support/timeline.hpp - placeholder until the drawing lands (see the timeline helper's branch).
#pragma once
#include <optional>
#include <string_view>
namespace timeline {
enum class Format { Svg, Json };
inline std::optional<Format> format_for(std::string_view path) {
    auto ends = [&](std::string_view s) { return path.size() > s.size() && path.substr(path.size() - s.size()) == s; };
    if (ends(".svg")) return Format::Svg;
    if (ends(".json")) return Format::Json;
    return std::nullopt;
}
void draw(int events_fd, int out_fd, Format format);
}
