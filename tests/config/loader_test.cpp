#include "tests/config/LoaderTestSupport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace clinhub::config;
using namespace clinhub::config::testing;
using clinhub::ConfigError;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

namespace {

// The smallest file that routes every need: most tests break one thing in a copy of it.
const std::string kValid = R"(connectors:
  book:
    plugin: local-book
    config:
      database: var/book.db
  notify:
    plugin: notify
    config:
      api_key: key-abc
organisations:
  A81001:
    name: Demo Surgery
    route:
      appointment_book: book
      sms: [notify]
      email: notify
)";

} // namespace

// ---- What a good file gives ------------------------------------------------------------------------

TEST(ConfigLoader, ValidFileLoadsWithTheDefaultsOfConfigH) {
    const LoadResult result = load(kValid);
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    const Config& config = *result.config;
    EXPECT_EQ(config.file, kFile);
    EXPECT_EQ(config.http.listen, "127.0.0.1:8080");
    EXPECT_EQ(config.http.threads, 16);
    EXPECT_EQ(config.http.maxQueued, 256);
    EXPECT_EQ(config.outbox.leaseSeconds, 300);
    EXPECT_EQ(config.auditRetentionDays, 2922) << "8 years";
    EXPECT_EQ(config.storeUrl, "sqlite:/srv/clinhub/clinhub.db");
    EXPECT_TRUE(config.pluginPaths.empty());
    const Organisation& org = config.organisations.at("A81001");
    EXPECT_EQ(org.ods, "A81001");
    EXPECT_EQ(org.name, "Demo Surgery");
    EXPECT_EQ(org.route.appointmentBook, "book");
    EXPECT_THAT(org.route.sms, ElementsAre("notify"));
    EXPECT_EQ(org.route.email, "notify");
    EXPECT_EQ(org.route.immunisations, "");
    const Connector& book = config.connectors.at("book");
    EXPECT_EQ(book.name, "book");
    EXPECT_EQ(book.plugin, "local-book");
    EXPECT_EQ(book.mark.line, 2);
    EXPECT_EQ(book.mark.column, 3);
}

TEST(ConfigLoader, ReadsHubSettingsAndEveryPartOfARule) {
    const LoadResult result = load(R"(hub:
  listen: 0.0.0.0:9090
  public_url: https://book.example.org
  store: postgresql://clinhub@db/clinhub
  http: {threads: 4, max_queued: 32}
  outbox: {workers: 3, poll_ms: 250, batch_size: 10, max_attempts: 5, backoff_base_s: 60, backoff_cap_s: 600, lease_s: 120}
organisations:
  A81001:
    name: Demo Surgery
    rules:
      flu:
        title: Flu clinic
        slot_types: [Flu clinic, Flu (Saturday)]
        horizon_days: 21
        link_expiry_days: 3
        allow_decline: true
        allow_reschedule: True
        codes:
          invite: {code: "1240781000000106", term: Invited for flu vaccination}
        templates: {invite_sms: "Book at {{url}}"}
        pages: {welcome: Welcome}
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    const Config& c = *result.config;
    EXPECT_EQ(c.http.listen, "0.0.0.0:9090");
    EXPECT_EQ(c.http.publicUrl, "https://book.example.org");
    EXPECT_EQ(c.storeUrl, "postgresql://clinhub@db/clinhub");
    EXPECT_EQ(c.http.threads, 4);
    EXPECT_EQ(c.http.maxQueued, 32);
    EXPECT_EQ(c.outbox.workers, 3);
    EXPECT_EQ(c.outbox.pollMilliseconds, 250);
    EXPECT_EQ(c.outbox.batchSize, 10);
    EXPECT_EQ(c.outbox.maxAttempts, 5);
    EXPECT_EQ(c.outbox.backoffBaseSeconds, 60);
    EXPECT_EQ(c.outbox.backoffCapSeconds, 600);
    EXPECT_EQ(c.outbox.leaseSeconds, 120);
    const Rule& rule = c.organisations.at("A81001").rules.at("flu");
    EXPECT_EQ(rule.id, "flu");
    EXPECT_EQ(rule.title, "Flu clinic");
    EXPECT_THAT(rule.slotTypes, ElementsAre("Flu clinic", "Flu (Saturday)"));
    EXPECT_EQ(rule.horizonDays, 21);
    EXPECT_EQ(rule.linkExpiryDays, 3);
    EXPECT_TRUE(rule.allowDecline);
    EXPECT_TRUE(rule.allowReschedule);
    ASSERT_TRUE(rule.inviteCode);
    EXPECT_EQ(rule.inviteCode->code, "1240781000000106");
    EXPECT_EQ(rule.inviteCode->term, "Invited for flu vaccination");
    EXPECT_FALSE(rule.bookedCode);
    EXPECT_EQ(rule.templates.at("invite_sms"), "Book at {{url}}");
    EXPECT_EQ(rule.pages.at("welcome"), "Welcome");
}

TEST(ConfigLoader, RuleDefaultsMatchConfigH) {
    const LoadResult result = load(R"(organisations:
  A81001:
    name: Demo Surgery
    rules:
      flu: {title: Flu clinic, slot_types: [Flu]}
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    const Rule& rule = result.config->organisations.at("A81001").rules.at("flu");
    EXPECT_EQ(rule.horizonDays, 42);
    EXPECT_EQ(rule.linkExpiryDays, 7);
    EXPECT_FALSE(rule.allowDecline);
    EXPECT_FALSE(rule.allowReschedule);
}

TEST(ConfigLoader, SingleSmsConnectorMayBeWrittenWithoutAList) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("sms: [notify]"), 13, "sms: notify");
    const LoadResult result = load(yaml);
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    EXPECT_THAT(result.config->organisations.at("A81001").route.sms, ElementsAre("notify"));
}

TEST(ConfigLoader, ABatchListIsNamedForWhatItHolds) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("    name: Demo Surgery\n"), 0, "    batch_csv: nhs_number_only\n");
    const LoadResult result = load(yaml);
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    EXPECT_EQ(result.config->organisations.at("A81001").batchCsv, "nhs_number_only");
    EXPECT_TRUE(result.warnings.empty());
}

TEST(ConfigLoader, ABatchListNamedForABookStyleReadsWithAWarningWhereItIsWritten) {
    std::string yaml = kValid;
    const auto at = yaml.find("    name: Demo Surgery\n");
    yaml.replace(at, 0, "    batch_csv: emis\n");
    const LoadResult result = load(yaml);
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    EXPECT_EQ(result.config->organisations.at("A81001").batchCsv, "nhs_number_only");
    ASSERT_EQ(result.warnings.size(), 1U);
    const int line =
        static_cast<int>(std::count(yaml.begin(), yaml.begin() + static_cast<std::ptrdiff_t>(at), '\n')) + 1;
    EXPECT_EQ(result.warnings[0].mark.line, line);
    EXPECT_EQ(result.warnings[0].mark.column, 16);
    EXPECT_NE(result.warnings[0].message.find("'emis' is deprecated and reads as 'nhs_number_only'"), std::string::npos)
        << result.warnings[0].message;
}

