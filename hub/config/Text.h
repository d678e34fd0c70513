// Small text helpers behind the loader's messages: "did you mean" suggestions and SNOMED CT check digits.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::config {

// Levenshtein distance: insertions, deletions and substitutions each cost one.
std::size_t editDistance(std::string_view a, std::string_view b);

// The candidate a typo most plausibly meant, or nothing when none is close enough to be worth suggesting.
std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates);

// "'a', 'b' and 'c'" for messages.
std::string quotedList(const std::vector<std::string>& items);

// True when the last digit is the Verhoeff check digit of the others (as SNOMED CT identifiers carry).
bool verhoeffValid(std::string_view digits);

// A SNOMED CT concept id as the hub accepts it: 6 to 18 digits, no leading zero, a valid check digit.
bool isSnomedId(std::string_view text);

} // namespace clinhub::config
