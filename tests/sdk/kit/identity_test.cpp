// Every test vector of docs/domain.md for NHS numbers, UK mobiles and dates of birth.
#include <clinhub/kit/Identity.hpp>

#include <gtest/gtest.h>

namespace {

using namespace clinhub::kit;

TEST(NhsNumber, AcceptsValidNumbersWithOrWithoutSpaces) {
    for (const char* valid : {"9995260182", "9991590838", "9990166137", "9990000018", "9990000026", "9990000050"})
        EXPECT_TRUE(checkNhsNumber(valid).ok()) << valid;
    EXPECT_EQ(checkNhsNumber("999 526 0182").value, "9995260182");
}

TEST(NhsNumber, RefusesNumbersWhoseCheckDigitWouldBeTen) {
    for (int last = 0; last <= 9; ++last)
        EXPECT_EQ(checkNhsNumber("999000000" + std::to_string(last)).problem,
                  "not a valid NHS number: no number with these first nine digits exists");
    EXPECT_FALSE(checkNhsNumber("9999378650").ok());
}

TEST(NhsNumber, RefusesAWrongCheckDigit) {
    for (const char* wrong : {"9995260183", "9990000010"})
        EXPECT_EQ(checkNhsNumber(wrong).problem, "not a valid NHS number: the last digit (check digit) is wrong");
}

TEST(NhsNumber, RefusesTheWrongShapeSayingWhy) {
    EXPECT_EQ(checkNhsNumber("999526018").problem, "NHS number must be 10 digits (it has 9)");
    EXPECT_EQ(checkNhsNumber("99952601822").problem, "NHS number must be 10 digits (it has 11)");
    EXPECT_EQ(checkNhsNumber("TP12345678").problem, "NHS number can only contain digits");
    EXPECT_EQ(checkNhsNumber("").problem, "NHS number is missing");
}

TEST(UkMobile, NormalisesEveryFormNotifyAccepts) {
    for (const char* valid : {"07700900123", "07700-900-123", "7700900123", "00447700900123", "00 44 7700900123",
                              "+447700900123", "+44 (0)7700 900 123"})
        EXPECT_EQ(checkUkMobile(valid).value, "+447700900123") << valid;
}

TEST(UkMobile, SaysTooLongOrTooShort) {
    EXPECT_EQ(checkUkMobile("0770090012310").problem, "mobile number is too long");
    EXPECT_EQ(checkUkMobile("0770090012").problem, "mobile number is too short");
    EXPECT_EQ(checkUkMobile("00447700900").problem, "mobile number is too short");
}

TEST(UkMobile, RefusesLandlines) {
    for (const char* landline : {"0117 496 0860", "020 7946 0991"})
        EXPECT_EQ(checkUkMobile(landline).problem, "not a UK mobile number (it looks like a landline)") << landline;
}

TEST(UkMobile, RefusesBadCharacters) {
    for (const char* bad : {"07700x900123", "07\";DROP TABLE;\""})
        EXPECT_EQ(checkUkMobile(bad).problem, "mobile number can only include 0-9 ( ) + -") << bad;
}

TEST(UkMobile, RefusesInternationalNumbers) {
    EXPECT_EQ(checkUkMobile("+12025550104").problem, "not a UK mobile number: international numbers cannot be sent to");
}

TEST(DateOfBirth, AcceptsTheThreeFormats) {
    for (const char* d : {"1956-03-14", "19560314", "14/03/1956"})
        EXPECT_EQ(checkDateOfBirth(d, "2026-11-23").value, "1956-03-14") << d;
}

TEST(DateOfBirth, KnowsLeapYears) {
    EXPECT_TRUE(checkDateOfBirth("2024-02-29", "2026-11-23").ok());
    EXPECT_EQ(checkDateOfBirth("2023-02-29", "2026-11-23").problem, "date of birth is not a real date");
    EXPECT_TRUE(checkDateOfBirth("2000-02-29", "2026-11-23").ok());
    EXPECT_FALSE(checkDateOfBirth("1900-02-29", "2026-11-23").ok());
}

TEST(DateOfBirth, RefusesTheFutureAndOtherShapes) {
    EXPECT_EQ(checkDateOfBirth("2026-11-24", "2026-11-23").problem, "date of birth is in the future");
    EXPECT_TRUE(checkDateOfBirth("2026-11-23", "2026-11-23").ok());
    EXPECT_EQ(checkDateOfBirth("14/03/56", "2026-11-23").problem,
              "date of birth must be written YYYY-MM-DD, YYYYMMDD or DD/MM/YYYY");
    EXPECT_EQ(checkDateOfBirth("1956-13-01", "2026-11-23").problem, "date of birth is not a real date");
    EXPECT_EQ(checkDateOfBirth("", "2026-11-23").problem, "date of birth is missing");
}

TEST(UkDate, TurnsAtUkMidnight) {
    // 2026-07-01T23:30Z is already 2 July in London (BST); 2026-01-01T23:30Z is still 1 January (GMT).
    EXPECT_EQ(ukDate(1782948600LL * 1'000'000), "2026-07-02");
    EXPECT_EQ(ukDate(1767310200LL * 1'000'000), "2026-01-01");
}

} // namespace
