// Wall-clock time at the practice, without the process-wide TZ variable (setenv is neither thread-safe
// nor per instance) and without C++20 time zones (GCC 12's library lacks them). A practice diary only
// needs its own zone, so the two a UK practice can mean are spelled out here.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace clinhub::kit {

enum class Zone {
    utc,
    europeLondon // GMT, and BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October
};

std::optional<Zone> parseZone(const std::string& name);

// The civil date at the practice at an instant (seconds since the epoch).
std::chrono::sys_days localDate(int64_t epochSeconds, Zone zone);

// The wall-clock time at the practice at an instant, as minutes since its midnight.
int minuteOfDay(int64_t epochSeconds, Zone zone);

// The instant of a wall-clock time on a civil date at the practice. A time the clocks skip is taken as
// if they had not yet changed; a time they repeat is its first occurrence.
int64_t toEpoch(std::chrono::sys_days date, int minuteOfDay, Zone zone);

// How a UK patient reads an instant, in UK time and NHS.UK style: "Tuesday 1 December 2026" (or without
// the year), and "9:30am", "9am", "midday", "midnight".
std::string ukDayText(int64_t epochSeconds, bool withYear = true);
std::string ukTimeText(int64_t epochSeconds);
// "Tuesday 1 December 2026 at 9:30am".
std::string ukWhenText(int64_t epochSeconds);

// "YYYY-MM-DD".
std::string isoDate(std::chrono::sys_days day);

// The instant (seconds since the epoch) a UK civil date "YYYY-MM-DD" begins. Throws std::invalid_argument
// for anything else.
int64_t ukMidnight(const std::string& date);

// "HH:MM" as minutes since midnight; nullopt when malformed.
std::optional<int> parseTimeOfDay(const std::string& text);

// A real calendar date "YYYY-MM-DD"; nullopt when malformed or impossible (2023-02-29).
std::optional<std::chrono::year_month_day> parseDate(const std::string& text);

} // namespace clinhub::kit
