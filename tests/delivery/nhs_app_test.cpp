// Messages through the NHS App end to end: `clinhub serve` sending through the nhs-notify plugin to
// nhs_notify_sim (NHS Notify's wire shapes, its callbacks signed back to the hub), and through notify_sim
// (GOV.UK Notify) for the SMS the hub sends itself; hubs killed with SIGKILL mid-run. What reached each patient
// is read from the simulators, and from what the callbacks left in the store.
#include "SimProcess.h"
#include "tests/TempDir.h"
#include "tests/cli/HubProcess.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace clinhub::test {
namespace {

// Made-up credentials of the simulators' fixtures: no real service's.
constexpr const char* kNotifyKey =
    "clinhub_test-8b3a6b6e-5f7d-4d1c-9d0e-3f2a1c4b5d6e-c2f0e1d4-7a9b-4c3e-8f1a-2b3c4d5e6f70";
constexpr const char* kSmsTemplate = "4d6f2b1a-3c5e-4f70-8a9b-1c2d3e4f5a6b";
constexpr const char* kApiKey = "clinhub-test-nhs-notify-api-key-not-real";
constexpr const char* kAppId = "clinhub-test-application-id-not-real";

constexpr const char* kReadsApp = "9995260182";   // on the NHS App, reads
constexpr const char* kNeverReads = "9990000018"; // on the NHS App, never reads
constexpr const char* kNotOnApp = "9990000026";   // not on the NHS App

constexpr const char* kWithSms = "00000000-0000-0000-0000-000000000006"; // NHS App, then NHS Notify's SMS
constexpr const char* kAppOnly = "00000000-0000-0000-0000-000000000001"; // NHS App only

int freePort() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return socket.address().port();
}

