// Loads the http-sms plugin through the real host and starts sms_gateway_sim for each test.
#pragma once

#include "hub/host/PluginHost.h"
#include "simulators/SimProcess.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace httpsms::test {

inline const std::string kApiKey = "test-key-0001";

class HttpSmsFixture : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(host_.loadFile(std::string(CLINHUB_PLUGIN_DIR) + "/libclinhub-http-sms.so"))
            << (host_.refused().empty() ? "" : host_.refused().back().reason);
    }

    clinhub::test::SimProcess& sim() {
        if (!sim_)
            sim_ = std::make_unique<clinhub::test::SimProcess>(
                SMS_GATEWAY_SIM, std::vector<std::string>{"--fixture", SMS_GATEWAY_FIXTURE});
        return *sim_;
    }

    // The config a sysadmin would write for sms_gateway_sim; `extra` is spliced into the object.
    std::string config(const std::string& extra = {}, const std::string& key = kApiKey) {
        return R"({"url": ")" + sim().url() + R"(/messages", "headers": {"X-Api-Key": ")" + key +
               R"("}, "body": "{\"to\":\"{{to}}\",\"text\":\"{{body}}\",\"client_ref\":\"{{reference}}\"}",)"
               R"( "provider_id": "/messages/0/id", "error": "/error/message")" +
               (extra.empty() ? "" : ", " + extra) + "}";
    }

    std::string lookupConfig() {
        return config(R"("lookup": {"url": ")" + sim().url() +
                      R"(/messages?client_ref={{reference}}", "status": "/messages/0/status",)"
                      R"( "provider_id": "/messages/0/id",)"
                      R"( "states": {"accepted": "accepted", "delivered": "delivered", "undeliverable": "failed"}})");
    }

    clinhub::SmsSender& connector(const std::string& json) {
        std::string error;
        instance_ = host_.create("texts", "http-sms", json, error);
        if (!instance_) throw std::runtime_error(error);
        return *instance_->sms();
    }

    std::string createError(const std::string& json) {
        std::string error;
        EXPECT_EQ(host_.create("texts", "http-sms", json, error), nullptr);
        return error;
    }

    // What the gateway accepted, in order.
    Poco::JSON::Array::Ptr accepted() {
        const auto root = Poco::JSON::Parser().parse(sim().control("GET", "/_sim/messages"));
        return root.extract<Poco::JSON::Object::Ptr>()->getArray("messages");
    }

    clinhub::host::PluginHost host_;
    std::shared_ptr<clinhub::host::ConnectorInstance> instance_;
    std::unique_ptr<clinhub::test::SimProcess> sim_;
};

} // namespace httpsms::test
