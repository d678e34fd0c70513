// The checks every immunisation-records plugin passes: the doses the fixture says a patient received are
// reported, each with its target, date and vaccine code, and nothing else; a patient without doses and an
// unknown one have none; trouble on the wire is retryable and a reply that cannot be read permanent.
#include "Kit.h"

#include <clinhub/kit/UkTime.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

namespace clinhub::conformance {
namespace {

const RecordsFixture& promised() { return *kit().fixture.records; }

std::string describe(const Immunisation& d) {
    std::ostringstream out;
    out << d.target << " " << d.vaccineCode << " on " << d.occurredOn << " (dose " << d.doseNumber << ")";
    return out.str();
}

bool same(const Immunisation& a, const Immunisation& b) {
    return a.target == b.target && a.vaccineCode == b.vaccineCode && a.occurredOn == b.occurredOn &&
           a.doseNumber == b.doseNumber;
}

std::vector<Immunisation> history(const std::string& nhs, const std::vector<std::string>& targets) {
    std::vector<Immunisation> doses;
    const Result r = kit().records().history(nhs, targets, doses);
    EXPECT_TRUE(r.ok()) << toString(r.status) << ": " << r.message;
    return doses;
}

// Exactly the promised doses of `targets`, in any order.
void expectPromised(const std::vector<Immunisation>& got, const std::vector<std::string>& targets) {
    std::vector<Immunisation> want;
    for (const auto& d : promised().doses)
        if (std::find(targets.begin(), targets.end(), d.target) != targets.end()) want.push_back(d);
    std::vector<bool> matched(got.size(), false);
    for (const auto& w : want) {
        bool found = false;
        for (std::size_t i = 0; i < got.size() && !found; ++i)
            if (!matched[i] && same(got[i], w)) found = matched[i] = true;
        EXPECT_TRUE(found) << "not reported: " << describe(w);
    }
    for (std::size_t i = 0; i < got.size(); ++i)
        EXPECT_TRUE(matched[i]) << "reported but not in the fixture (a dose not received?): " << describe(got[i]);
}

TEST(ImmunisationHistory, ReportsTheDosesReceivedWithTargetDateAndVaccineCode) {
    const auto doses = history(promised().nhsNumber, promised().targets);
    for (const auto& d : doses) {
        EXPECT_NE(std::find(promised().targets.begin(), promised().targets.end(), d.target), promised().targets.end())
            << "a dose of a target not asked about: " << describe(d);
        EXPECT_TRUE(clinhub::kit::parseDate(d.occurredOn).has_value())
            << "occurred_on is not YYYY-MM-DD: " << describe(d);
        EXPECT_FALSE(d.vaccineCode.empty()) << describe(d);
        EXPECT_GE(d.doseNumber, 0) << describe(d);
    }
    expectPromised(doses, promised().targets);
}

TEST(ImmunisationHistory, EachTargetAskedAloneGivesJustItsDoses) {
    for (const auto& target : promised().targets) {
        SCOPED_TRACE(target);
        expectPromised(history(promised().nhsNumber, {target}), {target});
    }
}

TEST(ImmunisationHistory, APatientWithoutDosesHasNone) {
    if (promised().nhsNumberWithoutDoses.empty())
        GTEST_SKIP() << "the fixture has no immunisations.nhs_number_without_doses";
    EXPECT_TRUE(history(promised().nhsNumberWithoutDoses, promised().targets).empty());
}

TEST(ImmunisationHistory, AnUnknownPatientHasNone) {
    EXPECT_TRUE(history(promised().unknownNhsNumber, promised().targets).empty());
}

TEST(ImmunisationHistory, AnInvalidNhsNumberIsPermanent) {
    std::vector<Immunisation> doses;
    // A wrong check digit (docs/domain.md's test vector): no record service can answer for it.
    const Result r = kit().records().history("9990000010", promised().targets, doses);
    EXPECT_EQ(r.status, Status::permanent) << toString(r.status) << ": " << r.message;
    EXPECT_TRUE(doses.empty());
}

TEST(ImmunisationFaults, ATimeoutIsRetryable) {
    if (!kit().fixture.timeoutFault) GTEST_SKIP() << "the fixture has no faults.timeout (a plugin without a wire)";
    Fault fault(*kit().fixture.timeoutFault);
    std::vector<Immunisation> doses;
    const Result r = kit().records().history(promised().nhsNumber, promised().targets, doses);
    EXPECT_EQ(r.status, Status::retryable) << toString(r.status) << ": " << r.message;
    EXPECT_TRUE(doses.empty()) << "a call that failed reports no doses";
}

TEST(ImmunisationFaults, AMalformedReplyIsPermanentAndSaysWhatWasWrong) {
    if (!kit().fixture.malformedFault) GTEST_SKIP() << "the fixture has no faults.malformed (a plugin without a wire)";
    Fault fault(*kit().fixture.malformedFault);
    std::vector<Immunisation> doses;
    const Result r = kit().records().history(promised().nhsNumber, promised().targets, doses);
    EXPECT_EQ(r.status, Status::permanent) << toString(r.status) << ": " << r.message;
    EXPECT_FALSE(r.message.empty());
    EXPECT_EQ(r.message.find(promised().nhsNumber), std::string::npos)
        << "the message names the patient: " << r.message;
    EXPECT_TRUE(doses.empty()) << "a call that failed reports no doses";
}

} // namespace
} // namespace clinhub::conformance
