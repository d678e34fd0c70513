#include "tests/cli/HubProcess.h"

#include "hub/store/Store.h"

#include <clinhub/plugin.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace clinhub::test {
namespace {

// config/demo.yaml laid out as scripts/demo runs it: beside its seed, with the var/ folder (which scripts/demo
// makes) for its store and outbox.
std::string demoConfig(const TempDir& dir) {
    std::filesystem::create_directories(dir.file("config"));
    std::filesystem::create_directories(dir.file("var"));
    for (const char* name : {"demo.yaml", "demo-book.yaml"})
        std::filesystem::copy_file(std::string(CLINHUB_SOURCE_DIR) + "/config/" + name, dir.file("config/") + name);
    return dir.file("config/demo.yaml");
}

TEST(ConfigCheck, AcceptsTheDemoConfig) {
    TempDir dir;
    const auto result = runClinhub({"config", "check", demoConfig(dir)}, dir);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("demo.yaml: OK (2 connectors, 1 organisations)"), std::string::npos) << result.out;
}

TEST(ConfigCheck, AcceptsTheMultiNodeConfigWithItsSecretsFromTheEnvironment) {
    TempDir dir;
    for (const char* name :
         {"EMIS_PARTNER_URL", "EMIS_PARTNER_USER", "EMIS_PARTNER_PASSWORD", "NOTIFY_API_KEY", "NOTIFY_CALLBACK_TOKEN"})
        ::setenv(name, "https://set.example.test", 1);
    ::setenv("NOTIFY_API_KEY", "clinhub_test-8b3a6b6e-5f7d-4d1c-9d0e-3f2a1c4b5d6e-c2f0e1d4-7a9b-4c3e-8f1a-2b3c4d5e6f70",
             1);
    const auto result =
        runClinhub({"config", "check", std::string(CLINHUB_SOURCE_DIR) + "/config/multi-node.yaml"}, dir);
    EXPECT_EQ(result.exitCode, 0) << result.err << result.out;
    EXPECT_NE(result.out.find("multi-node.yaml: OK (2 connectors, 1 organisations)"), std::string::npos) << result.out;
}

