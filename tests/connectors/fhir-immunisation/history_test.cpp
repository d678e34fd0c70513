// What a search finds: each dose received, with its target, vaccine, date and dose number; nothing for
// records that are not doses (not done, entered in error), for a patient without records or one unknown.
#include "ImmunisationFixture.h"

#include <Poco/URI.h>

#include <algorithm>
#include <atomic>
#include <regex>
#include <thread>

namespace {

using namespace clinhub::test;
using clinhub::Immunisation;
using clinhub::Status;

const Immunisation* find(const std::vector<Immunisation>& doses, const std::string& target, int dose) {
    const auto it = std::find_if(doses.begin(), doses.end(),
                                 [&](const Immunisation& d) { return d.target == target && d.doseNumber == dose; });
    return it == doses.end() ? nullptr : &*it;
}

using HistoryTest = ImmunisationTest;

TEST_F(HistoryTest, ReportsEachDoseReceivedWithItsVaccineDateAndDoseNumber) {
    auto& r = records();
    const auto h = history(r, kVaccinated, {"COVID", "FLU"});
    ASSERT_TRUE(h.result.ok()) << h.result.message;
    ASSERT_EQ(h.doses.size(), 3U) << "two COVID doses and a flu dose; not-done and entered-in-error are not doses";
    const auto* first = find(h.doses, "COVID", 1);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->vaccineCode, kPfizer);
    EXPECT_NE(first->vaccineDisplay.find("Comirnaty"), std::string::npos) << first->vaccineDisplay;
    EXPECT_EQ(first->occurredOn, "2021-01-10");
    const auto* second = find(h.doses, "COVID", 2);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(second->vaccineCode, kPfizer) << "the entered-in-error Moderna dose 2 is not reported";
    EXPECT_EQ(second->occurredOn, "2021-03-14");
    const auto* flu = find(h.doses, "FLU", 1);
    ASSERT_NE(flu, nullptr);
    EXPECT_EQ(flu->occurredOn, "2024-10-05") << "the not-done flu record of 2025 is not a dose";
    EXPECT_EQ(flu->vaccineCode, "39566211000001103");
}

TEST_F(HistoryTest, TellsVaccineTypesApartForTheSecondDoseRule) {
    auto& r = records();
    const auto h = history(r, kModerna, {"COVID"});
    ASSERT_TRUE(h.result.ok()) << h.result.message;
    ASSERT_EQ(h.doses.size(), 1U);
    EXPECT_EQ(h.doses[0].target, "COVID");
    EXPECT_EQ(h.doses[0].vaccineCode, kModernaCode);
    EXPECT_EQ(h.doses[0].doseNumber, 1) << "doseNumberString \"1\"";
    EXPECT_EQ(h.doses[0].occurredOn, "2021-04-20") << "the date as recorded, in its own offset";
}

TEST_F(HistoryTest, MapsEachRecordToTheTargetItsDiseaseCodesName) {
    auto& r = records();
    const auto h = history(r, kModerna, {"covid", "RSV", "mmr"});
    ASSERT_TRUE(h.result.ok()) << h.result.message;
    ASSERT_EQ(h.doses.size(), 3U);
    EXPECT_NE(find(h.doses, "COVID", 1), nullptr);
    EXPECT_NE(find(h.doses, "RSV", 1), nullptr);
    const auto* mmr = find(h.doses, "MMR", 2);
    ASSERT_NE(mmr, nullptr) << "measles + mumps + rubella is MMR; doseNumberString \"Dose 2\" is dose 2";
    EXPECT_EQ(mmr->occurredOn, "2019-06-03");
}

TEST_F(HistoryTest, OnlyTheTargetsAskedForAreReported) {
    auto& r = records();
    const auto h = history(r, kVaccinated, {"FLU"});
    ASSERT_TRUE(h.result.ok()) << h.result.message;
    ASSERT_EQ(h.doses.size(), 1U);
    EXPECT_EQ(h.doses[0].target, "FLU");
}

TEST_F(HistoryTest, APatientWithoutRecordsOrUnknownHasNoDoses) {
    auto& r = records();
    for (const char* nhs : {kNoRecords, kUnknown}) {
        const auto h = history(r, nhs, {"COVID", "FLU", "MMR", "RSV"});
        EXPECT_TRUE(h.result.ok()) << nhs << ": " << h.result.message;
        EXPECT_TRUE(h.doses.empty()) << nhs;
    }
}

TEST_F(HistoryTest, SendsTheSearchTheApiSpecifies) {
    auto& r = records();
    ASSERT_TRUE(history(r, "999 526 0182", {"COVID", "FLU"}).result.ok());
    const auto last = stats()->getObject("last_search");
    std::string query;
    Poco::URI::decode(last->getValue<std::string>("query"), query);
    EXPECT_EQ(query, "patient.identifier=https://fhir.nhs.uk/Id/nhs-number|9995260182&-immunization.target=COVID,FLU");
    EXPECT_EQ(last->getValue<std::string>("accept"), "application/fhir+json");
    EXPECT_TRUE(std::regex_match(last->getValue<std::string>("request_id"),
                                 std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
        << "X-Request-ID is a random UUID: " << last->getValue<std::string>("request_id");
}

TEST_F(HistoryTest, LookbackDaysLimitsTheSearchToRecentDoses) {
    auto& r = records(config(R"(, "lookback_days": 3650)"));
    const auto h = history(r, kVaccinated, {"FLU"});
    ASSERT_TRUE(h.result.ok()) << h.result.message;
    std::string query;
    Poco::URI::decode(stats()->getObject("last_search")->getValue<std::string>("query"), query);
    EXPECT_TRUE(std::regex_search(query, std::regex("&-date\\.from=20[0-9]{2}-[01][0-9]-[0-3][0-9]$"))) << query;
    EXPECT_EQ(h.doses.size(), 1U);

    auto& recent = records(config(R"(, "lookback_days": 1)"));
    const auto none = history(recent, kVaccinated, {"COVID", "FLU"});
    ASSERT_TRUE(none.result.ok()) << none.result.message;
    EXPECT_TRUE(none.doses.empty()) << "every dose in the fixture is older than a day";
}

TEST_F(HistoryTest, AnInvalidNhsNumberOrTargetIsRefusedWithoutASearch) {
    auto& r = records();
    auto h = history(r, "9995260183", {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_EQ(h.result.message, "not a valid NHS number");
    h = history(r, kVaccinated, {"COVID&-date.from=2020-01-01"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("is not a vaccination type"), std::string::npos) << h.result.message;
    h = history(r, kVaccinated, {});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_EQ(stat("searches"), 0);
    EXPECT_EQ(stat("token_requests"), 0);
}

TEST_F(HistoryTest, ConcurrentCallsFromHubThreadsAllAnswerAndShareOneToken) {
    auto& r = records();
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&, i] {
            const auto h = history(r, i % 2 ? kVaccinated : kModerna, {"COVID"});
            if (h.result.ok() && h.doses.size() == (i % 2 ? 2U : 1U)) ++good;
        });
    for (auto& t : threads)
        t.join();
    EXPECT_EQ(good, 8);
    EXPECT_EQ(stat("token_requests"), 1) << "threads waiting for a token share the one fetched";
    EXPECT_EQ(stat("searches"), 8);
}

} // namespace
