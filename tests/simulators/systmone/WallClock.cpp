#include "WallClock.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

namespace systmone {

namespace {

std::tm todayPlus(int days, int minuteOfDay) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    tm.tm_mday += days;
    tm.tm_hour = minuteOfDay / 60;
    tm.tm_min = minuteOfDay % 60;
    tm.tm_sec = 0;
    tm.tm_isdst = -1; // let mktime decide, as the day's own rules say
    return tm;
}

} // namespace

void setPracticeZone(const std::string& zone) {
    if (zone == "Europe/London")
        setenv("TZ", "Europe/London", 1);
    else if (zone == "UTC")
        setenv("TZ", "UTC0", 1);
    else
        throw std::invalid_argument("timezone must be Europe/London or UTC, not '" + zone + "'");
    tzset();
}

std::string formatLocal(int64_t epochSeconds) {
    const auto t = static_cast<std::time_t>(epochSeconds);
    std::tm tm{};
    localtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    return text;
}

std::optional<int64_t> parseLocal(const std::string& text) {
    if (text.size() != 19 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':')
        return std::nullopt;
    std::tm tm{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
        consumed != 19)
        return std::nullopt;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
        tm.tm_sec > 59)
        return std::nullopt;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    const int day = tm.tm_mday;
    const std::time_t t = std::mktime(&tm);
    if (t == -1 || tm.tm_mday != day) return std::nullopt; // 31 April rolled into May
    return static_cast<int64_t>(t);
}

int64_t localTimeOn(int daysFromToday, int minuteOfDay) {
    std::tm tm = todayPlus(daysFromToday, minuteOfDay);
    return static_cast<int64_t>(std::mktime(&tm));
}

int localWeekday(int daysFromToday) {
    std::tm tm = todayPlus(daysFromToday, 12 * 60);
    std::mktime(&tm);
    return tm.tm_wday;
}

std::string localToday() { return formatLocal(std::time(nullptr)).substr(0, 10); }

} // namespace systmone
