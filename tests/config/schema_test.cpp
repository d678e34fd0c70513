// The validator on its own, with schemas of the shapes plugin authors write.
#include "hub/config/Schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
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

// ---- Compiling: a schema that says more than is checked is refused when it is parsed -------------------

namespace {

std::string refusal(const std::string& schemaJson) {
    try {
        Schema::parse(schemaJson);
    } catch (const RefusedSchema& e) {
        return e.keyword() + " @" + e.pointer() + ": " + e.what();
    }
    return "accepted";
}

} // namespace

TEST(ConfigSchemaCompile, RefusesAKeywordItCannotCheckNamingItAndWhereItIs) {
    EXPECT_EQ(refusal(R"({"properties": {"to": {"type": "array", "maxContains": 2}}})"),
              "maxContains @/properties/to: 'maxContains' at /properties/to: not a keyword the hub checks, and a "
              "schema that says more than is checked would let through values its author meant to stop");
    EXPECT_EQ(refusal(R"({"$defs": {"a~b/c": {"unevaluatedProperties": false}}})").substr(0, 40),
              "unevaluatedProperties @/$defs/a~0b~1c: '");
}

TEST(ConfigSchemaCompile, RefusesAFormatItCannotCheckButTakesTheHubsFormats) {
    EXPECT_EQ(refusal(R"({"properties": {"e": {"format": "email"}}})"),
              "format @/properties/e: 'format' at /properties/e: 'email' is not a format the hub checks (it checks "
              "ip-address, listen-address, ods-code, path, snomed-ct, store-url, uri)");
    for (const char* format : {"uri", "snomed-ct", "listen-address", "ip-address", "path", "store-url"})
        EXPECT_EQ(refusal(std::string(R"({"format": ")") + format + "\"}"), "accepted") << format;
}

TEST(ConfigSchemaCompile, RefusesKeywordsWhoseMeaningChangedBetweenDrafts) {
    EXPECT_EQ(refusal(R"({"items": [{"type": "integer"}]})").substr(0, 8), "items @:");
    EXPECT_EQ(refusal(R"({"dependencies": {}})").substr(0, 15), "dependencies @:");
    EXPECT_EQ(
        refusal(R"({"$defs": {"a": {}}, "properties": {"x": {"$ref": "#/$defs/a", "minimum": 1}}})").substr(0, 18),
        "$ref @/properties/");
    EXPECT_EQ(refusal(R"({"properties": {"x": {"$ref": "#/$defs/a", "description": "d", "default": 1}},
                         "$defs": {"a": {"type": "integer"}}})"),
              "accepted");
}

TEST(ConfigSchemaCompile, RefusesRefsOutsideTheSchemaAndIdBelowTheRoot) {
    EXPECT_EQ(refusal(R"({"$ref": "http://example.com/s.json"})").substr(0, 7), "$ref @:");
    EXPECT_EQ(refusal(R"({"properties": {"a": {"$ref": "#/properties/b"}}})").substr(0, 20), "$ref @/properties/a:");
    EXPECT_EQ(refusal(R"({"properties": {"a": {"$id": "x.json"}}})").substr(0, 19), "$id @/properties/a:");
    EXPECT_EQ(
        refusal(R"({"$id": "https://x/s.json", "properties": {"a": {"$ref": "#"}, "b": {"$ref": "#/properties/a"}}})"),
        "accepted");
}

TEST(ConfigSchemaCompile, AcceptsAnnotationsAnywhere) {
    EXPECT_EQ(refusal(R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "t",
                         "$comment": "c", "properties": {"a": {"description": "d", "examples": [1],
                         "readOnly": true, "writeOnly": false, "deprecated": false}}})"),
              "accepted");
}

TEST(ConfigSchemaCompile, RefusesADefaultThatFailsItsOwnSchema) {
    EXPECT_EQ(refusal(R"({"properties": {"n": {"type": "integer", "maximum": 3, "default": 5}}})"),
              "default @/properties/n: 'default' at /properties/n: the default does not pass its own schema: "
              "expected at most 3, got '5'");
}

TEST(ConfigSchemaCompile, EveryShippedSchemaFileCompiles) {
    for (const char* file : {"hub/config/hub.schema.json", "connectors/notify/schemas/notify-v2.schema.json"}) {
        std::ifstream in(std::string(CLINHUB_SOURCE_DIR) + "/" + file);
        std::ostringstream text;
        text << in.rdbuf();
        EXPECT_NO_THROW(Schema::parse(text.str())) << file;
    }
}

// ---- Checking: the keywords added beside the hub's own ---------------------------------------------------

TEST(ConfigSchemaValidator, MaxLengthCountsCodePointsNotBytes) {
    const std::string schema = R"({"properties": {"s": {"type": "string", "maxLength": 2}}})";
    EXPECT_THAT(check(schema, "s: \"é£\"\n"), IsEmpty());
    EXPECT_THAT(check(schema, "s: \"é£x\"\n"), ElementsAre("t.yaml:1:4: expected at most 2 characters, got 3"));
}

TEST(ConfigSchemaValidator, UriFormatNeedsASchemeAndNoSpaces) {
    const std::string schema = R"({"properties": {"u": {"type": "string", "format": "uri"}}})";
    for (const char* good : {"https://clinhub.example/b?x=1#top", "http://[::1]:8080", "mailto:a@b.example"})
        EXPECT_THAT(check(schema, std::string("u: \"") + good + "\"\n"), IsEmpty()) << good;
    for (const char* bad : {"clinhub.example", "/b/path", "http:// x.example", "http://x:port"})
        EXPECT_THAT(check(schema, std::string("u: \"") + bad + "\"\n"),
                    ElementsAre(::testing::HasSubstr("is not a URI")))
            << bad;
}

TEST(ConfigSchemaValidator, AKeyMatchedByNameAndPatternMustPassBoth) {
    const std::string schema = R"({"properties": {"port": {"type": "integer"}},
                                   "patternProperties": {"^p": {"maximum": 100}}})";
    EXPECT_THAT(check(schema, "port: 200\n"), ElementsAre("t.yaml:1:7: expected at most 100, got '200'"));
}

TEST(ConfigSchemaValidator, CombinedSchemasAnyOfOneOfNotAndIfThenElse) {
    const std::string schema = R"({"properties": {
        "a": {"anyOf": [{"type": "integer"}, {"enum": ["auto"]}]},
        "o": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
        "n": {"not": {"enum": ["root"]}},
        "t": {"if": {"type": "integer"}, "then": {"minimum": 1}, "else": {"minLength": 2}}}})";
    EXPECT_THAT(check(schema, "a: auto\no: 1.5\nn: admin\nt: 5\n"), IsEmpty());
    EXPECT_THAT(check(schema, "a: manual\no: 2\nn: root\nt: 0\n"),
                ElementsAre("t.yaml:1:4: a: 'manual' has none of the 2 forms allowed here",
                            "t.yaml:2:4: o: '2' has more than one of the 2 forms allowed here (exactly one)",
                            "t.yaml:3:4: n: 'root' has a form not allowed here",
                            "t.yaml:4:4: expected at least 1, got '0'"));
}

