#include "hub/web/Html.h"

#include <array>
#include <cctype>
#include <chrono>

namespace clinhub::web {

std::string escapeHtml(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

namespace {

// Where a web address that starts at `at` ends: at white space or '<', less trailing punctuation that
// belongs to the sentence ("see https://example.org.").
std::size_t urlEnd(std::string_view text, std::size_t at) {
    std::size_t end = at;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '<' &&
           text[end] != '>' && text[end] != '"')
        ++end;
    while (end > at && std::string_view(".,;:!?)'").find(text[end - 1]) != std::string_view::npos)
        --end;
    return end;
}

std::string lineToHtml(std::string_view line) {
    std::string out;
    std::size_t done = 0;
    for (std::size_t at = 0; at < line.size();) {
        const auto rest = line.substr(at);
        const bool url = rest.starts_with("https://") || rest.starts_with("http://");
        const std::size_t schemeLength = rest.starts_with("https://") ? 8 : 7;
        if (!url || (at > 0 && std::isalnum(static_cast<unsigned char>(line[at - 1])))) {
            ++at;
            continue;
        }
        const std::size_t end = urlEnd(line, at);
        if (end <= at + schemeLength) {
            ++at;
            continue;
        }
        out += escapeHtml(line.substr(done, at - done));
        const auto href = escapeHtml(line.substr(at, end - at));
        out += "<a href=\"" + href + "\">" + href + "</a>";
        done = at = end;
    }
    out += escapeHtml(line.substr(done));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
        s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    return s;
}

} // namespace

std::string textToHtml(std::string_view text) {
    std::string out;
    std::string paragraph;
    auto flush = [&] {
        if (!paragraph.empty()) out += "<p>" + paragraph + "</p>\n";
        paragraph.clear();
    };
    while (!text.empty()) {
        const auto newline = text.find('\n');
        const auto line = trim(text.substr(0, newline));
        text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
        if (line.empty()) {
            flush();
            continue;
        }
        if (!paragraph.empty()) paragraph += "<br>\n";
        paragraph += lineToHtml(line);
    }
    flush();
    return out;
}

} // namespace clinhub::web
