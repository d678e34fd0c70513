// The body and lookup-URL templates: mustache {{name}} tags, each value escaped for where it lands (a
// JSON string, a form field, XML text or a URL), so a message with quotes or newlines cannot break the
// request. Only plain {{name}} tags of known names are allowed: sections, partials and the unescaped
// {{{name}}} / {{&name}} forms are refused when the config is checked, as is a template over 4 KiB; so
// kainjow only ever renders flat text, never a nesting it would recurse into.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace httpsms {

enum class Escaping { json, form, xml, url, none };

// The escaping a body of this Content-Type needs.
Escaping escapingFor(const std::string& contentType);

class Template {
public:
    Template() = default;
    // Throws std::invalid_argument naming the problem.
    Template(std::string text, Escaping escaping, const std::vector<std::string>& names);

    [[nodiscard]] std::string render(const std::map<std::string, std::string>& values) const;
    [[nodiscard]] bool empty() const { return text_.empty(); }

private:
    std::string text_;
    Escaping escaping_ = Escaping::none;
};

// The same check as the constructor, as a message ("" when the template is fine).
std::string templateProblem(const std::string& text, const std::vector<std::string>& names);

std::string jsonEscape(const std::string& text);

} // namespace httpsms
