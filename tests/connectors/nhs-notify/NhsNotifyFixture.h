// Each test: a fresh nhs_notify_sim process on a loopback port, which makes a throwaway RSA key pair in a
// temporary folder (the connector reads the private key from there) and POSTs its callbacks to a sink in
// the test; and the nhs-notify plugin loaded as a shared object (PatientPlugin.h), talking to the simulator
// over real sockets. A callback the sink takes is handed to the plugin's receipt() with its headers, as the hub does
// hand it over: its x-api-key and x-hmac-sha256-signature headers as header lines in `authorization`.
#pragma once

#include "PatientPlugin.h"
#include "TempDir.h"
#include "simulators/SimProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace clinhub::test {

constexpr const char* kSimFixture = CLINHUB_SOURCE_DIR "/tests/simulators/nhs-notify/fixture.json";

// In the simulator's fixture (999 test range numbers, belonging to nobody).
constexpr const char* kReadsApp = "9995260182";     // on the NHS App, reads what it gets
constexpr const char* kNeverReads = "9990000018";   // on the NHS App, never reads
constexpr const char* kNotOnApp = "9990000026";     // not on the NHS App; PDS has a mobile
constexpr const char* kUnknownToPds = "9990000034"; // valid, but PDS does not know it

constexpr const char* kWithSms = "00000000-0000-0000-0000-000000000006"; // NHS App, SMS after 24 hours
constexpr const char* kAppOnly = "00000000-0000-0000-0000-000000000001"; // NHS App only, 24 hours

constexpr const char* kApiKeyEnv = "CLINHUB_TEST_NHS_NOTIFY_API_KEY";
constexpr const char* kApiKey = "clinhub-test-nhs-notify-api-key-not-real";
constexpr const char* kAppIdEnv = "CLINHUB_TEST_NHS_NOTIFY_APPLICATION_ID";
constexpr const char* kAppId = "clinhub-test-application-id-not-real";
constexpr const char* kKid = "clinhub-test-1";

// A callback as NHS Notify POSTed it.
struct Posted {
    std::string apiKey;
    std::string signature;
    std::string body;
    [[nodiscard]] Headers headers() const { return {{"x-api-key", apiKey}, {"x-hmac-sha256-signature", signature}}; }
};

class CallbackSink {
public:
    CallbackSink()
        : socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
          server_(new Factory(*this), socket_, new Poco::Net::HTTPServerParams) {
        server_.start();
    }
    ~CallbackSink() { server_.stopAll(true); }
    CallbackSink(const CallbackSink&) = delete;
    CallbackSink& operator=(const CallbackSink&) = delete;

    [[nodiscard]] std::string url() const {
        return "http://127.0.0.1:" + std::to_string(socket_.address().port()) + "/callbacks/nhs-app";
    }
    // The callbacks taken since the last call.
    std::vector<Posted> take() {
        std::lock_guard lock(mutex_);
        return std::exchange(posted_, {});
    }

private:
    struct Handler : Poco::Net::HTTPRequestHandler {
        explicit Handler(CallbackSink& sink) : sink_(sink) {}
        void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
            std::string body;
            Poco::StreamCopier::copyToString(request.stream(), body);
            {
                std::lock_guard lock(sink_.mutex_);
                sink_.posted_.push_back(
                    {request.get("x-api-key", ""), request.get("x-hmac-sha256-signature", ""), body});
            }
            response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_ACCEPTED);
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

    Poco::Net::ServerSocket socket_;
    Poco::Net::HTTPServer server_;
    std::mutex mutex_;
    std::vector<Posted> posted_;
};

class NhsNotifyTest : public ::testing::Test {
protected:
    void SetUp() override {
        setenv(kApiKeyEnv, kApiKey, 1);
        setenv(kAppIdEnv, kAppId, 1);
        std::vector<std::string> args{"--fixture",
                                      kSimFixture,
                                      "--keys-out",
                                      keys_.file("sim"),
                                      "--callback-url",
                                      sink_.url(),
                                      "--callback-api-key",
                                      kApiKey,
                                      "--application-id",
                                      kAppId,
                                      "--step-ms",
                                      "50",
                                      "--read-delay-ms",
                                      "150",
                                      "--seed",
                                      "7"};
        for (const auto& a : simArgs())
            args.push_back(a);
        sim_ = std::make_unique<SimProcess>(NHS_NOTIFY_SIM, args);
    }

