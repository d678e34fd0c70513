#include "tests/cli/HubProcess.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace clinhub::test {
namespace {

// A config for a hub on an ephemeral port with the embedded connectors, all files in `dir`.
std::string writeConfig(const TempDir& dir, const std::string& extraOrganisation = "") {
    const std::string path = dir.file("hub.yaml");
    std::ofstream(path) << R"(hub:
  listen: 127.0.0.1:0
  store: sqlite:hub.db
  outbox: {poll_ms: 20, workers: 1}
connectors:
  book:
    plugin: local-book
    config: {database: book.db}
  outbox:
    plugin: outbox-file
    config: {path: outbox.jsonl}
organisations:
  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [outbox], email: outbox}
)" << extraOrganisation;
    return path;
}

// Writes to the hub's store with the sqlite3 shell, as another process would.
bool runSql(const TempDir& dir, const std::string& sql) {
    std::ofstream(dir.file("seed.sql")) << sql;
    return std::system(("sqlite3 '" + dir.file("hub.db") + "' < '" + dir.file("seed.sql") + "'").c_str()) == 0;
}

double metric(const HubProcess& hub, const std::string& series) {
    const std::string body = hub.get("/metrics").body;
    const auto at = body.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(body.substr(at + series.size() + 2));
}

TEST(Serve, ServesHealthReadinessAndMetricsOnSqlite) {
    TempDir dir;
    HubProcess hub(writeConfig(dir), dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    EXPECT_EQ(hub.get("/healthz").status, 200);
    const auto ready = hub.get("/readyz");
    EXPECT_EQ(ready.status, 200) << ready.body;
    // Of the shipped plugins in the build tree's plugins/ folder (searched by default), only the two the
    // config names: a file nobody named is never opened.
    int shipped = 0;
    for (const auto& entry : std::filesystem::directory_iterator(CLINHUB_PLUGIN_DIR))
        shipped += entry.path().extension() == ".so";
    EXPECT_GT(shipped, 2);
    EXPECT_EQ(metric(hub, "clinhub_plugins_loaded"), 2);
    EXPECT_EQ(metric(hub, "clinhub_plugins_refused"), 0);
    EXPECT_EQ(hub.stop(), 0);
}

TEST(Serve, AnAdminListenerKeepsTheStaffApiAndMetricsOffThePatientOne) {
    TempDir dir;
    auto path = writeConfig(dir);
    {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        auto yaml = text.str();
        yaml.replace(yaml.find("  listen: 127.0.0.1:0\n"), 0, "  admin_listen: 127.0.0.1:0\n");
        std::ofstream(path) << yaml;
    }
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_NE(hub.adminPort(), hub.port());

    EXPECT_EQ(hub.get(hub.port(), "/healthz").status, 200) << "a load balancer probes the patient side too";
    for (const char* path : {"/metrics", "/readyz", "/api/v1/organisations/A12345/links"})
        EXPECT_EQ(hub.get(hub.port(), path).status, 404) << path << " is not on the patient listener";
    EXPECT_NE(hub.get(hub.port(), "/b/not-a-token").body.find("<html"), std::string::npos) << "the patient pages are";
    EXPECT_EQ(hub.get(hub.adminPort(), "/b/not-a-token").body.find("<html"), std::string::npos);

    EXPECT_EQ(hub.get(hub.adminPort(), "/healthz").status, 200);
    EXPECT_EQ(hub.get(hub.adminPort(), "/readyz").status, 200);
    EXPECT_NE(hub.get(hub.adminPort(), "/metrics").body.find("clinhub_http_connections_open"), std::string::npos);
    EXPECT_EQ(hub.get(hub.adminPort(), "/api/v1/organisations/A12345/links").status, 401) << "asks for a key";
    EXPECT_EQ(hub.stop(), 0);
}

TEST(Serve, AnAppointmentBookThatFailsIsA502AndAWarningNamingTheConnectorAndTheCall) {
    TempDir dir;
    const std::string path = dir.file("hub.yaml");
    // An EMIS book at a port nothing listens on.
    std::ofstream(path) << R"(hub:
  listen: 127.0.0.1:0
  store: sqlite:hub.db
connectors:
  emis-book:
    plugin: emis-xml
    config: {base_url: "http://127.0.0.1:1", user: test, password: test, connect_timeout_ms: 500, timeout_ms: 1000,
             book_attempts: 1}
  outbox:
    plugin: outbox-file
    config: {path: outbox.jsonl}
organisations:
  A12345:
    name: Test Surgery
    route: {appointment_book: emis-book, sms: [outbox], email: outbox}
)";
    const auto created = runClinhub({"keys", "create", "--config", path, "--org", "A12345", "--name", "test"}, dir);
    ASSERT_EQ(created.exitCode, 0) << created.err;
    const auto at = created.out.find("chk_");
    ASSERT_NE(at, std::string::npos) << created.out;
    const auto key = created.out.substr(at, created.out.find_first_of(" \t\r\n", at) - at);
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();

    const auto reply = hub.get(hub.port(), "/api/v1/organisations/A12345/slot-types", key);
    EXPECT_EQ(reply.status, 502) << reply.body;
    const auto log = hub.log();
    const auto warning = log.find("\"event\":\"appointment_book_failed\"");
    ASSERT_NE(warning, std::string::npos) << log;
    const auto line = log.substr(warning, log.find('\n', warning) - warning);
    EXPECT_NE(line.find("\"connector\":\"emis-book\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"call\":\"slot_types\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"reason\":\""), std::string::npos) << line;
}

