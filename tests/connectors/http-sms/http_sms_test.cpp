#include "HttpSmsFixture.h"

namespace {

using clinhub::Delivery;
using clinhub::DeliveryState;
using clinhub::Status;
using httpsms::test::HttpSmsFixture;

class HttpSmsTest : public HttpSmsFixture {};

TEST_F(HttpSmsTest, SendPostsTheTemplatedMessageAndReturnsTheIdAtTheProviderIdPointer) {
    auto& sms = connector(config());
    std::string id;
    const auto r = sms.send({"+447700900123", "Your flu jab is due", "ref-1"}, id);
    ASSERT_TRUE(r.ok()) << r.message;
    const auto messages = accepted();
    ASSERT_EQ(messages->size(), 1U);
    const auto m = messages->getObject(0);
    EXPECT_EQ(id, m->getValue<std::string>("id"));
    EXPECT_EQ(id, "msg-000001");
    EXPECT_EQ(m->getValue<std::string>("to"), "+447700900123");
    EXPECT_EQ(m->getValue<std::string>("text"), "Your flu jab is due");
    EXPECT_EQ(m->getValue<std::string>("client_ref"), "ref-1");
}

TEST_F(HttpSmsTest, QuotesNewlinesBackslashesAndControlCharactersInTheBodyArriveIntact) {
    auto& sms = connector(config());
    const std::string body = "He said \"book now\"\nLine two\\path\ttab \x01 caf\xC3\xA9 {{to}} </x>";
    const std::string reference = "ref-\"quoted\"\\";
    std::string id;
    const auto r = sms.send({"+447700900123", body, reference}, id);
    ASSERT_TRUE(r.ok()) << r.message;
    const auto m = accepted()->getObject(0);
    EXPECT_EQ(m->getValue<std::string>("text"), body);
    EXPECT_EQ(m->getValue<std::string>("client_ref"), reference);
}

TEST_F(HttpSmsTest, AWrongApiKeyIsPermanentWithTheProvidersErrorText) {
    auto& sms = connector(config({}, "not-the-key"));
    std::string id;
    const auto r = sms.send({"+447700900123", "x", "ref-1"}, id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("401"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("invalid or missing API key"), std::string::npos) << r.message;
}

TEST_F(HttpSmsTest, ARejectedNumberIsPermanentAndTheErrorDoesNotRepeatTheNumber) {
    auto& sms = connector(config());
    std::string id;
    const auto r = sms.send({"07700900123", "x", "ref-1"}, id); // the gateway wants E.164 and says so, echoing it
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("400"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("E.164"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find("7700900123"), std::string::npos) << r.message;
    EXPECT_EQ(accepted()->size(), 0U);
}

TEST_F(HttpSmsTest, AServerErrorIsRetryable) {
    auto& sms = connector(config());
    sim().setFaults(R"({"error_rate": 1})");
    std::string id;
    const auto r = sms.send({"+447700900123", "x", "ref-1"}, id);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("500"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("internal error (simulated)"), std::string::npos) << r.message;
}

TEST_F(HttpSmsTest, ConfiguredStatusListsOverrideTheDefaults) {
    auto& sms = connector(config(R"("retryable_statuses": [401])", "not-the-key"));
    std::string id;
    EXPECT_EQ(sms.send({"+447700900123", "x", "ref-1"}, id).status, Status::retryable);

    auto& strict = connector(config(R"("permanent_statuses": [500])"));
    sim().setFaults(R"({"error_rate": 1})");
    EXPECT_EQ(strict.send({"+447700900123", "x", "ref-2"}, id).status, Status::permanent);
}

TEST_F(HttpSmsTest, NoIdAtTheProviderIdPointerIsPermanentNamingThePointer) {
    auto& sms = connector(config(R"("provider_id": "/messages/0/uuid")"));
    std::string id;
    const auto r = sms.send({"+447700900123", "x", "ref-1"}, id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("/messages/0/uuid"), std::string::npos) << r.message;
    EXPECT_EQ(accepted()->size(), 1U); // it went: which is why the hub must not send it again
}

TEST_F(HttpSmsTest, AnAnswerThatIsNotJsonIsPermanentNamingThePointer) {
    auto& sms = connector(config());
    sim().setFaults(R"({"malformed_rate": 1})");
    std::string id;
    const auto r = sms.send({"+447700900123", "x", "ref-1"}, id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("/messages/0/id"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("not JSON"), std::string::npos) << r.message;
}

TEST_F(HttpSmsTest, ARefusedConnectionIsRetryable) {
    const std::string json = config();
    sim().stop();
    auto& sms = connector(json);
    std::string id;
    const auto r = sms.send({"+447700900123", "x", "ref-1"}, id);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("refused"), std::string::npos) << r.message;
}

TEST_F(HttpSmsTest, AGatewaySlowerThanTheTimeoutIsRetryable) {
    auto& sms = connector(config(R"("timeout_ms": 200)"));
    sim().setFaults(R"({"latency_ms": 3000})");
    std::string id;
    const auto r = sms.send({"+447700900123", "x", "ref-1"}, id);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("timed out"), std::string::npos) << r.message;
}

TEST_F(HttpSmsTest, LookupFindsASentMessageByItsReference) {
    auto& sms = connector(lookupConfig());
    std::string id;
    ASSERT_TRUE(sms.send({"+447700900123", "x", "ref-a"}, id).ok());
    ASSERT_TRUE(sms.send({"+447700900124", "y", "ref-b"}, id).ok());
    Delivery d;
    const auto r = sms.lookup("ref-b", d);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(d.state, DeliveryState::accepted);
    EXPECT_EQ(d.providerId, "msg-000002");
}

TEST_F(HttpSmsTest, LookupMapsTheProvidersStatusWords) {
    auto& sms = connector(lookupConfig());
    std::string one;
    std::string two;
    ASSERT_TRUE(sms.send({"+447700900123", "x", "ref-a"}, one).ok());
    ASSERT_TRUE(sms.send({"+447700900123", "x", "ref-b"}, two).ok());
    sim().control("POST", "/_sim/status", R"({"id": ")" + one + R"(", "status": "delivered"})");
    sim().control("POST", "/_sim/status", R"({"id": ")" + two + R"(", "status": "undeliverable"})");
    Delivery d;
    ASSERT_TRUE(sms.lookup("ref-a", d).ok());
    EXPECT_EQ(d.state, DeliveryState::delivered);
    ASSERT_TRUE(sms.lookup("ref-b", d).ok());
    EXPECT_EQ(d.state, DeliveryState::failed);
}

TEST_F(HttpSmsTest, LookupOfAReferenceTheGatewayNeverGotIsUnknown) {
    auto& sms = connector(lookupConfig());
    std::string id;
    ASSERT_TRUE(sms.send({"+447700900123", "x", "ref-a"}, id).ok());
    Delivery d{DeliveryState::delivered, "stale"};
    ASSERT_TRUE(sms.lookup("ref-ab", d).ok());
    EXPECT_EQ(d.state, DeliveryState::unknown);
}

TEST_F(HttpSmsTest, LookupEscapesTheReferenceInTheUrl) {
    auto& sms = connector(lookupConfig());
    const std::string reference = "ref&client_ref=other #1/2";
    std::string id;
    ASSERT_TRUE(sms.send({"+447700900123", "x", reference}, id).ok());
    Delivery d;
    ASSERT_TRUE(sms.lookup(reference, d).ok());
    EXPECT_EQ(d.state, DeliveryState::accepted);
    EXPECT_EQ(d.providerId, id);
}

TEST_F(HttpSmsTest, LookupDuringAnOutageIsRetryableNotUnknown) {
    auto& sms = connector(lookupConfig());
    sim().setFaults(R"({"error_rate": 1})");
    Delivery d;
    EXPECT_EQ(sms.lookup("ref-a", d).status, Status::retryable);
}

TEST_F(HttpSmsTest, LookupWithoutALookupSectionIsUnsupported) {
    auto& sms = connector(config());
    Delivery d;
    const auto r = sms.lookup("ref-a", d);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("lookup"), std::string::npos) << r.message;
}

TEST_F(HttpSmsTest, TheLogNamesTheReferenceButNeitherNumberNorBody) {
    auto& sms = connector(config());
    std::string id;
    testing::internal::CaptureStderr();
    ASSERT_TRUE(sms.send({"+447700900123", "Dear Testy, your flu jab", "ref-log"}, id).ok());
    const std::string log = testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("ref-log"), std::string::npos) << log;
    EXPECT_EQ(log.find("7700900123"), std::string::npos) << log;
    EXPECT_EQ(log.find("Testy"), std::string::npos) << log;
}

} // namespace
