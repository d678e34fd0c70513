// The notify plugin loaded through the real host, talking over loopback sockets to notify_sim in its own
// process.
#include "SimProcess.h"
#include "hub/host/PluginHost.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

namespace {

using clinhub::Delivery;
using clinhub::DeliveryState;
using clinhub::Receipt;
using clinhub::Result;
using clinhub::Status;
using clinhub::test::SimProcess;
using Poco::JSON::Object;

const std::string kFixture = std::string(CLINHUB_SOURCE_DIR) + "/tests/simulators/notify/fixture.json";
const std::string kServiceId = "8b3a6b6e-5f7d-4d1c-9d0e-3f2a1c4b5d6e";
const std::string kKey = "clinhub_test-" + kServiceId + "-c2f0e1d4-7a9b-4c3e-8f1a-2b3c4d5e6f70";
const std::string kWrongSecretKey = "clinhub_test-" + kServiceId + "-00000000-7a9b-4c3e-8f1a-2b3c4d5e6f70";
const std::string kSmsTemplate = "4d6f2b1a-3c5e-4f70-8a9b-1c2d3e4f5a6b";
const std::string kEmailTemplate = "7e8f9a0b-1c2d-4e3f-9a4b-5c6d7e8f9a0b";
const std::string kCallbackToken = "callback-token-for-tests-only";

Poco::Dynamic::Var parse(const std::string& text) { return Poco::JSON::Parser().parse(text); }

class NotifyTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(host_.loadFile(NOTIFY_PLUGIN)) << (host_.refused().empty() ? "" : host_.refused().back().reason);
    }

    static std::unique_ptr<SimProcess> startSim(std::vector<std::string> flags = {}) {
        flags.insert(flags.begin(), {"--fixture", kFixture, "--seed", "7"});
        return std::make_unique<SimProcess>(NOTIFY_SIM, flags);
    }

    // The config the tests use, with `overrides` replacing or adding fields.
    static std::string config(const SimProcess& sim, const std::map<std::string, Poco::Dynamic::Var>& overrides = {}) {
        Object o;
        o.set("base_url", sim.url());
        o.set("api_key", kKey);
        o.set("sms_template_id", kSmsTemplate);
        o.set("email_template_id", kEmailTemplate);
        o.set("timeout_ms", 2000);
        o.set("callback_token", kCallbackToken);
        for (const auto& [name, value] : overrides)
            o.set(name, value);
        std::ostringstream out;
        o.stringify(out);
        return out.str();
    }

    std::shared_ptr<clinhub::host::ConnectorInstance> connect(const std::string& json) {
        std::string error;
        auto instance = host_.create("texts", "notify", json, error);
        EXPECT_NE(instance, nullptr) << error;
        return instance;
    }

    static std::vector<Object::Ptr> logOf(const SimProcess& sim) {
        const auto list = parse(sim.control("GET", "/_sim/notifications")).extract<Poco::JSON::Array::Ptr>();
        std::vector<Object::Ptr> out;
        for (unsigned i = 0; i < list->size(); ++i)
            out.push_back(list->getObject(i));
        return out;
    }

    static Result sendSms(clinhub::host::ConnectorInstance& c, const std::string& reference, std::string& id,
                          const std::string& to = "+447700900123") {
        return c.sms()->send({to, "Your flu jab is due: book at https://example.org/b/x", reference}, id);
    }

    clinhub::host::PluginHost host_;
};

TEST_F(NotifyTest, SmsArrivesWithTheBodyAsPersonalisationAndTheHubsReference) {
    auto sim = startSim();
    auto c = connect(config(*sim));
    std::string id;
    const auto r = sendSms(*c, "msg-sms-1", id);
    ASSERT_TRUE(r.ok()) << r.message;
    const auto log = logOf(*sim);
    ASSERT_EQ(log.size(), 1U);
    EXPECT_EQ(log[0]->getValue<std::string>("id"), id);
    EXPECT_EQ(log[0]->getValue<std::string>("reference"), "msg-sms-1");
    EXPECT_EQ(log[0]->getValue<std::string>("type"), "sms");
    EXPECT_EQ(log[0]->getValue<std::string>("to"), "+447700900123");
    EXPECT_EQ(log[0]->getValue<std::string>("template_id"), kSmsTemplate);
    EXPECT_EQ(log[0]->getObject("personalisation")->getValue<std::string>("body"),
              "Your flu jab is due: book at https://example.org/b/x");
    EXPECT_EQ(log[0]->getValue<std::string>("body"), "Your flu jab is due: book at https://example.org/b/x");
}

