#include "hub/domain/OdsCode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace clinhub::domain {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(OdsCode, TheShapesTheOdsGivesAreAccepted) {
    for (const char* code :
         {"A81001", "Y02345", "X99001", "RXX", "R1A", "RXX01", "FA123", "00J", "15N", "QWE", "NQ1", "8J094"})
        EXPECT_EQ(odsCodeProblem(code), "") << code;
}

TEST(OdsCode, TyposAreRefusedWithTheShapesToCompareWith) {
    for (const char* code :
         {"A8100", "A810011", "AB1001", "A8100X", "RX", "RXX0", "XYZ", "F1234X", "0J0", "", "A81 01"})
        EXPECT_THAT(odsCodeProblem(code), StartsWith("'" + std::string(code) + "' is not an ODS code:")) << code;
    EXPECT_THAT(odsCodeProblem("A8100"), HasSubstr("a GP practice's is a letter and five digits (A81001)"));
}

TEST(OdsCode, LowerCaseIsRefusedSayingCodesAreCapitals) {
    EXPECT_THAT(odsCodeProblem("a81001"),
                StartsWith("'a81001' is not an ODS code (ODS codes are written in capitals)"));
}

} // namespace
} // namespace clinhub::domain
