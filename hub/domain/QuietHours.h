// An organisation's quiet hours: a daily window of UK time, through the clocks' changes, in which no message
// reaches a patient's phone (SMS or the NHS App). What falls due inside waits for the window's end.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace clinhub::domain {

struct QuietHours {
    int fromMinute = 20 * 60; // UK wall-clock minutes since midnight; the window may wrap past midnight
    int toMinute = 8 * 60;    // equal to fromMinute: no quiet hours

    [[nodiscard]] bool any() const { return fromMinute != toMinute; }
    // When the quiet window holding `epochSeconds` ends, in seconds since the epoch; nullopt outside quiet hours.
    [[nodiscard]] std::optional<int64_t> endOf(int64_t epochSeconds) const;
    // "8pm to 8am", for staff.
    [[nodiscard]] std::string text() const;
    bool operator==(const QuietHours&) const = default;
};

} // namespace clinhub::domain
