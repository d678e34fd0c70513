#include "hub/cohorts/Labeller.h"
#include "tests/TestNhsNumbers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

using clinhub::Immunisation;
using clinhub::Result;
using clinhub::cohorts::Labeller;
using clinhub::cohorts::ToLabel;
namespace cohort = clinhub::domain::cohort;

namespace {

// The records as the ImmunisationRecords C++ interface answers them: each NHS number's doses, or a
// failure from the n-th lookup on.
class Records final : public clinhub::ImmunisationRecords {
public:
    Result history(const std::string& nhsNumber, const std::vector<std::string>& targets,
                   std::vector<Immunisation>& doses) override {
        const int n = ++asked;
        {
            const std::lock_guard lock(mutex);
            lastTargets = targets;
        }
        if (failFrom > 0 && n >= failFrom) return Result::retryable(failure);
        const auto it = byPatient.find(nhsNumber);
        doses = it == byPatient.end() ? std::vector<Immunisation>{} : it->second;
        return Result::success();
    }

    std::map<std::string, std::vector<Immunisation>> byPatient;
    std::atomic<int> asked{0};
    int failFrom = 0;
    std::string failure = "the records service is down";
    std::mutex mutex;
    std::vector<std::string> lastTargets;
};

Immunisation dose(const std::string& on, const std::string& code = "39114911000001105") {
    return {"COVID19", code, "Comirnaty", on, 0};
}

TEST(Labeller, LabelsFromTheDosesTheRecordsSayWereReceived) {
    Records records;
    records.byPatient["9995260182"] = {dose("2026-01-05")};
    records.byPatient["9991590838"] = {dose("2026-01-05"), dose("2026-03-01")};
    const Labeller labeller(&records, "COVID19", 2);

    const auto none = labeller.label({"9990166137", true});
    ASSERT_TRUE(none.ok);
    EXPECT_EQ(none.status, cohort::awaitingResponse1);
    EXPECT_EQ(none.course.received, 0);

    const auto one = labeller.label({"9995260182", true});
    ASSERT_TRUE(one.ok);
    EXPECT_EQ(one.status, cohort::awaiting2ndInvite);
    ASSERT_TRUE(one.course.first.has_value());
    EXPECT_EQ(one.course.first->occurredOn, "2026-01-05");

    const auto both = labeller.label({"9991590838", true});
    EXPECT_EQ(both.status, cohort::completed);
    EXPECT_EQ(both.course.received, 2);
    EXPECT_EQ(records.lastTargets, std::vector<std::string>{"COVID19"});
}

TEST(Labeller, SaysToBookByHandSomeoneWithoutAMobile) {
    Records records;
    const Labeller labeller(&records, "COVID19", 2);
    EXPECT_EQ(labeller.label({"9990166137", false}).status, cohort::toManuallyBook1);
}

TEST(Labeller, GivesNoLabelWhenNoRecordsAreRouted) {
    const Labeller labeller(nullptr, "COVID19", 2);
    const auto l = labeller.label({"9990166137", true});
    EXPECT_FALSE(l.ok);
    EXPECT_EQ(l.status, "");
    EXPECT_EQ(l.error, "no immunisation records connector is routed");
}

TEST(Labeller, GivesNoLabelWhenTheRecordsDoNotAnswer) {
    Records records;
    records.failFrom = 1;
    records.failure = "";
    const auto l = Labeller(&records, "COVID19", 2).label({"9990166137", true});
    EXPECT_FALSE(l.ok);
    EXPECT_EQ(l.error, "the immunisation records did not answer");
}

TEST(Labeller, LabelsAManyPatientListInItsOwnOrder) {
    Records records;
    clinhub::test::TestNhsNumbers numbers;
    std::vector<ToLabel> patients;
    for (int i = 0; i < 50; ++i) {
        const std::string nhs = numbers.next();
        if (i % 2 == 1) records.byPatient[nhs] = {dose("2026-01-05")};
        patients.push_back({nhs, true});
    }
    const auto labels = Labeller(&records, "COVID19", 2).labelAll(patients);
    ASSERT_EQ(labels.size(), patients.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        ASSERT_TRUE(labels[i].ok) << i;
        EXPECT_EQ(labels[i].status, i % 2 == 1 ? cohort::awaiting2ndInvite : cohort::awaitingResponse1) << i;
    }
    EXPECT_EQ(records.asked, 50);
}

TEST(Labeller, StopsAskingOnceTheRecordsAreDownAndGivesTheRestTheSameReason) {
    Records records;
    records.failFrom = 3;
    std::vector<ToLabel> patients(200, ToLabel{"9990166137", true});
    const auto labels = Labeller(&records, "COVID19", 2).labelAll(patients);
    ASSERT_EQ(labels.size(), patients.size());
    // Only the lookups already in flight when the first failed were made.
    EXPECT_LE(records.asked, 2 + static_cast<int>(Labeller::kLookupsInFlight));
    int failed = 0;
    for (const auto& l : labels) {
        if (l.ok) continue;
        ++failed;
        EXPECT_EQ(l.error, "the records service is down");
    }
    EXPECT_GE(failed, 200 - 2);
}

TEST(Labeller, LabelsAnEmptyListWithoutAsking) {
    Records records;
    EXPECT_TRUE(Labeller(&records, "COVID19", 2).labelAll({}).empty());
    EXPECT_EQ(records.asked, 0);
}

} // namespace
