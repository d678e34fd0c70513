#include "hub/batch/CsvReader.h"
#include "hub/cohorts/CohortList.h"

#include <clinhub/kit/Identity.hpp>

#include <gtest/gtest.h>

#include <sstream>

using clinhub::cohorts::CohortList;
using clinhub::cohorts::readCohortList;

namespace {

const std::string kToday = "2026-03-02";

CohortList read(const std::string& csv) {
    std::istringstream in(csv);
    return readCohortList(in, kToday);
}

TEST(CohortList, ReadsNhsNumberDateOfBirthNameAndMobile) {
    const auto list = read("NHS Number,Name,Date of Birth,Mobile Number\r\n"
                           "999 526 0182,Ann Example,01/01/1950,07700 900101\r\n");
    ASSERT_EQ(list.accepted.size(), 1U);
    EXPECT_TRUE(list.rejected.empty());
    const auto& a = list.accepted.front();
    EXPECT_EQ(a.patient.nhsNumber, "9995260182");
    EXPECT_EQ(a.patient.dateOfBirth, "1950-01-01");
    EXPECT_EQ(a.patient.name, "Ann Example");
    EXPECT_EQ(a.patient.mobile, "+447700900101");
    EXPECT_EQ(a.email, "");
    EXPECT_EQ(a.schoolUrn, "");
}

TEST(CohortList, KnowsTheHeadingsOtherSystemsExportUnder) {
    const auto list = read("nhs_no,DOB,Forename,Last Name,Parent Mobile,Parent Email,URN\n"
                           "9991590838,2015-06-01,Bea,Example,07700900102,parent@example.org,999999\n");
    ASSERT_EQ(list.accepted.size(), 1U);
    const auto& a = list.accepted.front();
    EXPECT_EQ(a.patient.nhsNumber, "9991590838");
    EXPECT_EQ(a.patient.dateOfBirth, "2015-06-01");
    EXPECT_EQ(a.patient.name, "Bea Example");
    EXPECT_EQ(a.patient.mobile, "+447700900102");
    EXPECT_EQ(a.email, "parent@example.org");
    EXPECT_EQ(a.schoolUrn, "999999");
}

TEST(CohortList, JoinsFirstNameAndSurnameOnlyWhenThereIsNoName) {
    const auto list = read("NHS Number,Date of Birth,Name,First name,Surname\n"
                           "9995260182,1950-01-01,Full Name,First,Last\n"
                           "9991590838,1950-01-02,,First,Last\n"
                           "9990166137,1950-01-03,,,Surname Only\n");
    ASSERT_EQ(list.accepted.size(), 3U);
    EXPECT_EQ(list.accepted[0].patient.name, "Full Name");
    EXPECT_EQ(list.accepted[1].patient.name, "First Last");
    EXPECT_EQ(list.accepted[2].patient.name, "Surname Only");
}

TEST(CohortList, TrimsCellsAndKeepsARowWithoutAValidMobileWithNone) {
    const auto list = read("NHS Number,Date of Birth,Mobile Number,School URN\n"
                           "  9995260182 ,\t1950-01-01 ,01632 960000,  123456  \n");
    ASSERT_EQ(list.accepted.size(), 1U);
    EXPECT_EQ(list.accepted[0].patient.nhsNumber, "9995260182");
    EXPECT_EQ(list.accepted[0].patient.mobile, "");
    EXPECT_EQ(list.accepted[0].schoolUrn, "123456");
}

TEST(CohortList, RejectsBadRowsWithTheirRowNumberAndReason) {
    const auto list = read("NHS Number,Date of Birth\n"
                           "9995260182,1950-01-01\n"
                           "9995260183,1950-01-02\n"
                           "9991590838,not a date\n"
                           "9990166137,2099-01-01\n"
                           "9990000018,1950-01-04\n");
    ASSERT_EQ(list.accepted.size(), 2U);
    EXPECT_EQ(list.accepted[0].patient.nhsNumber, "9995260182");
    EXPECT_EQ(list.accepted[1].patient.nhsNumber, "9990000018");
    ASSERT_EQ(list.rejected.size(), 3U);
    EXPECT_EQ(list.rejected[0].row, 3);
    EXPECT_EQ(list.rejected[0].reason, clinhub::kit::checkNhsNumber("9995260183").problem);
    EXPECT_EQ(list.rejected[1].row, 4);
    EXPECT_EQ(list.rejected[1].reason, clinhub::kit::checkDateOfBirth("not a date", kToday).problem);
    EXPECT_EQ(list.rejected[2].row, 5);
    EXPECT_EQ(list.rejected[2].reason, clinhub::kit::checkDateOfBirth("2099-01-01", kToday).problem);
    for (const auto& r : list.rejected)
        EXPECT_FALSE(r.reason.empty());
}

TEST(CohortList, RejectsAnNhsNumberSeenOnAnEarlierRowAndKeepsTheFirst) {
    const auto list = read("NHS Number,Date of Birth,Name\n"
                           "9995260182,1950-01-01,First\n"
                           "9991590838,1950-01-02,Other\n"
                           "999 526 0182,1950-01-01,Again\n");
    ASSERT_EQ(list.accepted.size(), 2U);
    EXPECT_EQ(list.accepted[0].patient.name, "First");
    ASSERT_EQ(list.rejected.size(), 1U);
    EXPECT_EQ(list.rejected[0].row, 4);
    EXPECT_EQ(list.rejected[0].reason, "the same NHS number is on an earlier row");
}

TEST(CohortList, RefusesAFileWithoutNhsNumberOrDateOfBirthColumns) {
    try {
        read("Name,Mobile\nAnn,07700900101\n");
        FAIL() << "a list without the columns it needs was read";
    } catch (const clinhub::batch::FileError& e) {
        EXPECT_NE(std::string(e.what()).find("no NHS Number or Date of Birth column"), std::string::npos) << e.what();
    }
    try {
        read("NHS Number,Name\n9995260182,Ann\n");
        FAIL() << "a list without dates of birth was read";
    } catch (const clinhub::batch::FileError& e) {
        EXPECT_NE(std::string(e.what()).find("no Date of Birth column"), std::string::npos) << e.what();
    }
}

} // namespace
