// Text from a remote system (an error's diagnostics, the start of a malformed reply) made safe for a
// message the hub may log or show: long digit runs (NHS numbers, phone numbers) are masked, line breaks
// flattened and the length capped.
#pragma once

#include <cstddef>
#include <string>

namespace clinhub::connectors {

std::string scrub(const std::string& text, std::size_t max = 160);

} // namespace clinhub::connectors