TEST(ConfigLoader, SmsFailoverOrderIsKept) {
    const LoadResult result = load(R"(connectors:
  notify: {plugin: notify, config: {api_key: key-abc}}
  backup-sms: {plugin: http-sms, config: {url: "https://sms.example.org/send"}}
organisations:
  A81001:
    name: Demo Surgery
    route: {sms: [notify, backup-sms]}
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    EXPECT_THAT(result.config->organisations.at("A81001").route.sms, ElementsAre("notify", "backup-sms"));
}

TEST(ConfigLoader, ConnectorSectionBecomesJsonTypedByThePluginSchema) {
    const LoadResult result = load(R"(connectors:
  book:
    plugin: local-book
    config:
      database: /var/lib/clinhub/book.db
      slot_minutes: "10"
      seed_demo_slots: true
  notify:
    plugin: notify
    config:
      api_key: "12345"
      timeout_ms: 2500
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    // slot_minutes is an integer even though quoted; the all-digit api_key stays a string.
    EXPECT_EQ(result.config->connectors.at("book").configJson,
              R"({"database":"/var/lib/clinhub/book.db","slot_minutes":10,"seed_demo_slots":true})");
    EXPECT_EQ(result.config->connectors.at("notify").configJson, R"({"api_key":"12345","timeout_ms":2500})");
}

TEST(ConfigLoader, ConnectorWithoutConfigSectionGetsAnEmptyObject) {
    FakeCatalog catalog;
    catalog.add({"outbox-file", {Kind::sms, Kind::email}, R"({"type": "object"})", {}});
    const LoadResult result =
        loadConfigText("connectors:\n  sink: {plugin: outbox-file}\n", kFile, catalog, fakeEnvironment());
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    EXPECT_EQ(result.config->connectors.at("sink").configJson, "{}");
}

// ---- Paths -----------------------------------------------------------------------------------------

TEST(ConfigLoader, RelativePathsAreTakenFromTheConfigFilesFolder) {
    const LoadResult result = load(R"(hub:
  store: sqlite:var/clinhub.db
plugins:
  paths: [../build/plugins, /opt/clinhub/plugins]
connectors:
  book: {plugin: local-book, config: {database: ./var/../data/book.db}}
  nims:
    plugin: fhir-immunisation
    config: {base_url: "https://nims.example.org", client_certificate: /etc/ssl/hub.pem, client_key: keys/hub.key}
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    const Config& c = *result.config;
    EXPECT_EQ(c.storeUrl, "sqlite:/srv/clinhub/var/clinhub.db");
    EXPECT_THAT(c.pluginPaths, ElementsAre("/srv/build/plugins", "/opt/clinhub/plugins"));
    EXPECT_EQ(c.connectors.at("book").configJson, R"({"database":"/srv/clinhub/data/book.db"})");
    EXPECT_EQ(c.connectors.at("nims").configJson,
              R"({"base_url":"https://nims.example.org","client_certificate":"/etc/ssl/hub.pem",)"
              R"("client_key":"/srv/clinhub/keys/hub.key"})");
}

TEST(ConfigLoader, InMemorySqliteAndPostgresqlUrlsAreLeftAlone) {
    EXPECT_EQ(load("hub: {store: \"sqlite::memory:\"}\n").config->storeUrl, "sqlite::memory:");
    EXPECT_EQ(load("hub: {store: \"sqlite:/var/lib/hub.db\"}\n").config->storeUrl, "sqlite:/var/lib/hub.db");
    EXPECT_EQ(load("hub: {store: \"postgresql://h/db\"}\n").config->storeUrl, "postgresql://h/db");
}

TEST(ConfigLoader, StaffPagesAreAtStaffUrlOrPublicUrlUnlessTheyHaveAListenerOfTheirOwn) {
    const auto at = [](const std::string& hub) {
        const auto result = load("hub: {" + hub + "}\n");
        EXPECT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
        return result.config ? result.config->http.staffPagesUrl() : std::string("not loaded");
    };
    EXPECT_EQ(at("public_url: https://book.example.org/"), "https://book.example.org");
    EXPECT_EQ(at("public_url: https://book.example.org, admin_listen: 127.0.0.1:8081"), "")
        << "the patient address does not serve the staff pages";
    EXPECT_EQ(at("public_url: https://book.example.org, admin_listen: 127.0.0.1:8081, "
                 "staff_url: https://clinhub.surgery.example"),
              "https://clinhub.surgery.example");
    EXPECT_FALSE(load("hub: {staff_url: staff-pages}\n").ok()) << "a URL, like public_url";
}

// ---- Environment variables -------------------------------------------------------------------------

TEST(ConfigLoader, SubstitutesEnvironmentVariablesBeforeCheckingTypes) {
    const LoadResult result = load("hub:\n  http: {threads: \"${THREADS}\"}\n  public_url: https://${HOST}/\n",
                                   fakeEnvironment({{"THREADS", "32"}, {"HOST", "book.example.org"}}));
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    EXPECT_EQ(result.config->http.threads, 32);
    EXPECT_EQ(result.config->http.publicUrl, "https://book.example.org/");
}

TEST(ConfigLoader, SecretsFromTheEnvironmentReachThePluginSection) {
    const LoadResult result = load(kValid.substr(0, kValid.find("api_key")) + "api_key: ${NOTIFY_KEY}\n",
                                   fakeEnvironment({{"NOTIFY_KEY", "key-live-0123"}}));
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    EXPECT_EQ(result.config->connectors.at("notify").configJson, R"({"api_key":"key-live-0123"})");
}

TEST(ConfigLoader, DoubleDollarEscapesALiteralDollarBrace) {
    const LoadResult result = load(R"(organisations:
  A81001:
    name: "Costs $${PRICE} or $5"
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    EXPECT_EQ(result.config->organisations.at("A81001").name, "Costs ${PRICE} or $5");
}

TEST(ConfigLoader, UnsetVariableIsReportedOnceAtItsValue) {
    // Only the unset variable: the type check must not pile a second message onto the same value.
    EXPECT_THAT(problems("hub:\n  http:\n    threads: ${HUB_THREADS}\n"),
                ElementsAre("3:14: environment variable 'HUB_THREADS' is not set"));
}

TEST(ConfigLoader, EveryUnsetVariableInOneValueIsNamed) {
    EXPECT_THAT(
        problems("hub:\n  public_url: \"https://${HOST}:${PORT}\"\n"),
        ElementsAre("2:15: environment variable 'HOST' is not set", "2:15: environment variable 'PORT' is not set"));
}

TEST(ConfigLoader, MalformedVariableReferenceIsReported) {
    EXPECT_THAT(problems("organisations:\n  A81001:\n    name: Price ${ 5\n"),
                ElementsAre("3:11: '${' is not closed by '}'; write '$${' for a literal '${'"));
    EXPECT_THAT(problems("organisations:\n  A81001:\n    name: Price ${5}\n"),
                ElementsAre("3:11: '${' must start a variable such as ${NOTIFY_API_KEY}, ${file:PATH} or "
                            "${credential:NAME}; write '$${' for a literal '${'"));
}

TEST(ConfigLoader, MessagesQuoteTheVariableNotItsValue) {
    // A value from the environment may be a secret: it must never be printed.
    EXPECT_THAT(problems("hub:\n  http: {threads: \"${HUB_THREADS}\"}\n", fakeEnvironment({{"HUB_THREADS", "s3cret"}})),
                ElementsAre("2:19: expected an integer, got '${HUB_THREADS}'"));
}

// ---- Syntax ----------------------------------------------------------------------------------------

TEST(ConfigLoader, YamlSyntaxErrorIsReportedWithItsPositionAndAHint) {
    const LoadResult result = load("hub:\n  listen: [127.0.0.1:8080\n  store: sqlite:x.db\n");
    EXPECT_FALSE(result.config);
    EXPECT_THAT(problems(result), ElementsAre("3:8: YAML syntax error: a list opened with '[' is not closed with ']'"));
}

// Found by tests/fuzz/config: six lines of aliases of aliases expand to half a million values, which took
// the loader minutes (and `clinhub config check` or a reload with it).
TEST(ConfigLoader, AliasesExpandingToTooManyValuesAreRefusedQuickly) {
    std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
    for (char c = 'b'; c <= 'g'; ++c) {
        const std::string prev(1, static_cast<char>(c - 1));
        yaml += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" +
                prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
    }
    yaml += "hub:\n  listen: *g\n";
    const auto started = std::chrono::steady_clock::now();
    const auto result = load(yaml);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_FALSE(result.ok());
    EXPECT_THAT(problems(result), ::testing::Contains(::testing::HasSubstr(
                                      "more than 100000 values once its aliases (*name) are expanded")));
}

// Found by tests/fuzz/config: an anchor named inside its own value is a cycle, which the loader followed until
// its stack ran out.
TEST(ConfigLoader, AnAliasInsideItsOwnAnchorIsRefusedNotFollowedForEver) {
    const auto result = load("d: &d [x, *d]\nhub:\n  listen: *d\n");
    EXPECT_FALSE(result.ok());
    EXPECT_THAT(problems(result), ::testing::Contains(::testing::HasSubstr("values are nested more than 64 deep")));
}

TEST(ConfigLoader, BadIndentationIsAYamlSyntaxError) {
    EXPECT_THAT(problems("hub:\n  listen: 127.0.0.1:80\n   store: sqlite:x.db\n"),
                ElementsAre("3:9: YAML syntax error: unexpected ':' (check the indentation, and quote a value "
                            "that contains ': ')"));
}

TEST(ConfigLoader, EmptyFileIsAProblem) {
    EXPECT_THAT(problems(""), ElementsAre("1:1: the file is empty: see config/reference.yaml for every key"));
}

TEST(ConfigLoader, TopLevelMustBeAMap) {
    EXPECT_THAT(problems("- hub\n"), ElementsAre("1:1: expected a map, got a list"));
}

// ---- Unknown keys ----------------------------------------------------------------------------------

TEST(ConfigLoader, UnknownKeySuggestsTheNearestValidKey) {
    EXPECT_THAT(problems("hub:\n  http:\n    thread: 8\n"),
                ElementsAre("3:5: unknown key 'thread'; did you mean 'threads'?"));
}

TEST(ConfigLoader, UnknownKeyFarFromAnyListsTheValidKeys) {
    EXPECT_THAT(
        problems("hub:\n  http:\n    workers: 8\n"),
        ElementsAre("3:5: unknown key 'workers'; expected one of 'body_min_kb_s', 'head_timeout_s', 'idle_timeout_s', "
                    "'max_connections', 'max_connections_per_client', 'max_queued', "
                    "'max_requests_per_connection', 'max_upload_mb' and 'threads'"));
}

TEST(ConfigLoader, UnknownTopLevelKeyIsReported) {
    EXPECT_THAT(problems("connector:\n  book: {plugin: local-book}\n"),
                ElementsAre("1:1: unknown key 'connector'; did you mean 'connectors'?"));
}

TEST(ConfigLoader, UnknownKeyInAPluginSectionSuggestsFromThePluginSchema) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("database"), 8, "databse");
    EXPECT_THAT(problems(yaml), ElementsAre("4:5: missing required key 'database' in connectors.book.config",
                                            "5:7: unknown key 'databse'; did you mean 'database'?"));
}

TEST(ConfigLoader, ConnectorNameMustBeLowerCase) {
    EXPECT_THAT(problems("connectors:\n  Book: {plugin: local-book, config: {database: b.db}}\n"),
                ElementsAre("2:3: 'Book' is not a valid name in connectors: it must match ^[a-z][a-z0-9-]*$"));
}

TEST(ConfigLoader, OrganisationMustBeKeyedByOdsCode) {
    EXPECT_THAT(problems("organisations:\n  a81001: {name: Demo Surgery}\n"),
                ElementsAre(StartsWith("2:3: 'a81001' is not an ODS code (ODS codes are written in capitals): a GP "
                                       "practice's is a letter and five digits (A81001)")));
    EXPECT_THAT(problems("organisations:\n  A81001: {name: One}\n  A8100: {name: Two}\n  RXX01: {name: Three}\n"),
                ElementsAre(StartsWith("3:3: 'A8100' is not an ODS code: ")));
}

// ---- Types and values ------------------------------------------------------------------------------

TEST(ConfigLoader, WrongTypeNamesWhatWasExpectedAndWhatWasFound) {
    EXPECT_THAT(problems("hub:\n  http:\n    threads: abc\n"), ElementsAre("3:14: expected an integer, got 'abc'"));
}

TEST(ConfigLoader, YesIsNotABoolean) {
    EXPECT_THAT(problems("organisations:\n  A81001:\n    name: Demo\n    rules:\n      flu:\n        title: Flu\n"
                         "        slot_types: [Flu]\n        allow_decline: yes\n"),
                ElementsAre("8:24: expected true or false, got 'yes'"));
}

TEST(ConfigLoader, ScalarWhereAMapBelongsIsATypeError) {
    EXPECT_THAT(problems("hub: 5\n"), ElementsAre("1:6: expected a map, got '5'"));
}

TEST(ConfigLoader, EmptyValueIsReportedAtItsKey) {
    EXPECT_THAT(problems("hub:\n  http:\n    threads:\n"), ElementsAre("3:5: expected an integer, got nothing"));
}

TEST(ConfigLoader, SmsRouteMustBeANameOrAList) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("sms: [notify]"), 13, "sms: {first: notify}");
    EXPECT_THAT(problems(yaml), ElementsAre("15:12: expected a string or a list, got a map"));
}

