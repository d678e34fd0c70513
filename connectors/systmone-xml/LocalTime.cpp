#include "LocalTime.h"

#include <chrono>
#include <cstdio>

namespace systmonexml {

namespace {

using namespace std::chrono;
using clinhub::kit::Zone;

// 01:00 UTC on the last Sunday of the month: when UK clocks change.
int64_t changeover(int y, unsigned m) {
    const sys_days final{year{y} / month{m} / last};
    const sys_days sunday = final - (weekday{final} - Sunday);
    return duration_cast<seconds>(sunday.time_since_epoch()).count() + 3600;
}

int offsetSeconds(int64_t t, Zone zone) {
    if (zone == Zone::utc) return 0;
    const year_month_day ymd{floor<days>(sys_seconds{seconds{t}})};
    const int y = static_cast<int>(ymd.year());
    return t >= changeover(y, 3) && t < changeover(y, 10) ? 3600 : 0;
}

} // namespace

std::string formatLocal(int64_t epochSeconds, Zone zone) {
    const sys_seconds local{seconds{epochSeconds + offsetSeconds(epochSeconds, zone)}};
    const auto day = floor<days>(local);
    const year_month_day ymd{day};
    const hh_mm_ss time{local - day};
    char text[48];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02ld:%02ld:%02ld", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<long>(time.hours().count()), static_cast<long>(time.minutes().count()),
                  static_cast<long>(time.seconds().count()));
    return text;
}

std::optional<int64_t> parseLocal(std::string_view text, Zone zone) {
    if (text.size() != 16 && text.size() != 19) return std::nullopt;
    // Digits at the given offsets, as a number; -1 when any is not a digit.
    const auto number = [&](std::size_t at, std::size_t count) {
        int n = 0;
        for (std::size_t i = at; i < at + count; ++i) {
            if (text[i] < '0' || text[i] > '9') return -1;
            n = n * 10 + (text[i] - '0');
        }
        return n;
    };
    if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        (text.size() == 19 && text[16] != ':'))
        return std::nullopt;
    const int y = number(0, 4), mo = number(5, 2), d = number(8, 2), h = number(11, 2), mi = number(14, 2);
    const int s = text.size() == 19 ? number(17, 2) : 0;
    if (y < 0 || mo < 0 || d < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return std::nullopt;
    const year_month_day date{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!date.ok()) return std::nullopt;
    return clinhub::kit::toEpoch(sys_days{date}, h * 60 + mi, zone) + s;
}

std::string localDateText(int64_t epochSeconds, Zone zone) {
    return clinhub::kit::isoDate(clinhub::kit::localDate(epochSeconds, zone));
}

} // namespace systmonexml
