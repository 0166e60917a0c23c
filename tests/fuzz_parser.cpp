// fuzz_parser.cpp - a libFuzzer target for the line parser and the refusal text (make fuzz).
//
// libFuzzer feeds arbitrary bytes; the sanitizers catch memory and undefined-behaviour errors,
// and the checks below catch wrong answers: a parsed number must print back as the digits that
// were read, and a refusal must be one short line of printable ASCII (UTF-8 in German).
#include "../prime.hpp"
#include "../support/messages.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

void require(bool ok) {
    if (!ok) std::abort();  // libFuzzer saves the input that got here as a crash
}

// The digits of a valid line, without sign, blanks, CR and leading zeros.
std::string digits_of(std::string_view line) {
    std::string d;
    for (char c : line) {
        if (c >= '0' && c <= '9' && !(d.empty() && c == '0')) d += c;
    }
    return d.empty() ? "0" : d;
}

void check_number(std::string_view line, const prime::ParsedLine& n) {
    require(line.size() <= prime::kMaxLineLength);
    if (!n.below_two) {
        require(n.value >= 2);
        require(std::to_string(n.value) == digits_of(line));
        require(n.text == std::to_string(n.value));
    }
    const std::string v = prime::verdict(prime::Language::English, n, n.below_two ? 0 : 2);
    require(!v.empty() && v.back() == '\n' && v.find('\n') == v.size() - 1);
}

void check_refusal(std::string_view line, const prime::ParsedLine& n) {
    require(n.problem != prime::Problem::None);
    for (auto lang : {prime::Language::English, prime::Language::German}) {
        const std::string r = prime::refusal(lang, line, n.problem);
        require(r.size() < 4 * prime::kQuoteLimit + 120);
        require(r.find('\n') == r.size() - 1);
        for (char c : r.substr(0, r.size() - 1)) {
            const auto u = static_cast<unsigned char>(c);
            require(u >= 0x20 && u != 0x7f);  // no control byte ever reaches the terminal
            if (lang == prime::Language::English) require(u < 0x7f);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const prime::ParsedLine n = prime::parse_line(line);
    switch (n.kind) {
    case prime::LineKind::Number:
        check_number(line, n);
        break;
    case prime::LineKind::Invalid:
        check_refusal(line, n);
        break;
    case prime::LineKind::Blank:
        require(prime::trim(line).empty());
        break;
    case prime::LineKind::End:
        require(prime::trim(line) == "e");
        break;
    }
    return 0;
}
