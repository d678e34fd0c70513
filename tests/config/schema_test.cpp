// The validator on its own, with schemas of the shapes plugin authors write.
#include "hub/config/Schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

using namespace clinhub::config;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

namespace {

const Environment noVariables = [](const std::string&) { return std::optional<std::string>(); };

std::vector<std::string> check(const std::string& schemaJson, const std::string& yaml) {
    std::vector<Diagnostic> problems;
    const auto node = parseYaml(yaml, "t.yaml", noVariables, problems);
    const Schema schema = Schema::parse(schemaJson);
    validate(*node, schema, node->mark, "", problems);
    std::vector<std::string> out;
    for (const auto& p : problems)
        out.push_back(p.str());
    return out;
}

std::string json(const std::string& schemaJson, const std::string& yaml) {
    std::vector<Diagnostic> problems;
    const auto node = parseYaml(yaml, "t.yaml", noVariables, problems);
    return toJson(*node, Schema::parse(schemaJson));
}

} // namespace

TEST(ConfigSchemaValidator, EnumSuggestsTheNearestValue) {
    EXPECT_THAT(check(R"({"properties": {"mode": {"enum": ["live", "sandbox"]}}})", "mode: sandbx\n"),
                ElementsAre("t.yaml:1:7: 'sandbx' is not one of 'live' and 'sandbox'; did you mean 'sandbox'?"));
    EXPECT_THAT(check(R"({"properties": {"mode": {"enum": ["live", "sandbox"]}}})", "mode: live\n"), IsEmpty());
}

TEST(ConfigSchemaValidator, TypeListAcceptsAnyOfItsTypes) {
    const std::string schema = R"({"properties": {"v": {"type": ["integer", "boolean"]}}})";
    EXPECT_THAT(check(schema, "v: 3\n"), IsEmpty());
    EXPECT_THAT(check(schema, "v: false\n"), IsEmpty());
    EXPECT_THAT(check(schema, "v: maybe\n"),
                ElementsAre("t.yaml:1:4: expected an integer or true or false, got 'maybe'"));
}

TEST(ConfigSchemaValidator, NumbersAcceptDecimalsAndIntegersRejectThem) {
    const std::string schema = R"({"properties": {"n": {"type": "number", "minimum": 0.5}, "i": {"type": "integer"}}})";
    EXPECT_THAT(check(schema, "n: 1.5\ni: 2\n"), IsEmpty());
    EXPECT_THAT(check(schema, "n: 0.25\ni: 2.0\n"), ElementsAre("t.yaml:1:4: expected at least 0.5, got '0.25'",
                                                                "t.yaml:2:4: expected an integer, got '2.0'"));
    EXPECT_THAT(check(schema, "n: .inf\n"), ElementsAre("t.yaml:1:4: expected a number, got '.inf'"));
}

TEST(ConfigSchemaValidator, IntegerTooBigForSixtyFourBitsIsNotAnInteger) {
    EXPECT_THAT(check(R"({"properties": {"i": {"type": "integer"}}})", "i: 99999999999999999999\n"),
                ElementsAre("t.yaml:1:4: expected an integer, got '99999999999999999999'"));
}

TEST(ConfigSchemaValidator, RefsResolveThroughDefs) {
    const std::string schema = R"({
        "properties": {"a": {"$ref": "#/$defs/port"}, "b": {"$ref": "#/$defs/alias"}},
        "$defs": {"port": {"type": "integer", "maximum": 65535}, "alias": {"$ref": "#/$defs/port"}}})";
    EXPECT_THAT(check(schema, "a: 70000\nb: x\n"), ElementsAre("t.yaml:1:4: expected at most 65535, got '70000'",
                                                               "t.yaml:2:4: expected an integer, got 'x'"));
}

TEST(ConfigSchemaValidator, AdditionalPropertiesSchemaChecksUndeclaredKeys) {
    const std::string schema = R"({"properties": {"url": {"type": "string"}},
                                   "additionalProperties": {"type": "integer"}})";
    EXPECT_THAT(check(schema, "url: x\nretries: 3\ntimeout: soon\n"),
                ElementsAre("t.yaml:3:10: expected an integer, got 'soon'"));
}

TEST(ConfigSchemaValidator, PatternPropertiesCheckMatchingKeys) {
    const std::string schema = R"({"patternProperties": {"^x-": {"type": "boolean"}}, "additionalProperties": false})";
    EXPECT_THAT(check(schema, "x-debug: true\nx-trace: 1\n"),
                ElementsAre("t.yaml:2:10: expected true or false, got '1'"));
}