TEST_F(NotifyTest, EmailArrivesWithSubjectAndTextAsPersonalisation) {
    auto sim = startSim();
    auto c = connect(config(*sim));
    std::string id;
    const auto r = c->email()->send(
        {"patient@example.com", "Your flu jab", "Book \"now\":\nhttps://example.org/b/y", "<p>Book</p>", "msg-mail-1"},
        id);
    ASSERT_TRUE(r.ok()) << r.message;
    const auto log = logOf(*sim);
    ASSERT_EQ(log.size(), 1U);
    EXPECT_EQ(log[0]->getValue<std::string>("id"), id);
    EXPECT_EQ(log[0]->getValue<std::string>("type"), "email");
    EXPECT_EQ(log[0]->getValue<std::string>("to"), "patient@example.com");
    EXPECT_EQ(log[0]->getValue<std::string>("template_id"), kEmailTemplate);
    const auto p = log[0]->getObject("personalisation");
    EXPECT_EQ(p->getValue<std::string>("subject"), "Your flu jab");
    EXPECT_EQ(p->getValue<std::string>("body"), "Book \"now\":\nhttps://example.org/b/y");
}

TEST_F(NotifyTest, PersonalisationFieldNamesComeFromConfig) {
    auto sim = startSim();
    // The fixture's "Flu invite" template wants ((name)) and ((link)): naming only one field leaves the
    // other missing, which Notify refuses, proving the configured name is the one sent.
    auto invite =
        connect(config(*sim, {{"body_field", "link"}, {"sms_template_id", "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"}}));
    std::string id;
    const auto r = sendSms(*invite, "msg-field-1", id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("Missing personalisation: name"), std::string::npos) << r.message;
    EXPECT_EQ(r.message.find("link"), std::string::npos) << r.message;
}

TEST_F(NotifyTest, TokenSignedWithAnotherSecretIsPermanentAndSaysCheckTheKey) {
    auto sim = startSim();
    auto c = connect(config(*sim, {{"api_key", kWrongSecretKey}}));
    std::string id;
    const auto r = sendSms(*c, "msg-auth-1", id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("403 AuthError: Invalid token: API key not found"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("check the API key"), std::string::npos) << r.message;
    EXPECT_TRUE(logOf(*sim).empty());
}

TEST_F(NotifyTest, TheSimulatorsRefusalCarriesItsOwnReasonPhrase) {
    // As Notify does: "401 Unauthorized", never "401 OK", so an author reading the wire sees what happened.
    const auto sim = startSim();
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(sim->port()));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/v2/notifications/sms",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(2);
    session.sendRequest(request) << "{}";
    Poco::Net::HTTPResponse response;
    session.receiveResponse(response);
    EXPECT_EQ(response.getStatus(), Poco::Net::HTTPResponse::HTTP_UNAUTHORIZED);
    EXPECT_EQ(response.getReason(), "Unauthorized");
}

TEST_F(NotifyTest, ClockMoreThan30SecondsOffIsPermanentAndSaysCheckTheClock) {
    auto sim = startSim({"--clock-skew-s", "45"});
    auto c = connect(config(*sim));
    std::string id;
    const auto r = sendSms(*c, "msg-clock-1", id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("accurate to within 30 seconds"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("clock"), std::string::npos) << r.message;
}

TEST_F(NotifyTest, ClockWithin30SecondsIsAccepted) {
    auto sim = startSim({"--clock-skew-s", "-20"});
    auto c = connect(config(*sim));
    std::string id;
    const auto r = sendSms(*c, "msg-clock-2", id);
    EXPECT_TRUE(r.ok()) << r.message;
}

TEST_F(NotifyTest, NonUkMobileIsA400ValidationErrorAndPermanent) {
    auto sim = startSim();
    auto c = connect(config(*sim));
    std::string id;
    const auto r = sendSms(*c, "msg-bad-1", id, "+15555550100");
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("400 ValidationError: phone_number Not a UK mobile number"), std::string::npos)
        << r.message;
}