TEST(ConfigLoader, ValueOutOfRangeNamesTheLimit) {
    EXPECT_THAT(problems("hub:\n  http: {threads: 0, max_queued: 100000}\n"),
                ElementsAre("2:19: expected at least 1, got '0'", "2:34: expected at most 65536, got '100000'"));
}

TEST(ConfigLoader, AuditRetentionIsAYearAtLeastSoATypoCannotDeleteRecentEntries) {
    EXPECT_THAT(problems("hub:\n  audit_retention_days: 30\n"), ElementsAre("2:25: expected at least 365, got '30'"));
    const LoadResult ten = load("hub:\n  audit_retention_days: 3653\n");
    ASSERT_TRUE(ten.ok()) << ::testing::PrintToString(problems(ten));
    EXPECT_EQ(ten.config->auditRetentionDays, 3653);
}

TEST(ConfigLoader, ListenAddressMustBeHostColonPort) {
    EXPECT_THAT(problems("hub:\n  listen: localhost\n"),
                ElementsAre("2:11: 'localhost' is not host:port (e.g. 127.0.0.1:8080 or [::1]:8080)"));
    EXPECT_THAT(problems("hub:\n  listen: \"[::1]:8080\"\n  store: \"postgresql://db/hub\"\n"), IsEmpty());
    EXPECT_THAT(problems("hub:\n  listen: \"a b:80\"\n  store: \"mysql://db\"\n"),
                ElementsAre("2:11: 'a b:80' is not host:port (e.g. 127.0.0.1:8080 or [::1]:8080)",
                            "3:10: 'mysql://db' is not sqlite:FILE or a postgresql:// URL"));
}

TEST(ConfigLoader, MessageTemplatesAreScannedAndTheOffendingPlaceholderNamed) {
    const std::string rule = "organisations:\n  A81001:\n    name: Demo\n    rules:\n      flu:\n        title: Flu\n"
                             "        slot_types: [FLU]\n        templates:\n";
    EXPECT_THAT(problems(rule + "          invite_sms: \"Book for {{when}}: {{url}}\"\n"
                                "          confirmation_sms: \"Booked {{when}} at {{where}}\"\n"
                                "          cancellation_sms: \"{{#title}}x{{/title}}\"\n"),
                ElementsAre("9:23: unknown placeholder '{{when}}' at character 10; this message can use {{practice}}, "
                            "{{title}}, {{name}} and {{url}}",
                            "11:29: '{{#title}}' at character 1: sections, partials and other mustache tags are not "
                            "supported; a message can use only {{practice}}, {{title}}, {{name}}, {{when}}, {{where}} "
                            "and {{url}}"));
    EXPECT_THAT(problems(rule + "          reminder_sms: \"{{" + std::string(5000, ' ') + "name}}\"\n"),
                ElementsAre("9:25: the text is 5008 bytes long; a message template is at most 4096 (an SMS carries at "
                            "most 918 characters)"));
}

