// Sending through NHS Notify: the signed-JWT token obtained once and reused, the provider's message id, one
// message per messageReference however often it is sent, lookup of what this instance sent, and no patient
// data in the log.
#include "NhsNotifyFixture.h"

namespace {

using namespace clinhub::test;
using clinhub::Delivery;
using clinhub::DeliveryState;
using clinhub::PatientChannel;
using clinhub::Receipt;
using clinhub::Result;
using clinhub::Status;

using MessagesTest = NhsNotifyTest;

TEST_F(MessagesTest, ATokenIsObtainedOnceAndServesEverySend) {
    auto& m = messenger();
    for (int i = 0; i < 3; ++i) {
        std::string id;
        const Result r = m.send(message(kReadsApp, "msg-token-" + std::to_string(i)), id);
        ASSERT_TRUE(r.ok()) << r.message;
    }
    EXPECT_EQ(stat("token_requests"), 1);
    EXPECT_EQ(stat("tokens_refused"), 0) << stats()->getValue<std::string>("last_refusal");
    EXPECT_EQ(stat("creates"), 3);
    EXPECT_EQ(stat("bearer_refused"), 0);
}

TEST_F(MessagesTest, ARevokedTokenIsReplacedOnceAndTheSendGoesThrough) {
    auto& m = messenger();
    std::string id;
    ASSERT_TRUE(m.send(message(kReadsApp, "msg-revoke-1"), id).ok());
    sim_->control("POST", "/_sim/revoke");
    const Result r = m.send(message(kReadsApp, "msg-revoke-2"), id);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(stat("token_requests"), 2);
    EXPECT_EQ(stat("creates"), 2);
}

TEST_F(MessagesTest, ASendAnswersWithNhsNotifysMessageId) {
    auto& m = messenger();
    std::string id;
    const Result r = m.send(message(kReadsApp, "msg-0190f5c2-7a1e-7b3c-9d4e-5f6a7b8c9d0e"), id);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(id.size(), 27U) << "a KSUID: " << id;
}

TEST_F(MessagesTest, TheSameReferenceTwiceIsOneMessage) {
    auto& m = messenger();
    std::string first, second;
    ASSERT_TRUE(m.send(message(kNotOnApp, "msg-twice"), first).ok());
    const Result again = m.send(message(kNotOnApp, "msg-twice"), second);
    ASSERT_TRUE(again.ok()) << again.message;
    EXPECT_EQ(second, first) << "this instance remembers the id NHS Notify gave";
    EXPECT_NE(again.message.find("already held"), std::string::npos) << again.message;
    EXPECT_EQ(stat("creates"), 1);
    EXPECT_EQ(stat("duplicates"), 1);
    ASSERT_TRUE(receiptsUntil(
        m, [](const auto& all) { return has(all, "msg-twice", PatientChannel::unknown, DeliveryState::delivered); }));
    EXPECT_EQ(sentOn("msg-twice", "sms"), 1) << "one SMS fallback for the reference";
}

TEST_F(MessagesTest, AReferenceSentByAnotherProcessIsTakenAsSentNotSentAgain) {
    std::string id;
    ASSERT_TRUE(messenger().send(message(kReadsApp, "msg-before-crash"), id).ok());
    // A new instance knows nothing of the first one's sends, as after a restart.
    auto& restarted = messenger();
    std::string again;
    const Result r = restarted.send(message(kReadsApp, "msg-before-crash"), again);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_TRUE(again.empty()) << "NHS Notify's duplicate answer carries no id";
    EXPECT_EQ(stat("creates"), 1);
}

TEST_F(MessagesTest, LookupReportsTheMessageAndItsChannels) {
    auto& m = messenger();
    std::string id;
    ASSERT_TRUE(m.send(message(kNotOnApp, "msg-lookup"), id).ok());
    ASSERT_TRUE(receiptsUntil(
        m, [](const auto& all) { return has(all, "msg-lookup", PatientChannel::unknown, DeliveryState::delivered); }));
    Delivery d;
    std::vector<Receipt> channels;
    const Result r = m.lookup("msg-lookup", d, channels);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(d.state, DeliveryState::delivered);
    EXPECT_EQ(d.providerId, id);
    ASSERT_EQ(channels.size(), 2U);
    EXPECT_EQ(channels[0].channel, PatientChannel::nhsApp);
    EXPECT_EQ(channels[0].state, DeliveryState::failed);
    EXPECT_EQ(channels[1].channel, PatientChannel::sms);
    EXPECT_EQ(channels[1].state, DeliveryState::delivered);
    EXPECT_EQ(channels[1].reference, "msg-lookup");
}

TEST_F(MessagesTest, LookupOfAReferenceThisInstanceDidNotSendCannotTell) {
    auto& m = messenger();
    Delivery d;
    std::vector<Receipt> channels;
    const Result r = m.lookup("msg-never-seen", d, channels);
    EXPECT_EQ(r.status, Status::permanent) << "NHS Notify finds messages by its own id only";
    EXPECT_NE(r.message.find("cannot tell"), std::string::npos) << r.message;
    EXPECT_EQ(stat("gets"), 0);
}

TEST_F(MessagesTest, NeitherNhsNumberNorTextReachesTheLog) {
    auto& m = messenger();
    std::string id;
    ASSERT_TRUE(m.send(message(kReadsApp, "msg-log"), id).ok());
    ASSERT_TRUE(m.send(message(kReadsApp, "msg-log"), id).ok());
    for (const auto& line : plugin_.logLines()) {
        EXPECT_EQ(line.find(kReadsApp), std::string::npos) << line;
        EXPECT_EQ(line.find("flu vaccination"), std::string::npos) << line;
    }
}

TEST_F(MessagesTest, TheGlobalPlansSayWhetherTheyCascade) {
    EXPECT_TRUE(plugin_.cascades(config()));
    EXPECT_FALSE(plugin_.cascades(config(std::string(R"(, "routing_plan_id": ")") + kAppOnly + "\"")));
    const std::string own = R"(, "routing_plan_id": "6a0e8f2c-1b3d-4e5f-8a9b-0c1d2e3f4a5b", "body_fields": ["text"])";
    EXPECT_TRUE(plugin_.cascades(config(own))) << "another plan cascades unless the config says not";
    EXPECT_FALSE(plugin_.cascades(config(own + R"(, "routing_plan_cascades": false)")));
    const auto errors = plugin_.checkConfig(
        config(std::string(R"(, "routing_plan_id": ")") + kAppOnly + R"(", "routing_plan_cascades": true)"));
    ASSERT_EQ(errors.size(), 1U);
    EXPECT_EQ(errors[0].pointer, "/routing_plan_cascades");
}

} // namespace
