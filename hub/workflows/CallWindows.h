// Telephone appointments: a telephone rule offers windows of a day in which the practice will call, not
// exact times, as Accurx Self-Book does. The patient picks a day, then a window holding a free telephone
// slot; the booking holds one slot inside it, and every message says "we will call you between ...".
//
// Rules, not I/O: SelfBook filters and books with these, the pages show what they return.
#pragma once

#include "hub/config/Config.h"

#include <clinhub/plugin.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace clinhub::workflows {

// One window of one UK day that holds free telephone slots.
struct DayWindow {
    std::string day;                // YYYY-MM-DD, UK
    std::string label;              // the rule's, "morning"
    int64_t from = 0;               // seconds since the epoch
    int64_t to = 0;                 // the window is [from, to)
    std::vector<std::string> slots; // the free slots inside, soonest first
};

// The soonest a telephone rule lets a call start, at `now` (seconds): never the same UK day, and at least
// the rule's notice.
int64_t earliestCall(const config::Rule& rule, int64_t now);

// Keeps what a rule offers: a face-to-face rule, only face-to-face slots; a telephone rule, only telephone
// slots from earliestCall on, each inside one of its windows.
void keepOffered(const config::Rule& rule, int64_t now, std::vector<Slot>& slots);

// The windows of each day that hold any of `slots` (soonest first), day by day and in time order.
std::vector<DayWindow> dayWindows(const config::Rule& rule, const std::vector<Slot>& slots);

// "between 8am and midday on Tuesday 8 December 2026": what a telephone appointment's messages say of when.
std::string callWhenText(int64_t from, int64_t to);

// "Morning, 8am to midday": a window as the patient chooses it.
std::string windowText(const std::string& label, int64_t from, int64_t to);
// The same for a rule's window on no day in particular, as staff read the rule.
std::string windowText(const config::CallWindow& window);

} // namespace clinhub::workflows