template <class P> bool within(int seconds, P done) {
    for (int i = 0; i < seconds * 10; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
}

Poco::JSON::Object::Ptr json(const std::string& text) {
    return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

class NhsApp : public ::testing::Test {
protected:
    // A hub on a port known in advance (the simulator calls back to it), sending through the NHS App under
    // `plan` with `channels`, SMS of its own through notify_sim.
    void start(const std::string& plan, const std::string& channels, const std::vector<std::string>& simFlags = {}) {
        setenv("CLINHUB_TEST_NHS_NOTIFY_API_KEY", kApiKey, 1);
        setenv("CLINHUB_TEST_NHS_NOTIFY_APPLICATION_ID", kAppId, 1);
        setenv("CLINHUB_TEST_NOTIFY_KEY", kNotifyKey, 1);
        port = freePort();
        std::vector<std::string> args{
            "--fixture",          NHS_NOTIFY_FIXTURE,
            "--keys-out",         dir.file("sim"),
            "--callback-url",     "http://127.0.0.1:" + std::to_string(port) + "/callbacks/nhs-app",
            "--callback-api-key", kApiKey,
            "--application-id",   kAppId,
            "--step-ms",          "20",
            "--read-delay-ms",    "100"};
        args.insert(args.end(), simFlags.begin(), simFlags.end());
        app = std::make_unique<SimProcess>(NHS_NOTIFY_SIM, args);
        sms = std::make_unique<SimProcess>(NOTIFY_SIM,
                                           std::vector<std::string>{"--fixture", NOTIFY_FIXTURE, "--rate-limit", "0"});
        config = dir.file("hub.yaml");
        std::ofstream(config) << "hub:\n  quiet_hours: {from: \"00:00\", to: \"00:00\"}\n  listen: 127.0.0.1:" << port
                              << R"(
  store: sqlite:hub.db
  outbox: {poll_ms: 20, workers: 4, batch_size: 20, max_attempts: 100, backoff_base_s: 1, backoff_cap_s: 2, lease_s: 30}
connectors:
  book: {plugin: local-book, config: {database: book.db}}
  nhs-app:
    plugin: nhs-notify
    config: {base_url: ")" << app->url()
                              << "/comms\", token_url: \"" << app->url()
                              << "/oauth2/token\", api_key_env: CLINHUB_TEST_NHS_NOTIFY_API_KEY, private_key_file: \""
                              << dir.file("sim/private.pem")
                              << "\", kid: clinhub-test-1, application_id_env: CLINHUB_TEST_NHS_NOTIFY_APPLICATION_ID, "
                                 "routing_plan_id: \""
                              << plan << R"(", timeout_ms: 2000}
  texts:
    plugin: notify
    config: {base_url: ")" << sms->url()
                              << "\", api_key: \"${CLINHUB_TEST_NOTIFY_KEY}\", sms_template_id: \"" << kSmsTemplate
                              << R"(", timeout_ms: 2000}
organisations:
  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [texts], nhs_app: nhs-app}
    channels: )" << channels << R"(
    read_wait_h: 24
)";
        ASSERT_EQ(runClinhub({"migrate", "--config", config}, dir).exitCode, 0);
    }

    // Queues `n` messages to `nhsNumber` as workflows::toPatient would: through the NHS App, each with its SMS
    // fallback held beside it when `withFallback`. Their references are msg-<tag>-NNNN.
    void queue(const std::string& tag, const std::string& nhsNumber, int n, bool withFallback) {
        std::ofstream sql(dir.file("queue.sql"));
        sql << "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " << n << ")\n"
            << "INSERT INTO outbox (reference, organisation, channel, payload, state, attempts, due_at, claimed_until, "
               "created_at, updated_at) SELECT printf('msg-"
            << tag << "-%04d', i), 'A12345', 'app', printf('{\"nhs_number\":\"" << nhsNumber
            << "\",\"mobile\":\"+447700900%03d\",\"body\":\"Test Surgery: book your flu vaccination\""
            << (withFallback ? ",\"read_wait_s\":86400" : "") << "}', i), 'queued', 0, 0, 0, 0, 0 FROM n;\n";
        if (withFallback)
            sql << "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " << n << ")\n"
                << "INSERT INTO outbox (reference, organisation, channel, payload, state, attempts, due_at, "
                   "claimed_until, created_at, updated_at, fallback_for) SELECT printf('msg-"
                << tag << "-sms-%04d', i), 'A12345', 'sms', printf('{\"to\":\"+447700900%03d\",\"body\":\"Test "
                << "Surgery: book your flu vaccination\"}', i), 'queued', 0, 9223372036854775807, 0, 0, 0, "
                   "printf('msg-"
                << tag << "-%04d', i) FROM n;\n";
        sql.close();
        ASSERT_EQ(
            std::system(("sqlite3 -cmd '.timeout 10000' '" + dir.file("hub.db") + "' < '" + dir.file("queue.sql") + "'")
                            .c_str()),
            0);
    }

    // A number the query prints; the hub may hold the store's write lock a moment, so sqlite3 waits for it.
    int sql(const std::string& query) const {
        const std::string out = dir.file("count.out");
        if (std::system(("sqlite3 -cmd '.timeout 10000' '" + dir.file("hub.db") + "' \"" + query + "\" > '" + out + "'")
                            .c_str()) != 0)
            return -1;
        std::ifstream in(out);
        int n = -1;
        in >> n;
        return n;
    }

    // How many times nhs_notify_sim sent each reference on `channel` ("nhsapp", "sms"), in all and at most.
    std::pair<int, int> appSent(const std::string& channel) const {
        const auto byReference = json(app->control("GET", "/_sim/sent"))->getObject("by_reference");
        int all = 0;
        int most = 0;
        for (const auto& [reference, channels] : *byReference) {
            const int n = channels.extract<Poco::JSON::Object::Ptr>()->optValue<int>(channel, 0);
            all += n;
            most = std::max(most, n);
        }
        return {all, most};
    }

    // What notify_sim, the hub's own SMS provider, took.
    std::pair<int, int> hubSms() const {
        const auto o = json(sms->control("GET", "/_sim/notifications/count"));
        return {o->getValue<int>("count"), o->getValue<int>("duplicated_references")};
    }

    std::string channel(const std::string& reference, const std::string& channel) const {
        const std::string out = dir.file("state.out");
        std::system(("sqlite3 -cmd '.timeout 10000' '" + dir.file("hub.db") +
                     "' \"SELECT state FROM message_channels WHERE reference = '" + reference + "' AND channel = '" +
                     channel + "'\" > '" + out + "'")
                        .c_str());
        std::ifstream in(out);
        std::string state;
        in >> state;
        return state;
    }

    TempDir dir;
    int port = 0;
    std::string config;
    std::unique_ptr<SimProcess> app;
    std::unique_ptr<SimProcess> sms;
};