TEST(ConfigSchemaValidator, ASchemaThatRefersToItselfWithoutGoingDeeperIsBoundedNotACrash) {
    EXPECT_THAT(check(R"({"allOf": [{"$ref": "#"}]})", "a: 1\n"),
                ElementsAre(::testing::HasSubstr("the schema nests too deep or takes too long")));
}

TEST(ConfigSchemaValidator, JsonValuesKeepTheirTypeWhereYamlScalarsHaveNone) {
    const Schema schema = Schema::parse(R"({"type": "string"})");
    std::vector<Diagnostic> problems;
    validate(fromJson(Poco::Dynamic::Var(5)), schema, Mark{}, "", problems);
    EXPECT_EQ(problems.size(), 1u);
    problems.clear();
    validate(fromJson(Poco::Dynamic::Var(std::string("5"))), schema, Mark{}, "", problems);
    EXPECT_THAT(problems, IsEmpty());
}

// ---- Defaults ---------------------------------------------------------------------------------------

namespace {

std::string filled(const std::string& schemaJson, const std::string& yaml) {
    std::vector<Diagnostic> problems;
    auto node = parseYaml(yaml, "t.yaml", noVariables, problems);
    const Schema schema = Schema::parse(schemaJson);
    validate(*node, schema, node->mark, "", problems);
    EXPECT_THAT(problems, IsEmpty());
    applyDefaults(*node, schema);
    return toJson(*node, schema);
}

} // namespace

TEST(ConfigSchemaDefaults, FillAbsentPropertiesInPlaceAtAnyDepth) {
    const std::string schema = R"({"properties": {
        "port": {"type": "integer", "default": 8080}, "tls": {"type": "boolean", "default": false},
        "http": {"type": "object", "properties": {"threads": {"type": "integer", "default": 16}}},
        "routes": {"type": "array", "items": {"properties": {"weight": {"type": "number", "default": 0.5}}}}}})";
    EXPECT_EQ(filled(schema, "http: {}\nroutes: [{to: a}, {weight: 2}]\n"),
              R"({"http":{"threads":16},"routes":[{"to":"a","weight":0.5},{"weight":2}],"port":8080,"tls":false})");
}

TEST(ConfigSchemaDefaults, LeaveWrittenValuesAndAbsentMapsAlone) {
    const std::string schema = R"({"properties": {"port": {"type": "integer", "default": 8080},
        "http": {"type": "object", "properties": {"threads": {"type": "integer", "default": 16}}}}})";
    EXPECT_EQ(filled(schema, "port: 9090\n"), R"({"port":9090})");
}

TEST(ConfigSchemaDefaults, TheDefaultBesideARefWinsOverTheOneWhereItLeads) {
    const std::string schema = R"({"$defs": {"days": {"type": "integer", "default": 7}},
        "properties": {"a": {"$ref": "#/$defs/days"}, "b": {"$ref": "#/$defs/days", "default": 42}}})";
    EXPECT_EQ(filled(schema, "{}\n"), R"({"a":7,"b":42})");
}

TEST(ConfigSchemaDefaults, FilledValuesAreMarkedWhereTheirMapIs) {
    std::vector<Diagnostic> problems;
    auto node = parseYaml("\n\nhttp:\n  x: 1\n", "t.yaml", noVariables, problems);
    applyDefaults(*node, Schema::parse(R"({"properties": {"http": {"properties": {"threads": {"default": 16}}}}})"));
    const YamlNode* threads = node->find("http")->find("threads");
    ASSERT_NE(threads, nullptr);
    EXPECT_EQ(threads->mark.line, node->find("http")->mark.line);
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
