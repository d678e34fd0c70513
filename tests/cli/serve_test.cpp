#include "tests/cli/HubProcess.h"

#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

namespace clinhub::test {
namespace {

// Writes to the hub's store with the sqlite3 shell, as another process would.
bool runSql(const TempDir& dir, const std::string& sql) {
    std::ofstream(dir.file("seed.sql")) << sql;
    return std::system(("sqlite3 '" + dir.file("hub.db") + "' < '" + dir.file("seed.sql") + "'").c_str()) == 0;
}

TEST(Serve, ServesHealthReadinessAndMetricsOnSqlite) {
    TempDir dir;
    HubProcess hub(writeEmbeddedConfig(dir), dir);
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

TEST(Serve, LogLevelWarningLeavesOutRequestsAndAReloadBringsThemBack) {
    TempDir dir;
    const auto path = writeEmbeddedConfig(dir, "", "  log_level: warning\n");
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    EXPECT_EQ(hub.get("/healthz").status, 200);
    writeEmbeddedConfig(dir, "", "  log_level: info\n");
    hub.signal(SIGHUP);
    ASSERT_TRUE(HubProcess::eventually([&] {
        return metric(hub, "clinhub_config_reloads_total{result=\"applied\"}") == 1;
    })) << hub.log();
    const auto before = hub.log();
    EXPECT_EQ(before.find("\"event\":\"http_request\",\"method\":\"GET\",\"route\":\"/healthz\""), std::string::npos)
        << before;
    EXPECT_EQ(hub.get("/healthz").status, 200);
    EXPECT_TRUE(HubProcess::eventually([&] { return hub.log().find("\"route\":\"/healthz\"") != std::string::npos; }))
        << hub.log();
    // Counts are numbers in the JSON, not text.
    EXPECT_NE(hub.log().find("\"status\":200"), std::string::npos) << hub.log();
    EXPECT_EQ(hub.stop(), 0);
}

TEST(Serve, TheRetentionJobForgetsWhatIsPastItsTimeOnceAndCountsItInMetrics) {
    TempDir dir;
    const auto path =
        writeEmbeddedConfig(dir, "    retention_days: 30\n    rules: {flu: {title: Flu, slot_types: [Flu clinic]}}\n",
                            "  retention_interval_s: 1\n");
    ASSERT_EQ(runClinhub({"links", "create", "--config", path, "--org", "A12345", "--rule", "flu", "--nhs-number",
                          "9995260182", "--date-of-birth", "14/03/1956", "--mobile", "07700 900123"},
                         dir)
                  .exitCode,
              0);
    ASSERT_TRUE(runSql(dir, "UPDATE links SET expires_at = expires_at - 3456000000000, updated_at = updated_at - "
                            "3456000000000;")); // 40 days
    // The link's creation, 3300 days ago: an entry cannot be changed (the store refuses), so it is replaced
    // by an aged copy.
    ASSERT_TRUE(runSql(dir, "INSERT INTO audit_log SELECT id || '-aged', seq, at - 285120000000000, actor_kind, "
                            "actor_id, actor_name, address, action, organisation, resource, nhs_number, outcome, "
                            "detail FROM audit_log; DELETE FROM audit_log WHERE id NOT LIKE '%-aged';"));
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    EXPECT_TRUE(HubProcess::eventually([&] {
        return metric(hub, R"(clinhub_retention_forgotten_total{kind="links"})") == 1;
    })) << hub.get("/metrics").body;
    EXPECT_EQ(metric(hub, R"(clinhub_retention_forgotten_total{kind="message_payloads"})"), 0);
    EXPECT_NE(hub.log().find(R"("event":"retention_forgot")"), std::string::npos) << hub.log();
    EXPECT_TRUE(HubProcess::eventually([&] { return metric(hub, "clinhub_audit_entries_deleted_total") == 1; }))
        << "past the default audit_retention_days of 8 years";
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(metric(hub, R"(clinhub_retention_forgotten_total{kind="links"})"), 1) << "forgotten once";
    EXPECT_EQ(metric(hub, "clinhub_audit_entries_deleted_total"), 1);
    EXPECT_EQ(hub.stop(), 0);
}

TEST(Serve, AnAdminListenerKeepsTheStaffApiAndMetricsOffThePatientOne) {
    TempDir dir;
    auto path = writeEmbeddedConfig(dir);
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
  quiet_hours: {from: "00:00", to: "00:00"}
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
    std::string why;
    const auto key = createKey(path, "A12345", dir, why);
    ASSERT_FALSE(key.empty()) << why;
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
    const auto path = writeEmbeddedConfig(dir);
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    writeEmbeddedConfig(dir,
                        "  B99999:\n    name: Second Surgery\n    route: {appointment_book: book, sms: [outbox]}\n");
    hub.signal(SIGHUP);
    EXPECT_TRUE(HubProcess::eventually([&] {
        return metric(hub, "clinhub_config_reloads_total{result=\"applied\"}") == 1;
    })) << hub.log();
    EXPECT_NE(hub.log().find("\"event\":\"config_reloaded\""), std::string::npos);

    const auto trail = runClinhub({"audit", "--config", path, "--org", "*"}, dir);
    ASSERT_EQ(trail.exitCode, 0) << trail.err;
    EXPECT_NE(trail.out.find(R"("hub","","SIGHUP","","reloadConfig","","","success",")" + path + "\""),
              std::string::npos)
        << trail.out;
}

TEST(Serve, ReloadOnSighupKeepsTheRunningConfigWhenTheNewOneIsInvalid) {
    TempDir dir;
    const auto path = writeEmbeddedConfig(dir);
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    // The trail is read through a config of its own, beside the broken one and naming the same store.
    const std::string reader = dir.file("reader.yaml");
    std::ofstream(reader) << "hub:\n  store: sqlite:hub.db\norganisations:\n  A12345:\n    name: Test Surgery\n"
                             "    route: {}\n";
    std::ofstream(path) << "hub:\n  listen: 127.0.0.1:0\n  lisen: typo\n  public_url: s3cret\nconnectors:\n  book:\n"
                           "    plugin: no-such-plugin\n";
    hub.signal(SIGHUP);
    ASSERT_TRUE(HubProcess::eventually([&] {
        return metric(hub, "clinhub_config_reloads_total{result=\"rejected\"}") == 1;
    })) << hub.log();
    const std::string log = hub.log();
    EXPECT_NE(log.find("keeping the running config"), std::string::npos);
    EXPECT_NE(log.find(path + ":3:3: unknown key 'lisen'"), std::string::npos) << log;
    EXPECT_EQ(hub.get("/readyz").status, 200) << "the old config keeps serving";
    EXPECT_EQ(metric(hub, "clinhub_config_reloads_total{result=\"applied\"}"), 0) << "shown from the start, at 0";

    const auto trail = runClinhub({"audit", "--config", reader, "--org", "*"}, dir);
    ASSERT_EQ(trail.exitCode, 0) << trail.err;
    EXPECT_NE(trail.out.find(R"("SIGHUP","","reloadConfig","","","failure",")" + path + ": 3 problems\""),
              std::string::npos)
        << trail.out;
    EXPECT_EQ(trail.out.find("s3cret"), std::string::npos) << "a problem's text, which may quote a value, stays out";
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
    const auto path = writeEmbeddedConfig(dir);
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
    const auto path = writeEmbeddedConfig(dir);
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

// ---- Start-up says why, fast ---------------------------------------------------------------------------------

// A config whose hub section is `hub` (its listen on line 2, its store on line 3).
std::string writeConfigWith(const TempDir& dir, const std::string& listen, const std::string& store) {
    std::string path = dir.file("hub.yaml");
    std::ofstream(path) << "hub:\n  listen: " << listen << "\n  store: \"" << store << R"("
organisations:
  A12345:
    name: Test Surgery
    route: {}
)";
    return path;
}

struct Timed {
    CommandResult result;
    double seconds = 0;
};

Timed timedRun(const std::vector<std::string>& args, const TempDir& dir) {
    const auto start = std::chrono::steady_clock::now();
    Timed timed{runClinhub(args, dir)};
    timed.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return timed;
}

// Poco 1.11 took its 60-second login timeout to report the SQLite file unopenable, then could deadlock in the
// pool's destructor; and config check had said OK.
TEST(Serve, AMissingOrWrongStoreFolderIsRefusedAtOnceByConfigCheckAndServeAlike) {
    TempDir dir;
    std::ofstream(dir.file("not-a-folder")) << "a file\n";
    for (const auto& [store, cause] :
         {std::pair<std::string, std::string>{"sqlite:missing/hub.db", "the folder " + dir.file("missing") +
                                                                           " of the SQLite database does not exist"},
          {"sqlite:not-a-folder/hub.db", dir.file("not-a-folder") + ", which should hold the SQLite database, is "
                                                                    "not a folder"}}) {
        const auto path = writeConfigWith(dir, "127.0.0.1:0", store);
        const std::string line = path + ":3:10: hub.store: " + cause + "\n";
        const auto check = runClinhub({"config", "check", path}, dir);
        EXPECT_EQ(check.exitCode, 2) << store;
        EXPECT_NE(check.err.find(line), std::string::npos) << check.err;
        const auto serve = timedRun({"serve", "--config", path}, dir);
        EXPECT_EQ(serve.result.exitCode, 2) << serve.result.err;
        EXPECT_LT(serve.seconds, 3) << store;
        EXPECT_NE(serve.result.err.find(line + "clinhub: not started\n"), std::string::npos) << serve.result.err;
    }
}

TEST(Serve, AListenPortOutOfRangeIsRefusedByConfigCheckAndServeAtItsLine) {
    TempDir dir;
    const auto path = writeConfigWith(dir, "127.0.0.1:99999", "sqlite:hub.db");
    const std::string line = path + ":2:11: hub.listen: '127.0.0.1:99999' is not host:port";
    const auto check = runClinhub({"config", "check", path}, dir);
    EXPECT_EQ(check.exitCode, 2);
    EXPECT_NE(check.err.find(line), std::string::npos) << check.err;
    const auto serve = runClinhub({"serve", "--config", path}, dir);
    EXPECT_EQ(serve.exitCode, 2);
    EXPECT_NE(serve.err.find(line), std::string::npos) << serve.err;
    EXPECT_EQ(serve.err.find("http.listen"), std::string::npos) << "not a key of the file: " << serve.err;
}

TEST(Serve, APortInUseIsRefusedAtOnceNamingHubListenAndItsLine) {
    TempDir dir;
    Poco::Net::ServerSocket taken(Poco::Net::SocketAddress("127.0.0.1", 0));
    const std::string listen = "127.0.0.1:" + std::to_string(taken.address().port());
    const auto path = writeConfigWith(dir, listen, "sqlite:hub.db");
    const auto serve = timedRun({"serve", "--config", path}, dir);
    EXPECT_EQ(serve.result.exitCode, 2);
    EXPECT_LT(serve.seconds, 3);
    EXPECT_NE(serve.result.err.find(path + ":2:11: hub.listen: cannot listen on " + listen + ": "), std::string::npos)
        << serve.result.err;
    EXPECT_NE(serve.result.err.find("in use"), std::string::npos) << serve.result.err;
}

// Port 1 on the loopback refuses at once, as a PostgreSQL not yet started does.
TEST(Serve, AnUnreachablePostgresqlIsTriedForABoundedLoggedTimeThenNamedWithoutItsPassword) {
    TempDir dir;
    const auto path = writeConfigWith(dir, "127.0.0.1:0", "postgres://clinhub:s3cret-pw@127.0.0.1:1/clinhub");
    const auto serve = timedRun({"serve", "--config", path}, dir);
    EXPECT_EQ(serve.result.exitCode, 2);
    EXPECT_GT(serve.seconds, 8);
    EXPECT_LT(serve.seconds, 20);
    const std::string& err = serve.result.err;
    EXPECT_NE(err.find("\"level\":\"warning\",\"event\":\"store_unreachable\",\"store\":\"postgres://"
                       "clinhub:***@127.0.0.1:1/clinhub\",\"attempt\":2"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find(path + ":3:10: hub.store: postgres://clinhub:***@127.0.0.1:1/clinhub: unreachable after 10 s: "),
              std::string::npos)
        << err;
    EXPECT_EQ(err.find("s3cret-pw"), std::string::npos) << err;
}

TEST(Serve, SigtermDuringStartUpEndsTheProcessPromptlyAndNotZero) {
    TempDir dir;
    const auto path = writeConfigWith(dir, "127.0.0.1:0", "postgresql://clinhub@127.0.0.1:1/clinhub");
    const std::string log = dir.file("start.log");
    Poco::ProcessHandle hub = Poco::Process::launch(
        "/bin/sh", {"-c", std::string("exec '") + CLINHUB_EXE + "' serve --config '" + path + "' 2>'" + log + "'"});
    auto logged = [&] {
        std::ifstream in(log);
        return std::string(std::istreambuf_iterator<char>(in), {});
    };
    ASSERT_TRUE(HubProcess::eventually([&] { return logged().find("store_unreachable") != std::string::npos; }))
        << "still starting: " << logged();
    const auto sent = std::chrono::steady_clock::now();
    ::kill(static_cast<pid_t>(hub.id()), SIGTERM);
    const int status = hub.wait();
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count(), 2);
    EXPECT_EQ(status, 128 + SIGTERM);
    EXPECT_NE(logged().find("clinhub: SIGTERM while starting: not started"), std::string::npos) << logged();
}

// ---- The data key --------------------------------------------------------------------------------------------

// Runs `clinhub serve` with CLINHUB_DATA_KEY set to `key`, or unset when it is empty.
CommandResult serveWithKey(const std::string& path, const std::string& key, const TempDir& dir) {
    const std::string given = std::getenv("CLINHUB_DATA_KEY");
    if (key.empty())
        ::unsetenv("CLINHUB_DATA_KEY");
    else
        ::setenv("CLINHUB_DATA_KEY", key.c_str(), 1);
    auto result = runClinhub({"serve", "--config", path}, dir);
    ::setenv("CLINHUB_DATA_KEY", given.c_str(), 1);
    return result;
}

TEST(Serve, WithoutADataKeyAHubThatIsNotALocalDemoRefusesToStartAndSaysHowToMakeOne) {
    TempDir dir;
    const auto path = writeConfigWith(dir, "127.0.0.1:0", "sqlite:hub.db");
    const auto serve = serveWithKey(path, "", dir);
    EXPECT_EQ(serve.exitCode, 2);
    EXPECT_NE(serve.err.find("CLINHUB_DATA_KEY: not set."), std::string::npos) << serve.err;
    EXPECT_NE(serve.err.find("openssl rand -base64 32"), std::string::npos) << serve.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("hub.db.data-key")));
}

