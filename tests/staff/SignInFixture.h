// Where the staff sign-in tests start: a migrated store (either store, as the test is run) with its audit log
// and the staff sign-in over them, and the staff pages served on a loopback port when a test needs a browser.
#pragma once

#include "hub/audit/AuditLog.h"
#include "hub/http/Router.h"
#include "hub/http/Server.h"
#include "hub/metrics/Metrics.h"
#include "hub/staff/SignIn.h"
#include "tests/store/TestStore.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>

namespace clinhub::test {

class SignInFixture : public ::testing::Test {
protected:
    void TearDown() override {
        if (server) server->stop();
    }

    void openSignIn(staff::Lockout lockout = {}, staff::SessionTimeouts timeouts = {},
                    const std::function<int64_t()>& clock = store::nowMicros) {
        store = store::Store::open(db.url());
        store->migrate();
        audit = std::make_unique<audit::AuditLog>(*store);
        signIn = std::make_unique<staff::SignIn>(*store, *audit, lockout, timeouts, clock);
    }

    // Serves what the test added to `router` on 127.0.0.1, at a port of the system's choosing.
    void startServer() {
        config::Http http;
        http.listen = "127.0.0.1:0";
        http.threads = 4;
        server = std::make_unique<http::Server>(http, router, metrics);
        server->start();
    }

    // The organisation's audit entries, oldest first.
    std::vector<audit::Entry> trail(const std::string& organisation) const {
        return audit->find({organisation, std::nullopt, std::nullopt, std::nullopt, std::nullopt, 100});
    }

    TempDir dir;
    TestStore db{dir};
    std::unique_ptr<store::Store> store;
    std::unique_ptr<audit::AuditLog> audit;
    std::unique_ptr<staff::SignIn> signIn;
    http::Router router;
    metrics::Metrics metrics;
    std::unique_ptr<http::Server> server; // last, so it stops before what its handlers use goes
};

} // namespace clinhub::test
