// How many SMS fragments a text costs, shown to staff beside a template (docs/domain.md: SMS length).
#pragma once

#include "hub/domain/MessageTemplate.h"

#include <optional>
#include <string>
#include <string_view>

namespace clinhub::domain {

struct SmsLength {
    int characters = 0; // in the encoding it goes in: GSM-7 extension characters count twice
    int fragments = 0;
    bool unicode = false; // some character is outside GSM-7, so the text goes as UCS-2
};

// GSM-7 text is 1 fragment up to 160 characters, then ⌈n/153⌉; any other character makes it UCS-2: 70, then
// ⌈n/67⌉. Not valid UTF-8 counts as UCS-2 byte by byte.
SmsLength smsLength(std::string_view utf8);

// A template as a patient would get it, to measure before anything is sent: {{url}} as long as a real link
// (publicUrl/b/ and a 43-character token), {{name}}, {{when}} and {{where}} as long as usual ones. How long
// the text may be is the routed SMS connector's to say (clinhub_sms_v1.max_characters). `name`, for one
// patient, is theirs.
std::string renderSample(const MessageTemplate& text, const std::string& practice, const std::string& title,
                         const std::string& publicUrl, const std::optional<std::string>& name = std::nullopt);

} // namespace clinhub::domain
