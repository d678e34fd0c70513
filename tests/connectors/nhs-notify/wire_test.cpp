// NHS Notify's wire format and callback checks compiled in: answers and callbacks the simulator never gives.
#include "Callback.h"
#include "Config.h"
#include "Wire.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace {

using clinhub::Delivery;
using clinhub::DeliveryState;
using clinhub::PatientChannel;
using clinhub::Receipt;
using clinhub::Result;
using clinhub::Status;
using namespace nhsnotify;

TEST(NhsNotifyCallback, HmacIsSha256InLowerCaseHex) {
    // RFC 4231-style check with a well-known vector.
    EXPECT_EQ(hmacSha256Hex("key", "The quick brown fox jumps over the lazy dog"),
              "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST(NhsNotifyCallback, TheSignatureIsCheckedOverTheBodyWithApplicationIdDotApiKey) {
    const std::string body = R"({"data":[]})";
    const std::string signature = hmacSha256Hex("app.key", body);
    Headers h{{"x-api-key", "key"}, {"x-hmac-sha256-signature", signature}};
    EXPECT_TRUE(verifyCallback(h, body, "key", "app.key").ok());
    h["x-hmac-sha256-signature"] = std::string(signature.size(), '0');
    EXPECT_EQ(verifyCallback(h, body, "key", "app.key").status, Status::permanent);
    h["x-hmac-sha256-signature"] = signature;
    EXPECT_FALSE(verifyCallback(h, body + " ", "key", "app.key").ok()) << "a changed body";
    h["x-api-key"] = "other";
    EXPECT_FALSE(verifyCallback(h, body, "key", "app.key").ok());
    EXPECT_FALSE(verifyCallback({}, body, "key", "app.key").ok());
    EXPECT_FALSE(verifyCallback(h, body, "", "").ok()) << "nothing configured: refused";
}

TEST(NhsNotifyWire, TheRequestCarriesPlanReferenceNhsNumberAndEveryBodyField) {
    Config c;
    c.routingPlanId = "00000000-0000-0000-0000-000000000006";
    c.bodyFields = {"nhsapp_body", "sms_body"};
    c.odsCode = "A12345";
    const std::string json = messageRequest(c, {"9995260182", "1980-01-01", "+447700900001", "Hello", "msg-1"});
    EXPECT_NE(json.find(R"("type":"Message")"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("routingPlanId":"00000000-0000-0000-0000-000000000006")"), std::string::npos);
    EXPECT_NE(json.find(R"("messageReference":"msg-1")"), std::string::npos);
    EXPECT_NE(json.find(R"("recipient":{"nhsNumber":"9995260182"})"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("nhsapp_body":"Hello")"), std::string::npos);
    EXPECT_NE(json.find(R"("sms_body":"Hello")"), std::string::npos);
    EXPECT_NE(json.find(R"("odsCode":"A12345")"), std::string::npos);
    EXPECT_EQ(json.find("1980-01-01"), std::string::npos) << "the API's recipient has no date of birth";
    EXPECT_EQ(json.find("+447700900001"), std::string::npos) << "no contact override unless configured";
    c.sendMobile = true;
    EXPECT_NE(messageRequest(c, {"9995260182", "", "+447700900001", "Hello", "msg-1"})
                  .find(R"("contactDetails":{"sms":"+447700900001"})"),
              std::string::npos);
}

TEST(NhsNotifyWire, ADuplicateReferenceIsTakenAsAlreadySent) {
    std::string id;
    bool duplicate = false;
    EXPECT_TRUE(sendAnswer(422, R"({"errors":[{"code":"CM_DUPLICATE_REQUEST","status":"422"}]})", id, duplicate).ok());
    EXPECT_TRUE(duplicate);
    const Result other = sendAnswer(422, R"({"errors":[{"code":"CM_SOMETHING_ELSE","title":"x"}]})", id, duplicate);
    EXPECT_EQ(other.status, Status::permanent);
    EXPECT_FALSE(duplicate);
}

TEST(NhsNotifyWire, ACreatedAnswerNeedsAKsuid) {
    std::string id;
    bool duplicate = false;
    EXPECT_TRUE(
        sendAnswer(201, R"({"data":{"type":"Message","id":"2WL3qFTEFM0qMY8xjRbt1LIKCzM"}})", id, duplicate).ok());
    EXPECT_EQ(id, "2WL3qFTEFM0qMY8xjRbt1LIKCzM");
    EXPECT_EQ(sendAnswer(201, R"({"data":{"id":"short"}})", id, duplicate).status, Status::permanent);
    EXPECT_TRUE(id.empty());
    EXPECT_EQ(sendAnswer(201, "not json", id, duplicate).status, Status::permanent);
}

TEST(NhsNotifyWire, StatusesMapAsTheApiDescribesThem) {
    EXPECT_EQ(errorAnswer(503, "", "x", true).status, Status::retryable);
    EXPECT_FALSE(errorAnswer(503, "", "x", true).notSent);
    EXPECT_TRUE(errorAnswer(429, "", "x", true).notSent);
    EXPECT_FALSE(errorAnswer(429, "", "x", false).notSent);
    EXPECT_EQ(errorAnswer(425, "", "x", true).status, Status::retryable);
    EXPECT_EQ(errorAnswer(403, "", "x", true).status, Status::permanent);
    EXPECT_EQ(messageState("pending_enrichment"), DeliveryState::accepted);
    EXPECT_EQ(messageState("delivered"), DeliveryState::delivered);
    EXPECT_EQ(messageState("failed"), DeliveryState::failed);
    EXPECT_EQ(messageState("made-up"), DeliveryState::unknown);
}

TEST(NhsNotifyWire, ChannelStatusesMapToTheHubsStates) {
    EXPECT_EQ(channelReceipt("nhsapp", "delivered", "read", "", "")->state, DeliveryState::read);
    EXPECT_EQ(channelReceipt("nhsapp", "sending", "delivered", "", "")->state, DeliveryState::delivered);
    EXPECT_EQ(channelReceipt("nhsapp", "sending", "notified", "", "")->state, DeliveryState::delivered);
    EXPECT_EQ(channelReceipt("nhsapp", "sending", "unnotified", "", "")->state, DeliveryState::accepted);
    EXPECT_EQ(channelReceipt("sms", "failed", "permanent_failure", "", "")->state, DeliveryState::failed);
    EXPECT_EQ(channelReceipt("letter", "created", "", "", "")->channel, PatientChannel::letter);
    EXPECT_FALSE(channelReceipt("sms", "skipped", "", "", "")) << "never used: nothing to say";
    EXPECT_FALSE(channelReceipt("pigeon", "delivered", "", "", ""));
}

TEST(NhsNotifyWire, ACallbackBodyGivesMessageAndChannelReceipts) {
    std::vector<Receipt> r;
    const std::string body = R"({"data":[
      {"type":"MessageStatus","attributes":{"messageId":"2WL3qFTEFM0qMY8xjRbt1LIKCzM","messageReference":"msg-1",
       "messageStatus":"delivered","channels":[{"type":"nhsapp","channelStatus":"failed"},
       {"type":"sms","channelStatus":"delivered"}],"timestamp":"2025-01-01T00:00:00.000Z"}},
      {"type":"ChannelStatus","attributes":{"messageId":"2WL3qFTEFM0qMY8xjRbt1LIKCzM","messageReference":"msg-1",
       "channel":"nhsapp","channelStatus":"failed","channelFailureReasonCode":"CFR_X",
       "channelStatusDescription":"Failed reason: patient 9995260182 not found","supplierStatus":"unnotified"}}]})";
    ASSERT_TRUE(callbackBody(body, r).ok());
    ASSERT_EQ(r.size(), 4U);
    EXPECT_EQ(r[0].channel, PatientChannel::unknown);
    EXPECT_EQ(r[0].state, DeliveryState::delivered);
    EXPECT_EQ(r[0].providerId, "2WL3qFTEFM0qMY8xjRbt1LIKCzM");
    EXPECT_EQ(r[1].channel, PatientChannel::nhsApp);
    EXPECT_EQ(r[2].channel, PatientChannel::sms);
    EXPECT_EQ(r[3].state, DeliveryState::failed);
    EXPECT_NE(r[3].detail.find("CFR_X"), std::string::npos) << r[3].detail;
    EXPECT_EQ(r[3].detail.find("9995260182"), std::string::npos) << "scrubbed: " << r[3].detail;
}

TEST(NhsNotifyWire, AMalformedCallbackIsRefusedWhole) {
    std::vector<Receipt> r;
    EXPECT_FALSE(callbackBody("", r).ok());
    EXPECT_FALSE(callbackBody("[]", r).ok());
    EXPECT_FALSE(callbackBody(R"({"data":[]})", r).ok());
    EXPECT_FALSE(
        callbackBody(R"({"data":[{"type":"MessageStatus","attributes":{"messageStatus":"delivered"}}]})", r).ok())
        << "no messageReference";
    EXPECT_FALSE(callbackBody(R"({"data":[{"type":"Other","attributes":{"messageReference":"m"}}]})", r).ok());
    EXPECT_TRUE(r.empty());
}

TEST(NhsNotifyWire, ALookupAnswerGivesStateAndChannels) {
    Delivery d;
    std::vector<Receipt> channels;
    ASSERT_TRUE(messageAnswer(200, R"({"data":{"id":"2WL3qFTEFM0qMY8xjRbt1LIKCzM","attributes":{
        "messageStatus":"sending","channels":[{"type":"nhsapp","channelStatus":"sending","supplierStatus":"delivered"},
        {"type":"sms","channelStatus":"created"}]}}})",
                              d, channels)
                    .ok());
    EXPECT_EQ(d.state, DeliveryState::accepted);
    ASSERT_EQ(channels.size(), 2U);
    EXPECT_EQ(channels[0].state, DeliveryState::delivered);
    EXPECT_TRUE(messageAnswer(404, "", d, channels).ok());
    EXPECT_EQ(d.state, DeliveryState::unknown);
    EXPECT_EQ(messageAnswer(500, "", d, channels).status, Status::retryable);
}

