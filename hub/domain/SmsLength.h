// How many SMS fragments a text costs, shown to staff beside a template (docs/domain.md: SMS length).
#pragma once

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

// GOV.UK Notify refuses longer texts.
constexpr int kNotifyMaxCharacters = 918;

} // namespace clinhub::domain