TEST(ConfigSchemaValidator, AdditionalPropertiesFalseWithNoPropertiesAllowsNoKeys) {
    EXPECT_THAT(check(R"({"additionalProperties": false})", "a: 1\n"),
                ElementsAre("t.yaml:1:1: 'a' is not a valid name: no keys are allowed here"));
}

TEST(ConfigSchemaValidator, ItemsAndMinItemsApplyToLists) {
    const std::string schema =
        R"({"properties": {"ports": {"type": "array", "minItems": 2, "items": {"type": "integer"}}}})";
    EXPECT_THAT(check(schema, "ports: [80, http]\n"), ElementsAre("t.yaml:1:13: expected an integer, got 'http'"));
    EXPECT_THAT(check(schema, "ports: [80]\n"), ElementsAre("t.yaml:1:8: expected at least 2 items, got 1"));
}

TEST(ConfigSchemaValidator, ListItemsWithMissingKeysAreReportedAtTheItem) {
    const std::string schema =
        R"({"properties": {"routes": {"type": "array", "items": {"type": "object", "required": ["to"]}}}})";
    EXPECT_THAT(check(schema, "routes:\n  - to: a\n  - from: b\n"),
                ElementsAre("t.yaml:3:5: missing required key 'to' in routes[1]"));
}

TEST(ConfigSchemaValidator, MinLengthCountsCharactersNotBytes) {
    const std::string schema = R"({"properties": {"s": {"type": "string", "minLength": 3}, "e": {"minLength": 1}}})";
    EXPECT_THAT(check(schema, "s: \"é£\"\ne: \"\"\n"),
                ElementsAre("t.yaml:1:4: expected at least 3 characters, got 'é£'",
                            "t.yaml:2:4: expected a value, got an empty string"));
    EXPECT_THAT(check(schema, "s: \"é£x\"\n"), IsEmpty());
}

TEST(ConfigSchemaValidator, PatternIsSearchedNotAnchored) {
    const std::string schema = R"({"properties": {"url": {"pattern": "^https://"}, "name": {"pattern": "surgery"}}})";
    EXPECT_THAT(check(schema, "url: https://x\nname: the surgery at the green\n"), IsEmpty());
    EXPECT_THAT(check(schema, "url: http://x\n"),
                ElementsAre("t.yaml:1:6: 'http://x' does not have the expected form (pattern ^https://)"));
}

TEST(ConfigSchemaValidator, SchemaWithoutTypeAcceptsAnyValue) {
    EXPECT_THAT(check("{}", "a: [1, {b: c}]\n"), IsEmpty());
}

TEST(ConfigSchemaValidator, InvalidSchemaTextIsRefusedWithAReason) {
    EXPECT_THROW(Schema::parse("[1, 2]"), std::invalid_argument);
    EXPECT_THROW(Schema::parse("{\"type\": "), std::invalid_argument);
}

TEST(ConfigSchemaToJson, TypesScalarsAsTheSchemaSays) {
    const std::string schema = R"({"properties": {
        "port": {"type": "integer"}, "ratio": {"type": "number"}, "tls": {"type": "boolean"},
        "pin": {"type": "string"}, "both": {"type": ["integer", "string"]},
        "list": {"type": "array", "items": {"type": "integer"}}}})";
    EXPECT_EQ(json(schema, "port: 25\nratio: 0.5\ntls: TRUE\npin: 0042\nboth: 7\nlist: [1, 2]\nextra: 3\nnone:\n"),
              R"({"port":25,"ratio":0.5,"tls":true,"pin":"0042","both":7,"list":[1,2],"extra":"3","none":null})");
}

TEST(ConfigSchemaToJson, EscapesTextSafely) {
    EXPECT_EQ(json("{}", "s: \"quote \\\" and \\\\ backslash\"\n"), R"({"s":"quote \" and \\ backslash"})");
}

TEST(ConfigMarkAt, EmptyPointerIsTheOwner) {
    std::vector<Diagnostic> problems;
    const auto node = parseYaml("a: 1\n", "t.yaml", noVariables, problems);
    const Mark owner{"t.yaml", 9, 9};
    EXPECT_EQ(markAt(*node, owner, "").line, 9);
    EXPECT_EQ(markAt(*node, owner, "/a").line, 1);
    EXPECT_EQ(markAt(*node, owner, "/a").column, 4);
    EXPECT_EQ(markAt(*node, owner, "/missing").line, 9);
}