    virtual std::vector<std::string> simArgs() { return {}; }

    // The connector's config; `extra` is spliced into the object (",\"key\": value...").
    [[nodiscard]] std::string config(const std::string& extra = "", int timeoutMs = 3000) const {
        return R"({"base_url": ")" + sim_->url() + R"(/comms", "token_url": ")" + sim_->url() +
               R"(/oauth2/token", "api_key_env": ")" + kApiKeyEnv + R"(", "private_key_file": ")" +
               keys_.file("sim/private.pem") + R"(", "kid": ")" + kKid + R"(", "application_id_env": ")" + kAppIdEnv +
               R"(", "connect_timeout_ms": 500, "timeout_ms": )" + std::to_string(timeoutMs) + extra + "}";
    }

    PatientMessenger& messenger(const std::string& json = "") {
        std::string error;
        auto instance = plugin_.create(json.empty() ? config() : json, error);
        if (!instance) throw std::runtime_error("cannot create the connector: " + error);
        instances_.push_back(std::move(instance));
        return *instances_.back();
    }

    static PatientMessage message(const std::string& nhs, const std::string& reference) {
        return {nhs, "", "", "Your flu vaccination is booked for 10:30 on Tuesday 14 October.", reference};
    }

    // GET /_sim/stats: token_requests, tokens_issued, tokens_refused, last_refusal, bearer_refused, creates,
    // duplicates, gets, callbacks_posted, callbacks_refused.
    [[nodiscard]] Poco::JSON::Object::Ptr stats() const {
        return Poco::JSON::Parser().parse(sim_->control("GET", "/_sim/stats")).extract<Poco::JSON::Object::Ptr>();
    }
    [[nodiscard]] int stat(const std::string& name) const { return stats()->getValue<int>(name); }

    // How many times the simulator sent `reference` on `channel` ("nhsapp", "sms").
    [[nodiscard]] int sentOn(const std::string& reference, const std::string& channel) const {
        const auto o =
            Poco::JSON::Parser().parse(sim_->control("GET", "/_sim/sent")).extract<Poco::JSON::Object::Ptr>();
        const auto byReference = o->getObject("by_reference");
        if (!byReference->has(reference)) return 0;
        return byReference->getObject(reference)->optValue<int>(channel, 0);
    }

    void advance(int seconds) const { sim_->control("POST", "/_sim/advance?seconds=" + std::to_string(seconds)); }

    // The next API request is answered with exactly this.
    void cannedReply(int status, const std::string& body) const {
        Poco::JSON::Object o;
        o.set("status", status);
        o.set("body", body);
        std::ostringstream text;
        o.stringify(text);
        sim_->control("POST", "/_sim/next", text.str());
    }

    // Feeds every callback taken into `m`'s receipt() (each must be accepted), until `done` holds of all the
    // receipts so far or 10 s pass.
    bool receiptsUntil(PatientMessenger& m, const std::function<bool(const std::vector<Receipt>&)>& done) {
        for (int i = 0; i < 200; ++i) {
            for (const auto& p : sink_.take()) {
                std::vector<Receipt> got;
                const Result r = m.receipt(p.headers(), p.body, got);
                EXPECT_TRUE(r.ok()) << r.message;
                received_.insert(received_.end(), got.begin(), got.end());
                posted_.push_back(p);
            }
            if (done(received_)) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    }

    static bool has(const std::vector<Receipt>& all, const std::string& reference, PatientChannel channel,
                    DeliveryState state) {
        for (const auto& r : all)
            if (r.reference == reference && r.channel == channel && r.state == state) return true;
        return false;
    }
    static const Receipt* find(const std::vector<Receipt>& all, const std::string& reference, PatientChannel channel,
                               DeliveryState state) {
        for (const auto& r : all)
            if (r.reference == reference && r.channel == channel && r.state == state) return &r;
        return nullptr;
    }

    PatientPlugin plugin_{std::string(CLINHUB_PLUGIN_DIR) + "/libclinhub-nhs-notify.so"};
    TempDir keys_;
    CallbackSink sink_;
    std::unique_ptr<SimProcess> sim_;
    std::vector<std::unique_ptr<PatientPlugin::Instance>> instances_;
    std::vector<Receipt> received_;
    std::vector<Posted> posted_;
};

} // namespace clinhub::test
