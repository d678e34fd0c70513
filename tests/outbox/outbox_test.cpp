#include "tests/outbox/OutboxFixture.h"

using namespace Poco::Data::Keywords;

namespace clinhub::test {
namespace {

using OutboxQueue = OutboxFixture;

TEST_F(OutboxQueue, AMessageEnqueuedInARolledBackTransactionNeverExists) {
    EXPECT_THROW(store->write([&](clinhub::store::Session& s) {
        outbox::Outbox::enqueue(s, {"A12345", outbox::Channel::sms, "{}", 0});
        throw std::runtime_error("the workflow failed after queueing");
    }),
                 std::runtime_error);
    EXPECT_EQ(outbox->countByState()["queued"], 0);
}

TEST_F(OutboxQueue, ReferencesAreUniqueAndCarryNoPersonalData) {
    const auto a = enqueueSms();
    const auto b = enqueueSms();
    EXPECT_NE(a, b);
    EXPECT_EQ(a.rfind("msg-", 0), 0U);
    EXPECT_EQ(a.find("7700"), std::string::npos);
}

TEST_F(OutboxQueue, AClaimedMessageIsNotClaimedAgainWhileItsLeaseHolds) {
    enqueueSms();
    const auto now = store::nowMicros();
    ASSERT_EQ(outbox->claim(10, now, 60'000'000).size(), 1U);
    EXPECT_TRUE(outbox->claim(10, now, 60'000'000).empty());
    const auto lapsed = outbox->claim(10, now + 61'000'000, 60'000'000);
    ASSERT_EQ(lapsed.size(), 1U);
    EXPECT_TRUE(lapsed.front().interrupted) << "a lapsed claim must be reconciled before resending";
}

TEST_F(OutboxQueue, AMessageIsNotClaimedBeforeItIsDue) {
    outbox->enqueue({"A12345", outbox::Channel::sms, "{}", store::nowMicros() + 3'600'000'000});
    EXPECT_TRUE(outbox->claim(10, store::nowMicros(), 1'000'000).empty());
}

TEST_F(OutboxQueue, MessagesSurviveARestartOfTheStore) {
    const auto reference = enqueueSms();
    outbox.reset();
    store.reset(); // the process goes away
    openStore();
    const auto message = outbox->find(reference);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(message->state, "queued");
    EXPECT_EQ(message->payloadJson, R"({"to":"+447700900123","body":"hello"})");
}

TEST(Backoff, GrowsExponentiallyWithinJitterAndStopsAtTheCap) {
    const outbox::Backoff backoff(30'000'000, 3'600'000'000);
    std::mt19937_64 random(42);
    for (int i = 0; i < 100; ++i) {
        const auto first = backoff.delay(1, random);
        EXPECT_GE(first, 15'000'000);
        EXPECT_LE(first, 30'000'000);
        const auto third = backoff.delay(3, random);
        EXPECT_GE(third, 60'000'000);
        EXPECT_LE(third, 120'000'000);
        const auto late = backoff.delay(40, random);
        EXPECT_GE(late, 1'800'000'000);
        EXPECT_LE(late, 3'600'000'000);
    }
}

} // namespace
} // namespace clinhub::test