TEST_F(NotifyTest, UnknownTemplateIsA400BadRequestErrorAndPermanent) {
    auto sim = startSim();
    auto c = connect(config(*sim, {{"sms_template_id", "00000000-0000-4000-8000-000000000000"}}));
    std::string id;
    const auto r = sendSms(*c, "msg-bad-2", id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("400 BadRequestError: Template not found"), std::string::npos) << r.message;
}

TEST_F(NotifyTest, ServerErrorIsRetryable) {
    auto sim = startSim({"--error-rate", "1"});
    auto c = connect(config(*sim));
    std::string id;
    const auto r = sendSms(*c, "msg-5xx-1", id);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("HTTP 500"), std::string::npos) << r.message;
}

TEST_F(NotifyTest, TimeoutIsRetryable) {
    auto sim = startSim({"--latency-ms", "1500"});
    auto quick = connect(config(*sim, {{"timeout_ms", 300}}));
    std::string id;
    const auto r = sendSms(*quick, "msg-slow-1", id);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("timed out"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("msg-slow-1"), std::string::npos) << r.message;
}

TEST_F(NotifyTest, DroppedConnectionIsRetryable) {
    auto sim = startSim({"--drop-rate", "1"});
    auto c = connect(config(*sim));
    std::string id;
    const auto r = sendSms(*c, "msg-drop-1", id);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
}

