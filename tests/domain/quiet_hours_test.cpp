#include "hub/domain/QuietHours.h"

#include <gtest/gtest.h>

#include <chrono>

namespace clinhub::domain {
namespace {

using namespace std::chrono;

// Seconds since the epoch of a UTC date and time.
int64_t utc(int y, unsigned m, unsigned d, int hour, int minute = 0) {
    return static_cast<int64_t>(sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count()) * 86400 +
           hour * 3600 + minute * 60;
}

const QuietHours kDefault{};

TEST(QuietHours, AreEightInTheEveningToEightInTheMorningUkTimeByDefault) {
    EXPECT_EQ(kDefault.text(), "8pm to 8am");
    // A winter evening (GMT): 19:59 is still the day, 20:00 waits for 08:00 tomorrow.
    EXPECT_EQ(kDefault.endOf(utc(2026, 12, 8, 19, 59)), std::nullopt);
    EXPECT_EQ(kDefault.endOf(utc(2026, 12, 8, 20, 0)), utc(2026, 12, 9, 8, 0));
    EXPECT_EQ(kDefault.endOf(utc(2026, 12, 9, 3, 0)), utc(2026, 12, 9, 8, 0));
    EXPECT_EQ(kDefault.endOf(utc(2026, 12, 9, 8, 0)), std::nullopt);
}

TEST(QuietHours, FollowBritishSummerTime) {
    // In summer the window is 19:00 to 07:00 UTC.
    EXPECT_EQ(kDefault.endOf(utc(2026, 7, 1, 19, 30)), utc(2026, 7, 2, 7, 0)) << "20:30 BST";
    EXPECT_EQ(kDefault.endOf(utc(2026, 7, 2, 7, 30)), std::nullopt) << "08:30 BST";
}

TEST(QuietHours, EndAtEightOnTheMorningsTheClocksChange) {
    // Sunday 28 March 2027: the clocks go forward at 01:00 UTC, so 07:30 UTC is 08:30 BST, past the window,
    // while the day before it is 07:30 GMT, inside it.
    EXPECT_EQ(kDefault.endOf(utc(2027, 3, 27, 7, 30)), utc(2027, 3, 27, 8, 0));
    EXPECT_EQ(kDefault.endOf(utc(2027, 3, 28, 7, 30)), std::nullopt);
    // A message held overnight into that Sunday waits for 08:00 BST, 07:00 UTC: an hour less than the night before.
    EXPECT_EQ(kDefault.endOf(utc(2027, 3, 27, 21, 0)), utc(2027, 3, 28, 7, 0));
    // Sunday 25 October 2026: back to GMT at 01:00 UTC, so 07:30 UTC is 07:30 GMT, still quiet; the day before,
    // 08:30 BST.
    EXPECT_EQ(kDefault.endOf(utc(2026, 10, 24, 7, 30)), std::nullopt);
    EXPECT_EQ(kDefault.endOf(utc(2026, 10, 25, 7, 30)), utc(2026, 10, 25, 8, 0));
    EXPECT_EQ(kDefault.endOf(utc(2026, 10, 24, 19, 30)), utc(2026, 10, 25, 8, 0)) << "20:30 BST into a GMT morning";
}

TEST(QuietHours, MayStayWithinOneNightOrBeSwitchedOff) {
    const QuietHours small{60, 6 * 60}; // 1am to 6am
    EXPECT_EQ(small.text(), "1am to 6am");
    EXPECT_EQ(small.endOf(utc(2026, 12, 8, 0, 59)), std::nullopt);
    EXPECT_EQ(small.endOf(utc(2026, 12, 8, 1, 0)), utc(2026, 12, 8, 6, 0));
    EXPECT_EQ(small.endOf(utc(2026, 12, 8, 23, 0)), std::nullopt);
    const QuietHours none{8 * 60, 8 * 60};
    EXPECT_FALSE(none.any());
    EXPECT_EQ(none.endOf(utc(2026, 12, 8, 3, 0)), std::nullopt);
}

} // namespace
} // namespace clinhub::domain
