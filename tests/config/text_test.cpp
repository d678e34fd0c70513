#include "hub/config/Text.h"

#include <gtest/gtest.h>

using namespace clinhub::config;

TEST(ConfigVerhoeff, AcceptsRealSnomedConceptIds) {
    EXPECT_TRUE(isSnomedId("1240781000000106"));
    EXPECT_TRUE(isSnomedId("1240651000000109"));
    EXPECT_TRUE(isSnomedId("822931000000100"));
}

TEST(ConfigVerhoeff, RejectsAnIdWithOneDigitAltered) {
    EXPECT_FALSE(isSnomedId("1240781000000107"));
    EXPECT_FALSE(isSnomedId("1240781000001106"));
    EXPECT_FALSE(isSnomedId("822931000000101"));
}

TEST(ConfigVerhoeff, RejectsTwoAdjacentDigitsSwapped) { EXPECT_FALSE(isSnomedId("1240871000000106")); }

TEST(ConfigVerhoeff, RejectsWrongLengthLeadingZeroAndNonDigits) {
    EXPECT_FALSE(isSnomedId("12345"));               // too short
    EXPECT_FALSE(isSnomedId("1234567890123456789")); // 19 digits
    EXPECT_FALSE(isSnomedId("0822931000000100"));    // leading zero
    EXPECT_FALSE(isSnomedId("12407810000001O6"));    // letter O for zero
    EXPECT_FALSE(verhoeffValid(""));
}

TEST(ConfigEditDistance, CountsInsertionsDeletionsAndSubstitutions) {
    EXPECT_EQ(editDistance("threads", "threads"), 0u);
    EXPECT_EQ(editDistance("thread", "threads"), 1u);
    EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
    EXPECT_EQ(editDistance("", "abc"), 3u);
}

TEST(ConfigNearest, SuggestsTheClosestCandidate) {
    EXPECT_EQ(nearest("thread", {"max_queued", "threads"}), "threads");
    EXPECT_EQ(nearest("local-bok", {"notify", "local-book"}), "local-book");
}

TEST(ConfigNearest, SuggestsNothingWhenNoCandidateIsClose) {
    EXPECT_EQ(nearest("database", {"listen", "store"}), std::nullopt);
    EXPECT_EQ(nearest("x", {}), std::nullopt);
}

TEST(ConfigQuotedList, JoinsWithCommasAndAnd) {
    EXPECT_EQ(quotedList({"a"}), "'a'");
    EXPECT_EQ(quotedList({"a", "b", "c"}), "'a', 'b' and 'c'");
}
