// What happens to a message after NHS Notify takes it, as its signed callbacks tell the connector: read in
// the NHS App; not on the app, so the plan's SMS at once; unread when the plan's wait is over, so the SMS
// then (driven by the simulator's clock); an NHS App-only plan failing instead; a patient PDS does not know.
// And callbacks not signed as NHS Notify signs them are refused.
#include "NhsNotifyFixture.h"

namespace {

using namespace clinhub::test;
using clinhub::DeliveryState;
using clinhub::PatientChannel;
using clinhub::Receipt;
using clinhub::Result;
using clinhub::Status;

using FallbackTest = NhsNotifyTest;

TEST_F(FallbackTest, AnAppUserHasItDeliveredThenRead) {
    auto& m = messenger();
    std::string id;
    ASSERT_TRUE(m.send(message(kReadsApp, "msg-reads"), id).ok());
    ASSERT_TRUE(receiptsUntil(
        m, [](const auto& all) { return has(all, "msg-reads", PatientChannel::unknown, DeliveryState::delivered); }));
    EXPECT_TRUE(has(received_, "msg-reads", PatientChannel::nhsApp, DeliveryState::delivered)) << "in the inbox";
    const Receipt* read = find(received_, "msg-reads", PatientChannel::nhsApp, DeliveryState::read);
    ASSERT_NE(read, nullptr);
    EXPECT_NE(read->detail.find("read"), std::string::npos) << read->detail;
    // channel_receipt carries no provider id; the message's receipt does.
    EXPECT_EQ(find(received_, "msg-reads", PatientChannel::unknown, DeliveryState::delivered)->providerId, id);
    EXPECT_FALSE(has(received_, "msg-reads", PatientChannel::sms, DeliveryState::delivered));
    EXPECT_EQ(sentOn("msg-reads", "sms"), 0);
}

TEST_F(FallbackTest, NotOnTheAppFallsBackToSmsAtOnce) {
    auto& m = messenger();
    std::string id;
    ASSERT_TRUE(m.send(message(kNotOnApp, "msg-no-app"), id).ok());
    ASSERT_TRUE(receiptsUntil(
        m, [](const auto& all) { return has(all, "msg-no-app", PatientChannel::unknown, DeliveryState::delivered); }));
    const Receipt* app = find(received_, "msg-no-app", PatientChannel::nhsApp, DeliveryState::failed);
    ASSERT_NE(app, nullptr);
    EXPECT_NE(app->detail.find("not registered for the NHS App"), std::string::npos) << app->detail;
    EXPECT_TRUE(has(received_, "msg-no-app", PatientChannel::sms, DeliveryState::delivered));
    EXPECT_EQ(sentOn("msg-no-app", "sms"), 1);
    EXPECT_EQ(sentOn("msg-no-app", "nhsapp"), 0);
}

TEST_F(FallbackTest, UnreadWhenThePlansWaitIsOverFallsBackToSmsOnce) {
    auto& m = messenger();
    std::string id;
    ASSERT_TRUE(m.send(message(kNeverReads, "msg-unread"), id).ok());
    ASSERT_TRUE(receiptsUntil(
        m, [](const auto& all) { return has(all, "msg-unread", PatientChannel::nhsApp, DeliveryState::delivered); }));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(sentOn("msg-unread", "sms"), 0) << "not before the wait";
    advance(23 * 3600);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(sentOn("msg-unread", "sms"), 0) << "not an hour before the wait is over";
    advance(3600);
    ASSERT_TRUE(receiptsUntil(
        m, [](const auto& all) { return has(all, "msg-unread", PatientChannel::unknown, DeliveryState::delivered); }));
    EXPECT_TRUE(has(received_, "msg-unread", PatientChannel::nhsApp, DeliveryState::failed));
    EXPECT_TRUE(has(received_, "msg-unread", PatientChannel::sms, DeliveryState::delivered));
    EXPECT_FALSE(has(received_, "msg-unread", PatientChannel::nhsApp, DeliveryState::read));
    advance(86400);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_EQ(sentOn("msg-unread", "sms"), 1) << "at most one SMS fallback per messageReference";
}

TEST_F(FallbackTest, AnAppOnlyPlanUnreadFailsWithoutAnSms) {
    auto& m = messenger(config(std::string(R"(, "routing_plan_id": ")") + kAppOnly + "\""));
    std::string id;
    ASSERT_TRUE(m.send(message(kNeverReads, "msg-app-only"), id).ok());
    ASSERT_TRUE(receiptsUntil(
        m, [](const auto& all) { return has(all, "msg-app-only", PatientChannel::nhsApp, DeliveryState::delivered); }));
    advance(86400);
    ASSERT_TRUE(receiptsUntil(
        m, [](const auto& all) { return has(all, "msg-app-only", PatientChannel::unknown, DeliveryState::failed); }));
    EXPECT_TRUE(has(received_, "msg-app-only", PatientChannel::nhsApp, DeliveryState::failed))
        << "the hub's own cascade hears that the app failed";
    EXPECT_EQ(sentOn("msg-app-only", "sms"), 0);
}

TEST_F(FallbackTest, APatientPdsDoesNotKnowFails) {
    auto& m = messenger();
    std::string id;
    ASSERT_TRUE(m.send(message(kUnknownToPds, "msg-unknown"), id).ok()) << "NHS Notify checks PDS after accepting";
    ASSERT_TRUE(receiptsUntil(
        m, [](const auto& all) { return has(all, "msg-unknown", PatientChannel::unknown, DeliveryState::failed); }));
    const Receipt* failed = find(received_, "msg-unknown", PatientChannel::unknown, DeliveryState::failed);
    EXPECT_NE(failed->detail.find("MFR_PDSV_0004"), std::string::npos) << failed->detail;
    EXPECT_EQ(failed->detail.find(kUnknownToPds), std::string::npos) << failed->detail;
}

TEST_F(FallbackTest, BodyFieldsThePlanDoesNotUseFailTheMessageLater) {
    auto& m = messenger(config(R"(, "body_fields": ["body"])"));
    std::string id;
    ASSERT_TRUE(m.send(message(kReadsApp, "msg-wrong-fields"), id).ok()) << "NHS Notify checks them only when sending";
    ASSERT_TRUE(receiptsUntil(m, [](const auto& all) {
        return has(all, "msg-wrong-fields", PatientChannel::unknown, DeliveryState::failed);
    }));
    const Receipt* failed = find(received_, "msg-wrong-fields", PatientChannel::unknown, DeliveryState::failed);
    EXPECT_NE(failed->detail.find("nhsapp_body"), std::string::npos) << failed->detail;
    EXPECT_EQ(sentOn("msg-wrong-fields", "nhsapp"), 0);
}

TEST_F(FallbackTest, ACallbackNotSignedAsNhsNotifySignsIsRefused) {
    auto& m = messenger();
    std::string id;
    ASSERT_TRUE(m.send(message(kReadsApp, "msg-signed"), id).ok());
    ASSERT_TRUE(receiptsUntil(
        m, [](const auto& all) { return has(all, "msg-signed", PatientChannel::unknown, DeliveryState::delivered); }));
    ASSERT_FALSE(posted_.empty());
    const Posted good = posted_.back();
    std::vector<Receipt> got;
    EXPECT_TRUE(m.receipt(good.headers(), good.body, got).ok()) << "the genuine one, again";

    Posted tampered = good;
    tampered.body.replace(tampered.body.find("delivered"), 9, "failed\",\"");
    Result r = m.receipt(tampered.headers(), tampered.body, got);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("x-hmac-sha256-signature"), std::string::npos) << r.message;

