// When staff may schedule a send (a batch, a campaign's invite round) to start.
#pragma once

#include "hub/workflows/SelfBook.h"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace clinhub::workflows {

// A schedule that can no longer change: its send has started, or it is not scheduled.
class ScheduleConflict : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// How far ahead a send may be scheduled: a list far older than that would invite patients who have since
// moved, died or been vaccinated.
inline constexpr int kMaxScheduleDays = 90;

// Throws InvalidRequest naming `at` when it is not after `from` or more than kMaxScheduleDays after it
// (both microseconds since the epoch).
inline void checkStartTime(int64_t at, int64_t from) {
    constexpr int64_t kMicrosPerDay = 86'400LL * 1'000'000;
    if (at <= from) throw InvalidRequest(std::vector<FieldError>{{"at", "the time has passed: give a later one"}});
    if (at > from + kMaxScheduleDays * kMicrosPerDay)
        throw InvalidRequest(std::vector<FieldError>{
            {"at", "at most " + std::to_string(kMaxScheduleDays) + " days ahead: the list would be out of date"}});
}

} // namespace clinhub::workflows
