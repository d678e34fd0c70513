// A store, an outbox and scripted SMS connectors, for outbox tests.
#pragma once

#include "hub/host/PluginHost.h"
#include "hub/outbox/Dispatcher.h"
#include "tests/store/TestStore.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace clinhub::test {

class FixedRoutes : public outbox::Routes {
public:
    std::vector<std::shared_ptr<host::ConnectorInstance>> sms;
    std::vector<std::shared_ptr<host::ConnectorInstance>> app; // the NHS App's
    std::map<std::string, std::shared_ptr<host::ConnectorInstance>> byName;

    std::vector<std::shared_ptr<host::ConnectorInstance>> route(const std::string&, outbox::Channel channel) override {
        return channel == outbox::Channel::app ? app : sms;
    }
    std::shared_ptr<host::ConnectorInstance> connector(const std::string& name) override {
        auto it = byName.find(name);
        return it != byName.end() ? it->second : nullptr;
    }
    std::map<std::string, int> rates;
    int ratePerMinute(const std::string& name) override { return rates.contains(name) ? rates[name] : 0; }
    std::optional<int64_t> quietEnd; // every organisation's quiet hours end then; nullopt: not quiet now
    std::optional<int64_t> quietUntil(const std::string&, int64_t) override { return quietEnd; }
};

class OutboxFixture : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(host.loadFile(SCRIPTED_SMS));
        openStore();
    }

    void openStore() {
        store = store::Store::open(db.url());
        store->migrate();
        outbox = std::make_unique<outbox::Outbox>(*store);
    }

    // A connector that answers `outcome` to sends and `lookup` to lookups, journaling to <name>.log.
    void addConnector(const std::string& name, const std::string& outcome, const std::string& lookup = "unsupported") {
        std::string error;
        auto c = host.create(name, "scripted-sms",
                             R"({"outcome":")" + outcome + R"(","lookup":")" + lookup + R"(","journal":")" +
                                 dir.file(name + ".log") + R"("})",
                             error);
        ASSERT_NE(c, nullptr) << error;
        routes.sms.push_back(c);
        routes.byName[name] = c;
    }

    // The lines the connector journaled: "<reference> <outcome>".
    std::vector<std::string> journal(const std::string& name) const {
        std::vector<std::string> lines;
        std::ifstream in(dir.file(name + ".log"));
        for (std::string line; std::getline(in, line);)
            lines.push_back(line);
        return lines;
    }

    std::string enqueueSms() {
        return outbox->enqueue({"A12345", outbox::Channel::sms, R"({"to":"+447700900123","body":"hello"})", 0});
    }

    config::Outbox settings(int maxAttempts = 3) {
        config::Outbox s;
        s.workers = 1;
        s.maxAttempts = maxAttempts;
        s.backoffBaseSeconds = 30;
        s.backoffCapSeconds = 3600;
        return s;
    }

    // No backoff: a message that failed is due again at once, for tests that run attempt after attempt.
    config::Outbox retryingAtOnce(int maxAttempts) {
        config::Outbox s = settings(maxAttempts);
        s.backoffBaseSeconds = 0;
        s.backoffCapSeconds = 0;
        return s;
    }

    TempDir dir;
    TestStore db{dir};
    host::PluginHost host;
    FixedRoutes routes;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<outbox::Outbox> outbox;
};

} // namespace clinhub::test