    Posted wrongKey = good;
    wrongKey.apiKey = "someone-elses-key";
    r = m.receipt(wrongKey.headers(), wrongKey.body, got);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("x-api-key"), std::string::npos) << r.message;

    r = m.receipt({}, good.body, got);
    EXPECT_EQ(r.status, Status::permanent) << "no headers at all";
    r = m.receipt({{"authorization", "Bearer " + std::string(kApiKey)}}, good.body, got);
    EXPECT_EQ(r.status, Status::permanent) << "an Authorization header is not NHS Notify's proof";
}

TEST_F(FallbackTest, WithoutAnApplicationIdCallbacksAreRefused) {
    const std::string withoutId = R"({"base_url": ")" + sim_->url() + R"(/comms", "token_url": ")" + sim_->url() +
                                  R"(/oauth2/token", "api_key_env": ")" + kApiKeyEnv + R"(", "private_key_file": ")" +
                                  keys_.file("sim/private.pem") + R"(", "kid": ")" + kKid + R"("})";
    auto& signedUp = messenger();
    auto& m = messenger(withoutId);
    std::string id;
    ASSERT_TRUE(m.send(message(kReadsApp, "msg-no-secret"), id).ok());
    ASSERT_TRUE(receiptsUntil(signedUp, [](const auto& all) {
        return has(all, "msg-no-secret", PatientChannel::unknown, DeliveryState::delivered);
    }));
    std::vector<Receipt> got;
    const Result r = m.receipt(posted_.back().headers(), posted_.back().body, got);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("application_id_env"), std::string::npos) << r.message;
}

} // namespace