// ---- Channels: the NHS App, then SMS ----

namespace {

// An organisation with an SMS route, an NHS App route to `plan`'s connector, and the channels given.
std::string withChannels(const std::string& orgChannels, const std::string& ruleChannels = "",
                         const std::string& plan = "app-only", const std::string& appRoute = ", nhs_app: app") {
    return "connectors:\n  texts: {plugin: notify, config: {api_key: key-abc}}\n"
           "  app: {plugin: nhs-app, config: {plan: " +
           plan + "}}\norganisations:\n  A81001:\n    name: Demo\n    route: {sms: [texts]" + appRoute + "}\n" +
           (orgChannels.empty() ? "" : "    channels: " + orgChannels + "\n") +
           "    rules:\n      flu:\n        title: Flu\n        slot_types: [FLU]\n" +
           (ruleChannels.empty() ? "" : "        channels: " + ruleChannels + "\n") +
           "      covid:\n        title: COVID\n        slot_types: [COVID]\n";
}

} // namespace

TEST(ConfigLoader, MessagesGoBySmsUnlessTheChannelsSayTheNhsAppFirst) {
    const auto plain = load(kValid);
    ASSERT_TRUE(plain.ok()) << ::testing::PrintToString(problems(plain));
    EXPECT_THAT(plain.config->organisations.at("A81001").channels, ElementsAre("sms"));

    const auto loaded = load(withChannels("[nhs_app, sms]\n    read_wait_h: 12", "sms"));
    ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(problems(loaded));
    const auto& org = loaded.config->organisations.at("A81001");
    EXPECT_EQ(org.route.nhsApp, "app");
    EXPECT_EQ(org.readWaitHours, 12);
    EXPECT_THAT(org.channels, ElementsAre("nhs_app", "sms"));
    EXPECT_THAT(org.rules.at("flu").channels, ElementsAre("sms")) << "a rule's own channels";
    EXPECT_THAT(org.rules.at("covid").channels, ElementsAre("nhs_app", "sms")) << "the organisation's";
    EXPECT_FALSE(loaded.config->connectors.at("app").cascades);
    EXPECT_EQ(load(withChannels("[nhs_app]")).config->organisations.at("A81001").readWaitHours, 24);
}

TEST(ConfigLoader, AConnectorWhosePlanFallsBackToSmsTakesNoSmsOfTheHubsAfterIt) {
    const auto alone = load(withChannels("nhs_app", "", "with-sms"));
    ASSERT_TRUE(alone.ok()) << ::testing::PrintToString(problems(alone));
    EXPECT_TRUE(alone.config->connectors.at("app").cascades);
    EXPECT_THAT(problems(withChannels("[nhs_app, sms]", "", "with-sms")),
                ElementsAre("8:25: connector 'app' falls back to SMS itself (its routing plan says so), so an SMS of "
                            "the hub's could reach the patient a second time: write channels: [nhs_app]"));
}

TEST(ConfigLoader, ChannelsAreCheckedWordByWordWhereTheyAreWritten) {
    EXPECT_THAT(problems(withChannels("[sms, nhs_app]")),
                ElementsAre("8:21: nhs_app must come before sms: the hub falls back from the NHS App to SMS, not the "
                            "other way"));
    EXPECT_THAT(problems(withChannels("[nhs_app, nhs_app]")), ElementsAre("8:25: 'nhs_app' is already listed"));
    EXPECT_THAT(problems(withChannels("", "[nhs_app, sms]", "app-only", "")),
                ElementsAre("12:20: nhs_app needs a patient-messaging connector: route 'nhs_app' to one (NHS Notify, "
                            "say)"));
    const auto unknown = problems(withChannels("[nhs_app, letter]"));
    ASSERT_EQ(unknown.size(), 1U);
    EXPECT_EQ(unknown[0].rfind("8:25: ", 0), 0U) << unknown[0];
    EXPECT_NE(unknown[0].find("letter"), std::string::npos) << unknown[0];
    EXPECT_THAT(problems(withChannels("letter")), ElementsAre("8:15: unknown channel 'letter': nhs_app or sms"));
    EXPECT_THAT(problems(withChannels("[sms]", "", "app-only", ", nhs_app: texts")),
                ElementsAre("7:36: connector 'texts' cannot serve nhs_app: its plugin 'notify' implements only sms "
                            "and email, not patient-messaging"));
}

TEST(ConfigLoader, QuietHoursAreEightToEightUnlessTheHubOrTheOrganisationSays) {
    const auto plain = load(kValid);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain.config->organisations.at("A81001").quietHours, (clinhub::domain::QuietHours{20 * 60, 8 * 60}));

    std::string yaml = "hub:\n  quiet_hours: {from: \"21:30\"}\n" + kValid + R"(  B81002:
    name: Night Service
    quiet_hours: {from: "00:00", to: "00:00"}
)";
    const auto loaded = load(yaml);
    ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(problems(loaded));
    EXPECT_EQ(loaded.config->organisations.at("A81001").quietHours, (clinhub::domain::QuietHours{21 * 60 + 30, 8 * 60}))
        << "the hub's, its end the default";
    EXPECT_FALSE(loaded.config->organisations.at("B81002").quietHours.any()) << "its own";

    EXPECT_THAT(problems("hub:\n  quiet_hours: {from: \"25:00\", to: 8am}\n"),
                ElementsAre("2:23: '25:00' is not a time of day: write HH:MM, 00:00 to 24:00",
                            "2:36: '8am' does not have the expected form (pattern ^[0-9][0-9]:[0-9][0-9]$)"));
}

TEST(ConfigLoader, AnSmsTemplateMustFitTheShortestLimitOfTheRoutedConnectors) {
    const std::string connectors = "connectors:\n  texts: {plugin: notify, config: {api_key: a-long-enough-key}}\n"
                                   "  gateway: {plugin: short-sms, config: {max: 300}}\n";
    const std::string rule = "    rules:\n      flu:\n        title: Flu\n        slot_types: [FLU]\n"
                             "        templates:\n          invite_sms: \"" +
                             std::string(250, 'a') + " {{url}}\"\n";
    // 250 characters, a space and a link of 67: over short-sms's 300, well under Notify's 918.
    EXPECT_THAT(problems(connectors + "organisations:\n  A81001:\n    name: Demo\n    route: {sms: [texts]}\n" + rule),
                IsEmpty());
    EXPECT_THAT(
        problems(connectors + "organisations:\n  A81001:\n    name: Demo\n    route: {sms: [texts, gateway]}\n" + rule),
        ElementsAre("13:23: invite_sms comes to about 318 characters as sent (with a link, a name, a day and "
                    "a place), but the routed SMS connector 'gateway' sends at most 300"));
    const auto loaded = load(connectors + "organisations:\n  A81001:\n    name: Demo\n    route: {sms: [texts]}\n");
    ASSERT_TRUE(loaded.ok()) << ::testing::PrintToString(problems(loaded));
    EXPECT_EQ(loaded.config->connectors.at("gateway").smsMaxCharacters, 300);
    EXPECT_EQ(loaded.config->connectors.at("texts").smsMaxCharacters, 918);
}

TEST(ConfigLoader, AnSmsConnectorThatDeclaresNoLimitGetsTheDefault) {
    const auto loaded = load("connectors:\n  gw: {plugin: http-sms, config: {url: \"https://sms.example.org\"}}\n"
                             "organisations:\n  A81001:\n    name: Demo\n    route: {sms: [gw]}\n"
                             "    rules:\n      flu:\n        title: Flu\n        slot_types: [FLU]\n"
                             "        templates:\n          invite_sms: \"" +
                             std::string(900, 'a') + " {{url}}\"\n");
    ASSERT_THAT(problems(loaded),
                ElementsAre("12:23: invite_sms comes to about 968 characters as sent (with a link, a name, a day and "
                            "a place), but the routed SMS connector 'gw' sends at most 918 (it declares no limit: the "
                            "default)"));
}

