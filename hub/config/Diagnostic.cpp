#include "hub/config/Diagnostic.h"

#include <algorithm>
#include <cstdlib>

namespace clinhub::config {

std::string Diagnostic::str() const {
    if (mark.line <= 0) return mark.file + ": " + message;
    return mark.file + ":" + std::to_string(mark.line) + ":" + std::to_string(mark.column) + ": " + message;
}

Environment processEnvironment() {
    return [](const std::string& name) -> std::optional<std::string> {
        // getenv is only unsafe against concurrent setenv, which the hub never calls.
        if (const char* value = std::getenv(name.c_str())) return std::string(value);
        return std::nullopt;
    };
}

namespace {

bool isNameStart(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9'); }

} // namespace

Substitution substituteVariables(const std::string& text, const Environment& env) {
    Substitution out;
    std::size_t i = 0;
    while (i < text.size()) {
        if (text.compare(i, 3, "$${") == 0) {
            out.text += "${";
            i += 3;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            out.text += text[i++];
            continue;
        }
        const std::size_t close = text.find('}', i + 2);
        const std::string name = close == std::string::npos ? "" : text.substr(i + 2, close - i - 2);
        const bool wellFormed = !name.empty() && isNameStart(name.front()) &&
                                std::all_of(name.begin(), name.end(), [](char c) { return isNameChar(c); });
        if (!wellFormed) {
            out.errors.push_back("'${' must start a variable such as ${NOTIFY_API_KEY}; write '$${' for a literal "
                                 "'${'");
            out.text += text.substr(i, 2);
            i += 2;
            continue;
        }
        if (auto value = env(name)) {
            out.text += *value;
            out.changed = true;
        } else {
            out.errors.push_back("environment variable '" + name + "' is not set");
            out.text += text.substr(i, close + 1 - i);
        }
        i = close + 1;
    }
    return out;
}

} // namespace clinhub::config
