// Text from a remote system (an error's diagnostics, the start of a malformed reply) made safe for a
// message the hub may log, keep as a message's last_error or show in an API reply: whatever could be an
// NHS number, a phone number or a date (of birth) has its digits masked, control characters become
// spaces, and the length is capped.
//
// Numbers are read as runs of digit groups joined by single spaces, dashes, slashes or dots, with an
// optional leading '+', so "943 476 5919", "943-476-5919", "+44 7700 900123" and "07700 900123" are one
// number each. A run is masked when it has seven digits or more, or is shaped like a date (d/m/yy,
// 1980-03-14, 14.03.1980); "14 March 1980" and "14 Mar 1980" are masked too. Short codes ("HTTP 404",
// "slot 12") are kept: they say what went wrong.
#pragma once

#include <Poco/JSON/Object.h>

#include <cstddef>
#include <string>

namespace clinhub::kit {

std::string scrub(const std::string& text, std::size_t max = 160);

// A provider's answer or callback as a JSON object; null, with `why` naming the problem ("an empty body", "a
// body that is not JSON (...)"), when it is not one. It never quotes the body, which may carry patient details.
Poco::JSON::Object::Ptr parseAnswerObject(const std::string& body, std::string& why);

} // namespace clinhub::kit