TEST(ConfigCheck, ReportsEveryProblemWithFileLineAndColumnAndFails) {
    TempDir dir;
    const auto path = dir.file("bad.yaml");
    std::ofstream(path) << "hub:\n"
                           "  listen: 127.0.0.1:8080\n"
                           "  threads: 4\n"
                           "connectors:\n"
                           "  texts:\n"
                           "    plugin: outbox-fil\n"
                           "organisations:\n"
                           "  A12345:\n"
                           "    name: Test Surgery\n"
                           "    route: {sms: [missing]}\n";
    const auto result = runClinhub({"config", "check", path}, dir);
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find(path + ":3:3: unknown key 'threads'"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(path + ":6:13: "), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("outbox-file"), std::string::npos) << "the nearest plugin is suggested";
    EXPECT_NE(result.err.find(path + ":10:19: unknown connector 'missing'"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(path + ": 3 problems"), std::string::npos) << result.err;
}

// --probe contacts each connector: the demo book lists its slot types, a gateway nobody listens for is not
// reached, and a rule's misspelt slot type is named at its place with the book's nearest.
TEST(ConfigCheck, ProbeContactsEachConnectorAndChecksRulesSlotTypesAgainstTheBook) {
    TempDir dir;
    const auto path = dir.file("hub.yaml");
    std::ofstream(path) << R"(hub:
  quiet_hours: {from: "00:00", to: "00:00"}
  store: sqlite:hub.db
connectors:
  book:
    plugin: local-book
    config: {database: book.db, seed: )"
                        << CLINHUB_SOURCE_DIR << R"(/config/demo-book.yaml}
  outbox:
    plugin: outbox-file
    config: {path: outbox.jsonl}
  gateway:
    plugin: http-sms
    config:
      url: http://127.0.0.1:1/messages
      body: "{{body}}"
      provider_id: /id
      timeout_ms: 2000
      lookup: {url: "http://127.0.0.1:1/messages?ref={{reference}}", status: /status, provider_id: /id,
               states: {delivered: delivered}}
organisations:
  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [outbox, gateway]}
    rules:
      flu: {title: Flu, slot_types: [Flu clinc, Blood test]}
)";
    const auto result = runClinhub({"config", "check", "--probe", path}, dir);
    EXPECT_EQ(result.exitCode, 1) << result.err << result.out;
    EXPECT_NE(result.out.find("hub.yaml: OK (3 connectors, 1 organisations)"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("CONNECTOR"), std::string::npos) << result.out;
    const auto rowOf = [&](const std::string& start) {
        const auto at = result.out.find("\n" + start);
        return at == std::string::npos ? std::string()
                                       : result.out.substr(at + 1, result.out.find('\n', at + 1) - at - 1);
    };
    EXPECT_NE(rowOf("book ").find("appointment-book"), std::string::npos) << result.out;
    EXPECT_NE(rowOf("book ").find(" ok "), std::string::npos) << result.out;
    EXPECT_NE(rowOf("book ").find("4 slot types in the next 42 days"), std::string::npos) << result.out;
    EXPECT_NE(rowOf("outbox ").find(" ok "), std::string::npos) << result.out;
    EXPECT_NE(rowOf("gateway ").find("FAILED"), std::string::npos) << result.out;
    EXPECT_NE(result.err.find(path + ":25:38: organisations.A12345.rules.flu: slot type 'Flu clinc' is not in the "
                                     "appointment book 'book' (no slot of it in the next 42 days); did you mean 'Flu "
                                     "clinic'?"),
              std::string::npos)
        << result.err;
    EXPECT_EQ(result.err.find("'Blood test' is not"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("probing found 1 connector call failed and 1 slot type not in a book"), std::string::npos)
        << result.err;
}

TEST(PluginsList, ListsLoadedPluginsWithKindVersionAbiAndFile) {
    TempDir dir;
    const auto result = runClinhub({"plugins", "list"}, dir);
    EXPECT_EQ(result.exitCode, 0);
    const std::string abi = std::to_string(CLINHUB_ABI_MAJOR) + "." + std::to_string(CLINHUB_ABI_MINOR);
    EXPECT_TRUE(std::regex_search(
        result.out,
        std::regex("\nlocal-book +appointment-book,immunisation-records +1\\.0\\.0 +" + abi + " +loaded +")))
        << result.out;
    EXPECT_TRUE(std::regex_search(result.out, std::regex("\noutbox-file +sms,email +"))) << result.out;
    // Every row's columns line up with the header's, however long a name or list of kinds.
    std::istringstream lines(result.out);
    std::string header;
    std::getline(lines, header);
    const auto kindAt = header.find("KIND"), versionAt = header.find("VERSION");
    for (std::string row; std::getline(lines, row);) {
        if (row.rfind('-', 0) == 0) continue;
        EXPECT_EQ(row.find_first_not_of(' ', row.find(' ')), kindAt) << row;
        EXPECT_EQ(row[versionAt - 1], ' ') << row;
        EXPECT_NE(row[versionAt], ' ') << row;
    }
}

TEST(PluginsList, ShowsARefusedFileWithItsReason) {
    TempDir dir;
    std::filesystem::create_directories(dir.file("plugins"));
    std::ofstream(dir.file("plugins/libnot-really.so")) << "not an ELF file";
    std::ofstream(dir.file("hub.yaml")) << "plugins:\n  paths: [plugins]\n";
    const auto result = runClinhub({"plugins", "list", "--config", dir.file("hub.yaml")}, dir);
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_NE(result.out.find("refused  " + dir.file("plugins/libnot-really.so") + ": not a loadable shared object"),
              std::string::npos)
        << result.out;
}

TEST(PluginsSchema, PrintsThePluginsConfigSchema) {
    TempDir dir;
    const auto result = runClinhub({"plugins", "schema", "local-book"}, dir);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_NE(result.out.find("\"database\""), std::string::npos) << result.out;
    const auto missing = runClinhub({"plugins", "schema", "no-such-plugin"}, dir);
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_NE(missing.err.find("no plugin named 'no-such-plugin'"), std::string::npos);
}

TEST(PluginsSchema, PrintsThePluginsConfigKeysAsAMarkdownTable) {
    TempDir dir;
    const auto result = runClinhub({"plugins", "schema", "local-book", "--markdown"}, dir);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out.rfind("| Key | Type | Default | Range | Description |\n|---|---|---|---|---|\n", 0), 0U)
        << result.out;
    EXPECT_NE(result.out.find("| `database` | string | required |"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find("| `generate.days` | integer | `42` | 0 to 366 |"), std::string::npos) << result.out;
}

TEST(LinksCreate, QueuesTheInviteAndPrintsTheLink) {
    TempDir dir;
    std::ofstream(dir.file("hub.yaml")) << R"(hub: {public_url: "https://book.example.test", store: "sqlite:hub.db"}
connectors:
  book: {plugin: local-book, config: {database: book.db}}
  texts: {plugin: outbox-file, config: {path: outbox.jsonl}}
organisations:
  A12345:
    name: Test Surgery
    route: {appointment_book: book, sms: [texts]}
    rules:
      flu: {title: Flu vaccination, slot_types: [Flu clinic]}
)";
    const auto made =
        runClinhub({"links", "create", "--config", dir.file("hub.yaml"), "--org", "A12345", "--rule", "flu",
                    "--nhs-number", "999 526 0182", "--date-of-birth", "14/03/1956", "--mobile", "07700 900123"},
                   dir);
    EXPECT_EQ(made.exitCode, 0) << made.err;
    EXPECT_EQ(made.out.rfind("https://book.example.test/b/", 0), 0U) << made.out;

    const auto refused =
        runClinhub({"links", "create", "--config", dir.file("hub.yaml"), "--org", "A12345", "--rule", "flu",
                    "--nhs-number", "9995260183", "--date-of-birth", "14/03/1956", "--mobile", "0117 496 0860"},
                   dir);
    EXPECT_EQ(refused.exitCode, 2);
    EXPECT_NE(refused.err.find("patient.nhs_number: not a valid NHS number: the last digit (check digit) is wrong"),
              std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("patient.mobile: not a UK mobile number (it looks like a landline)"), std::string::npos);
}