// The pattern takes up to five digits; serve would then fail at start, naming no line.
TEST(ConfigLoader, ListenPortMustBeOneTheSystemCanBind) {
    EXPECT_THAT(problems("hub:\n  listen: 127.0.0.1:99999\n"),
                ElementsAre("2:11: hub.listen: '127.0.0.1:99999' is not host:port: a port is a number from 0 to "
                            "65535 (0 picks a free one)"));
    EXPECT_THAT(problems("hub:\n  listen: \"[::1]:65536\"\n"), ::testing::SizeIs(1));
    for (const char* good : {"127.0.0.1:65535", "0.0.0.0:0", "localhost:8080", "\"[::1]:443\""})
        EXPECT_TRUE(load(std::string("hub:\n  listen: ") + good + "\n").ok()) << good;
}

TEST(ConfigLoader, AStoreUrlInAMessageNeverShowsItsPassword) {
    const auto found = problems("hub:\n  store: \"mysql://hub:s3cret-pw@db/clinhub\"\n");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].rfind("2:10: 'mysql://hub:***@db/clinhub' is not sqlite:FILE or a postgresql:// URL", 0), 0U)
        << found[0];
    EXPECT_TRUE(load("hub: {store: \"postgres://hub@db/clinhub\"}\n").ok()) << "the scheme libpq also takes";
}

TEST(ConfigLoader, RuleNeedsAtLeastOneSlotType) {
    EXPECT_THAT(
        problems("organisations:\n  A81001:\n    name: Demo\n    rules:\n      flu: {title: Flu, slot_types: []}\n"),
        ElementsAre("5:37: expected at least 1 item, got 0"));
}

TEST(ConfigLoader, ARuleIsFaceToFaceUnlessItSaysTelephone) {
    const LoadResult result = load(R"(organisations:
  A81001:
    name: Demo
    rules:
      flu: {title: Flu, slot_types: [Flu]}
      calls: {title: Call back, slot_types: [Telephone], mode: telephone}
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    const auto& rules = result.config->organisations.at("A81001").rules;
    EXPECT_EQ(rules.at("flu").mode, AppointmentMode::faceToFace);
    const Rule& calls = rules.at("calls");
    EXPECT_EQ(calls.mode, AppointmentMode::telephone);
    EXPECT_EQ(calls.minNoticeHours, 0) << "the next day on: never the same day";
    ASSERT_EQ(calls.windows.size(), 2U);
    EXPECT_EQ(calls.windows[0].label, "morning");
    EXPECT_EQ(calls.windows[0].from, 8 * 60);
    EXPECT_EQ(calls.windows[0].to, 12 * 60);
    EXPECT_EQ(calls.windows[1].label, "afternoon");
    EXPECT_EQ(calls.windows[1].to, 18 * 60 + 30);
}

TEST(ConfigLoader, ATelephoneRuleReadsItsNoticeAndWindowsInOrder) {
    const LoadResult result = load(R"(organisations:
  A81001:
    name: Demo
    rules:
      calls:
        title: Call back
        slot_types: [Telephone]
        mode: telephone
        min_notice_hours: 24
        windows:
          - {label: early, from: "07:30", to: "09:00"}
          - {label: evening, from: "17:00", to: "19:45"}
)");
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    const Rule& calls = result.config->organisations.at("A81001").rules.at("calls");
    EXPECT_EQ(calls.minNoticeHours, 24);
    ASSERT_EQ(calls.windows.size(), 2U);
    EXPECT_EQ(calls.windows[0].label, "early");
    EXPECT_EQ(calls.windows[0].from, 7 * 60 + 30);
    EXPECT_EQ(calls.windows[1].label, "evening");
    EXPECT_EQ(calls.windows[1].to, 19 * 60 + 45);
}

TEST(ConfigLoader, AModeIsFaceToFaceOrTelephone) {
    const auto found = problems(
        "organisations:\n  A81001:\n    name: Demo\n    rules:\n      c: {title: C, slot_types: [T], mode: video}\n");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_THAT(found[0], ::testing::StartsWith("5:44: "));
    EXPECT_THAT(found[0], ::testing::HasSubstr("telephone"));
}

TEST(ConfigLoader, WindowsAndNoticeOnAFaceToFaceRuleAreRefusedWhereTheyAreWritten) {
    EXPECT_THAT(problems(R"(organisations:
  A81001:
    name: Demo
    rules:
      flu:
        title: Flu
        slot_types: [Flu]
        min_notice_hours: 4
        windows: [{label: morning, from: "08:00", to: "12:00"}]
)"),
                ElementsAre("8:9: min_notice_hours is for telephone rules only: add mode: telephone, or remove it",
                            "9:9: windows is for telephone rules only: add mode: telephone, or remove it"));
}

// A telephone rule whose lines 9 on (its windows) a test adds.
const std::string kCallsRule = R"(organisations:
  A81001:
    name: Demo
    rules:
      calls:
        title: Call back
        slot_types: [Telephone]
        mode: telephone
)";

TEST(ConfigLoader, AWindowMustCloseAfterItOpensAndOverlapNoOther) {
    EXPECT_THAT(problems(kCallsRule + R"(        windows:
          - {label: morning, from: "08:00", to: "12:00"}
          - {label: late, from: "13:00", to: "12:30"}
          - {label: lunch, from: "11:30", to: "14:00"}
          - {label: morning, from: "15:00", to: "16:00"}
          - {label: night, from: "23:00", to: "25:00"}
)"),
                ElementsAre("11:46: a window must close after it opens (13:00)",
                            "12:34: this window overlaps an earlier one: a slot may be in one window only",
                            "13:21: window 'morning' is already defined: give each window its own label",
                            "14:47: '25:00' is not a time of day: from 00:00 to 24:00"));
}

TEST(ConfigLoader, AWindowTimeIsTwentyFourHourHoursAndMinutes) {
    const auto found = problems(kCallsRule + R"(        windows: [{label: morning, from: "8am", to: "12:00"}]
)");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_THAT(found[0], ::testing::StartsWith("9:42: '8am' does not have the expected form"));
}

TEST(ConfigLoader, SnomedCodeWithAWrongCheckDigitIsRejected) {
    EXPECT_THAT(problems(R"(organisations:
  A81001:
    name: Demo
    rules:
      flu:
        title: Flu
        slot_types: [Flu]
        codes:
          invite: {code: "1240781000000107", term: Invited}
          booked: {code: "12407810000001O6", term: Booked}
)"),
                ElementsAre("9:26: '1240781000000107' is not a SNOMED CT concept id: its check digit is wrong "
                            "(mistyped?)",
                            "10:26: '12407810000001O6' does not have the expected form (pattern ^[0-9]{6,18}$)"));
}

// ---- Missing keys ----------------------------------------------------------------------------------

TEST(ConfigLoader, MissingRequiredKeyIsReportedAtTheKeyOfItsMap) {
    EXPECT_THAT(problems("connectors:\n  book:\n    config: {database: b.db}\n"),
                ElementsAre("2:3: missing required key 'plugin' in connectors.book"));
}

TEST(ConfigLoader, EveryCodeMustCarryItsTerm) {
    EXPECT_THAT(problems(R"(organisations:
  A81001:
    name: Demo
    rules:
      flu:
        title: Flu
        slot_types: [Flu]
        codes:
          booked: {code: "1240651000000109"}
)"),
                ElementsAre("9:11: missing required key 'term' in organisations.A81001.rules.flu.codes.booked"));
}

TEST(ConfigLoader, PluginSectionMissingARequiredKeyIsReportedAtItsConfigKey) {
    EXPECT_THAT(problems("connectors:\n  book:\n    plugin: local-book\n    config:\n      slot_minutes: 10\n"),
                ElementsAre("4:5: missing required key 'database' in connectors.book.config"));
}

