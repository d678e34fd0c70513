#include "FhirTime.h"

#include <chrono>
#include <cstdio>

namespace gpconnect {

namespace {

// Reads `count` digits at `pos`; -1 when any is not a digit.
int number(std::string_view s, size_t pos, size_t count) {
    if (pos + count > s.size()) return -1;
    int n = 0;
    for (size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9') return -1;
        n = n * 10 + (s[i] - '0');
    }
    return n;
}

} // namespace

std::optional<int64_t> parseInstant(std::string_view s) {
    // YYYY-MM-DDThh:mm:ss[.f+](Z|+hh:mm|-hh:mm)
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':') return {};
    const int year = number(s, 0, 4);
    const int month = number(s, 5, 2);
    const int day = number(s, 8, 2);
    const int hour = number(s, 11, 2);
    const int minute = number(s, 14, 2);
    const int second = number(s, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return {};
    if (hour > 23 || minute > 59 || second > 59) return {};
    const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                           std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok()) return {};
    size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
        const size_t start = ++pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
            ++pos;
        if (pos == start) return {};
    }
    int offsetSeconds = 0;
    if (pos < s.size() && s[pos] == 'Z') {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        const int oh = number(s, pos + 1, 2);
        const int om = number(s, pos + 4, 2);
        if (oh < 0 || om < 0 || s[pos + 3] != ':' || oh > 14 || om > 59) return {};
        offsetSeconds = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
        pos += 6;
    } else {
        return {}; // GP Connect instants always carry an offset; a local time would be a guess
    }
    if (pos != s.size()) return {};
    const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
    return days * 86400 + hour * 3600 + minute * 60 + second - offsetSeconds;
}

std::string formatInstant(int64_t epochSeconds) {
    const auto days =
        std::chrono::floor<std::chrono::days>(std::chrono::sys_seconds(std::chrono::seconds(epochSeconds)));
    const std::chrono::year_month_day date(days);
    const int64_t secondOfDay = epochSeconds - days.time_since_epoch().count() * 86400;
    char out[32];
    std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d+00:00", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(secondOfDay / 3600), static_cast<int>(secondOfDay / 60 % 60),
                  static_cast<int>(secondOfDay % 60));
    return out;
}

std::string formatDate(int64_t epochSeconds) { return formatInstant(epochSeconds).substr(0, 10); }

} // namespace gpconnect
