#include "hub/domain/QuietHours.h"

#include <clinhub/kit/UkTime.hpp>

namespace clinhub::domain {

using kit::Zone;

std::optional<int64_t> QuietHours::endOf(int64_t epochSeconds) const {
    if (!any()) return std::nullopt;
    const int minute = kit::minuteOfDay(epochSeconds, Zone::europeLondon);
    const auto today = kit::localDate(epochSeconds, Zone::europeLondon);
    const bool wraps = fromMinute > toMinute;
    if (wraps) {
        if (minute >= fromMinute) return kit::toEpoch(today + std::chrono::days{1}, toMinute, Zone::europeLondon);
        if (minute < toMinute) return kit::toEpoch(today, toMinute, Zone::europeLondon);
        return std::nullopt;
    }
    if (minute >= fromMinute && minute < toMinute) return kit::toEpoch(today, toMinute, Zone::europeLondon);
    return std::nullopt;
}

std::string QuietHours::text() const {
    // Any day will do: a wall-clock time reads the same on every day of a season.
    const auto day = std::chrono::sys_days{std::chrono::year{2026} / 1 / 15};
    return kit::ukTimeText(kit::toEpoch(day, fromMinute, Zone::europeLondon)) + " to " +
           kit::ukTimeText(kit::toEpoch(day, toMinute, Zone::europeLondon));
}

} // namespace clinhub::domain
