// clinhub::kit::ConfigMap: one table gives the parser, the JSON Schema and the docs, and they agree.
#include <clinhub/kit/ConfigMap.hpp>

#include "hub/config/Schema.h"

#include <Poco/JSON/Parser.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <set>

namespace {

using namespace clinhub::kit;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

enum class Mode { fast, careful };

struct Tls {
    bool verify = false;
    std::string caFile;
};

struct Lookup {
    std::string url;
    std::map<std::string, std::string> states;
};

struct Settings {
    std::string url;
    std::string name;
    int retries = 0;
    std::chrono::milliseconds connectTimeout{0};
    std::chrono::milliseconds timeout{0};
    bool verbose = false;
    Mode mode = Mode::fast;
    std::optional<std::vector<std::string>> tags;
    std::set<long> statuses;
    std::map<std::string, std::string> headers;
    Tls tls;
    std::optional<Lookup> lookup;
};

const ConfigMap<Tls> kTls{"TLS",
                          {
                              booleanKey("verify", &Tls::verify).byDefault(true).describe("Check the certificate"),
                              stringKey("ca_file", &Tls::caFile).format("path"),
                          }};

const ConfigMap<Lookup> kLookup{"",
                                {
                                    stringKey("url", &Lookup::url).required().check(httpUrlCheck),
                                    stringMapKey("states", &Lookup::states).oneOf({"accepted", "failed"}),
                                }};

const ConfigMap<Settings> kMap{
    "A test connector",
    {
        stringKey("url", &Settings::url).required("the gateway's URL").check(httpUrlCheck).describe("Where | to send"),
        stringKey("name", &Settings::name).minLength(3).pattern("^[a-z]+$").byDefault("hub"),
        integerKey("retries", &Settings::retries).range(0, 5).byDefault(2).describe("Attempts after the first"),
        connectTimeoutKey(&Settings::connectTimeout),
        timeoutKey(&Settings::timeout, 30000),
        booleanKey("verbose", &Settings::verbose),
        choiceKey("mode", &Settings::mode, {{"fast", Mode::fast}, {"careful", Mode::careful}}).byDefault("careful"),
        stringListKey("tags", &Settings::tags).minLength(1).byDefault({"a", "b"}),
        integerListKey("statuses", &Settings::statuses).range(100, 599),
        stringMapKey("headers", &Settings::headers),
        objectKey("tls", &Settings::tls, kTls),
        objectKey("lookup", &Settings::lookup, kLookup).describe("How to ask after a message"),
    }};

std::vector<std::string> problems(const std::string& json) {
    std::vector<clinhub::ConfigError> errors;
    kMap.parse(json, errors);
    std::vector<std::string> out;
    for (const auto& e : errors)
        out.push_back(e.pointer + ": " + e.message);
    return out;
}

Settings parsed(const std::string& json) {
    std::vector<clinhub::ConfigError> errors;
    Settings s = kMap.parse(json, errors);
    EXPECT_TRUE(errors.empty()) << errors.front().pointer << ": " << errors.front().message;
    return s;
}

// What the hub's own checker says of `json` against the map's schema.
std::vector<std::string> hubProblems(const std::string& json) {
    using namespace clinhub::config;
    const Schema schema = Schema::parse(kMap.schema());
    std::vector<Diagnostic> found;
    validate(fromJson(Poco::JSON::Parser().parse(json)), schema, Mark{}, "", found);
    std::vector<std::string> out;
    for (const auto& d : found)
        out.push_back(d.message);
    return out;
}

TEST(ConfigMap, AbsentKeysTakeTheirDefaults) {
    const Settings s = parsed(R"({"url": "https://x.example"})");
    EXPECT_EQ(s.name, "hub");
    EXPECT_EQ(s.retries, 2);
    EXPECT_EQ(s.connectTimeout, std::chrono::milliseconds(2000));
    EXPECT_EQ(s.timeout, std::chrono::milliseconds(30000));
    EXPECT_FALSE(s.verbose);
    EXPECT_EQ(s.mode, Mode::careful);
    EXPECT_EQ(s.tags, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(s.tls.verify) << "a nested object's defaults apply when the object is absent";
    EXPECT_FALSE(s.lookup.has_value()) << "an optional object stays empty when absent";
}

TEST(ConfigMap, NullCountsAsAbsent) {
    EXPECT_EQ(parsed(R"({"url": "https://x.example", "retries": null})").retries, 2);
}

TEST(ConfigMap, EachTypeIsReadIntoItsMember) {
    const Settings s = parsed(R"({"url": "https://x.example", "name": "abcd", "retries": 0, "timeout_ms": 100,
        "verbose": true, "mode": "fast", "tags": [], "statuses": [503, 409], "headers": {"X-Key": "k"},
        "tls": {"verify": false, "ca_file": "/ca.pem"}, "lookup": {"url": "http://y.example", "states": {"OK": "accepted"}}})");
    EXPECT_EQ(s.url, "https://x.example");
    EXPECT_EQ(s.name, "abcd");
    EXPECT_EQ(s.retries, 0);
    EXPECT_EQ(s.timeout, std::chrono::milliseconds(100));
    EXPECT_TRUE(s.verbose);
    EXPECT_EQ(s.mode, Mode::fast);
    EXPECT_EQ(s.tags, std::vector<std::string>{}) << "given but empty is not absent";
    EXPECT_EQ(s.statuses, (std::set<long>{409, 503}));
    EXPECT_EQ(s.headers, (std::map<std::string, std::string>{{"X-Key", "k"}}));
    EXPECT_FALSE(s.tls.verify);
    EXPECT_EQ(s.tls.caFile, "/ca.pem");
    ASSERT_TRUE(s.lookup.has_value());
    EXPECT_EQ(s.lookup->url, "http://y.example");
    EXPECT_EQ(s.lookup->states.at("OK"), "accepted");
}

TEST(ConfigMap, OutOfRangeValuesAreReportedAtTheirPointer) {
    EXPECT_THAT(problems(R"({"url": "https://x.example", "retries": 6, "timeout_ms": 99, "statuses": [200, 600]})"),
                ElementsAre("/retries: must be between 0 and 5", "/timeout_ms: must be between 100 and 120000",
                            "/statuses/1: must be between 100 and 599"));
}

TEST(ConfigMap, WrongTypesAreReportedAtTheirPointer) {
    EXPECT_THAT(
        problems(R"({"url": 5, "retries": "2", "verbose": "yes", "tags": "a", "tls": [], "headers": {"A": 1}})"),
        ElementsAre("/url: must be a string", "/retries: must be a whole number", "/verbose: must be true or false",
                    "/tags: must be a list of strings", "/headers/A: must be a string",
                    "/tls: must be an object (a map of keys)"));
    EXPECT_THAT(problems(R"({"url": "https://x.example", "retries": 1.5, "connect_timeout_ms": true})"),
                ElementsAre("/retries: must be a whole number", "/connect_timeout_ms: must be a whole number"));
}

TEST(ConfigMap, StringLimitsChoicesAndChecksAreReported) {
    EXPECT_THAT(problems(R"({"url": "ftp://x", "name": "ab", "mode": "slow", "tags": [""]})"),
                ElementsAre("/url: must be an http:// or https:// URL", "/name: must be at least 3 characters long",
                            "/mode: must be fast or careful", "/tags/0: must not be empty"));
}

TEST(ConfigMap, UnknownKeysAreRefusedAtEveryLevel) {
    EXPECT_THAT(problems(R"({"url": "https://x.example", "colour": "red", "tls": {"verfiy": true}})"),
                ElementsAre(HasSubstr("/colour: unknown key (the keys here are url, name, retries, "),
                            "/tls/verfiy: unknown key (the keys here are verify, ca_file)"));
}

TEST(ConfigMap, MissingRequiredKeysAreReportedAtTheirPointer) {
    EXPECT_THAT(problems(R"({})"), ElementsAre("/url: the gateway's URL is required"));
    EXPECT_THAT(problems(R"({"url": ""})"), ElementsAre("/url: the gateway's URL is required"));
    EXPECT_THAT(problems(R"({"url": "https://x.example", "lookup": {}})"), ElementsAre("/lookup/url: is required"));
}

TEST(ConfigMap, NotAnObjectIsReportedAtTheSection) {
    EXPECT_THAT(problems("[1]"), ElementsAre(HasSubstr(": not a JSON object")));
}

TEST(ConfigMap, TheSchemaSaysWhatTheTableSays) {
    const auto& schema = kMap.schemaObject();
    EXPECT_FALSE(schema->getValue<bool>("additionalProperties"));
    EXPECT_EQ(schema->getArray("required")->size(), 1U);
    const auto properties = schema->getObject("properties");
    const auto retries = properties->getObject("retries");
    EXPECT_EQ(retries->getValue<int>("minimum"), 0);
    EXPECT_EQ(retries->getValue<int>("maximum"), 5);
    EXPECT_EQ(retries->getValue<int>("default"), 2);
    EXPECT_EQ(properties->getObject("name")->getValue<std::string>("pattern"), "^[a-z]+$");
    EXPECT_EQ(properties->getObject("mode")->getArray("enum")->size(), 2U);
    EXPECT_EQ(properties->getObject("url")->getValue<int>("minLength"), 1) << "a required string is not empty";
    EXPECT_EQ(
        properties->getObject("tls")->getObject("properties")->getObject("ca_file")->getValue<std::string>("format"),
        "path");
    EXPECT_EQ(properties->getObject("lookup")->getValue<std::string>("description"), "How to ask after a message");
}

TEST(ConfigMap, TheHubsCheckerAcceptsTheSchemaAndAgreesWithTheParser) {
    ASSERT_NO_THROW(clinhub::config::Schema::parse(kMap.schema()));
    for (const char* good : {R"({"url": "https://x.example"})",
                             R"({"url": "https://x.example", "retries": 5, "mode": "fast", "tags": ["x"],
                                 "statuses": [100, 599], "headers": {"A": "b"}, "tls": {"verify": false},
                                 "lookup": {"url": "http://y", "states": {"X": "failed"}}})"}) {
        EXPECT_THAT(problems(good), ::testing::IsEmpty()) << good;
        EXPECT_THAT(hubProblems(good), ::testing::IsEmpty()) << good;
    }
    for (const char* bad :
         {R"({})", R"({"url": ""})", R"({"url": "https://x.example", "retries": 6})",
          R"({"url": "https://x.example", "timeout_ms": 99})", R"({"url": "https://x.example", "mode": "slow"})",
          R"({"url": "https://x.example", "colour": 1})", R"({"url": "https://x.example", "tags": [""]})",
          R"({"url": "https://x.example", "statuses": [99]})", R"({"url": "https://x.example", "verbose": 1})",
          R"({"url": "https://x.example", "tls": {"x": 1}})", R"({"url": "https://x.example", "lookup": {}})",
          R"({"url": "https://x.example", "lookup": {"url": "http://y", "states": {"X": "sent"}}})"}) {
        EXPECT_EQ(problems(bad).size(), 1U) << bad;
        EXPECT_EQ(hubProblems(bad).size(), 1U) << bad;
    }
}

TEST(ConfigMap, TheMarkdownTableHasARowPerKeyNestedOnesDotted) {
    const std::string md = kMap.markdown();
    EXPECT_THAT(md, HasSubstr("| Key | Type | Default | Range | Description |\n|---|---|---|---|---|\n"));
    EXPECT_THAT(md, HasSubstr("| `url` | string | required | not empty | Where \\| to send |\n"));
    EXPECT_THAT(md, HasSubstr("| `retries` | integer | `2` | 0 to 5 | Attempts after the first |\n"));
    EXPECT_THAT(md, HasSubstr("| `mode` | string | `\"careful\"` | one of `fast` or `careful` |  |\n"));
    EXPECT_THAT(md, HasSubstr("| `tags` | list of strings | `[\"a\",\"b\"]` | each not empty |  |\n"));
    EXPECT_THAT(md, HasSubstr("| `tls.verify` | boolean | `true` |  | Check the certificate |\n"));
    EXPECT_THAT(md, HasSubstr("| `tls.ca_file` | string |  | a path, relative to the config file |  |\n"));
    EXPECT_THAT(md, HasSubstr("| `lookup.states` | map of strings |  | each one of `accepted` or `failed` |  |\n"));
}

} // namespace
