#include "hub/domain/SmsLength.h"

#include <gtest/gtest.h>

#include <string>

namespace clinhub::domain {
namespace {

TEST(SmsLength, GsmTextIsOneFragmentUpTo160CharactersThenOnePer153) {
    EXPECT_EQ(smsLength(std::string(160, 'a')).fragments, 1);
    EXPECT_EQ(smsLength(std::string(161, 'a')).fragments, 2);
    EXPECT_EQ(smsLength(std::string(306, 'a')).fragments, 2);
    EXPECT_EQ(smsLength(std::string(307, 'a')).fragments, 3);
    EXPECT_FALSE(smsLength("Dear Joe, £5 @ the café").unicode);
}

TEST(SmsLength, ExtensionCharactersCountTwice) {
    const auto length = smsLength("€[]");
    EXPECT_EQ(length.characters, 6);
    EXPECT_FALSE(length.unicode);
    EXPECT_EQ(smsLength(std::string(79, 'a') + "{").characters, 81);
}

TEST(SmsLength, AnyOtherCharacterMakesItUnicodeAt70ThenOnePer67) {
    const std::string curly = "\xE2\x80\x99"; // ’
    EXPECT_TRUE(smsLength(curly).unicode);
    EXPECT_EQ(smsLength(std::string(69, 'a') + curly).fragments, 1);
    EXPECT_EQ(smsLength(std::string(70, 'a') + curly).fragments, 2);
    EXPECT_EQ(smsLength(std::string(133, 'a') + curly).fragments, 2);
    EXPECT_EQ(smsLength(std::string(134, 'a') + curly).fragments, 3);
}

TEST(SmsLength, AnEmptyTextIsNoFragments) { EXPECT_EQ(smsLength("").fragments, 0); }

} // namespace
} // namespace clinhub::domain