TEST(NhsNotifyConfig, AGlobalPlanBringsItsFieldsAndCascade) {
    std::vector<clinhub::ConfigError> errors;
    const auto c = Config::parse(R"({"api_key_env": "K", "private_key_file": "/k.pem", "kid": "k1"})", errors);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(c.bodyFields, (std::vector<std::string>{"nhsapp_body", "sms_body"}));
    EXPECT_TRUE(c.cascades);
    errors.clear();
    const auto appOnly = Config::parse(
        R"({"api_key_env": "K", "private_key_env": "P", "kid": "k1", "routing_plan_id": "00000000-0000-0000-0000-000000000001"})",
        errors);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(appOnly.bodyFields, (std::vector<std::string>{"body"}));
    EXPECT_FALSE(appOnly.cascades);
    errors.clear();
    Config::parse(
        R"({"api_key_env": "K", "private_key_env": "P", "kid": "k1", "routing_plan_id": "00000000-0000-0000-0000-000000000003"})",
        errors);
    ASSERT_EQ(errors.size(), 1U) << "an SMS-only plan is not a patient messenger";
    errors.clear();
    Config::parse(R"({"api_key_env": "K", "kid": "k1", "routing_plan_id": "6a0e8f2c-1b3d-4e5f-8a9b-0c1d2e3f4a5b"})",
                  errors);
    EXPECT_EQ(errors.size(), 2U) << "no key source, no body_fields";
}

} // namespace