TEST_F(NhsApp, APatientOnTheAppReadsItThereAndIsSentNoSms) {
    ASSERT_NO_FATAL_FAILURE(start(kWithSms, "[nhs_app]"));
    ASSERT_NO_FATAL_FAILURE(queue("reads", kReadsApp, 3, false));
    HubProcess hub(config, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_TRUE(within(30, [&] { return sql("SELECT COUNT(*) FROM message_channels WHERE state = 'read'") == 3; }))
        << hub.log().substr(0, 4000);
    EXPECT_EQ(channel("msg-reads-0001", "nhs_app"), "read");
    EXPECT_EQ(sql("SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND delivery = 'delivered'"), 3)
        << "the message as a whole, from MessageStatus";
    EXPECT_EQ(appSent("nhsapp").first, 3);
    EXPECT_EQ(appSent("sms").first, 0);
    EXPECT_EQ(hubSms().first, 0);
}

TEST_F(NhsApp, APatientNotOnTheAppGetsOneSmsFromNhsNotifysFallback) {
    ASSERT_NO_FATAL_FAILURE(start(kWithSms, "[nhs_app]"));
    ASSERT_NO_FATAL_FAILURE(queue("absent", kNotOnApp, 3, false));
    HubProcess hub(config, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_TRUE(within(30, [&] {
        return sql("SELECT COUNT(*) FROM message_channels WHERE channel = 'sms' AND state = 'delivered'") == 3;
    })) << hub.log().substr(0, 4000);
    EXPECT_EQ(channel("msg-absent-0002", "nhs_app"), "failed");
    EXPECT_EQ(appSent("sms"), std::make_pair(3, 1));
    EXPECT_EQ(hubSms().first, 0) << "NHS Notify sent the SMS: the hub sends none of its own";
}

TEST_F(NhsApp, WithAnAppOnlyPlanTheHubSendsOneSmsWhenUnreadAfterTheWaitAndNoneOnceRead) {
    ASSERT_NO_FATAL_FAILURE(start(kAppOnly, "[nhs_app, sms]"));
    ASSERT_NO_FATAL_FAILURE(queue("unread", kNeverReads, 2, true));
    ASSERT_NO_FATAL_FAILURE(queue("read", kReadsApp, 2, true));
    HubProcess hub(config, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_TRUE(within(30, [&] {
        return sql("SELECT COUNT(*) FROM outbox WHERE channel = 'app' AND state = 'sent'") == 4 &&
               sql("SELECT COUNT(*) FROM outbox WHERE fallback_for IS NOT NULL AND state = 'cancelled'") == 2;
    })) << hub.log().substr(0, 4000);
    EXPECT_EQ(sql("SELECT COUNT(*) FROM outbox WHERE fallback_for LIKE 'msg-unread-%' AND state = 'queued' AND "
                  "due_at > strftime('%s', 'now') * 1000000 + 86000000000"),
              2)
        << "the unread ones' SMS held for the day's wait";
    EXPECT_EQ(hubSms().first, 0);
    // The day's wait passes.
    ASSERT_EQ(sql("UPDATE outbox SET due_at = 0 WHERE fallback_for IS NOT NULL AND state = 'queued'; SELECT "
                  "changes()"),
              2);
    ASSERT_TRUE(within(30, [&] { return hubSms().first == 2; })) << hub.log().substr(0, 4000);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_EQ(hubSms(), std::make_pair(2, 0)) << "one SMS each for the unread, none for the read";
    EXPECT_EQ(appSent("sms").first, 0) << "an app-only plan sends no SMS of its own";
}

TEST_F(NhsApp, NoPatientGetsASecondSmsThroughKillsOfTheHub) {
    constexpr int kMessages = 300;
    // NHS Notify loses a fifth of its answers after taking the message: the hub must resend, by reference.
    ASSERT_NO_FATAL_FAILURE(start(kWithSms, "[nhs_app]", {"--after-commit-rate", "0.2", "--seed", "11"}));
    ASSERT_NO_FATAL_FAILURE(queue("kill", kNotOnApp, kMessages, false));
    for (const int at : {kMessages / 4, kMessages / 2}) {
        HubProcess hub(config, dir);
        ASSERT_TRUE(hub.started()) << hub.log();
        ASSERT_TRUE(within(120, [&] { return appSent("sms").first >= at; })) << "stalled before " << at;
        hub.signal(SIGKILL);
        hub.stop();
    }
    HubProcess hub(config, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_TRUE(within(180,
                       [&] {
                           return sql("SELECT COUNT(*) FROM outbox WHERE state = 'sent'") == kMessages &&
                                  appSent("sms").first == kMessages;
                       }))
        << "sent " << sql("SELECT COUNT(*) FROM outbox WHERE state = 'sent'") << ", SMS " << appSent("sms").first;
    const auto [all, most] = appSent("sms");
    EXPECT_EQ(all, kMessages) << "every patient reached";
    EXPECT_EQ(most, 1) << "and none twice";
    EXPECT_GT(json(app->control("GET", "/_sim/stats"))->getValue<int>("duplicates"), 0)
        << "lost answers were resent and refused as duplicates: the test exercised the resend";
}

TEST_F(NhsApp, TheHubsOwnFallbackSmsGoesOnceThroughKillsOfTheHub) {
    constexpr int kMessages = 200;
    ASSERT_NO_FATAL_FAILURE(start(kAppOnly, "[nhs_app, sms]"));
    ASSERT_NO_FATAL_FAILURE(queue("fall", kNeverReads, kMessages, true));
    {
        HubProcess hub(config, dir);
        ASSERT_TRUE(hub.started()) << hub.log();
        ASSERT_TRUE(within(120, [&] {
            return sql("SELECT COUNT(*) FROM outbox WHERE channel = 'app' AND state = 'sent'") == kMessages;
        }));
        // Every read wait over at once; the hub killed while the SMS go.
        ASSERT_EQ(sql("UPDATE outbox SET due_at = 0 WHERE fallback_for IS NOT NULL AND state = 'queued'; SELECT "
                      "changes()"),
                  kMessages);
        ASSERT_TRUE(within(60, [&] { return hubSms().first >= kMessages / 3; }));
        hub.signal(SIGKILL);
        hub.stop();
    }
    HubProcess hub(config, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_TRUE(within(120, [&] {
        return sql("SELECT COUNT(*) FROM outbox WHERE fallback_for IS NOT NULL AND state = 'sent'") == kMessages;
    }));
    EXPECT_EQ(hubSms(), std::make_pair(kMessages, 0)) << "one SMS each, none twice";
}

} // namespace
} // namespace clinhub::test
