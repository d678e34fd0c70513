// An outbox payload carries a live link and patient details until it is sent: at rest it is sealed
// (store::DataKeys), so a copy of the database shows none of it.
#include "tests/outbox/OutboxFixture.h"

#include <filesystem>
#include <sstream>

using namespace Poco::Data::Keywords;

namespace clinhub::test {
namespace {

// What must never be readable from the database: a link's token, an NHS number, a date of birth, a mobile.
const std::vector<std::string> kSecrets = {"Tok3nNeverInClear", "9990001112", "1956-03-14", "7700900123",
                                           "07700 900123"};

const std::string kSms = R"({"to":"+447700900123","body":"Book at https://hub.example/b/Tok3nNeverInClear"})";
const std::string kRecord = R"({"patient":{"nhs_number":"9990001112","date_of_birth":"1956-03-14"},)"
                            R"("code":"1324681000000101","term":"Seasonal influenza vaccination"})";

class OutboxAtRest : public OutboxFixture {
protected:
    std::string enqueueBoth() {
        auto record = std::make_shared<outbox::NewMessage>(
            outbox::NewMessage{"A12345", outbox::Channel::record, kRecord, 0, nullptr});
        return outbox->enqueue({"A12345", outbox::Channel::sms, kSms, 0, record});
    }

    // Every payload and follow-up as the database holds them.
    std::string rawColumns() {
        auto s = store->session();
        std::vector<std::string> payloads, follow;
        s << "SELECT payload, COALESCE(after_sent, '') FROM outbox", into(payloads), into(follow), now;
        std::string all;
        for (std::size_t i = 0; i < payloads.size(); ++i)
            all += payloads[i] + "\n" + follow[i] + "\n";
        return all;
    }

    // The SQLite database's files, byte for byte, as a backup would copy them.
    std::string sqliteFiles() {
        std::string all;
        for (const char* suffix : {"", "-wal", "-journal"}) {
            std::ifstream in(dir.file("hub.db") + suffix, std::ios::binary);
            std::stringstream bytes;
            bytes << in.rdbuf();
            all += bytes.str();
        }
        return all;
    }
};

TEST_F(OutboxAtRest, AQueuedMessageAndItsFollowUpHoldNoLinkOrPatientDetailInClear) {
    enqueueBoth();
    const auto raw = rawColumns();
    ASSERT_NE(raw.find("sealed:v1:"), std::string::npos) << raw;
    for (const auto& secret : kSecrets)
        EXPECT_EQ(raw.find(secret), std::string::npos) << secret << " in " << raw;
    if (!db.postgresql()) {
        const auto files = sqliteFiles();
        ASSERT_GT(files.size(), 4096U);
        for (const auto& secret : kSecrets)
            EXPECT_EQ(files.find(secret), std::string::npos) << secret << " in the SQLite file";
    }
}

TEST_F(OutboxAtRest, AClaimedMessageComesBackOpenedAndItsSentFollowUpIsSealedToo) {
    const auto reference = enqueueBoth();
    const auto claimed = outbox->claim(10, clinhub::store::nowMicros(), 60'000'000);
    ASSERT_EQ(claimed.size(), 1U);
    EXPECT_EQ(claimed[0].payloadJson, kSms);
    EXPECT_TRUE(claimed[0].unreadable.empty());

    outbox->settle({outbox::Outcome::sent(reference, "sms", "provider-1")});
    const auto record = outbox->claim(10, clinhub::store::nowMicros(), 60'000'000);
    ASSERT_EQ(record.size(), 1U);
    EXPECT_EQ(record[0].channel, outbox::Channel::record);
    EXPECT_EQ(record[0].payloadJson, kRecord);
    const auto raw = rawColumns();
    for (const auto& secret : kSecrets)
        EXPECT_EQ(raw.find(secret), std::string::npos) << secret << " in " << raw;
}

TEST_F(OutboxAtRest, ASentMessageKeepsNoBodyAtAll) {
    const auto reference = enqueueBoth();
    outbox->claim(10, clinhub::store::nowMicros(), 60'000'000);
    outbox->settle({outbox::Outcome::sent(reference, "sms", "provider-1")});
    auto s = store->session();
    std::string payload, follow;
    std::string ref = reference;
    s << "SELECT payload, COALESCE(after_sent, '') FROM outbox WHERE reference = ?", use(ref), into(payload),
        into(follow), now;
    EXPECT_EQ(payload, "{}");
    EXPECT_EQ(follow, "");
}

TEST_F(OutboxAtRest, APayloadMovedToAnotherMessageIsAFailureNotASend) {
    const auto a = enqueueSms();
    const auto b = enqueueSms();
    store->write([&](clinhub::store::Session& s) {
        std::string from = a;
        std::string to = b;
        s << "UPDATE outbox SET payload = (SELECT payload FROM outbox WHERE reference = ?) WHERE reference = ?",
            use(from), use(to), now;
    });
    addConnector("sms", "ok");
    outbox::Dispatcher dispatcher(*outbox, routes, settings());
    dispatcher.runOnce();
    EXPECT_EQ(outbox->find(a)->state, "sent");
    const auto moved = outbox->find(b);
    EXPECT_EQ(moved->state, "failed");
    EXPECT_NE(moved->lastError.find("payload cannot be opened"), std::string::npos) << moved->lastError;
    EXPECT_EQ(journal("sms").size(), 1U);
}

TEST_F(OutboxAtRest, AStoreGivenOtherKeysCannotReadWhatThisOneQueued) {
    const auto reference = enqueueSms();
    auto other = clinhub::store::Store::open(db.url());
    other->useKeys(clinhub::store::DataKeys::parse("other:YW5vdGhlci10ZXN0LWtleS1ub2JvZHktdXNlcy1pdCE="));
    const auto seen = outbox::Outbox(*other).find(reference);
    ASSERT_TRUE(seen.has_value());
    EXPECT_TRUE(seen->payloadJson.empty());
    EXPECT_NE(seen->unreadable.find("'process'"), std::string::npos) << seen->unreadable;
}

} // namespace
} // namespace clinhub::test