namespace {

// The README's table of config keys is the one the config map generates (as connector_config_docs_test checks
// for the connectors the hub loads). CLINHUB_UPDATE_DOCS=1 rewrites it instead.
TEST(NhsNotifyConfig, TheReadmeTableIsTheOneTheConfigMapGenerates) {
    const std::string begin = "<!-- config-table: generated by `clinhub plugins schema NAME --markdown` -->\n";
    const std::string end = "<!-- /config-table -->\n";
    const std::string path = std::string(CLINHUB_SOURCE_DIR) + "/connectors/nhs-notify/README.md";
    std::ostringstream read;
    read << std::ifstream(path).rdbuf();
    std::string readme = read.str();
    const auto from = readme.find(begin);
    const auto to = readme.find(end);
    ASSERT_NE(from, std::string::npos);
    ASSERT_NE(to, std::string::npos);
    const auto at = from + begin.size();
    const std::string table = nhsnotify::kConfigMap.markdown();
    if (std::getenv("CLINHUB_UPDATE_DOCS") != nullptr) {
        readme.replace(at, to - at, table);
        std::ofstream(path) << readme;
        return;
    }
    EXPECT_EQ(readme.substr(at, to - at), table)
        << path << " is out of date: run CLINHUB_UPDATE_DOCS=1 build/tests/connectors/nhs-notify/nhs_notify_wire_tests";
}

} // namespace
