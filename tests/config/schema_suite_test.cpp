// The official JSON Schema Test Suite against the hub's checker: every test group whose schema the checker
// accepts must get every verdict right, and every group it refuses must be refused by naming a keyword it
// does not check (or a value of one it cannot: a format, a pattern, a $ref outside the schema).
//
// Which draft: the checker follows draft 2020-12 (the hub's schemas say so), but Debian 12's
// json-schema-test-suite ships draft 3 to draft 7 only. Draft 7's files are the nearest, and they test the
// same meaning for every keyword the checker accepts: the ones whose meaning changed by 2020-12 (items as a
// list, additionalItems, dependencies, keywords beside a $ref) are refused, and so their
// groups count as refusals here. Draft 7's optional files are walked too (format, bignum, regex, ...):
// optional for a validator, but a keyword the checker accepts must be right there as well.
//
// Nothing is skipped by name. Groups that need a remote $ref (http://localhost:1234/...) are not skipped
// either: the checker follows '#' pointers only, so it refuses them, and they count under "$ref". The one
// rule for skipping: a file that Poco's JSON parser cannot read is skipped, counted and named (draft 7's
// optional/bignum.json, whose integers pass 64 bits): the hub reads every schema and reply with that
// parser, so such a value never reaches the checker.
#include "hub/config/Schema.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

using namespace clinhub::config;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

const std::filesystem::path kDraft = CLINHUB_SCHEMA_SUITE_DIR "/tests/draft7";

// What Schema.h says the checker checks. A refusal that names one of these is a bug, unless the keyword
// is one refused for its value (a list for items, a format or pattern it cannot read, a $ref outside the
// schema or beside other assertions, a $id below the root).
// clang-format off
const std::set<std::string> kChecked = {
    "type", "enum", "const", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "$ref",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "format",
    "properties", "required", "additionalProperties", "patternProperties", "propertyNames", "minProperties",
    "maxProperties", "items", "minItems", "maxItems", "uniqueItems", "contains",
    "$schema", "$id", "$defs", "definitions", "$comment", "title", "description", "examples", "default"};
// clang-format on
const std::set<std::string> kRefusedForValue = {"items", "format", "pattern", "patternProperties",
                                                "$ref",  "$id",    "default"};

struct Tally {
    int groups = 0;
    int cases = 0;
    std::map<std::string, int> refusedByKeyword;
    int refused() const {
        int n = 0;
        for (const auto& [keyword, count] : refusedByKeyword)
            n += count;
        return n;
    }
};

std::vector<std::filesystem::path> suiteFiles() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(kDraft))
        if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    return files;
}

Array::Ptr readGroups(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::ostringstream text;
    text << in.rdbuf();
    Poco::JSON::Parser parser;
    return parser.parse(text.str()).extract<Array::Ptr>();
}

std::string jsonText(const Poco::Dynamic::Var& value) {
    std::ostringstream out;
    Poco::JSON::Stringifier::stringify(value, out);
    return out.str();
}

bool validates(const Schema& schema, const Poco::Dynamic::Var& data) {
    std::vector<Diagnostic> problems;
    validate(fromJson(data), schema, Mark{}, "", problems);
    return problems.empty();
}

void runGroup(const Object::Ptr& group, const std::string& where, Tally& tally) {
    ++tally.groups;
    // Compiling changes the parsed schema (true and false become objects): keep the text as the suite wrote it.
    const std::string schemaText = jsonText(group->get("schema"));
    std::optional<Schema> schema;
    try {
        schema = Schema::parse(schemaText);
    } catch (const RefusedSchema& refused) {
        ++tally.refusedByKeyword[refused.keyword()];
        EXPECT_TRUE(!kChecked.contains(refused.keyword()) || kRefusedForValue.contains(refused.keyword()))
            << where << ": refused for a keyword the checker says it checks: " << refused.what();
        return;
    } catch (const std::exception& e) {
        ADD_FAILURE() << where << ": the schema " << schemaText << " threw, not as a refusal: " << e.what();
        return;
    }
    const Array::Ptr tests = group->getArray("tests");
    for (unsigned i = 0; i < tests->size(); ++i) {
        const Object::Ptr test = tests->getObject(i);
        const bool expected = test->getValue<bool>("valid");
        const Poco::Dynamic::Var data = test->get("data");
        EXPECT_EQ(validates(*schema, data), expected) << where << " / " << test->getValue<std::string>("description")
                                                      << "\n  schema " << schemaText << "\n  data " << jsonText(data);
        ++tally.cases;
    }
}

} // namespace

TEST(JsonSchemaTestSuite, EveryAcceptedKeywordGetsEveryDraft7VerdictRightAndTheRestAreRefused) {
    // A missing suite must fail, not pass with nothing run: scripts/setup installs json-schema-test-suite.
    ASSERT_TRUE(std::filesystem::is_directory(kDraft))
        << kDraft << " is missing: apt-get install json-schema-test-suite";
    const auto files = suiteFiles();
    ASSERT_GE(files.size(), 30u) << "too few files under " << kDraft;
    Tally tally;
    int skippedFiles = 0;
    for (const auto& file : files) {
        Array::Ptr groups;
        try {
            groups = readGroups(file);
        } catch (const Poco::Exception& e) {
            std::cout << "skipped " << std::filesystem::relative(file, kDraft).string()
                      << ": Poco's JSON parser cannot read it (" << e.displayText() << ")\n";
            ++skippedFiles;
            continue;
        }
        for (unsigned i = 0; i < groups->size(); ++i) {
            const Object::Ptr group = groups->getObject(i);
            runGroup(group,
                     std::filesystem::relative(file, kDraft).string() + ": " +
                         group->getValue<std::string>("description"),
                     tally);
        }
    }
    std::cout << "JSON Schema Test Suite, draft 7: " << files.size() << " files, " << tally.groups
              << " groups: " << tally.cases << " cases checked in " << tally.groups - tally.refused()
              << " accepted groups; " << tally.refused() << " groups refused; " << skippedFiles
              << " files skipped\n  refused by keyword:";
    for (const auto& [keyword, count] : tally.refusedByKeyword)
        std::cout << " " << keyword << " " << count << ";";
    std::cout << "\n";
    // Most of the suite must be checked, not refused: a checker that refused everything would pass the rest.
    EXPECT_GT(tally.cases, 300);
    EXPECT_GT(tally.groups - tally.refused(), tally.refused());
    EXPECT_LE(skippedFiles, 1);
}