TEST_F(NotifyTest, MalformedAcceptanceIsPermanentSayingWhatWasWrongAndNotResent) {
    auto sim = startSim({"--malformed-rate", "1"});
    auto c = connect(config(*sim));
    std::string id;
    const auto r = sendSms(*c, "msg-garbled-1", id);
    EXPECT_EQ(r.status, Status::permanent);
    EXPECT_NE(r.message.find("not JSON"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("look it up by reference"), std::string::npos) << r.message;
    EXPECT_EQ(logOf(*sim).size(), 1U); // Notify did take it: which is why resending would be wrong
}

TEST_F(NotifyTest, AnswerLostAfterNotifyTookItIsRetryableAndLookupFindsIt) {
    auto sim = startSim({"--after-commit-rate", "1"});
    auto c = connect(config(*sim));
    std::string id;
    const auto r = sendSms(*c, "msg-lost-1", id);
    EXPECT_EQ(r.status, Status::retryable) << r.message;
    sim->setFaults(R"({"after_commit_rate": 0})");
    Delivery d;
    const auto found = c->sms()->lookup("msg-lost-1", d);
    ASSERT_TRUE(found.ok()) << found.message;
    EXPECT_NE(d.state, DeliveryState::unknown);
    EXPECT_EQ(d.providerId, logOf(*sim).at(0)->getValue<std::string>("id"));
}

TEST_F(NotifyTest, TooManyRequestsIsRetryableAfterAPause) {
    auto sim = startSim({"--rate-429", "1"});
    auto c = connect(config(*sim));
    std::string id;
    const auto r = sendSms(*c, "msg-429-1", id);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("429 TooManyRequestsError"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("after a pause"), std::string::npos) << r.message;
}

TEST_F(NotifyTest, RateLimitAnswers429RateLimitErrorWhichIsRetryable) {
    auto sim = startSim({"--rate-limit", "2"});
    auto c = connect(config(*sim));
    std::string id;
    ASSERT_TRUE(sendSms(*c, "msg-rate-1", id).ok());
    ASSERT_TRUE(sendSms(*c, "msg-rate-2", id).ok());
    const auto r = sendSms(*c, "msg-rate-3", id);
    EXPECT_EQ(r.status, Status::retryable);
    EXPECT_NE(r.message.find("429 RateLimitError: Exceeded rate limit for key type LIVE of 2 requests per 60 seconds"),
              std::string::npos)
        << r.message;
    EXPECT_NE(r.message.find("after a pause"), std::string::npos) << r.message;
    EXPECT_EQ(logOf(*sim).size(), 2U);
}

TEST_F(NotifyTest, LookupOfASentReferenceGivesNotifysIdAndAccepted) {
    auto sim = startSim({"--callback-delay-ms", "600000"}); // stays "created" for the whole test
    auto c = connect(config(*sim));
    std::string id;
    ASSERT_TRUE(sendSms(*c, "msg-look-1", id).ok());
    Delivery d;
    const auto r = c->sms()->lookup("msg-look-1", d);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(d.state, DeliveryState::accepted);
    EXPECT_EQ(d.providerId, id);
}

TEST_F(NotifyTest, LookupFollowsTheNotificationToFailed) {
    auto sim = startSim({"--callback-delay-ms", "0", "--delivery-failure-rate", "1"});
    auto c = connect(config(*sim));
    std::string id;
    ASSERT_TRUE(c->email()->send({"patient@example.org", "S", "T", "", "msg-look-2"}, id).ok());
    Delivery d;
    // Waits for the sim to finish the notification (the state moves on its own clock), not for a time.
    for (int i = 0; i < 200 && d.state != DeliveryState::failed; ++i) {
        ASSERT_TRUE(c->email()->lookup("msg-look-2", d).ok());
        if (d.state != DeliveryState::failed) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(d.state, DeliveryState::failed);
    EXPECT_EQ(d.providerId, id);
}

TEST_F(NotifyTest, LookupOfAnUnknownReferenceIsUnknown) {
    auto sim = startSim();
    auto c = connect(config(*sim));
    Delivery d{DeliveryState::delivered, "stale"};
    const auto r = c->sms()->lookup("never-sent", d);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(d.state, DeliveryState::unknown);
    EXPECT_EQ(d.providerId, "");
}

TEST_F(NotifyTest, LookupWhileNotifyFailsIsRetryableNotUnknown) {
    auto sim = startSim({"--error-rate", "1"});
    auto c = connect(config(*sim));
    Delivery d;
    EXPECT_EQ(c->sms()->lookup("msg-any", d).status, Status::retryable);
}

// Stands in for the hub's /callbacks/<connector> endpoint: keeps what Notify POSTed.
class CallbackSink {
public:
    CallbackSink()
        : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
          server_(new Factory(*this), socket_, new Poco::Net::HTTPServerParams) {
        server_.start();
    }
    ~CallbackSink() { server_.stopAll(true); }
    [[nodiscard]] std::string url() const {
        return "http://127.0.0.1:" + std::to_string(socket_.address().port()) + "/callbacks/texts";
    }

    bool wait(std::string& authorization, std::string& body) {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, std::chrono::seconds(20), [&] { return !bodies_.empty(); })) return false;
        authorization = authorizations_.front();
        body = bodies_.front();
        return true;
    }

private:
    struct Handler : Poco::Net::HTTPRequestHandler {
        explicit Handler(CallbackSink& sink) : sink_(sink) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
            std::string body;
            Poco::StreamCopier::copyToString(request.stream(), body);
            {
                std::lock_guard lock(sink_.mutex_);
                sink_.authorizations_.push_back(request.get("Authorization", ""));
                sink_.bodies_.push_back(body);
            }
            sink_.cv_.notify_all();
            response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
            response.send();
        }
        CallbackSink& sink_;
    };
    struct Factory : Poco::Net::HTTPRequestHandlerFactory {
        explicit Factory(CallbackSink& sink) : sink_(sink) {}
        Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
            return new Handler(sink_);
        }
        CallbackSink& sink_;
    };

    std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::string> authorizations_;
    std::vector<std::string> bodies_;
    Poco::Net::ServerSocket socket_;
    Poco::Net::HTTPServer server_;
};

