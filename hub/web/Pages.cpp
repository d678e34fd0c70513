#include "hub/web/Pages.h"

#include "hub/web/Html.h"

#include <map>
#include <stdexcept>

namespace clinhub::web {

namespace {

// Parsed once per thread: kainjow's render() is not const, so a shared instance cannot be rendered from
// two request threads at once, and parsing on every request would waste the time of the busiest page.
kainjow::mustache::mustache& parsed(std::string_view name) {
    thread_local std::map<std::string_view, kainjow::mustache::mustache> cache;
    if (auto found = cache.find(name); found != cache.end()) return found->second;
    const auto& templates = embeddedTemplates();
    const auto text = templates.find(name);
    if (text == templates.end()) throw std::logic_error("no template named " + std::string(name));
    kainjow::mustache::mustache compiled(std::string(text->second));
    if (!compiled.is_valid()) throw std::logic_error("template " + std::string(name) + ": " + compiled.error_message());
    return cache.emplace(text->first, std::move(compiled)).first->second;
}

} // namespace

std::string renderFragment(std::string_view name, const Data& data) { return parsed(name).render(data); }

std::string renderPage(const Frame& frame, std::string_view name, const Data& data) {
    Data layout;
    layout.set("title", frame.title);
    layout.set("organisation", frame.organisation);
    layout.set("hasOrganisation", !frame.organisation.empty());
    layout.set("stylesheet", frame.stylesheet);
    layout.set("hasStylesheet", !frame.stylesheet.empty());
    layout.set("backLink", frame.backLink);
    layout.set("hasBackLink", !frame.backLink.empty());
    layout.set("hasError", frame.hasError);
    layout.set("content", renderFragment(name, data));
    return renderFragment("layout", layout);
}

std::string errorSummary(std::string_view fieldId, std::string_view message) {
    Data error;
    error.set("field", std::string(fieldId));
    error.set("message", std::string(message));
    Data errors{Data::type::list};
    errors.push_back(error);
    Data data;
    data.set("errors", errors);
    return renderFragment("error-summary", data);
}

} // namespace clinhub::web
