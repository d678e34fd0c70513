// FHIR instants as GP Connect sends them ("2024-05-30T10:00:00+01:00", "...T09:00:00.000Z") and as the
// connector writes them (always UTC, "+00:00", so nothing depends on the host's time zone).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gpconnect {

// Seconds since the epoch; nullopt unless the text is a full date, time and offset.
std::optional<int64_t> parseInstant(std::string_view text);

// "YYYY-MM-DDThh:mm:ss+00:00".
std::string formatInstant(int64_t epochSeconds);

// "YYYY-MM-DD", the UTC date.
std::string formatDate(int64_t epochSeconds);

} // namespace gpconnect
