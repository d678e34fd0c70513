// Remote error text loses whatever could identify a patient before the hub logs it or shows it.
#include <clinhub/kit/Scrub.hpp>

#include <gtest/gtest.h>

namespace {

using clinhub::kit::scrub;

TEST(Scrub, MasksNhsNumbersWrittenTogetherSpacedOrDashed) {
    EXPECT_EQ(scrub("no patient 9995260182 here"), "no patient ########## here");
    EXPECT_EQ(scrub("no patient 999 526 0182 here"), "no patient ### ### #### here");
    EXPECT_EQ(scrub("no patient 999-526-0182."), "no patient ###-###-####.");
}

TEST(Scrub, MasksUkMobilesInEachForm) {
    EXPECT_EQ(scrub("07700900123"), "###########");
    EXPECT_EQ(scrub("to 07700 900123 failed"), "to ##### ###### failed");
    EXPECT_EQ(scrub("+447700900123"), "+############");
    EXPECT_EQ(scrub("+44 7700 900123"), "+## #### ######");
    EXPECT_EQ(scrub("(+44)7700-900-123"), "(+44)####-###-###");
}

TEST(Scrub, MasksDatesOfBirthInEachForm) {
    EXPECT_EQ(scrub("born 1980-03-14"), "born ####-##-##");
    EXPECT_EQ(scrub("born 14/03/1980"), "born ##/##/####");
    EXPECT_EQ(scrub("born 14-03-1980"), "born ##-##-####");
    EXPECT_EQ(scrub("born 14.03.1980"), "born ##.##.####");
    EXPECT_EQ(scrub("born 1/3/80;"), "born #/#/##;");
    EXPECT_EQ(scrub("born 19800314"), "born ########");
    EXPECT_EQ(scrub("born 14 March 1980, sic"), "born ## March ####, sic");
    EXPECT_EQ(scrub("born 4 mar 1980"), "born # mar ####");
}

TEST(Scrub, KeepsShortCodesThatSayWhatWentWrong) {
    EXPECT_EQ(scrub("HTTP 404: slot 12 of session 345 not found"), "HTTP 404: slot 12 of session 345 not found");
    EXPECT_EQ(scrub("version 1.11.0 at 10:00"), "version 1.11.0 at 10:00");
    EXPECT_EQ(scrub("12 marbles in 1980"), "12 marbles in 1980");
}

TEST(Scrub, FlattensControlCharactersAndCapsTheLength) {
    EXPECT_EQ(scrub("a\nb\r\tc\x1b[31m"), "a b  c [31m");
    EXPECT_EQ(scrub(std::string(200, 'x'), 10), "xxxxxxxxxx...");
}

} // namespace