TEST(Serve, ABadDataKeyIsRefusedSayingWhatIsWrongWithoutShowingIt) {
    TempDir dir;
    const auto path = writeConfigWith(dir, "127.0.0.1:0", "sqlite:hub.db");
    const auto serve = serveWithKey(path, "2026:c2VjcmV0LXNob3J0", dir);
    EXPECT_EQ(serve.exitCode, 2);
    EXPECT_NE(serve.err.find("CLINHUB_DATA_KEY: key 1 ('2026') is 12 bytes; AES-256 takes 32"), std::string::npos)
        << serve.err;
    EXPECT_EQ(serve.err.find("c2VjcmV0LXNob3J0"), std::string::npos) << serve.err;
}

TEST(Serve, ALocalDemoWithoutADataKeyKeepsOneOfItsOwnReadableByItsOwnerOnly) {
    TempDir dir;
    const std::string path = dir.file("hub.yaml");
    std::ofstream(path) << "hub:\n  listen: 127.0.0.1:0\n  store: sqlite:hub.db\n  local_demo: true\n"
                           "organisations:\n  A12345:\n    name: Test Surgery\n    route: {}\n";
    const std::string keyFile = dir.file("hub.db.data-key");
    const std::string given = std::getenv("CLINHUB_DATA_KEY");
    ::unsetenv("CLINHUB_DATA_KEY");
    std::string first;
    {
        HubProcess hub(path, dir);
        ASSERT_TRUE(hub.started());
        ASSERT_TRUE(std::filesystem::exists(keyFile));
        EXPECT_EQ(std::filesystem::status(keyFile).permissions() & std::filesystem::perms::all,
                  std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        std::ifstream(keyFile) >> first;
        EXPECT_EQ(first.rfind("demo:", 0), 0U);
    }
    {
        HubProcess again(path, dir, "again.log");
        EXPECT_TRUE(again.started()) << "the second start takes the key the first one made";
        std::string second;
        std::ifstream(keyFile) >> second;
        EXPECT_EQ(second, first);
    }
    std::filesystem::permissions(keyFile, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
    const auto serve = runClinhub({"serve", "--config", path}, dir);
    ::setenv("CLINHUB_DATA_KEY", given.c_str(), 1);
    EXPECT_EQ(serve.exitCode, 2);
    EXPECT_NE(serve.err.find("must be readable by its owner only"), std::string::npos) << serve.err;
}

} // namespace
} // namespace clinhub::test
