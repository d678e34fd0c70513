#include <clinhub/kit/UkTime.hpp>

#include <cctype>
#include <cstdio>

namespace clinhub::kit {

using namespace std::chrono;

namespace {

constexpr int64_t kDay = 86400;

int64_t epochOf(sys_days day) { return static_cast<int64_t>(day.time_since_epoch().count()) * kDay; }

// 01:00 UTC on the last Sunday of the month: when the UK's clocks change.
int64_t ukChange(year y, month m) {
    const sys_days lastSunday{y / m / Sunday[last]};
    return epochOf(lastSunday) + 3600;
}

bool isBritishSummerTime(int64_t epochSeconds) {
    const auto y = year_month_day{floor<days>(sys_seconds{seconds{epochSeconds}})}.year();
    return epochSeconds >= ukChange(y, March) && epochSeconds < ukChange(y, October);
}

int64_t offsetAt(int64_t epochSeconds, Zone zone) {
    return zone == Zone::europeLondon && isBritishSummerTime(epochSeconds) ? 3600 : 0;
}

bool digits(const std::string& text, size_t from, size_t count) {
    for (size_t i = from; i < from + count; ++i)
        if (i >= text.size() || std::isdigit(static_cast<unsigned char>(text[i])) == 0) return false;
    return true;
}

} // namespace

std::optional<Zone> parseZone(const std::string& name) {
    if (name == "Europe/London") return Zone::europeLondon;
    if (name == "UTC" || name == "Etc/UTC") return Zone::utc;
    return std::nullopt;
}

sys_days localDate(int64_t epochSeconds, Zone zone) {
    const int64_t local = epochSeconds + offsetAt(epochSeconds, zone);
    return floor<days>(sys_seconds{seconds{local}});
}

int minuteOfDay(int64_t epochSeconds, Zone zone) {
    const int64_t local = epochSeconds + offsetAt(epochSeconds, zone);
    return static_cast<int>(((local % kDay) + kDay) % kDay / 60);
}

int64_t toEpoch(sys_days date, int minuteOfDay, Zone zone) {
    const int64_t wall = epochOf(date) + int64_t{minuteOfDay} * 60;
    if (zone == Zone::europeLondon && isBritishSummerTime(wall - 3600)) return wall - 3600;
    return wall;
}

std::string ukDayText(int64_t epochSeconds, bool withYear) {
    static constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                "Thursday", "Friday", "Saturday"};
    static constexpr const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                              "July",    "August",   "September", "October", "November", "December"};
    const sys_days day = localDate(epochSeconds, Zone::europeLondon);
    const year_month_day ymd{day};
    std::string text = std::string(kWeekdays[weekday{day}.c_encoding()]) + " " +
                       std::to_string(static_cast<unsigned>(ymd.day())) + " " +
                       kMonths[static_cast<unsigned>(ymd.month()) - 1];
    return withYear ? text + " " + std::to_string(static_cast<int>(ymd.year())) : text;
}

std::string ukTimeText(int64_t epochSeconds) {
    const int minutes = minuteOfDay(epochSeconds, Zone::europeLondon);
    const int hour = minutes / 60;
    const int minute = minutes % 60;
    if (minute == 0 && hour == 12) return "midday";
    if (minute == 0 && hour == 0) return "midnight";
    std::string text = std::to_string(hour % 12 == 0 ? 12 : hour % 12);
    if (minute != 0) text += (minute < 10 ? ":0" : ":") + std::to_string(minute);
    return text + (hour < 12 ? "am" : "pm");
}

std::string isoDate(sys_days day) {
    const year_month_day ymd{day};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return text;
}

std::string ukWhenText(int64_t epochSeconds) { return ukDayText(epochSeconds) + " at " + ukTimeText(epochSeconds); }

std::optional<int> parseTimeOfDay(const std::string& text) {
    if (text.size() != 5 || text[2] != ':' || !digits(text, 0, 2) || !digits(text, 3, 2)) return std::nullopt;
    const int h = std::stoi(text.substr(0, 2));
    const int m = std::stoi(text.substr(3, 2));
    if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
    return h * 60 + m;
}

std::optional<year_month_day> parseDate(const std::string& text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(text, 0, 4) || !digits(text, 5, 2) ||
        !digits(text, 8, 2))
        return std::nullopt;
    const year_month_day ymd{year{std::stoi(text.substr(0, 4))},
                             month{static_cast<unsigned>(std::stoi(text.substr(5, 2)))},
                             day{static_cast<unsigned>(std::stoi(text.substr(8, 2)))}};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

int64_t ukMidnight(const std::string& date) {
    const auto day = parseDate(date);
    if (!day) throw std::invalid_argument("not a date YYYY-MM-DD: " + date);
    return toEpoch(std::chrono::sys_days(*day), 0, Zone::europeLondon);
}

} // namespace clinhub::kit
