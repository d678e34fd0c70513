// GET /status and hub.ready_requires, against a real `clinhub serve` whose EMIS book is at a port nothing
// listens on (as a simulator that has stopped), beside a local book that answers.
#include "tests/cli/HubProcess.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <gtest/gtest.h>

namespace {

using clinhub::test::HubProcess;
using clinhub::test::TempDir;

// Two practices: A12345's local book answers, B81001's EMIS book never does.
std::string writeConfig(const TempDir& dir, const std::string& extraHub) {
    std::string path = dir.file("hub.yaml");
    std::ofstream(path) << R"(hub:
  quiet_hours: {from: "00:00", to: "00:00"}
  listen: 127.0.0.1:0
  admin_listen: 127.0.0.1:0
  store: sqlite:hub.db
)" << extraHub << R"(connectors:
  book:
    plugin: local-book
    config: {database: book.db}
  emis-b81001:
    plugin: emis-xml
    config: {base_url: "http://127.0.0.1:1", user: test, password: test, connect_timeout_ms: 500, timeout_ms: 1000,
             book_attempts: 1}
  outbox:
    plugin: outbox-file
    config: {path: outbox.jsonl}
organisations:
  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [outbox], email: outbox}
  B81001:
    name: Second Surgery
    route: {appointment_book: emis-b81001, sms: [outbox], email: outbox}
)";
    return path;
}

struct Practices {
    std::string a;
    std::string b;
};

Practices keys(const std::string& path, const TempDir& dir) {
    std::string why;
    Practices k{clinhub::test::createKey(path, "A12345", dir, why), clinhub::test::createKey(path, "B81001", dir, why)};
    EXPECT_FALSE(k.a.empty() || k.b.empty()) << why;
    return k;
}

// Asks each practice's book for its slot types once: A's answers, B's cannot be reached.
void callBothBooks(const HubProcess& hub, const Practices& k) {
    EXPECT_EQ(hub.get(hub.adminPort(), "/api/v1/organisations/A12345/slot-types", k.a).status, 200);
    EXPECT_EQ(hub.get(hub.adminPort(), "/api/v1/organisations/B81001/slot-types", k.b).status, 502);
}

Poco::JSON::Object::Ptr connectorIn(const Poco::JSON::Object::Ptr& status, const std::string& name) {
    const auto list = status->getArray("connectors");
    for (std::size_t i = 0; list && i < list->size(); ++i)
        if (list->getObject(i)->getValue<std::string>("name") == name) return list->getObject(i);
    return nullptr;
}

