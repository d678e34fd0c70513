#include "Template.h"

#include <clinhub/kit/HttpClient.hpp>
#include <clinhub/kit/SafeXml.hpp>

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace httpsms {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string::npos) return {};
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names)
        out += (out.empty() ? "" : ", ") + ("{{" + n + "}}");
    return out;
}

std::string escape(Escaping escaping, const std::string& value) {
    switch (escaping) {
    case Escaping::json: return jsonEscape(value);
    case Escaping::form:
    case Escaping::url: return clinhub::kit::HttpClient::escape(value);
    case Escaping::xml: return clinhub::kit::xmlEscape(value);
    case Escaping::none: return value;
    }
    return value;
}

} // namespace

Escaping escapingFor(const std::string& contentType) {
    const std::string type = lower(contentType);
    if (type.find("json") != std::string::npos) return Escaping::json;
    if (type.find("x-www-form-urlencoded") != std::string::npos) return Escaping::form;
    if (type.find("xml") != std::string::npos) return Escaping::xml;
    return Escaping::none;
}

std::string jsonEscape(const std::string& text) {
    std::string out;
    out.reserve(text.size() + 8);
    for (unsigned char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                static const char* hex = "0123456789abcdef";
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c); // UTF-8 passes through: JSON is UTF-8
            }
        }
    }
    return out;
}

std::string templateProblem(const std::string& text, const std::vector<std::string>& names) {
    // A body or lookup URL is a wrapper of a few hundred bytes around the values. The hub's own message
    // texts stop at 4 KiB (hub/domain/MessageTemplate.h), and so does this: a pasted-in megabyte is refused
    // before it is scanned, and never goes out with every message.
    constexpr std::size_t kMaxTemplateBytes = 4096;
    if (text.size() > kMaxTemplateBytes)
        return "the template is " + std::to_string(text.size()) + " bytes long; at most " +
               std::to_string(kMaxTemplateBytes) + " are allowed";
    for (size_t open = text.find("{{"); open != std::string::npos; open = text.find("{{", open + 2)) {
        const size_t close = text.find("}}", open + 2);
        if (close == std::string::npos) return "a '{{' is never closed with '}}'";
        const std::string tag = trim(text.substr(open + 2, close - open - 2));
        if (!tag.empty() && std::string("{&#^/>!=").find(tag.front()) != std::string::npos)
            return "only plain tags like " + joined(names) + " are allowed, not '{{" + tag +
                   "}}' (values are always escaped)";
        if (std::find(names.begin(), names.end(), tag) == names.end())
            return "unknown tag '{{" + tag + "}}': the tags are " + joined(names);
        open = close;
    }
    kainjow::mustache::mustache parsed(text);
    if (!parsed.is_valid()) return parsed.error_message();
    return {};
}

Template::Template(std::string text, Escaping escaping, const std::vector<std::string>& names)
    : text_(std::move(text)), escaping_(escaping) {
    if (auto problem = templateProblem(text_, names); !problem.empty()) throw std::invalid_argument(problem);
}

std::string Template::render(const std::map<std::string, std::string>& values) const {
    // Parsed per call: a kainjow template is not safe to render from several threads at once, and these
    // templates are a few hundred bytes.
    kainjow::mustache::mustache tmpl(text_);
    const Escaping escaping = escaping_;
    tmpl.set_custom_escape([escaping](const std::string& v) { return escape(escaping, v); });
    kainjow::mustache::data data;
    for (const auto& [name, value] : values)
        data.set(name, value);
    return tmpl.render(data);
}

} // namespace httpsms
