// Small pieces of HTML the patient pages are made of: escaping, practice-written text turned into
// paragraphs, and UK dates and times as a patient reads them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace clinhub::web {

// The templates in hub/web/templates, by name without ".mustache" (generated at build time).
const std::map<std::string_view, std::string_view>& embeddedTemplates();

std::string escapeHtml(std::string_view text);

// Plain text a practice wrote in its config (a rule's pages.welcome, say) as HTML: escaped, blank-line
// separated paragraphs as <p>, single line breaks as <br>, and http(s) addresses as links.
std::string textToHtml(std::string_view text);

} // namespace clinhub::web