// The link `clinhub links create` made, aged by `days` as if it had been made and had expired that long ago.
void ageLinks(const std::string& storeUrl, int days) {
    auto store = store::Store::open(storeUrl);
    store->write([&](store::Session& s) {
        int64_t by = days * 86'400LL * 1'000'000;
        s << "UPDATE links SET created_at = created_at - ?, expires_at = expires_at - ?, updated_at = updated_at - ?",
            Poco::Data::Keywords::use(by), Poco::Data::Keywords::use(by), Poco::Data::Keywords::use(by),
            Poco::Data::Keywords::now;
    });
}

TEST(Prune, ADryRunCountsWhatTheRunForgetsAndARunForgetsIt) {
    TempDir dir;
    std::ofstream(dir.file("hub.yaml")) << R"(hub: {store: "sqlite:hub.db"}
connectors:
  book: {plugin: local-book, config: {database: book.db}}
  texts: {plugin: outbox-file, config: {path: outbox.jsonl}}
organisations:
  A12345:
    name: Test Surgery
    retention_days: 30
    route: {appointment_book: book, sms: [texts]}
    rules:
      flu: {title: Flu vaccination, slot_types: [Flu clinic], link_expiry_days: 7}
  B99999:
    name: Other Surgery
    route: {appointment_book: book, sms: [texts]}
)";
    const auto config = dir.file("hub.yaml");
    ASSERT_EQ(runClinhub({"links", "create", "--config", config, "--org", "A12345", "--rule", "flu", "--nhs-number",
                          "9995260182", "--date-of-birth", "14/03/1956", "--mobile", "07700 900123"},
                         dir)
                  .exitCode,
              0);
    const std::string header = "ORGANISATION  DAYS   LINKS   BATCH ROWS  REJECTED ROWS  COHORT MEMBERS  MESSAGES\n";
    const auto fresh = runClinhub({"prune", "--config", config, "--dry-run"}, dir);
    EXPECT_EQ(fresh.exitCode, 0) << fresh.err;
    EXPECT_EQ(fresh.out, header + "A12345        30     0       0           0              0               0\n"
                                  "B99999        90     0       0           0              0               0\n"
                                  "Would forget the patient details of 0 rows past their organisation's "
                                  "retention_days (dry run: nothing changed).\n");

    ageLinks("sqlite:" + dir.file("hub.db"), 40); // expired 33 days ago: past 30
    const auto dry = runClinhub({"prune", "--config", config, "--dry-run", "--org", "A12345"}, dir);
    EXPECT_EQ(dry.out, header + "A12345        30     1       0           0              0               0\n"
                                "Would forget the patient details of 1 rows past their organisation's "
                                "retention_days (dry run: nothing changed).\n");
    const auto run = runClinhub({"prune", "--config", config}, dir);
    EXPECT_EQ(run.exitCode, 0) << run.err;
    EXPECT_NE(run.out.find("Forgot the patient details of 1 rows"), std::string::npos) << run.out;
    EXPECT_NE(runClinhub({"prune", "--config", config, "--dry-run"}, dir).out.find("of 0 rows"), std::string::npos);

    const auto unknown = runClinhub({"prune", "--config", config, "--org", "Z00000"}, dir);
    EXPECT_EQ(unknown.exitCode, 2);
    EXPECT_NE(unknown.err.find("organisation 'Z00000' is not in"), std::string::npos) << unknown.err;
}

TEST(Cli, EveryVerbAnswersHelp) {
    TempDir dir;
    for (const auto& verb : std::vector<std::vector<std::string>>{{"serve"},
                                                                  {"config", "check"},
                                                                  {"config", "schema"},
                                                                  {"plugins", "list"},
                                                                  {"plugins", "schema"},
                                                                  {"migrate"},
                                                                  {"batch", "validate"},
                                                                  {"links", "create"},
                                                                  {"keys", "create"},
                                                                  {"keys", "list"},
                                                                  {"keys", "revoke"},
                                                                  {"prune"}}) {
        auto args = verb;
        args.emplace_back("--help");
        const auto result = runClinhub(args, dir);
        EXPECT_EQ(result.exitCode, 0) << verb[0];
        EXPECT_EQ(result.out.rfind("usage: clinhub " + verb[0], 0), 0U) << result.out;
    }
}

