#include "hub/web/SlotDays.h"

#include <clinhub/kit/UkTime.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

namespace clinhub::web {

namespace {

// The Monday of the week holding `isoDay`; nullopt when it is no date.
std::optional<std::string> mondayOf(const std::string& isoDay) {
    const auto date = kit::parseDate(isoDay);
    if (!date) return std::nullopt;
    const std::chrono::sys_days day{*date};
    const unsigned sinceMonday = (std::chrono::weekday{day}.c_encoding() + 6) % 7;
    return kit::isoDate(day - std::chrono::days{sinceMonday});
}

} // namespace

Week weekOf(const std::vector<std::string>& freeDays, const std::string& wanted) {
    Week week;
    if (freeDays.empty()) return week;
    const auto asked = mondayOf(wanted);
    const bool askedHasDays = asked && std::any_of(freeDays.begin(), freeDays.end(),
                                                   [&](const std::string& day) { return mondayOf(day) == asked; });
    week.monday = askedHasDays ? *asked : mondayOf(freeDays.front()).value_or("");
    for (const auto& day : freeDays) {
        const std::string monday = mondayOf(day).value_or("");
        if (monday < week.monday) week.previous = monday; // the latest earlier one wins
        if (monday == week.monday) week.days.push_back(day);
        if (monday > week.monday && week.next.empty()) week.next = monday;
    }
    return week;
}

std::string dayText(const std::string& isoDay, bool withYear) {
    if (!kit::parseDate(isoDay)) return {};
    // Midday: well inside the day, whatever the clocks do that night.
    return kit::ukDayText(kit::ukMidnight(isoDay) + 12 * 3'600, withYear);
}

} // namespace clinhub::web
