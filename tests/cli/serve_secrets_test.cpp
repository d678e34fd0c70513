// A secret rotated on disk takes effect on SIGHUP: ${credential:NAME} is read from $CREDENTIALS_DIRECTORY
// (as systemd's LoadCredential= provides it) at start and again at every reload, with no restart.
#include "tests/cli/HubProcess.h"
#include "tests/simulators/SimProcess.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace clinhub::test {
namespace {

// The environment variable set for the hub this test starts, and unset after.
class ScopedVariable {
public:
    ScopedVariable(const char* name, const std::string& value) : name_(name) { setenv(name, value.c_str(), 1); }
    ~ScopedVariable() { unsetenv(name_); }
    ScopedVariable(const ScopedVariable&) = delete;
    ScopedVariable& operator=(const ScopedVariable&) = delete;

private:
    const char* name_;
};

TEST(ServeSecrets, ARotatedCredentialTakesEffectOnReload) {
    TempDir dir;
    // The gateway knows only the new key: texts sent with the old one are refused (401).
    std::ofstream(dir.file("gateway.json")) << R"({"api_keys": ["new-key-0002"]})";
    SimProcess gateway(SMS_GATEWAY_SIM, {"--fixture", dir.file("gateway.json")});
    std::filesystem::create_directory(dir.path() / "credentials");
    std::ofstream(dir.file("credentials/sms-key")) << "old-key-0001\n";
    const ScopedVariable credentials("CREDENTIALS_DIRECTORY", dir.file("credentials"));

    const std::string path = dir.file("hub.yaml");
    std::ofstream(path) << R"(hub:
  quiet_hours: {from: "00:00", to: "00:00"}
  listen: 127.0.0.1:0
  store: sqlite:hub.db
  outbox: {poll_ms: 20, workers: 1}
connectors:
  book:
    plugin: local-book
    config: {database: book.db}
  gateway:
    plugin: http-sms
    config:
      url: )" << gateway.url()
                        << R"(/messages
      headers: {X-Api-Key: "${credential:sms-key}"}
      body: '{"to": "{{to}}", "text": "{{body}}", "client_ref": "{{reference}}"}'
      provider_id: /messages/0/id
      error: /error/message
organisations:
  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [gateway]}
    rules: {flu: {title: Flu, slot_types: [Flu clinic]}}
)";
    const auto sendOne = [&](const std::string& nhsNumber) {
        return runClinhub({"links", "create", "--config", path, "--org", "A12345", "--rule", "flu", "--nhs-number",
                           nhsNumber, "--date-of-birth", "14/03/1956", "--mobile", "07700 900123"},
                          dir);
    };

    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    ASSERT_EQ(sendOne("9995260182").exitCode, 0);
    ASSERT_TRUE(HubProcess::eventually([&] { return metric(hub, "clinhub_outbox_messages{state=\"failed\"}") == 1; }))
        << hub.log();

    std::ofstream(dir.file("credentials/sms-key")) << "new-key-0002\n";
    hub.signal(SIGHUP);
    ASSERT_TRUE(HubProcess::eventually([&] {
        return metric(hub, "clinhub_config_reloads_total{result=\"applied\"}") == 1;
    })) << hub.log();
    ASSERT_EQ(sendOne("9990000018").exitCode, 0);
    EXPECT_TRUE(HubProcess::eventually([&] { return metric(hub, "clinhub_outbox_messages{state=\"sent\"}") == 1; }))
        << hub.log();
    EXPECT_EQ(hub.stop(), 0);
    const std::string log = hub.log();
    EXPECT_EQ(log.find("old-key-0001"), std::string::npos) << "a secret is never logged";
    EXPECT_EQ(log.find("new-key-0002"), std::string::npos) << "a secret is never logged";
}

TEST(ServeSecrets, AnUnreadableCredentialRefusesTheReloadAndKeepsServing) {
    TempDir dir;
    std::filesystem::create_directory(dir.path() / "credentials");
    std::ofstream(dir.file("credentials/outbox-path")) << "outbox.jsonl";
    const ScopedVariable credentials("CREDENTIALS_DIRECTORY", dir.file("credentials"));
    const std::string path = dir.file("hub.yaml");
    std::ofstream(path) << R"(hub:
  quiet_hours: {from: "00:00", to: "00:00"}
  listen: 127.0.0.1:0
  store: sqlite:hub.db
connectors:
  outbox:
    plugin: outbox-file
    config: {path: "${credential:outbox-path}"}
organisations:
  A12345:
    name: Test Surgery
    route: {sms: [outbox]}
)";
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    std::filesystem::remove(dir.file("credentials/outbox-path"));
    hub.signal(SIGHUP);
    ASSERT_TRUE(HubProcess::eventually([&] {
        return metric(hub, "clinhub_config_reloads_total{result=\"rejected\"}") == 1;
    })) << hub.log();
    EXPECT_NE(hub.log().find("credential 'outbox-path' in " + dir.file("credentials") + " does not exist"),
              std::string::npos)
        << hub.log();
    EXPECT_EQ(hub.get("/readyz").status, 200) << "the running config keeps serving";
}

// Under systemd the data key can be a credential (LoadCredential=data-key:PATH) rather than an environment
// variable, which any process of the service's user could read from /proc.
TEST(ServeSecrets, TheDataKeyIsReadFromTheDataKeyCredentialWhenNoVariableGivesIt) {
    TempDir dir;
    std::filesystem::create_directory(dir.path() / "credentials");
    const std::string path = dir.file("hub.yaml");
    std::ofstream(path) << "hub:\n  store: sqlite:hub.db\n";
    const std::string given = std::getenv("CLINHUB_DATA_KEY");
    ::unsetenv("CLINHUB_DATA_KEY");
    const ScopedVariable credentials("CREDENTIALS_DIRECTORY", dir.file("credentials"));

    std::ofstream(dir.file("credentials/data-key")) << given << '\n';
    const auto good = runClinhub({"migrate", "--config", path}, dir);
    std::ofstream(dir.file("credentials/data-key")) << "1:c2VjcmV0LXNob3J0\n";
    const auto bad = runClinhub({"migrate", "--config", path}, dir);
    ::setenv("CLINHUB_DATA_KEY", given.c_str(), 1);

    EXPECT_EQ(good.exitCode, 0) << good.err;
    EXPECT_NE(bad.exitCode, 0);
    EXPECT_NE(bad.err.find("is 12 bytes; AES-256 takes 32"), std::string::npos) << bad.err;
    EXPECT_EQ(bad.err.find("c2VjcmV0LXNob3J0"), std::string::npos) << "the key is never shown";
}

} // namespace
} // namespace clinhub::test