TEST(Serve, ReloadOnSighupAppliesAValidConfig) {
    TempDir dir;
    const auto path = writeConfig(dir);
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    writeConfig(dir, "  B99999:\n    name: Second Surgery\n    route: {appointment_book: book, sms: [outbox]}\n");
    hub.signal(SIGHUP);
    EXPECT_TRUE(HubProcess::eventually([&] {
        return metric(hub, "clinhub_config_reloads_total{result=\"applied\"}") == 1;
    })) << hub.log();
    EXPECT_NE(hub.log().find("\"event\":\"config_reloaded\""), std::string::npos);
}

TEST(Serve, ReloadOnSighupKeepsTheRunningConfigWhenTheNewOneIsInvalid) {
    TempDir dir;
    const auto path = writeConfig(dir);
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    std::ofstream(path)
        << "hub:\n  listen: 127.0.0.1:0\n  lisen: typo\nconnectors:\n  book:\n    plugin: no-such-plugin\n";
    hub.signal(SIGHUP);
    ASSERT_TRUE(HubProcess::eventually([&] {
        return metric(hub, "clinhub_config_reloads_total{result=\"rejected\"}") == 1;
    })) << hub.log();
    const std::string log = hub.log();
    EXPECT_NE(log.find("keeping the running config"), std::string::npos);
    EXPECT_NE(log.find(path + ":3:3: unknown key 'lisen'"), std::string::npos) << log;
    EXPECT_EQ(hub.get("/readyz").status, 200) << "the old config keeps serving";
    EXPECT_EQ(metric(hub, "clinhub_config_reloads_total{result=\"applied\"}"), -1);
}

TEST(Serve, RefusesToStartOnAnInvalidConfigAndSaysWhere) {
    TempDir dir;
    const auto path = dir.file("bad.yaml");
    std::ofstream(path)
        << "hub:\n  listen: 127.0.0.1:0\nconnectors:\n  book:\n    plugin: local-book\n    config: {}\n";
    const auto result = runClinhub({"serve", "--config", path}, dir);
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find(path + ":6:5: missing required key 'database' in connectors.book.config"),
              std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("clinhub: not started"), std::string::npos);
}

// A store as a process killed mid-send leaves it: one message queued, one claimed and being sent to the
// outbox-file connector, which had already written it. After a restart each is delivered exactly once.
TEST(Serve, DeliversMessagesLeftByAKilledProcessExactlyOnce) {
    TempDir dir;
    const auto path = writeConfig(dir);
    ASSERT_EQ(runClinhub({"migrate", "--config", path}, dir).exitCode, 0);
    const std::string sql = R"(
      INSERT INTO outbox (reference, organisation, channel, payload, state, attempts, due_at, claimed_until,
                          connector, created_at, updated_at)
      VALUES ('msg-queued', 'A12345', 'sms', '{"to":"+447700900123","body":"one"}', 'queued', 0, 0, 0, NULL, 0, 0),
             ('msg-inflight', 'A12345', 'sms', '{"to":"+447700900124","body":"two"}', 'sending', 0, 0,
              9000000000000000, 'outbox', 0, 0);)";
    ASSERT_TRUE(runSql(dir, sql));
    std::ofstream(dir.file("outbox.jsonl"))
        << R"({"time":"2026-11-23T08:00:00Z","channel":"sms","reference":"msg-inflight","to":"+447700900124","body":"two"})"
        << '\n';

    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_TRUE(HubProcess::eventually([&] { return metric(hub, "clinhub_outbox_messages{state=\"sent\"}") == 2; }))
        << hub.log();
    std::ifstream in(dir.file("outbox.jsonl"));
    int queued = 0;
    int inflight = 0;
    for (std::string line; std::getline(in, line);) {
        queued += line.find("\"msg-queued\"") != std::string::npos;
        inflight += line.find("\"msg-inflight\"") != std::string::npos;
    }
    EXPECT_EQ(queued, 1);
    EXPECT_EQ(inflight, 1) << "the interrupted message was already with the provider: never send it twice";
    EXPECT_NE(hub.log().find("\"event\":\"outbox_reconciled\""), std::string::npos);
}

TEST(Serve, KeepsPatientDataOutOfTheLog) {
    TempDir dir;
    const auto path = writeConfig(dir);
    ASSERT_EQ(runClinhub({"migrate", "--config", path}, dir).exitCode, 0);
    const std::string sql = R"(INSERT INTO outbox (reference, organisation, channel, payload, state, attempts, due_at,
      created_at, updated_at) VALUES ('msg-1', 'A12345', 'sms', '{"to":"+447700900777","body":"Dear Testy"}',
      'queued', 0, 0, 0, 0);)";
    ASSERT_TRUE(runSql(dir, sql));
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started());
    ASSERT_TRUE(HubProcess::eventually([&] { return metric(hub, "clinhub_outbox_messages{state=\"sent\"}") == 1; }));
    const std::string log = hub.log();
    EXPECT_EQ(log.find("7700900777"), std::string::npos);
    EXPECT_EQ(log.find("Testy"), std::string::npos);
    EXPECT_NE(log.find("msg-1"), std::string::npos) << "the reference is what the log carries";
}

} // namespace
} // namespace clinhub::test
