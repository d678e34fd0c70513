// Retention over a real store: what each organisation's retention_days makes the hub forget, what it keeps
// for reports, and that a second run finds nothing.
#include "tests/workflows/SelfBookFixture.h"

#include "hub/workflows/BatchSelfBook.h"
#include "hub/workflows/Retention.h"

#include <sstream>

using namespace Poco::Data::Keywords;

namespace clinhub::test {
namespace {

constexpr int64_t kDay = 86'400LL * 1'000'000;

// The first patient has a link open already (createLink), so only the last row can be sent.
const std::string kList = "NHS Number,Mobile Number,Date of Birth,Name\r\n"
                          "999 526 0182,07700 900123,14/03/1956,Testy\r\n"     // has a link open: cannot
                          "9995260183,07700 900124,1956-03-14,Wrong Check\r\n" // check digit: cannot
                          "9990000018,+447700900126,19900101,Quoted\r\n";      // can be sent

class Retention : public SelfBookFixture {
protected:
    void SetUp() override {
        SelfBookFixture::SetUp();
        batches =
            std::make_unique<workflows::BatchSelfBook>(*store, *current, *selfBook, [this] { return clock.load(); });
    }

    // A link sent by hand, a batch sent to one patient (two rows refused), every invite SMS failed for good,
    // and a vaccination cohort member who completed their course.
    void finishedWork() {
        createLink();
        auto batch = batches->create("A12345", {"flu", "{{practice}}: book: {{url}}", {}, false, {}});
        std::istringstream csv(kList);
        batch = batches->upload("A12345", batch.id, csv);
        batchId = batch.id;
        batches->send("A12345", batch.id);
        while (batches->mintPending(10) > 0) {
        }
        outbox::Outbox box(*store);
        std::vector<outbox::Outcome> failed;
        for (const auto& m : box.claim(100, store::nowMicros(), 60'000'000))
            failed.push_back(outbox::Outcome::failed(m.reference, 3, "provider said no"));
        box.settle(failed);
        store->write([&](store::Session& s) {
            int64_t at = clock.load();
            s << "INSERT INTO cohort_members (id, organisation, campaign, nhs_number, name, date_of_birth, mobile, "
                 "status, doses, created_at, updated_at) VALUES ('mem-1', 'A12345', 'covid', '9995260182', 'Testy', "
                 "'1956-03-14', '+447700900123', 'completed', 2, ?, ?)",
                use(at), use(at), now;
        });
    }

    workflows::Forgotten prune(int64_t daysFromNow, bool dryRun, int retentionDays = 90) {
        const int64_t at = store::nowMicros() + daysFromNow * kDay;
        return workflows::Retention(*store, [at] { return at; }).prune("A12345", retentionDays, dryRun);
    }

    // Every column of the tables that hold patient details, as text, for looking through.
    std::string everything() {
        std::string all;
        auto s = store->session();
        for (const char* sql :
             {"SELECT nhs_number || '|' || date_of_birth || '|' || mobile || '|' || COALESCE(name, '') FROM links",
              "SELECT COALESCE(fields, '') || '|' || COALESCE(nhs_number, '') || '|' || COALESCE(mobile, '') || '|' "
              "|| COALESCE(date_of_birth, '') || '|' || COALESCE(name, '') FROM batch_rows",
              "SELECT nhs_number || '|' || date_of_birth || '|' || COALESCE(mobile, '') || '|' || COALESCE(name, '') "
              "FROM cohort_members",
              "SELECT payload || '|' || COALESCE(after_sent, '') FROM outbox WHERE state <> 'queued'"}) {
            std::vector<std::string> rows;
            s << sql, into(rows), now;
            for (const auto& r : rows)
                all += r + "\n";
        }
        return all;
    }

    std::unique_ptr<workflows::BatchSelfBook> batches;
    std::string batchId;
};

TEST_F(Retention, PastRetentionDaysEveryKindOfPatientDetailIsForgottenAndStatesAndCountsStay) {
    finishedWork();
    const auto within = prune(50, true);
    EXPECT_EQ(within.total(), 0) << "the link expired 43 days before: inside 90 days";

    const auto wouldGo = prune(100, true);
    EXPECT_EQ(wouldGo.links, 2);
    EXPECT_EQ(wouldGo.batchRows, 1);
    EXPECT_EQ(wouldGo.rejectedRows, 2);
    EXPECT_EQ(wouldGo.cohortMembers, 1);
    EXPECT_EQ(wouldGo.messagePayloads, 2);
    EXPECT_NE(everything().find("9995260182"), std::string::npos) << "a dry run changes nothing";

    const auto gone = prune(100, false);
    EXPECT_EQ(gone.byKind(), wouldGo.byKind());
    const auto left = everything();
    for (const char* detail : {"9995260182", "9990000018", "9995260183", "1956-03-14", "7700900123", "7700 900124",
                               "Testy", "Quoted", "book: https"})
        EXPECT_EQ(left.find(detail), std::string::npos) << detail << " in\n" << left;

    const auto batch = batches->find("A12345", batchId);
    EXPECT_EQ(batch->state, "sent");
    EXPECT_EQ(batch->canSend, 1);
    EXPECT_EQ(batch->cannotSend, 2);
    EXPECT_EQ(batch->minted, 1);
    auto s = store->session();
    int links = 0;
    std::string status;
    s << "SELECT COUNT(*) FROM links WHERE organisation = 'A12345' AND state = 'sent'", into(links), now;
    s << "SELECT status FROM cohort_members WHERE id = 'mem-1'", into(status), now;
    EXPECT_EQ(links, 2);
    EXPECT_EQ(status, "completed");

    EXPECT_EQ(prune(100, false).total(), 0) << "a second run finds nothing left to forget";
}

TEST_F(Retention, ALongerRetentionKeepsWhatAShorterOneForgets) {
    finishedWork();
    EXPECT_EQ(prune(100, true, 365).total(), 0);
    EXPECT_EQ(prune(100, true, 7).links, 2);
}

TEST_F(Retention, AForgottenDeadLetterCannotBeSentAgain) {
    finishedWork();
    const auto failed = outbox::Outbox(*store).list("A12345", "failed", 1);
    ASSERT_EQ(failed.size(), 1U);
    prune(100, false);
    EXPECT_EQ(outbox::Outbox(*store).requeue("A12345", failed.front().reference), outbox::Requeue::forgotten);
}

TEST_F(Retention, ThousandsOfRowsAreForgottenAFewHundredPerTransactionUntilNoneAreLeft) {
    std::vector<outbox::NewMessage> many(1'234, {"A12345", outbox::Channel::sms, R"({"to":"+447700900123"})", 0});
    std::vector<std::string> references;
    store->write([&](store::Session& s) { references = outbox::Outbox::enqueueAll(s, many); });
    std::vector<outbox::Outcome> sent;
    for (const auto& r : references)
        sent.push_back(outbox::Outcome::failed(r, 1, "gone"));
    outbox::Outbox(*store).settle(sent);
    EXPECT_EQ(prune(100, false).messagePayloads, 1'234);
    EXPECT_EQ(prune(100, true).messagePayloads, 0);
}

} // namespace
} // namespace clinhub::test
