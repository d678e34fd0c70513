// How NHS Notify's failures come back to the hub: a server error or a timeout may have left the message with
// NHS Notify (retryable, looked up or resent, which its de-duplication makes safe); a 429 is a refusal before
// acceptance (retryable, not sent); a 400 or an unknown routing plan is permanent, naming what NHS Notify said.
#include "NhsNotifyFixture.h"

namespace {

using namespace clinhub::test;
using clinhub::Result;
using clinhub::Status;

using ErrorsTest = NhsNotifyTest;

TEST_F(ErrorsTest, AServerErrorIsRetryableAndPossiblySent) {
    auto& m = messenger();
    sim_->setFaults(R"({"error_rate": 1})");
    std::string id;
    const Result r = m.send(message(kReadsApp, "msg-500"), id);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
    EXPECT_FALSE(r.notSent) << "a 5xx may come after NHS Notify stored the message";
    EXPECT_NE(r.message.find("HTTP 500"), std::string::npos) << r.message;
    sim_->clearFaults();
    ASSERT_TRUE(m.send(message(kReadsApp, "msg-500"), id).ok());
}

TEST_F(ErrorsTest, ATimeoutIsRetryable) {
    auto& m = messenger(config("", 1000));
    std::string id;
    ASSERT_TRUE(m.send(message(kReadsApp, "msg-warm"), id).ok()) << "the token first, without delay";
    sim_->setFaults(R"({"latency_ms": 2500})");
    const Result r = m.send(message(kReadsApp, "msg-slow"), id);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
    EXPECT_FALSE(r.notSent);
}

TEST_F(ErrorsTest, TooManyRequestsIsRetryableAndCertainlyNotSent) {
    auto& m = messenger();
    sim_->control("POST", "/_sim/settings", R"({"rate_429": 1})");
    std::string id;
    const Result r = m.send(message(kReadsApp, "msg-429"), id);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
    EXPECT_TRUE(r.notSent);
    EXPECT_NE(r.message.find("Too many requests"), std::string::npos) << r.message;
    EXPECT_EQ(stat("creates"), 0);
}

TEST_F(ErrorsTest, AnAnswerLostAfterNhsNotifyTookTheMessageIsResentSafely) {
    auto& m = messenger();
    sim_->setFaults(R"({"after_commit_rate": 1})");
    std::string id;
    const Result lost = m.send(message(kNotOnApp, "msg-lost"), id);
    EXPECT_EQ(lost.status, Status::retryable) << lost.message;
    EXPECT_FALSE(lost.notSent) << "NHS Notify may hold it";
    sim_->clearFaults();
    Result again = m.send(message(kNotOnApp, "msg-lost"), id);
    ASSERT_TRUE(again.ok()) << again.message;
    EXPECT_TRUE(id.empty()) << "the first answer, with the id, never came";
    EXPECT_EQ(stat("creates"), 1);
    EXPECT_EQ(stat("duplicates"), 1);
    ASSERT_TRUE(receiptsUntil(m, [](const auto& all) {
        return has(all, "msg-lost", clinhub::PatientChannel::unknown, clinhub::DeliveryState::delivered);
    }));
    EXPECT_EQ(sentOn("msg-lost", "sms"), 1) << "sent once, resend or not";
}

TEST_F(ErrorsTest, ABadRequestIsPermanentNamingWhatNhsNotifySaid) {
    auto& m = messenger();
    cannedReply(400, R"({"errors": [{"id": "rrt-2", "code": "CM_INVALID_NHS_NUMBER", "status": "400",
        "title": "Invalid nhs number", "detail": "The value provided in this nhsNumber field is not a valid NHS number.",
        "source": {"pointer": "/data/attributes/recipient/nhsNumber"}}]})");
    std::string id;
    const Result r = m.send(message(kReadsApp, "msg-400"), id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("Invalid nhs number"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("CM_INVALID_NHS_NUMBER"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("/data/attributes/recipient/nhsNumber"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find(kReadsApp), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, AnUnknownRoutingPlanIsPermanent) {
    auto& m =
        messenger(config(R"(, "routing_plan_id": "6a0e8f2c-1b3d-4e5f-8a9b-0c1d2e3f4a5b", "body_fields": ["text"])"));
    std::string id;
    const Result r = m.send(message(kReadsApp, "msg-no-plan"), id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("No such routing plan"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("HTTP 404"), std::string::npos) << r.message;
}

TEST_F(ErrorsTest, AnInvalidNhsNumberIsRefusedBeforeSending) {
    auto& m = messenger();
    std::string id;
    const Result r = m.send(message("9995260183", "msg-bad-number"), id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_EQ(r.message.find("9995260183"), std::string::npos) << r.message;
    EXPECT_EQ(stat("creates"), 0);
}

TEST_F(ErrorsTest, ATokenEndpointRefusalIsPermanentWithItsReason) {
    auto& m = messenger(config(R"(, "kid": "not-the-registered-kid")"));
    std::string id;
    const Result r = m.send(message(kReadsApp, "msg-kid"), id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("kid"), std::string::npos) << r.message;
    EXPECT_EQ(stat("creates"), 0);
}

class DownTest : public ::testing::Test {};

TEST_F(DownTest, NoTokenEndpointIsRetryableAndNotSent) {
    setenv(kApiKeyEnv, kApiKey, 1);
    TempDir keys;
    // A key for the config only: nothing listens on the port, so no token is ever fetched.
    SimProcess sim(NHS_NOTIFY_SIM, {"--fixture", kSimFixture, "--keys-out", keys.file("k")});
    const std::string url = sim.url();
    sim.stop();
    PatientPlugin plugin(std::string(CLINHUB_PLUGIN_DIR) + "/libclinhub-nhs-notify.so");
    std::string error;
    auto m = plugin.create(R"({"base_url": ")" + url + R"(/comms", "token_url": ")" + url +
                               R"(/oauth2/token", "api_key_env": ")" + kApiKeyEnv + R"(", "private_key_file": ")" +
                               keys.file("k/private.pem") + R"(", "kid": ")" + kKid + R"("})",
                           error);
    ASSERT_NE(m, nullptr) << error;
    std::string id;
    const Result r = m->send({kReadsApp, "", "", "text", "msg-down"}, id);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
    EXPECT_TRUE(r.notSent) << "the message itself never went out";
}

} // namespace