TEST(ConfigLoader, PluginSectionLeftOutIsCheckedAsEmpty) {
    EXPECT_THAT(problems("connectors:\n  book:\n    plugin: local-book\n"),
                ElementsAre("2:3: missing required key 'database' in connectors.book.config"));
}

// ---- Duplicate keys --------------------------------------------------------------------------------

TEST(ConfigLoader, DuplicateKeyIsReportedAtBothPlaces) {
    EXPECT_THAT(problems("hub:\n  http:\n    threads: 8\n    max_queued: 10\n    threads: 16\n"),
                ElementsAre("3:5: key 'threads' is set again at line 5, column 5",
                            "5:5: duplicate key 'threads' (first set at line 3, column 5)"));
    EXPECT_FALSE(load("hub:\n  http:\n    threads: 8\n    threads: 16\n").config);
}

TEST(ConfigLoader, DuplicateOrganisationIsReported) {
    EXPECT_THAT(problems("organisations:\n  A81001: {name: One}\n  A81001: {name: Two}\n"),
                ElementsAre("2:3: key 'A81001' is set again at line 3, column 3",
                            "3:3: duplicate key 'A81001' (first set at line 2, column 3)"));
}

// ---- Campaigns -------------------------------------------------------------------------------------

const std::string kCampaign = kValid + R"(      immunisations: book
    rules:
      covid: {title: COVID-19 vaccination, slot_types: [COVID clinic]}
    campaigns:
      covid: {rule: covid, target: COVID, doses: 2}
)";

TEST(ConfigLoader, CampaignTakesTheNinthWeekAndThreeWeeksLeadUnlessToldOtherwise) {
    const LoadResult result = load(kCampaign);
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    const Campaign& c = result.config->organisations.at("A81001").campaigns.at("covid");
    EXPECT_EQ(c.rule, "covid");
    EXPECT_EQ(c.target, "COVID");
    EXPECT_EQ(c.doses, 2);
    EXPECT_EQ(c.secondDoseDueDays, 56);
    EXPECT_EQ(c.inviteLeadDays, 21);
    EXPECT_EQ(c.communityInviteDays, 21);
}

TEST(ConfigLoader, CampaignCommunityTextsLoadAndTheHubsStandInWhenTheYamlSaysNothing) {
    std::string yaml = kCampaign;
    yaml.replace(yaml.find("doses: 2}"), 9,
                 R"(doses: 2, community: {invite_sms: "Book {{name}}: {{url}}", reminder_sms: "Still {{url}}"}})");
    const LoadResult result = load(yaml);
    ASSERT_TRUE(result.ok()) << ::testing::PrintToString(problems(result));
    const Campaign& c = result.config->organisations.at("A81001").campaigns.at("covid");
    EXPECT_EQ(c.community.at("invite_sms"), "Book {{name}}: {{url}}");
    EXPECT_EQ(c.community.at("reminder_sms"), "Still {{url}}");
    EXPECT_TRUE(load(kCampaign).config->organisations.at("A81001").campaigns.at("covid").community.empty());
}

TEST(ConfigLoader, ABadCommunityTextIsReportedWithItsFileLineAndColumn) {
    std::string yaml = kCampaign;
    yaml.replace(yaml.find("doses: 2}"), 9,
                 R"(doses: 2, community: {invite_sms: "Hi {{when}} {{url}}", reminder_sms: "Ring us"}})");
    const LoadResult result = load(yaml);
    EXPECT_FALSE(result.config);
    ASSERT_EQ(result.problems.size(), 2U) << ::testing::PrintToString(problems(result));
    EXPECT_EQ(result.problems[0].str(), kFile + ":21:77: unknown placeholder '{{when}}' at character 4; this message "
                                                "can use {{practice}}, {{title}}, {{name}} and {{url}}");
    EXPECT_EQ(result.problems[1].str(),
              kFile + ":21:114: reminder_sms must include {{url}}, where each child's link goes");
    yaml.replace(yaml.find("community: {"), 12, "community: {invite: x, ");
    EXPECT_THAT(problems(yaml), ::testing::Contains(::testing::HasSubstr("invite")));
}

TEST(ConfigLoader, CampaignNamingAnUnknownRuleSuggestsTheNearest) {
    std::string yaml = kCampaign;
    yaml.replace(yaml.find("rule: covid"), 11, "rule: covdi");
    EXPECT_THAT(problems(yaml), ElementsAre("21:21: unknown rule 'covdi'; did you mean 'covid'?"));
}

TEST(ConfigLoader, CampaignsNeedTheImmunisationRecordsRouted) {
    std::string yaml = kCampaign;
    yaml.erase(yaml.find("      immunisations: book\n"), 26);
    EXPECT_THAT(problems(yaml), ElementsAre("19:5: campaigns label each patient from the national immunisation "
                                            "records: route 'immunisations' to a connector that looks them up"));
}

TEST(ConfigLoader, CampaignOfThreeDosesIsRefused) {
    std::string yaml = kCampaign;
    yaml.replace(yaml.find("doses: 2"), 8, "doses: 3");
    const auto found = problems(yaml);
    ASSERT_EQ(found.size(), 1U);
    EXPECT_THAT(found.front(), ::testing::StartsWith("21:50: "));
}

// ---- Routes ----------------------------------------------------------------------------------------

TEST(ConfigLoader, RouteToAnUnknownConnectorSuggestsTheNearest) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("appointment_book: book"), 22, "appointment_book: bok");
    EXPECT_THAT(problems(yaml), ElementsAre("14:25: unknown connector 'bok'; did you mean 'book'?"));
}

TEST(ConfigLoader, RouteToAnUnknownConnectorListsTheDefinedOnes) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("sms: [notify]"), 13, "sms: [notify, twilio]");
    EXPECT_THAT(problems(yaml),
                ElementsAre("15:21: unknown connector 'twilio' (connectors defines 'book' and 'notify')"));
}

TEST(ConfigLoader, RouteWhenNoConnectorsAreDefined) {
    EXPECT_THAT(problems("organisations:\n  A81001:\n    name: Demo\n    route: {email: smtp}\n"),
                ElementsAre("4:20: unknown connector 'smtp': no connectors are defined"));
}

TEST(ConfigLoader, RouteToAConnectorOfTheWrongKindIsReported) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("sms: [notify]"), 13, "sms: [notify, book]");
    EXPECT_THAT(problems(yaml), ElementsAre("15:21: connector 'book' cannot serve sms: its plugin 'local-book' "
                                            "implements only appointment-book and immunisation-records, not sms"));
}

TEST(ConfigLoader, AppointmentBookRoutedToAMessagingConnectorIsReported) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("appointment_book: book"), 22, "appointment_book: notify");
    EXPECT_THAT(problems(yaml), ElementsAre("14:25: connector 'notify' cannot serve appointment_book: its plugin "
                                            "'notify' implements only sms and email, not appointment-book"));
}

TEST(ConfigLoader, SameConnectorTwiceInAFailoverListIsReported) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("sms: [notify]"), 13, "sms: [notify, notify]");
    EXPECT_THAT(problems(yaml), ElementsAre("15:21: connector 'notify' is already listed at line 15, column 13"));
}

// ---- Plugins ---------------------------------------------------------------------------------------

TEST(ConfigLoader, UnknownPluginSuggestsTheNearestAndListsTheAvailable) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("plugin: local-book"), 18, "plugin: local-bok");
    EXPECT_THAT(problems(yaml),
                ElementsAre("3:13: unknown plugin 'local-bok'; did you mean 'local-book'? (available: "
                            "'fhir-immunisation', 'http-sms', 'local-book', 'nhs-app', 'notify', 'short-sms' and "
                            "'smtp-email')"));
}

TEST(ConfigLoader, UnknownPluginWhenNoneWereFound) {
    const FakeCatalog none;
    const LoadResult result =
        loadConfigText("connectors:\n  book: {plugin: local-book}\n", kFile, none, fakeEnvironment());
    EXPECT_THAT(problems(result),
                ElementsAre("2:18: unknown plugin 'local-book': no plugins were found (see plugins.paths)"));
}

