// The unit's wall-clock times ("YYYY-MM-DDTHH:MM:SS" in the practice's zone, no offset) to and from
// instants. The hub's UkTime gives dates and wall-clock-to-instant; the other direction needs the UK
// offset at an instant, kept here.
#pragma once

#include <clinhub/kit/UkTime.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace systmonexml {

std::string formatLocal(int64_t epochSeconds, clinhub::kit::Zone zone);

// "YYYY-MM-DDTHH:MM:SS" or "YYYY-MM-DDTHH:MM"; nullopt for anything else. A time the clocks skip or
// repeat is read as UkTime's toEpoch reads it.
std::optional<int64_t> parseLocal(std::string_view text, clinhub::kit::Zone zone);

// "YYYY-MM-DD" at the practice.
std::string localDateText(int64_t epochSeconds, clinhub::kit::Zone zone);

} // namespace systmonexml
