// The parts of local-book that need no database: seed rules and slot generation.
#include "connectors/local-book/Seed.h"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono;
using namespace localbook;

sys_days date(int y, unsigned m, unsigned d) { return sys_days{year{y} / month{m} / day{d}}; }
int64_t utc(int y, unsigned m, unsigned d, int h, int min) {
    return static_cast<int64_t>(date(y, m, d).time_since_epoch().count()) * 86400 + h * 3600 + min * 60;
}

TEST(LocalBookSeed, TemplatesMakeSlotsOnlyOnTheirWeekdaysAndWithinTheirHours) {
    SlotTemplate t{"Blood test", "Nurse", "Room", {1}, 9 * 60, 10 * 60 + 5, 20, false};    // Mondays 09:00-10:05
    const auto slots = generateSlots({t}, date(2024, 7, 1), date(2024, 7, 14), Zone::utc); // two Mondays
    ASSERT_EQ(slots.size(), 6U);
    EXPECT_EQ(slots[0].start, utc(2024, 7, 1, 9, 0));
    EXPECT_EQ(slots[2].start, utc(2024, 7, 1, 9, 40));
    EXPECT_EQ(slots[3].start, utc(2024, 7, 8, 9, 0));
}

} // namespace