TEST(ConfigLoader, PluginSchemaViolationIsReportedAtTheValue) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("api_key: key-abc"), 16, "api_key: key-abc\n      timeout_ms: 5");
    EXPECT_THAT(problems(yaml), ElementsAre("10:19: expected at least 100, got '5'"));
}

TEST(ConfigLoader, PluginCheckConfigErrorIsMappedBackToTheYamlValue) {
    std::string yaml = kValid;
    yaml.replace(yaml.find("api_key: key-abc"), 16, "api_key: short");
    EXPECT_THAT(problems(yaml), ElementsAre("9:16: plugin 'notify': the API key is too short to be a Notify key"));
}

TEST(ConfigLoader, PluginCheckConfigPointersReachIntoMapsAndLists) {
    FakeCatalog catalog;
    catalog.add({"multi", {Kind::sms}, R"({"type": "object"})", [](const std::string&) {
                     return std::vector<ConfigError>{{"", "whole section"},
                                                     {"/routes/1/to", "second route's target"},
                                                     {"/routes/1", "second route"},
                                                     {"/a~1b", "escaped slash"},
                                                     {"/routes/7/to", "no such item: nearest existing"}};
                 }});
    const LoadResult result = loadConfigText(R"(connectors:
  multi:
    plugin: multi
    config:
      a/b: 1
      routes:
        - to: one
        - to: two
)",
                                             kFile, catalog, fakeEnvironment());
    EXPECT_THAT(problems(result),
                ElementsAre("4:5: plugin 'multi': whole section", "5:12: plugin 'multi': escaped slash",
                            "6:7: plugin 'multi': no such item: nearest existing", "8:11: plugin 'multi': second route",
                            "8:15: plugin 'multi': second route's target"));
}

TEST(ConfigLoader, PluginCheckConfigIsSkippedWhenTheSchemaAlreadyFailed) {
    int calls = 0;
    FakeCatalog catalog;
    catalog.add({"strict", {Kind::sms}, R"({"type": "object", "required": ["url"]})", [&calls](const std::string&) {
                     ++calls;
                     return std::vector<ConfigError>{};
                 }});
    const LoadResult result =
        loadConfigText("connectors:\n  s: {plugin: strict, config: {}}\n", kFile, catalog, fakeEnvironment());
    EXPECT_THAT(problems(result), ElementsAre("2:23: missing required key 'url' in connectors.s.config"));
    EXPECT_EQ(calls, 0);
}

TEST(ConfigLoader, PluginThatThrowsWhileCheckingIsReportedNotPropagated) {
    FakeCatalog catalog;
    catalog.add({"thrower", {Kind::sms}, "", [](const std::string&) -> std::vector<ConfigError> {
                     throw std::runtime_error("boom");
                 }});
    EXPECT_THAT(problems(loadConfigText("connectors:\n  t: {plugin: thrower}\n", kFile, catalog, fakeEnvironment())),
                ElementsAre("2:3: plugin 'thrower' failed while checking this section: boom"));
}

TEST(ConfigLoader, PluginWithAnUnusableSchemaIsReported) {
    FakeCatalog catalog;
    catalog.add({"broken", {Kind::sms}, "{not json", {}});
    catalog.add({"badref", {Kind::sms}, R"({"properties": {"x": {"$ref": "#/definitions/x"}}})", {}});
    const LoadResult result =
        loadConfigText("connectors:\n  a: {plugin: broken}\n  b: {plugin: badref, config: {x: 1}}\n", kFile, catalog,
                       fakeEnvironment());
    ASSERT_EQ(result.problems.size(), 2u);
    EXPECT_EQ(problems(result)[0].rfind("2:15: plugin 'broken' publishes a config schema the hub cannot use: it is "
                                        "not valid JSON (",
                                        0),
              0u)
        << problems(result)[0];
    EXPECT_EQ(problems(result)[1],
              "3:15: plugin 'badref' publishes a config schema the hub cannot use: '$ref' at /properties/x: "
              "'#/definitions/x' does not point at a schema inside this one (the hub follows '#' and '#/...' JSON "
              "Pointers only)");
}

TEST(ConfigLoader, PluginSchemaWithAKeywordTheHubCannotCheckIsReportedEvenWithNoConfig) {
    FakeCatalog catalog;
    catalog.add(
        {"unchecked", {Kind::sms}, R"({"properties": {"to": {"type": "string", "contentEncoding": "base64"}}})", {}});
    EXPECT_THAT(problems(loadConfigText("connectors:\n  a: {plugin: unchecked}\n", kFile, catalog, fakeEnvironment())),
                ElementsAre("2:15: plugin 'unchecked' publishes a config schema the hub cannot use: 'contentEncoding' "
                            "at /properties/to: not a keyword the hub checks, and a schema that says more than is "
                            "checked would let through values its author meant to stop"));
}

TEST(ConfigLoader, ConnectorSectionReachesThePluginWithTheSchemaDefaultsFilledIn) {
    FakeCatalog catalog;
    std::string received;
    catalog.add({"defaulted",
                 {Kind::sms},
                 R"({"type": "object", "properties": {
                     "timeout_ms": {"type": "integer", "default": 2000},
                     "mode": {"enum": ["live", "test"], "default": "live"},
                     "retry": {"type": "object", "properties": {"times": {"type": "integer", "default": 3}}}}})",
                 [&](const std::string& json) {
                     received = json;
                     return std::vector<ConfigError>();
                 }});
    const LoadResult result = loadConfigText("connectors:\n  a: {plugin: defaulted, config: {mode: test, retry: {}}}\n",
                                             kFile, catalog, fakeEnvironment());
    ASSERT_THAT(problems(result), IsEmpty());
    EXPECT_EQ(received, R"({"mode":"test","retry":{"times":3},"timeout_ms":2000})");
    EXPECT_EQ(result.config->connectors.at("a").configJson, received);
}

// ---- All together ----------------------------------------------------------------------------------

TEST(ConfigLoader, ReportsEveryProblemInFileOrderNotJustTheFirst) {
    const LoadResult result = load(R"(hub:
  http:
    threads: many
  outbox: {workers: 0}
connectors:
  book:
    plugin: local-book
    config: {database: b.db, colour: red}
organisations:
  A81001:
    route: {appointment_book: boook, sms: book}
)");
    EXPECT_FALSE(result.config);
    EXPECT_THAT(problems(result),
                ElementsAre("3:14: expected an integer, got 'many'", "4:21: expected at least 1, got '0'",
                            "8:30: unknown key 'colour'; expected one of 'database', 'seed_demo_slots' and "
                            "'slot_minutes'",
                            "10:3: missing required key 'name' in organisations.A81001",
                            "11:31: unknown connector 'boook'; did you mean 'book'?",
                            "11:43: connector 'book' cannot serve sms: its plugin 'local-book' implements only "
                            "appointment-book and immunisation-records, not sms"));
}

TEST(ConfigDiagnostic, PrintsFileLineColumnAndMessage) {
    EXPECT_EQ((Diagnostic{{"/etc/clinhub/hub.yaml", 3, 14}, "expected an integer, got 'abc'"}).str(),
              "/etc/clinhub/hub.yaml:3:14: expected an integer, got 'abc'");
    EXPECT_EQ((Diagnostic{{"hub.yaml", 0, 0}, "cannot read the file: No such file or directory"}).str(),
              "hub.yaml: cannot read the file: No such file or directory");
}

// ---- Files -----------------------------------------------------------------------------------------

TEST(ConfigLoaderFile, MissingFileIsReportedWithItsName) {
    const FakeCatalog catalog = standardCatalog();
    const LoadResult result = loadConfig("/nonexistent/clinhub/hub.yaml", catalog, fakeEnvironment());
    EXPECT_FALSE(result.config);
    ASSERT_EQ(result.problems.size(), 1u);
    EXPECT_EQ(result.problems[0].str(),
              "/nonexistent/clinhub/hub.yaml: cannot read the file: No such file or directory");
}

