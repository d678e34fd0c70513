// config/reference.yaml is the sysadmin's example of every key. These tests keep it, the published
// schema and the loader in step: a key added to the schema but not documented there fails here.
#include "hub/config/Schema.h"
#include "hub/host/PluginHost.h"
#include "tests/config/LoaderTestSupport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

using namespace clinhub::config;
using namespace clinhub::config::testing;

namespace {

const std::string kReference = std::string(CLINHUB_SOURCE_DIR) + "/config/reference.yaml";

Environment referenceEnvironment() {
    return fakeEnvironment(
        {{"NOTIFY_API_KEY", "reference_test-8b3a6b6e-5f7d-4d1c-9d0e-3f2a1c4b5d6e-c2f0e1d4-7a9b-4c3e-8f1a-2b3c4d5e6f70"},
         {"NOTIFY_CALLBACK_TOKEN", "callback-token-test"},
         {"SMS_GATEWAY_TOKEN", "token-test"},
         {"SMTP_PASSWORD", "password-test"}});
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

// Every property path the schema declares; "*" stands for a key matched by a pattern (a connector's
// name, an ODS code, a rule id).
void schemaPaths(const Schema& schema, Schema::Node s, const std::string& path, std::set<std::string>& out,
                 int depth = 0) {
    s = schema.resolve(s);
    if (!s || depth > 16) return;
    if (Schema::Node properties = s->getObject("properties"))
        for (const auto& key : properties->getNames()) {
            out.insert(join(path, key));
            schemaPaths(schema, properties->getObject(key), join(path, key), out, depth + 1);
        }
    if (Schema::Node patterns = s->getObject("patternProperties"))
        for (const auto& pattern : patterns->getNames()) {
            out.insert(join(path, "*"));
            schemaPaths(schema, patterns->getObject(pattern), join(path, "*"), out, depth + 1);
        }
    if (s->isObject("items")) schemaPaths(schema, s->getObject("items"), path, out, depth + 1);
}

// Every property path the document sets, in the schema's terms, with the line of each key.
void documentPaths(const Schema& schema, const YamlNode& node, Schema::Node s, const std::string& path,
                   std::multimap<std::string, int>& out) {
    for (const auto& entry : node.entries) {
        bool declared = false;
        Schema::Node child = s ? schema.propertySchema(s, entry.key, &declared) : s;
        const std::string childPath = join(path, declared ? entry.key : "*");
        out.emplace(childPath, entry.keyMark.line);
        documentPaths(schema, entry.value, child, childPath, out);
    }
    for (const auto& item : node.items)
        documentPaths(schema, item, s ? schema.itemSchema(s) : s, path, out);
}

// The shipped plugins as they really are, and stand-ins for those not written yet, so the reference
// can never drift from a real plugin's schema.
class ShippedThenFake : public PluginCatalog {
public:
    ShippedThenFake() { host_.loadDirectory(CLINHUB_PLUGIN_DIR); }
    [[nodiscard]] const PluginInfo* find(const std::string& name) const override {
        const PluginInfo* shipped = host_.find(name);
        return shipped != nullptr ? shipped : fakes_.find(name);
    }
    [[nodiscard]] std::vector<std::string> names() const override { return fakes_.names(); }
    [[nodiscard]] bool ships(const std::string& name) const { return host_.find(name) != nullptr; }

private:
    clinhub::host::PluginHost host_;
    FakeCatalog fakes_ = standardCatalog();
};

} // namespace

TEST(ConfigReference, TheShippedPluginsItNamesAreCheckedForReal) {
    const ShippedThenFake catalog;
    EXPECT_TRUE(catalog.ships("local-book"));
    EXPECT_TRUE(catalog.ships("outbox-file"));
}

TEST(ConfigReference, LoadsWithNoProblems) {
    const ShippedThenFake catalog;
    const LoadResult result = loadConfig(kReference, catalog, referenceEnvironment());
    EXPECT_THAT(problems(result), ::testing::IsEmpty());
    ASSERT_TRUE(result.config);
    EXPECT_EQ(result.config->organisations.size(), 1u);
    EXPECT_EQ(result.config->connectors.size(), 6u);
    EXPECT_TRUE(result.config->connectors.at("nhs-app").cascades) << "NHS Notify's plan 0006 falls back itself";
}

TEST(ConfigReference, SetsEveryPropertyTheSchemaDeclares) {
    const Schema schema = Schema::parse(hubSchema());
    std::set<std::string> declared;
    schemaPaths(schema, schema.root(), "", declared);
    std::vector<Diagnostic> parseProblems;
    const auto document = parseYaml(readFile(kReference), kReference, referenceEnvironment(), parseProblems);
    ASSERT_TRUE(document);
    std::multimap<std::string, int> written;
    documentPaths(schema, *document, schema.root(), "", written);

    std::vector<std::string> missing;
    for (const auto& path : declared)
        if (!written.count(path)) missing.push_back(path);
    EXPECT_THAT(missing, ::testing::IsEmpty()) << "add these to config/reference.yaml, each with a comment";
    EXPECT_GT(declared.size(), 50u); // the walk really went through the schema
}

TEST(ConfigReference, ExplainsEverySchemaKeyInACommentAboveIt) {
    const Schema schema = Schema::parse(hubSchema());
    std::vector<Diagnostic> parseProblems;
    const std::string text = readFile(kReference);
    const auto document = parseYaml(text, kReference, referenceEnvironment(), parseProblems);
    ASSERT_TRUE(document);
    std::multimap<std::string, int> written;
    documentPaths(schema, *document, schema.root(), "", written);
    std::set<std::string> declared;
    schemaPaths(schema, schema.root(), "", declared);

    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    auto commentAbove = [&](int line) {
        if (line < 2) return false;
        const std::string& above = lines[static_cast<std::size_t>(line - 2)];
        const auto start = above.find_first_not_of(' ');
        return start != std::string::npos && above[start] == '#';
    };
    // Keys named by the schema need explaining once; names the sysadmin chose (connectors, ODS codes,
    // rule ids) and plugin sections are explained by the comments of their parents.
    std::vector<std::string> unexplained;
    for (const auto& path : declared) {
        if (path.back() == '*') continue;
        auto [begin, end] = written.equal_range(path);
        if (begin != end && std::none_of(begin, end, [&](auto& p) { return commentAbove(p.second); }))
            unexplained.push_back(path);
    }
    EXPECT_THAT(unexplained, ::testing::IsEmpty());
}

TEST(ConfigReference, UsesEnvironmentVariablesForEverySecret) {
    const std::string text = readFile(kReference);
    for (const std::string key : {"api_key:", "token:", "password:"}) {
        const auto at = text.find(key);
        ASSERT_NE(at, std::string::npos) << key;
        EXPECT_EQ(text.compare(at + key.size(), 3, " ${"), 0) << key << " should take its value from ${VAR}";
    }
}

TEST(ConfigReference, IsReportedInFileOrderWhenBroken) {
    // The reference doubles as a fixture: breaking two of its values yields both, in file order.
    std::string text = readFile(kReference);
    text.replace(text.find("threads: 16"), 11, "threads: lots");
    text.replace(text.find("sms: [notify, backup-sms]"), 25, "sms: [notify, backup-smss]");
    const ShippedThenFake catalog;
    const LoadResult result = loadConfigText(text, kReference, catalog, referenceEnvironment());
    ASSERT_EQ(result.problems.size(), 2u);
    EXPECT_NE(result.problems[0].message.find("expected an integer, got 'lots'"), std::string::npos);
    EXPECT_EQ(result.problems[1].message, "unknown connector 'backup-smss'; did you mean 'backup-sms'?");
    EXPECT_LT(result.problems[0].mark.line, result.problems[1].mark.line);
}

TEST(ConfigHubSchema, EveryPropertyHasADescription) {
    // yaml-language-server shows descriptions on hover: a property without one leaves the sysadmin guessing.
    const Schema schema = Schema::parse(hubSchema());
    std::vector<std::string> undescribed;
    std::function<void(Schema::Node, const std::string&, int)> walk = [&](Schema::Node s, const std::string& path,
                                                                          int depth) {
        if (!s || depth > 16) return;
        if (!s->has("description") && !schema.resolve(s)->has("description")) undescribed.push_back(path);
        s = schema.resolve(s);
        if (Schema::Node properties = s->getObject("properties"))
            for (const auto& key : properties->getNames())
                walk(properties->getObject(key), join(path, key), depth + 1);
        if (Schema::Node patterns = s->getObject("patternProperties"))
            for (const auto& pattern : patterns->getNames())
                walk(patterns->getObject(pattern), join(path, "*"), depth + 1);
        if (s->isObject("items")) walk(s->getObject("items"), path + "[]", depth + 1);
    };
    walk(schema.root(), "(root)", 0);
    EXPECT_THAT(undescribed, ::testing::IsEmpty());
}
