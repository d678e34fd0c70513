// The duplicate check's memory: the first row of each NHS number, one uint64 each.
#include "hub/batch/FirstRows.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace {

using clinhub::batch::FirstRows;

TEST(FirstRows, FindsTheRowEachNumberWasFirstRememberedOnAcrossGrowth) {
    FirstRows rows;
    for (int i = 0; i < 100'000; ++i)
        rows.remember(9990000000ULL + static_cast<uint64_t>(i) * 11, i + 2);
    rows.remember(9990000000ULL, 999'999); // already there: the first row stays
    EXPECT_EQ(rows.size(), 100'000U);
    for (int i = 0; i < 100'000; ++i)
        ASSERT_EQ(rows.find(9990000000ULL + static_cast<uint64_t>(i) * 11), i + 2) << i;
    EXPECT_EQ(rows.find(9990000001ULL), std::nullopt);
}

TEST(FirstRows, HoldsTheWholeRangeOfNumbersAndRows) {
    FirstRows rows;
    rows.remember(0, 1); // 0000000000 has a valid check digit
    rows.remember(9999999999ULL, (1 << 30) - 1);
    EXPECT_EQ(rows.find(0), 1);
    EXPECT_EQ(rows.find(9999999999ULL), (1 << 30) - 1);
    EXPECT_THROW(rows.remember(1, 1 << 30), std::length_error);
    EXPECT_THROW(rows.remember(1, 0), std::length_error);
    EXPECT_THROW(rows.remember(uint64_t{1} << 34, 2), std::length_error);
}

} // namespace
