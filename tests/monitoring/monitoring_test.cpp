// The alert rules and the dashboard in docs/monitoring: promtool accepts the rules and passes their unit
// tests, and every metric they name is one a real `clinhub serve` exports, so neither goes quietly blank
// when a metric is renamed.
#include "tests/cli/HubProcess.h"
#include "tests/http/Exposition.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <yaml-cpp/yaml.h>

#include <gtest/gtest.h>

#include <cctype>
#include <set>

namespace {

using clinhub::test::HubProcess;
using clinhub::test::TempDir;

const std::string kDir = std::string(CLINHUB_SOURCE_DIR) + "/docs/monitoring/";

// Runs promtool with `args` in docs/monitoring; its exit code, and what it printed in `out`.
int promtool(const std::string& args, std::string& out, const TempDir& dir) {
    const std::string log = dir.file("promtool.out");
    const std::string command = "cd '" + kDir + "' && '" + PROMTOOL + "' " + args + " >'" + log + "' 2>&1";
    const int rc = std::system(command.c_str());
    std::ifstream in(log);
    std::stringstream s;
    s << in.rdbuf();
    out = s.str();
    return rc;
}

// Every clinhub_ metric name in a PromQL expression (names of other exporters, such as up, are not ours).
void metricNames(const std::string& expr, std::set<std::string>& names) {
    const std::string prefix = "clinhub_";
    for (auto at = expr.find(prefix); at != std::string::npos; at = expr.find(prefix, at + 1)) {
        if (at > 0 && (std::isalnum(static_cast<unsigned char>(expr[at - 1])) != 0 || expr[at - 1] == '_')) continue;
        auto end = at;
        while (end < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[end])) != 0 || expr[end] == '_'))
            ++end;
        names.insert(expr.substr(at, end - at));
    }
}

// The strings of a dashboard where queries live: every target's expr and every variable's query.
void dashboardQueries(const Poco::Dynamic::Var& value, std::set<std::string>& names, int& queries) {
    if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
        const auto& object = value.extract<Poco::JSON::Object::Ptr>();
        for (const auto& [key, member] : *object) {
            if ((key == "expr" || key == "definition" || key == "query") && member.isString()) {
                metricNames(member.toString(), names);
                ++queries;
            } else {
                dashboardQueries(member, names, queries);
            }
        }
    } else if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
        for (const auto& item : *value.extract<Poco::JSON::Array::Ptr>())
            dashboardQueries(item, names, queries);
    }
}

// The names a scrape may carry: each family's, and a histogram's _bucket, _sum and _count.
std::set<std::string> exported(const std::string& exposition) {
    std::set<std::string> names;
    const auto parsed = clinhub::testing::parseExposition(exposition);
    for (const auto& [name, type] : parsed.types) {
        names.insert(name);
        if (type == "histogram")
            for (const char* suffix : {"_bucket", "_sum", "_count"})
                names.insert(name + suffix);
    }
    return names;
}

TEST(Monitoring, PromtoolAcceptsTheAlertRulesAndTheirUnitTestsPass) {
    ASSERT_STRNE(PROMTOOL, "") << "promtool is missing: scripts/setup installs it (Debian's prometheus package)";
    TempDir dir;
    std::string out;
    EXPECT_EQ(promtool("check rules clinhub-alerts.yml", out, dir), 0) << out;
    EXPECT_EQ(promtool("test rules clinhub-alerts.test.yml", out, dir), 0) << out;
}

TEST(Monitoring, EveryMetricTheAlertsAndTheDashboardNameIsOneAServedHubExports) {
    std::set<std::string> named;
    const YAML::Node rules = YAML::LoadFile(kDir + "clinhub-alerts.yml");
    int alerts = 0;
    for (const auto& group : rules["groups"])
        for (const auto& rule : group["rules"]) {
            metricNames(rule["expr"].as<std::string>(), named);
            ++alerts;
        }
    EXPECT_GE(alerts, 7);

    std::ifstream file(kDir + "clinhub-dashboard.json");
    Poco::Dynamic::Var dashboard;
    ASSERT_NO_THROW(dashboard = Poco::JSON::Parser().parse(file)) << "the dashboard is not JSON";
    const auto root = dashboard.extract<Poco::JSON::Object::Ptr>();
    EXPECT_FALSE(root->getValue<std::string>("title").empty());
    ASSERT_TRUE(root->getArray("panels"));
    int queries = 0;
    dashboardQueries(dashboard, named, queries);
    EXPECT_GE(queries, 12);

    // A hub whose book, connector and outbox have all had work, so that every family has samples too.
    TempDir dir;
    const std::string path = writeEmbeddedConfig(dir, "", "  admin_listen: 127.0.0.1:0\n");
    std::string why;
    const auto key = clinhub::test::createKey(path, "A12345", dir, why);
    ASSERT_FALSE(key.empty()) << why;
    HubProcess hub(path, dir);
    ASSERT_TRUE(hub.started()) << hub.log();
    EXPECT_EQ(hub.get(hub.adminPort(), "/api/v1/organisations/A12345/slot-types", key).status, 200);
    const auto scrape = hub.get(hub.adminPort(), "/metrics").body;
    const auto names = exported(scrape);
    for (const auto& name : named)
        EXPECT_TRUE(names.contains(name)) << name << " is named in docs/monitoring but the hub exports no such metric";
    EXPECT_NE(scrape.find("clinhub_connector_call_duration_seconds_count{connector=\"book\""), std::string::npos)
        << scrape;
}

} // namespace