// Each verb with arguments it would accept, so that only the unknown option or the stray argument is wrong.
TEST(Cli, EveryVerbRefusesAnUnknownOptionOrAStrayArgumentWithItsUsage) {
    TempDir dir;
    const std::string config = demoConfig(dir);
    std::ofstream(dir.file("list.csv")) << "NHS Number\n9995260182\n";
    const std::vector<std::vector<std::string>> verbs{
        {"serve", "--config", config},
        {"config", "check", config},
        {"config", "schema"},
        {"plugins", "list"},
        {"plugins", "schema", "local-book"},
        {"migrate", "--config", config},
        {"batch", "validate", dir.file("list.csv"), "--format", "nhs_number_only"},
        {"links", "create", "--config", config, "--org", "A12345", "--rule", "flu", "--nhs-number", "9995260182",
         "--date-of-birth", "14/03/1956", "--mobile", "07700900123"},
        {"keys", "create", "--config", config, "--org", "A12345"},
        {"keys", "list", "--config", config},
        {"keys", "revoke", "--config", config, "key_nothing"},
        {"prune", "--config", config, "--dry-run"}};
    for (const auto& verb : verbs) {
        const std::string name = verb[0] + (verb[1].starts_with("-") || verb[0] == "serve" ? "" : " " + verb[1]);
        for (const std::vector<std::string>& extra :
             {std::vector<std::string>{"--bogus"}, std::vector<std::string>{"--bogus=1"},
              std::vector<std::string>{"stray"}}) {
            auto args = verb;
            args.insert(args.end(), extra.begin(), extra.end());
            const auto result = runClinhub(args, dir);
            EXPECT_EQ(result.exitCode, 2) << name << " " << extra[0] << ": " << result.err;
            EXPECT_NE(result.err.find("usage: clinhub " + name), std::string::npos) << name << ": " << result.err;
            EXPECT_TRUE(result.out.empty()) << name << ": " << result.out;
        }
    }
    EXPECT_FALSE(std::filesystem::exists(dir.file("var/demo.db"))) << "no verb did its work";
}

TEST(Cli, OneShotVerbsPrintOnlyWarningsAndErrorsUnlessVerbose) {
    TempDir dir;
    const std::string config = demoConfig(dir);
    for (const std::vector<std::string>& verb :
         {std::vector<std::string>{"config", "check", config}, std::vector<std::string>{"plugins", "list"}}) {
        const auto quiet = runClinhub(verb, dir);
        EXPECT_EQ(quiet.exitCode, 0) << quiet.err;
        EXPECT_EQ(quiet.err.find("plugin_loaded"), std::string::npos) << quiet.err;
        EXPECT_EQ(quiet.err.find("\"level\":\"info\""), std::string::npos) << quiet.err;
        auto args = verb;
        args.emplace_back("--verbose");
        const auto verbose = runClinhub(args, dir);
        EXPECT_EQ(verbose.exitCode, 0) << verbose.err;
        EXPECT_NE(verbose.err.find("\"event\":\"plugin_loaded\""), std::string::npos) << verbose.err;
        EXPECT_EQ(verbose.out, quiet.out);
    }
}

TEST(Cli, AnUnknownVerbIsAUsageErrorListingTheVerbs) {
    TempDir dir;
    const auto result = runClinhub({"serv"}, dir);
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_NE(result.err.find("unknown command 'serv'"), std::string::npos);
    EXPECT_NE(result.err.find("clinhub serve --config FILE"), std::string::npos);
}

// schemas/config.schema.json is generated: this keeps it what the hub and its shipped plugins say.
TEST(ConfigSchema, ThePublishedSchemaIsWhatTheHubPrintsWithTheShippedPlugins) {
    TempDir dir;
    const auto result = runClinhub({"config", "schema"}, dir);
    ASSERT_EQ(result.exitCode, 0) << result.err;
    std::ifstream in(std::string(CLINHUB_SOURCE_DIR) + "/schemas/config.schema.json");
    std::stringstream published;
    published << in.rdbuf();
    EXPECT_TRUE(result.out == published.str())
        << "schemas/config.schema.json is out of date: regenerate it with `cmake --build build --target config_schema`";
    EXPECT_NE(result.out.find(R"("const": "emis-xml")"), std::string::npos) << "each plugin's section is in it";
}

} // namespace
} // namespace clinhub::test
