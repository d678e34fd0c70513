// UK wall-clock time without the process-wide TZ: the clocks change on the last Sundays of March and October.
#include <clinhub/kit/UkTime.hpp>

#include <gtest/gtest.h>

namespace {

using namespace std::chrono;
using namespace clinhub::kit;

sys_days date(int y, unsigned m, unsigned d) { return sys_days{year{y} / month{m} / day{d}}; }
int64_t utc(int y, unsigned m, unsigned d, int h, int min) {
    return static_cast<int64_t>(date(y, m, d).time_since_epoch().count()) * 86400 + h * 3600 + min * 60;
}

TEST(UkTime, LondonIsUtcInWinterAndAnHourAheadInSummer) {
    EXPECT_EQ(toEpoch(date(2024, 1, 15), 9 * 60, Zone::europeLondon), utc(2024, 1, 15, 9, 0));
    EXPECT_EQ(toEpoch(date(2024, 7, 1), 9 * 60, Zone::europeLondon), utc(2024, 7, 1, 8, 0));
    EXPECT_EQ(toEpoch(date(2024, 7, 1), 9 * 60, Zone::utc), utc(2024, 7, 1, 9, 0));
}

TEST(UkTime, TheClocksChangeOnTheLastSundaysOfMarchAndOctober) {
    EXPECT_EQ(toEpoch(date(2024, 3, 30), 9 * 60, Zone::europeLondon), utc(2024, 3, 30, 9, 0));
    EXPECT_EQ(toEpoch(date(2024, 3, 31), 9 * 60, Zone::europeLondon), utc(2024, 3, 31, 8, 0));
    EXPECT_EQ(toEpoch(date(2024, 10, 26), 9 * 60, Zone::europeLondon), utc(2024, 10, 26, 8, 0));
    EXPECT_EQ(toEpoch(date(2024, 10, 27), 9 * 60, Zone::europeLondon), utc(2024, 10, 27, 9, 0));
}

TEST(UkTime, TheLocalDateTurnsAtLocalMidnight) {
    EXPECT_EQ(localDate(utc(2024, 6, 30, 23, 30), Zone::europeLondon), date(2024, 7, 1));
    EXPECT_EQ(localDate(utc(2024, 6, 30, 23, 30), Zone::utc), date(2024, 6, 30));
    EXPECT_EQ(localDate(utc(2024, 12, 31, 23, 30), Zone::europeLondon), date(2024, 12, 31));
}

TEST(UkTime, TimesAndDatesAreParsedStrictly) {
    EXPECT_EQ(parseTimeOfDay("09:30"), 570);
    EXPECT_FALSE(parseTimeOfDay("9:30"));
    EXPECT_FALSE(parseTimeOfDay("25:00"));
    EXPECT_TRUE(parseDate("2024-02-29"));
    EXPECT_FALSE(parseDate("2023-02-29"));
    EXPECT_FALSE(parseDate("29/02/2024"));
}

TEST(UkTime, WritesInstantsAsAUkPatientReadsThem) {
    EXPECT_EQ(ukWhenText(utc(2026, 12, 1, 9, 30)), "Tuesday 1 December 2026 at 9:30am");
    EXPECT_EQ(ukWhenText(utc(2026, 7, 1, 13, 5)), "Wednesday 1 July 2026 at 2:05pm") << "BST is an hour ahead";
    EXPECT_EQ(ukTimeText(utc(2026, 12, 1, 0, 15)), "12:15am");
    EXPECT_EQ(ukTimeText(utc(2026, 12, 1, 12, 0)), "midday");
    EXPECT_EQ(ukTimeText(utc(2026, 12, 1, 0, 0)), "midnight");
    EXPECT_EQ(ukTimeText(utc(2026, 12, 1, 9, 0)), "9am");
    EXPECT_EQ(ukDayText(utc(2026, 12, 1, 9, 0), false), "Tuesday 1 December");
}

// 2026: BST from 01:00 UTC on 29 March to 01:00 UTC on 25 October.
TEST(UkTime, DaysAndTimesFollowTheClockChanges) {
    constexpr int64_t march29 = 1774742400; // 2026-03-29T00:00:00Z, a Sunday
    EXPECT_EQ(ukTimeText(march29 + 30 * 60), "12:30am");
    EXPECT_EQ(ukTimeText(march29 + 3600 + 30 * 60), "2:30am") << "01:30 UTC is BST";
    EXPECT_EQ(ukDayText(march29, false), "Sunday 29 March");
    EXPECT_EQ(ukDayText(march29, true), "Sunday 29 March 2026");
    EXPECT_EQ(ukTimeText(march29 + 11 * 3600), "midday");
    EXPECT_EQ(ukTimeText(march29 + 12 * 3600 + 5 * 60), "1:05pm");

    constexpr int64_t october25 = 1792886400; // 2026-10-25T00:00:00Z, a Sunday
    EXPECT_EQ(ukTimeText(october25 + 30 * 60), "1:30am") << "00:30 UTC is 01:30 BST";
    EXPECT_EQ(ukTimeText(october25 + 3600 + 30 * 60), "1:30am") << "01:30 UTC is 01:30 GMT";
    EXPECT_EQ(ukDayText(october25 - 30 * 60, false), "Sunday 25 October") << "23:30 UTC on Saturday is BST Sunday";
    EXPECT_EQ(ukTimeText(october25 - 3600), "midnight");

    constexpr int64_t december1 = 1796083200; // 2026-12-01T00:00:00Z, a Tuesday, GMT
    EXPECT_EQ(ukDayText(december1 + 9 * 3600 + 30 * 60, false), "Tuesday 1 December");
    EXPECT_EQ(ukTimeText(december1 + 9 * 3600 + 30 * 60), "9:30am");
    EXPECT_EQ(ukTimeText(december1 + 23 * 3600 + 59 * 60), "11:59pm");
}

} // namespace
