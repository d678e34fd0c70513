#include <clinhub/kit/SafeXml.hpp>

#include <clinhub/kit/Scrub.hpp>

#include <algorithm>
#include <cstring>

namespace clinhub::kit {

namespace {

// About 40 bytes around `at`, scrubbed: a reply that does not parse may still hold patient details. The
// window is widened (by up to 20 bytes each way) to whole numbers, spaced or dashed, so that scrubbing sees
// all of one rather than a tail too short to mask. `at` is pugixml's offset, which after an encoding
// conversion can lie past the end of the text.
std::string quote(const std::string& text, std::size_t at) {
    const auto numeric = [&](std::size_t i) {
        const char c = text[i];
        return (c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '/' || c == '.' || c == '+';
    };
    at = std::min(at, text.size());
    std::size_t from = at > 20 ? at - 20 : 0;
    std::size_t to = std::min(text.size(), from + 40);
    for (int n = 0; n < 20 && from > 0 && numeric(from - 1) && numeric(from); ++n)
        --from;
    for (int n = 0; n < 20 && to < text.size() && numeric(to) && numeric(to - 1); ++n)
        ++to;
    return "'" + scrub(text.substr(from, to - from), to - from) + "'";
}

const char* localName(const char* name) {
    const char* colon = std::strrchr(name, ':');
    return colon == nullptr ? name : colon + 1;
}

} // namespace

Result parseXml(const std::string& text, pugi::xml_document& doc, const std::string& what, bool compact) {
    if (text.empty()) return Result::permanent(what + " is empty");
    if (const auto at = text.find("<!DOCTYPE"); at != std::string::npos)
        return Result::permanent(what + " has a DOCTYPE, which is refused, at offset " + std::to_string(at));
    if (const auto at = text.find("<!ENTITY"); at != std::string::npos)
        return Result::permanent(what + " declares an entity, which is refused, at offset " + std::to_string(at));
    const unsigned options = (pugi::parse_default | (compact ? pugi::parse_embed_pcdata : 0U)) & ~pugi::parse_doctype;
    const pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size(), options);
    if (!parsed) {
        const auto at = static_cast<std::size_t>(parsed.offset);
        return Result::permanent(what + " is not well-formed XML: " + parsed.description() + " at offset " +
                                 std::to_string(at) + " near " + quote(text, at));
    }
    if (!doc.document_element()) return Result::permanent(what + " has no root element");
    return Result::success();
}

pugi::xml_node child(const pugi::xml_node& parent, const char* local) {
    for (pugi::xml_node n = parent.first_child(); n; n = n.next_sibling())
        if (n.type() == pugi::node_element && std::strcmp(localName(n.name()), local) == 0) return n;
    return {};
}

std::string childText(const pugi::xml_node& parent, const char* local) {
    std::string text = child(parent, local).text().get();
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? "" : text.substr(first, last - first + 1);
}

std::string xmlEscape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default: out += c;
        }
    }
    return out;
}

} // namespace clinhub::kit