TEST(ConfigLoaderFile, ReadsTheFileAndResolvesPathsAgainstItsFolder) {
    const auto folder = std::filesystem::temp_directory_path() / ("clinhub-config-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(folder);
    const auto file = folder / "hub.yaml";
    std::ofstream(file) << "hub:\n  store: sqlite:state/hub.db\n  http: {threads: oops}\n";
    const FakeCatalog catalog = standardCatalog();
    const LoadResult bad = loadConfig(file.string(), catalog, fakeEnvironment());
    ASSERT_EQ(bad.problems.size(), 1u);
    EXPECT_EQ(bad.problems[0].str(), file.string() + ":3:19: expected an integer, got 'oops'");
    std::ofstream(file) << "hub:\n  store: sqlite:state/hub.db\n";
    const LoadResult good = loadConfig(file.string(), catalog, fakeEnvironment());
    std::filesystem::remove_all(folder);
    ASSERT_TRUE(good.ok()) << ::testing::PrintToString(problems(good));
    EXPECT_EQ(good.config->storeUrl, "sqlite:" + (folder / "state/hub.db").string());
}

TEST(ConfigHubSchema, IsTheHandWrittenFileBuiltIn) {
    std::ifstream in(std::string(CLINHUB_SOURCE_DIR) + "/hub/config/hub.schema.json");
    ASSERT_TRUE(in);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(hubSchema(), text);
}

TEST(ConfigLoader, SecondYamlDocumentInTheFileIsReported) {
    EXPECT_THAT(problems("hub: {listen: \"127.0.0.1:80\"}\n---\nhub: {listen: \"0.0.0.0:80\"}\n"),
                ElementsAre("2:1: a config file holds one YAML document, but another starts here (remove the '---' "
                            "line, or move this part to its own file)"));
}

TEST(ConfigLoader, TextOnWhichYamlCppWouldMakeDocumentsForEverIsAProblemNotAHang) {
    // Found by tests/fuzz/config: yaml-cpp's LoadAll never returns on it.
    EXPECT_FALSE(problems("\"\",").empty());
    EXPECT_FALSE(problems("hub: {}\n\"\",\n").empty());
}

TEST(ConfigLoader, TabIndentationIsNamedAsTheCause) {
    EXPECT_THAT(problems("hub:\n  http:\n\tthreads: 4\n"),
                ElementsAre("3:1: YAML syntax error: a tab indents this line; YAML indents with spaces only"));
}

TEST(ConfigLoader, ValueStartingWithAtSignMustBeQuoted) {
    EXPECT_THAT(problems("hub:\n  listen: @x\n"),
                ElementsAre("2:11: YAML syntax error: a value cannot start with '@' or '`': quote it"));
}

TEST(ConfigLoader, PluginSchemaWithABadPatternOrKeywordIsReported) {
    FakeCatalog catalog;
    catalog.add({"badpattern", {Kind::sms}, R"({"properties": {"x": {"pattern": "(unclosed"}}})", {}});
    catalog.add({"badminimum", {Kind::sms}, R"({"properties": {"x": {"minimum": "five"}}})", {}});
    const LoadResult result = loadConfigText(
        "connectors:\n  a: {plugin: badpattern, config: {x: y}}\n  b: {plugin: badminimum, config: {x: 1}}\n", kFile,
        catalog, fakeEnvironment());
    ASSERT_EQ(result.problems.size(), 2u);
    EXPECT_EQ(problems(result)[0], "2:15: plugin 'badpattern' publishes a config schema the hub cannot use: 'pattern' "
                                   "at /properties/x: its pattern '(unclosed' uses '(' there, which the hub's patterns "
                                   "do not support (character classes, quantifiers and ^...$ anchors only)");
    EXPECT_EQ(problems(result)[1].rfind("3:15: plugin 'badminimum' publishes a config schema the hub cannot use: ", 0),
              0u)
        << problems(result)[1];
}

// ---- Staff sign-in ---------------------------------------------------------------------------------

TEST(ConfigLoader, ReadsHowStaffSignInWithASingleSignOnProvider) {
    const LoadResult result = load("hub:\n"
                                   "  staff_sign_in:\n"
                                   "    session_idle_minutes: 20\n"
                                   "    lockout_attempts: 6\n"
                                   "    single_sign_on:\n"
                                   "      name: NHS CIS2\n"
                                   "      issuer: https://id.example.org\n"
                                   "      client_id: hub-1\n"
                                   "      client_secret_env: CLINHUB_SSO_SECRET\n"
                                   "      redirect_uri: https://staff.example.org/staff/sign-in/callback\n"
                                   "      new_users: {organisation: A81001, role: viewer}\n" +
                                   kValid);
    ASSERT_TRUE(result.ok()) << result.problems.front().str();
    const auto& staff = result.config->staffSignIn;
    EXPECT_EQ(staff.sessionIdleMinutes, 20);
    EXPECT_EQ(staff.sessionHours, 12);
    EXPECT_EQ(staff.lockoutAttempts, 6);
    EXPECT_EQ(staff.lockoutMinutes, 15);
    ASSERT_TRUE(staff.singleSignOn);
    EXPECT_EQ(staff.singleSignOn->name, "NHS CIS2");
    EXPECT_EQ(staff.singleSignOn->clientSecretEnv, "CLINHUB_SSO_SECRET");
    EXPECT_EQ(staff.singleSignOn->emailClaim, "email");
    EXPECT_EQ(staff.singleSignOn->newUserOrganisation, "A81001");
    EXPECT_EQ(staff.singleSignOn->newUserRole, "viewer");
    EXPECT_EQ(staff.singleSignOn->mark.line, 6);
}

TEST(ConfigLoader, ASingleSignOnWithoutItsSecretsVariableOrAnAdminByDefaultIsRefusedWhereItIsWritten) {
    const LoadResult result = load("hub:\n"
                                   "  staff_sign_in:\n"
                                   "    single_sign_on:\n"
                                   "      issuer: https://id.example.org\n"
                                   "      client_id: hub-1\n"
                                   "      redirect_uri: https://staff.example.org/staff/sign-in/callback\n"
                                   "      new_users: {organisation: A81001, role: admin}\n" +
                                   kValid);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(
        problems(result),
        ::testing::Contains("3:5: missing required key 'client_secret_env' in hub.staff_sign_in.single_sign_on"));
    EXPECT_THAT(problems(result), ::testing::Contains("7:47: 'admin' is not one of 'viewer' and 'staff'"));
}

// ---- Readiness ---------------------------------------------------------------------------------------

TEST(ConfigLoader, ReadyRequiresNamesConnectorsAndIsEmptyByDefault) {
    const auto none = load(kValid);
    ASSERT_TRUE(none.config) << (none.problems.empty() ? "" : none.problems.front().str());
    EXPECT_TRUE(none.config->readyRequires.empty());
    const auto some = load("hub:\n  ready_requires: [book, notify]\n" + kValid);
    ASSERT_TRUE(some.config) << (some.problems.empty() ? "" : some.problems.front().str());
    EXPECT_EQ(some.config->readyRequires, (std::vector<std::string>{"book", "notify"}));
}

TEST(ConfigLoader, ReadyRequiresAnUnknownConnectorIsRefusedWhereItIsNamed) {
    EXPECT_THAT(problems("hub:\n  ready_requires: [book, bok]\n" + kValid),
                ElementsAre("2:26: unknown connector 'bok'; did you mean 'book'?"));
    EXPECT_THAT(problems("hub:\n  ready_requires:\n    - twilio\n" + kValid),
                ElementsAre("3:7: unknown connector 'twilio' (connectors defines 'book' and 'notify')"));
}