TEST_F(NotifyTest, ReceiptNotifyPostsWithTheCallbackTokenBecomesDelivered) {
    CallbackSink sink;
    auto sim = startSim({"--callback-url", sink.url(), "--callback-token", kCallbackToken, "--callback-delay-ms", "0"});
    auto c = connect(config(*sim));
    std::string id;
    ASSERT_TRUE(sendSms(*c, "msg-receipt-1", id).ok());
    std::string authorization;
    std::string body;
    ASSERT_TRUE(sink.wait(authorization, body)) << "notify_sim posted no receipt";
    std::vector<Receipt> receipts;
    const auto r = c->sms()->receipt(authorization, body, receipts);
    ASSERT_TRUE(r.ok()) << r.message;
    ASSERT_EQ(receipts.size(), 1U);
    EXPECT_EQ(receipts[0].reference, "msg-receipt-1");
    EXPECT_EQ(receipts[0].providerId, id);
    EXPECT_EQ(receipts[0].state, DeliveryState::delivered);
    EXPECT_EQ(receipts[0].detail, "delivered");
}

TEST_F(NotifyTest, ReceiptWithAnotherTokenOrNoneIsRefused) {
    auto sim = startSim();
    auto c = connect(config(*sim));
    const std::string body =
        R"({"id": "5f0c1e2d-0000-4000-8000-000000000001", "reference": "msg-1", "to": "+447700900123",
        "status": "delivered", "created_at": "", "completed_at": "", "sent_at": "", "notification_type": "sms"})";
    for (const std::string auth : {"Bearer callback-token-for-tests-onlx", "Bearer callback-token-for-tests-only2",
                                   "Bearer ", "", "callback-token-for-tests-only"}) {
        std::vector<Receipt> receipts;
        const auto r = c->sms()->receipt(auth, body, receipts);
        EXPECT_EQ(r.status, Status::permanent) << auth;
        EXPECT_TRUE(receipts.empty()) << auth;
    }
}

TEST_F(NotifyTest, FailureStatusesInReceiptsBecomeFailedWithNotifysWord) {
    auto sim = startSim();
    auto c = connect(config(*sim));
    for (const std::string status : {"permanent-failure", "temporary-failure", "technical-failure"}) {
        const std::string body = R"({"id": "5f0c1e2d-0000-4000-8000-000000000002", "reference": "msg-2", "to": "x",
            "status": ")" + status +
                                 R"(", "notification_type": "sms"})";
        std::vector<Receipt> receipts;
        ASSERT_TRUE(c->email()->receipt("Bearer " + kCallbackToken, body, receipts).ok());
        ASSERT_EQ(receipts.size(), 1U);
        EXPECT_EQ(receipts[0].state, DeliveryState::failed) << status;
        EXPECT_EQ(receipts[0].detail, status);
    }
}

TEST_F(NotifyTest, ConfigCheckRejectsAMalformedApiKeyWithoutQuotingIt) {
    const auto* info = host_.find("notify");
    ASSERT_NE(info, nullptr);
    ASSERT_TRUE(info->checkConfig);
    const std::string base = R"({"sms_template_id": ")" + kSmsTemplate + R"(", "api_key": ")";
    EXPECT_TRUE(info->checkConfig(base + kKey + R"("})").empty());
    for (const std::string& key :
         {std::string("too-short"), kKey.substr(0, kKey.size() - 1) + "g",
          kKey.substr(0, kKey.size() - 37) + "x" + kKey.substr(kKey.size() - 36), std::string("${NOTIFY_API_KEY}")}) {
        const auto errors = info->checkConfig(base + key + R"("})");
        ASSERT_EQ(errors.size(), 1U) << key;
        EXPECT_EQ(errors[0].pointer, "/api_key");
        EXPECT_EQ(errors[0].message.find(key), std::string::npos) << errors[0].message;
    }
    std::string error;
    EXPECT_EQ(host_.create("texts", "notify", base + R"(too-short"})", error), nullptr);
    EXPECT_NE(error.find("api_key"), std::string::npos) << error;
}

} // namespace
