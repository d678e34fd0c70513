#include "SimProcess.h"
#include "tests/cli/HubProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

namespace clinhub::test {
namespace {

// A made-up service of tests/simulators/notify/fixture.json: not a key of any real Notify service.
constexpr const char* kApiKey =
    "clinhub_test-8b3a6b6e-5f7d-4d1c-9d0e-3f2a1c4b5d6e-c2f0e1d4-7a9b-4c3e-8f1a-2b3c4d5e6f70";
constexpr const char* kSmsTemplate = "4d6f2b1a-3c5e-4f70-8a9b-1c2d3e4f5a6b";

std::unique_ptr<SimProcess> notifySim(std::vector<std::string> flags = {}) {
    std::vector<std::string> args{"--fixture", NOTIFY_FIXTURE, "--rate-limit", "0"};
    args.insert(args.end(), flags.begin(), flags.end());
    return std::make_unique<SimProcess>(NOTIFY_SIM, args);
}

std::string notifyConnector(const std::string& name, const std::string& baseUrl, const std::string& extra = "") {
    return "  " + name + ":\n    plugin: notify\n    config: {base_url: \"" + baseUrl +
           "\", api_key: \"${CLINHUB_TEST_NOTIFY_KEY}\", sms_template_id: \"" + kSmsTemplate + "\", timeout_ms: 2000" +
           extra + "}\n";
}

// A hub whose outbox retries quickly, sending SMS along `route` (connector names, in failover order).
std::string writeConfig(const TempDir& dir, const std::string& connectors, const std::string& route, int port = 0) {
    setenv("CLINHUB_TEST_NOTIFY_KEY", kApiKey, 1);
    std::string path = dir.file("hub.yaml");
    std::ofstream(path) << "hub:\n  quiet_hours: {from: \"00:00\", to: \"00:00\"}\n  listen: 127.0.0.1:" << port << R"(
  store: sqlite:hub.db
  outbox: {poll_ms: 20, workers: 4, batch_size: 20, max_attempts: 100, backoff_base_s: 1, backoff_cap_s: 2, lease_s: 30}
connectors:
  book:
    plugin: local-book
    config: {database: book.db}
)" << connectors << R"(organisations:
  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [)"
                        << route << "], email: " << route.substr(0, route.find(',')) << "}\n";
    return path;
}

// Queues `count` SMS straight into the store, as workflows would have (the test range of mobiles).
void queueSms(const TempDir& dir, const std::string& config, int count) {
    ASSERT_EQ(runClinhub({"migrate", "--config", config}, dir).exitCode, 0);
    std::ofstream(dir.file("queue.sql")) << "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                                         << count << R"()
INSERT INTO outbox (reference, organisation, channel, payload, state, attempts, due_at, claimed_until,
                    created_at, updated_at)
SELECT printf('msg-test-%06d', i), 'A12345', 'sms',
       printf('{"to":"+447700900%03d","body":"Test Surgery: test message %d"}', i % 1000, i),
       'queued', 0, 0, 0, 0, 0 FROM n;
)";
    ASSERT_EQ(std::system(("sqlite3 '" + dir.file("hub.db") + "' < '" + dir.file("queue.sql") + "'").c_str()), 0);
}

struct SimCount {
    int count = 0;
    int distinct = 0;
    int duplicated = 0;
};

SimCount countAt(const SimProcess& sim) {
    const auto json = Poco::JSON::Parser().parse(sim.control("GET", "/_sim/notifications/count"));
    const auto& o = json.extract<Poco::JSON::Object::Ptr>();
    return {o->getValue<int>("count"), o->getValue<int>("distinct_references"),
            o->getValue<int>("duplicated_references")};
}

int sqlCount(const TempDir& dir, const std::string& sql) {
    const std::string out = dir.file("count.out");
    const std::string command = "sqlite3 '" + dir.file("hub.db") + "' \"" + sql + "\" > '" + out + "'";
    if (std::system(command.c_str()) != 0) return -1;
    std::ifstream in(out);
    int n = -1;
    in >> n;
    return n;
}

// Where the outbox stands, for a failure message.
std::string states(const TempDir& dir) {
    const std::string out = dir.file("states.out");
    const std::string command =
        "sqlite3 '" + dir.file("hub.db") +
        "' \"SELECT state, COUNT(*), MAX(COALESCE(last_error, '')) FROM outbox GROUP BY state\" > '" + out + "'";
    if (std::system(command.c_str()) != 0) return "(cannot read the store)";
    std::ifstream in(out);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A loopback port free a moment ago, for a hub whose address a simulator must know before it starts.
int freePort() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    const int port = socket.address().port();
    socket.close();
    return port;
}

// Waits, up to `seconds`, for `done`.
template <class P> bool within(int seconds, P done) {
    for (int i = 0; i < seconds * 10; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
}

TEST(Delivery, TenThousandMessagesThroughThreeKillsArriveExactlyOnce) {
    constexpr int kMessages = 10'000;
    TempDir dir;
    auto sim = notifySim();
    const auto config = writeConfig(dir, notifyConnector("notify", sim->url()), "notify");
    queueSms(dir, config, kMessages);

    // Three kills at random points spread through the run.
    std::mt19937 random{std::random_device{}()};
    std::vector<int> killAt;
    for (int third = 0; third < 3; ++third)
        killAt.push_back(third * kMessages / 3 + std::uniform_int_distribution<int>(500, kMessages / 3 - 500)(random));
    for (const int at : killAt) {
        HubProcess hub(config, dir);
        ASSERT_TRUE(hub.started()) << hub.log();
        ASSERT_TRUE(within(300, [&] { return countAt(*sim).count >= at; })) << "stalled before " << at;
        hub.signal(SIGKILL);
        hub.stop();
        std::cout << "killed the hub with " << countAt(*sim).count << " messages at the provider\n";
    }
    HubProcess hub(config, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_TRUE(within(300, [&] {
        return sqlCount(dir, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == kMessages;
    })) << states(dir);

    const SimCount c = countAt(*sim);
    EXPECT_EQ(c.distinct, kMessages) << "lost: " << kMessages - c.distinct;
    EXPECT_EQ(c.duplicated, 0);
    EXPECT_EQ(c.count, kMessages);
    EXPECT_GT(sqlCount(dir, "SELECT COUNT(*) FROM outbox_attempts WHERE outcome = 'reconciled'"), 0)
        << "a kill mid-send leaves messages to reconcile; none were: the kills missed the window";
}

TEST(Delivery, AProviderFailingAThirdOfCallsStillGetsEveryMessageOnce) {
    constexpr int kMessages = 1'000;
    TempDir dir;
    // A tenth each: 500s, 429s, and answers lost after Notify took the message (what a timeout looks like).
    auto sim = notifySim({"--error-rate", "0.1", "--rate-429", "0.1", "--after-commit-rate", "0.1"});
    const auto config = writeConfig(dir, notifyConnector("notify", sim->url()), "notify");
    queueSms(dir, config, kMessages);
    HubProcess hub(config, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_TRUE(within(120, [&] {
        return sqlCount(dir, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == kMessages;
    })) << states(dir);
    const SimCount c = countAt(*sim);
    EXPECT_EQ(c.distinct, kMessages);
    EXPECT_EQ(c.duplicated, 0);
    EXPECT_GT(sqlCount(dir, "SELECT COUNT(*) FROM outbox_attempts WHERE outcome = 'retryable'"), 0);
    EXPECT_GT(sqlCount(dir, "SELECT COUNT(*) FROM outbox_attempts WHERE outcome = 'reconciled'"), 0)
        << "lost answers are found by lookup, not sent again";
}

TEST(Delivery, WithThePrimaryProviderDownEveryMessageGoesThroughTheSecondInRouteOrder) {
    constexpr int kMessages = 200;
    TempDir dir;
    auto backup = notifySim();
    // Port 1 on loopback: nothing listens, so every call is refused.
    const auto config =
        writeConfig(dir, notifyConnector("primary", "http://127.0.0.1:1") + notifyConnector("backup", backup->url()),
                    "primary, backup");
    queueSms(dir, config, kMessages);
    HubProcess hub(config, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_TRUE(
        within(120, [&] { return sqlCount(dir, "SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == kMessages; }));
    EXPECT_EQ(countAt(*backup).distinct, kMessages);
    EXPECT_EQ(countAt(*backup).duplicated, 0);
    EXPECT_EQ(sqlCount(dir, "SELECT COUNT(*) FROM outbox WHERE connector = 'backup'"), kMessages);
    // Each message tried the primary first, then the backup, in one attempt. A refused connection is known
    // never to have reached the primary: recorded as not-sent, so no lookup there is owed.
    EXPECT_EQ(sqlCount(dir,
                       "SELECT COUNT(*) FROM outbox_attempts p JOIN outbox_attempts b ON p.reference = b.reference "
                       "AND p.attempt = b.attempt WHERE p.connector = 'primary' AND p.outcome = 'not-sent' "
                       "AND b.connector = 'backup' AND b.outcome = 'ok' AND p.at <= b.at"),
              kMessages);
}

TEST(Delivery, NotifysDeliveryReceiptsReachEveryMessageTheyAreAbout) {
    constexpr int kMessages = 200;
    TempDir dir;
    const int port = freePort();
    setenv("CLINHUB_TEST_CALLBACK_TOKEN", "callback-secret-for-tests-only", 1);
    // A fifth of the messages fail at the phone network, as Notify's permanent-failure receipts say.
    auto sim = notifySim({"--callback-url", "http://127.0.0.1:" + std::to_string(port) + "/callbacks/notify",
                          "--callback-token", "callback-secret-for-tests-only", "--callback-delay-ms", "50",
                          "--delivery-failure-rate", "0.2"});
    const auto config =
        writeConfig(dir, notifyConnector("notify", sim->url(), ", callback_token: \"${CLINHUB_TEST_CALLBACK_TOKEN}\""),
                    "notify", port);
    queueSms(dir, config, kMessages);
    HubProcess hub(config, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_TRUE(within(
        60,
        [&] {
            return sqlCount(dir, "SELECT COUNT(*) FROM outbox WHERE delivery IN ('delivered', 'failed')") == kMessages;
        }))
        << states(dir) << hub.log();
    const int failed = sqlCount(dir, "SELECT COUNT(*) FROM outbox WHERE delivery = 'failed'");
    EXPECT_GT(failed, 0);
    EXPECT_LT(failed, kMessages);
    const auto stats =
        Poco::JSON::Parser().parse(sim->control("GET", "/_sim/stats")).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(stats->getValue<int>("receipts_failed"), 0) << "the hub refused a receipt";
    EXPECT_EQ(stats->getValue<int>("receipts_sent"), kMessages);
}

} // namespace
} // namespace clinhub::test