TEST(Status, SaysTheHubsVersionStoreOutboxAndEachConnectorsLastOutcomeOnTheAdminListenerOnly) {
    TempDir dir;
    const auto path = writeConfig(dir, "");
    const auto k = keys(path, dir);
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_NE(hub.port(), hub.adminPort());
    callBothBooks(hub, k);

    EXPECT_EQ(hub.get(hub.port(), "/status").status, 404) << "never on the patients' listener";
    const auto reply = hub.get(hub.adminPort(), "/status");
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto status = Poco::JSON::Parser().parse(reply.body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(status->getValue<std::string>("version"), CLINHUB_VERSION);
    EXPECT_GE(status->getValue<int64_t>("uptime_seconds"), 0);
    EXPECT_FALSE(status->getValue<std::string>("started_at").empty());
    EXPECT_EQ(status->getValue<std::string>("config_file"), path);
    EXPECT_TRUE(status->getObject("store")->getValue<bool>("reachable"));
    EXPECT_TRUE(status->getObject("outbox"));
    EXPECT_EQ(status->getArray("ready_requires")->size(), 0U);

    const auto book = connectorIn(status, "book");
    ASSERT_TRUE(book) << reply.body;
    EXPECT_EQ(book->getValue<std::string>("plugin"), "local-book");
    EXPECT_EQ(book->getArray("kinds")->getElement<std::string>(0), "appointment-book");
    EXPECT_TRUE(book->getValue<bool>("running"));
    EXPECT_FALSE(book->getValue<bool>("required"));
    EXPECT_FALSE(book->isNull("last_success_at"));
    EXPECT_EQ(book->getObject("last_call")->getValue<std::string>("operation"), "slot_types");
    EXPECT_EQ(book->getObject("last_call")->getValue<std::string>("status"), "ok");
    EXPECT_TRUE(book->isNull("last_failure"));

    const auto emis = connectorIn(status, "emis-b81001");
    ASSERT_TRUE(emis) << reply.body;
    EXPECT_TRUE(emis->isNull("last_success_at"));
    EXPECT_GE(emis->getValue<int>("consecutive_failures"), 1);
    const auto failure = emis->getObject("last_failure");
    ASSERT_TRUE(failure) << reply.body;
    EXPECT_EQ(failure->getValue<std::string>("status"), "retryable");
    EXPECT_FALSE(failure->getValue<std::string>("reason").empty());

    const auto outbox = connectorIn(status, "outbox");
    ASSERT_TRUE(outbox) << reply.body;
    EXPECT_TRUE(outbox->isNull("last_call")) << "never called";
    EXPECT_EQ(outbox->getValue<int>("calls"), 0);

    const auto metrics = hub.get(hub.adminPort(), "/metrics").body;
    EXPECT_NE(metrics.find(R"(clinhub_connector_calls_total{connector="emis-b81001",plugin="emis-xml",)"
                           R"(operation="slot_types",status="retryable"})"),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find(R"(clinhub_connector_call_duration_seconds_count{connector="book",operation="slot_types"})"),
              std::string::npos)
        << metrics;
}

TEST(Status, OnePracticesBookDownLeavesTheHubReadyUnlessReadyRequiresIt) {
    TempDir dir;
    const auto path = writeConfig(dir, "");
    const auto k = keys(path, dir);
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    callBothBooks(hub, k);
    const auto ready = hub.get(hub.adminPort(), "/readyz");
    EXPECT_EQ(ready.status, 200) << ready.body;
    EXPECT_NE(hub.get(hub.adminPort(), "/metrics").body.find("\nclinhub_ready 1\n"), std::string::npos);
}

TEST(Status, ARequiredConnectorWhoseLastCallGotNoAnswerMakesTheHubNotReadyNamingIt) {
    TempDir dir;
    const auto path = writeConfig(dir, "  ready_requires: [book, emis-b81001]\n");
    const auto k = keys(path, dir);
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    const auto before = hub.get(hub.adminPort(), "/readyz");
    EXPECT_EQ(before.status, 200) << "never called, so never failed: " << before.body;

    callBothBooks(hub, k);
    const auto ready = hub.get(hub.adminPort(), "/readyz");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_NE(ready.body.find("connector 'emis-b81001' is failing"), std::string::npos) << ready.body;
    EXPECT_EQ(ready.body.find("connector 'book'"), std::string::npos) << "the book that answered is fine";
    EXPECT_NE(hub.get(hub.adminPort(), "/metrics").body.find("\nclinhub_ready 0\n"), std::string::npos);
    const auto status = hub.get(hub.adminPort(), "/status").body;
    EXPECT_NE(status.find(R"("ready_requires":["book","emis-b81001"])"), std::string::npos) << status;
}

TEST(Status, AReloadThatDropsAConnectorFromReadyRequiresMakesTheHubReadyAtOnce) {
    TempDir dir;
    const auto path = writeConfig(dir, "  ready_requires: [emis-b81001]\n");
    const auto k = keys(path, dir);
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    callBothBooks(hub, k);
    ASSERT_EQ(hub.get(hub.adminPort(), "/readyz").status, 503);
    writeConfig(dir, "");
    hub.signal(SIGHUP);
    EXPECT_TRUE(HubProcess::eventually([&] { return hub.get(hub.adminPort(), "/readyz").status == 200; })) << hub.log();
}

} // namespace
