// The slot pages choose a day, then a time: six weeks of slots as one list is tens of thousands of pixels
// on a phone. Days are shown a week (Monday to Sunday, UK) at a time, and only weeks with a free day.
#pragma once

#include <string>
#include <vector>

namespace clinhub::web {

// One week of the days with free slots, and its neighbours that have any.
struct Week {
    std::string monday;            // YYYY-MM-DD
    std::vector<std::string> days; // YYYY-MM-DD, with free slots, in order
    std::string previous;          // the Monday of the nearest earlier week with a free day; "" for none
    std::string next;              // and of the nearest later one
};

// The week of `freeDays` (YYYY-MM-DD, in order, no repeats) holding `wanted` (a date, YYYY-MM-DD); the first
// week with a free day when `wanted` is malformed or its week has none. Empty `days` when `freeDays` is.
Week weekOf(const std::vector<std::string>& freeDays, const std::string& wanted);

// "Tuesday 8 December" (withYear: "Tuesday 8 December 2026") for a valid YYYY-MM-DD; "" for anything else.
std::string dayText(const std::string& isoDay, bool withYear = false);

} // namespace clinhub::web
