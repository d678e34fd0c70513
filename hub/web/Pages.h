// Renders the patient pages: a page template from hub/web/templates inside the NHS.UK layout.
//
// Every value is HTML-escaped by the template ({{name}}); only HTML this code made itself (textToHtml,
// a rendered fragment) goes in triple braces.
#pragma once

#include <kainjow/mustache.hpp>

#include <string>
#include <string_view>

namespace clinhub::web {

using Data = kainjow::mustache::data;

// What the layout around every page needs.
struct Frame {
    std::string title;        // the page's h1, for <title>
    std::string organisation; // the practice; empty before a link is known
    std::string stylesheet;   // URL; empty to serve the page unstyled
    std::string backLink;     // URL of the back link; empty for none
    bool hasError = false;    // prefixes the title with "Error: "
};

// One template (a fragment) with `data`. Throws std::logic_error for an unknown or broken template: a
// programming error, caught by the test that renders every page.
std::string renderFragment(std::string_view name, const Data& data);

// A whole HTML document: the page template `name` inside the layout.
std::string renderPage(const Frame& frame, std::string_view name, const Data& data);

// The error summary for one problem, linking to the field with id `fieldId`.
std::string errorSummary(std::string_view fieldId, std::string_view message);

} // namespace clinhub::web
