#pragma once

#include <cctype>
#include <string_view>

namespace clinhub::test {

// Whether `word` occurs in `text` with no letter or digit either side. A year of birth checked with a plain
// find also matches inside random link ids, request ids and tokens now and then, failing a test by chance.
inline bool standsAlone(std::string_view text, std::string_view word) {
    auto isWordChar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
    for (auto at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
        const bool before = at > 0 && isWordChar(text[at - 1]);
        const auto end = at + word.size();
        const bool after = end < text.size() && isWordChar(text[end]);
        if (!before && !after) return true;
    }
    return false;
}

} // namespace clinhub::test
