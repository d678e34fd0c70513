// Parses an XML reply from a remote system. A document type declaration is refused outright (no DTDs,
// no entity definitions, so no entity expansion or external fetches, whatever the parser would do), and a
// parse error comes back as a permanent result quoting where and what.
#pragma once

#include <clinhub/plugin.hpp>

#include <pugixml.hpp>

#include <string>

namespace clinhub::kit {

// `what` names the reply in the message, e.g. "EMIS GetSlotsForSession reply". `compact` keeps each
// element's text inside the element (pugi::parse_embed_pcdata), about halving the nodes, and so the
// allocations, of a reply made of many small elements: text() and childText() read the same, but
// first_child() no longer returns the text.
Result parseXml(const std::string& text, pugi::xml_document& doc, const std::string& what, bool compact = false);

// The first child element named `local` in any namespace (prefixes vary between systems and replies).
pugi::xml_node child(const pugi::xml_node& parent, const char* local);

// The text of child(parent, local), trimmed.
std::string childText(const pugi::xml_node& parent, const char* local);

// Escapes text for an XML element or attribute.
std::string xmlEscape(const std::string& text);

} // namespace clinhub::kit
