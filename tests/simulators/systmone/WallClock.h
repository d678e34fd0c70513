// The practice's wall clock, as SystmOne speaks it: "YYYY-MM-DDTHH:MM:SS" in the practice's zone.
//
// Deliberately built on the C library and the system's tz database (the process sets TZ once, before any
// thread starts) rather than on the hub's own UK-time rules, so the connector's conversion is checked
// against an independent one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace systmone {

// "Europe/London" or "UTC"; call once at start, before any other thread runs.
void setPracticeZone(const std::string& zone);

std::string formatLocal(int64_t epochSeconds);

// Strictly "YYYY-MM-DDTHH:MM:SS"; nullopt for anything else.
std::optional<int64_t> parseLocal(const std::string& text);

// The instant of HH:MM on the local date `daysFromToday` days after today.
int64_t localTimeOn(int daysFromToday, int minuteOfDay);

// The local weekday (0 = Sunday) of the date `daysFromToday` days after today.
int localWeekday(int daysFromToday);

// "YYYY-MM-DD", today at the practice.
std::string localToday();

} // namespace systmone
