// The unit speaks UK wall-clock time; the connector's conversion is checked against the C library's tz
// database across two years of clock changes.
#include "connectors/systmone-xml/LocalTime.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace {

using clinhub::kit::Zone;
using systmonexml::formatLocal;
using systmonexml::parseLocal;

constexpr int64_t k2026 = 1767225600; // 2026-01-01T00:00:00Z

std::string libcLocal(int64_t t) {
    const auto tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    return text;
}

TEST(SystmOneLocalTime, ClocksGoForwardAndBackAtOneInTheMorningUtcOnTheLastSundays) {
    EXPECT_EQ(formatLocal(1774745999, Zone::europeLondon), "2026-03-29T00:59:59"); // 00:59:59Z
    EXPECT_EQ(formatLocal(1774746000, Zone::europeLondon), "2026-03-29T02:00:00"); // 01:00:00Z
    EXPECT_EQ(formatLocal(1792889999, Zone::europeLondon), "2026-10-25T01:59:59"); // 00:59:59Z
    EXPECT_EQ(formatLocal(1792890000, Zone::europeLondon), "2026-10-25T01:00:00"); // 01:00:00Z
    EXPECT_EQ(formatLocal(1792890000, Zone::utc), "2026-10-25T01:00:00");
}

TEST(SystmOneLocalTime, AgreesWithTheTzDatabaseEveryQuarterHourForTwoYears) {
    setenv("TZ", "Europe/London", 1); // this test runs in a process of its own
    tzset();
    int checked = 0;
    for (int64_t t = k2026; t < k2026 + 2 * 365 * 86400; t += 900, ++checked) {
        const std::string text = libcLocal(t);
        ASSERT_EQ(formatLocal(t, Zone::europeLondon), text) << t;
        const auto back = parseLocal(text, Zone::europeLondon);
        ASSERT_TRUE(back.has_value()) << text;
        // The hour the clocks repeat reads as its first occurrence, an hour early for the second.
        if (*back != t) {
            EXPECT_EQ(*back, t - 3600) << text;
        }
    }
    EXPECT_EQ(checked, 2 * 365 * 96);
}

TEST(SystmOneLocalTime, ReadsOnlyTheUnitsFormat) {
    EXPECT_EQ(parseLocal("2026-07-01T09:30:00", Zone::europeLondon), 1782894600); // 08:30Z
    EXPECT_EQ(parseLocal("2026-07-01T09:30", Zone::europeLondon), 1782894600);
    EXPECT_EQ(parseLocal("2026-12-01T09:30:15", Zone::utc), 1796117415);
    for (const char* bad : {"", "2026-07-01", "2026-07-01 09:30:00", "2026-07-01T09:30:00Z", "2026-02-30T09:00:00",
                            "2026-07-01T24:00:00", "2026-07-01T09:60:00", "2026-7-01T09:30:00", "tomorrow 9am"})
        EXPECT_FALSE(parseLocal(bad, Zone::europeLondon).has_value()) << bad;
}

} // namespace
