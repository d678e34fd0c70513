// schemas/openapi.yaml must describe exactly the routes addStaffApi registers, and hold together.
#include "hub/api/StaffApi.h"

#include <Poco/String.h>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iterator>
#include <map>
#include <set>

namespace clinhub::test {
namespace {

const std::set<std::string> kMethods{"get", "put", "post", "delete", "options", "head", "patch", "trace"};

class OpenApi : public ::testing::Test {
protected:
    void SetUp() override { doc = YAML::LoadFile(CLINHUB_OPENAPI); }

    std::set<api::RouteName> documented() const {
        std::set<api::RouteName> out;
        for (const auto& path : doc["paths"])
            for (const auto& item : path.second) {
                const auto key = item.first.as<std::string>();
                if (kMethods.contains(key)) out.insert({Poco::toUpper(key), path.first.as<std::string>()});
            }
        return out;
    }

    // Every operation, with where it is for messages.
    template <class Visit> void eachOperation(Visit visit) const {
        for (const auto& path : doc["paths"])
            for (const auto& item : path.second) {
                const auto key = item.first.as<std::string>();
                if (kMethods.contains(key)) visit(key + " " + path.first.as<std::string>(), item.second);
            }
    }

    YAML::Node doc;
};

TEST_F(OpenApi, IsOpenApi31WithABearerKeyOrASessionCookie) {
    EXPECT_TRUE(doc["openapi"].as<std::string>().starts_with("3.1")) << doc["openapi"].as<std::string>();
    const auto scheme = doc["components"]["securitySchemes"]["apiKey"];
    ASSERT_TRUE(scheme);
    EXPECT_EQ(scheme["type"].as<std::string>(), "http");
    EXPECT_EQ(scheme["scheme"].as<std::string>(), "bearer");
    ASSERT_TRUE(doc["security"] && doc["security"].IsSequence());
    EXPECT_TRUE(doc["security"][0]["apiKey"]) << "every operation needs the key";
    const auto session = doc["components"]["securitySchemes"]["staffSession"];
    ASSERT_TRUE(session) << "or a signed-in session";
    EXPECT_EQ(session["in"].as<std::string>(), "cookie");
    EXPECT_EQ(session["name"].as<std::string>(), std::string(staff::Sessions::kCookie));
    EXPECT_TRUE(doc["security"][1]["staffSession"]);
}

TEST_F(OpenApi, EveryRegisteredRouteIsDocumented) {
    const auto paths = documented();
    for (const auto& route : api::staffApiRoutes())
        EXPECT_TRUE(paths.contains(route)) << route.method << " " << route.pattern << " is not in openapi.yaml";
}

TEST_F(OpenApi, EveryDocumentedRouteIsRegistered) {
    const auto& routes = api::staffApiRoutes();
    const std::set<api::RouteName> registered(routes.begin(), routes.end());
    for (const auto& route : documented())
        EXPECT_TRUE(registered.contains(route))
            << route.method << " " << route.pattern << " is documented but not served";
}

TEST_F(OpenApi, EveryRouteDocumentsTheRoleItNeeds) {
    std::map<api::RouteName, std::string> documentedRoles;
    for (const auto& path : doc["paths"])
        for (const auto& item : path.second) {
            const auto key = item.first.as<std::string>();
            if (kMethods.contains(key) && item.second["x-clinhub-role"])
                documentedRoles[{Poco::toUpper(key), path.first.as<std::string>()}] =
                    item.second["x-clinhub-role"].as<std::string>();
        }
    for (const auto& route : api::staffApiRoutes()) {
        const auto documented = documentedRoles.find(route);
        ASSERT_NE(documented, documentedRoles.end()) << route.method << " " << route.pattern << ": no x-clinhub-role";
        EXPECT_EQ(documented->second, staff::toString(route.needs)) << route.method << " " << route.pattern;
    }
}

TEST_F(OpenApi, EveryOperationDocumentsAuthAndScopeFailures) {
    std::set<std::string> ids;
    eachOperation([&](const std::string& where, const YAML::Node& op) {
        ASSERT_TRUE(op["operationId"]) << where;
        EXPECT_TRUE(ids.insert(op["operationId"].as<std::string>()).second) << where << ": duplicate operationId";
        EXPECT_TRUE(op["responses"]["401"]) << where;
        EXPECT_TRUE(op["responses"]["403"]) << where << ": a key whose role does not grant the operation gets 403";
        if (where.find("{ods}") != std::string::npos)
            EXPECT_TRUE(op["responses"]["404"]) << where << ": another organisation's key gets 404";
        EXPECT_FALSE(op["security"]) << where << ": no operation may opt out of the key";
    });
}

void collectRefs(const YAML::Node& node, std::vector<std::string>& refs) {
    if (node.IsMap()) {
        for (const auto& item : node) {
            if (item.first.as<std::string>() == "$ref") refs.push_back(item.second.as<std::string>());
            collectRefs(item.second, refs);
        }
    } else if (node.IsSequence()) {
        for (const auto& item : node)
            collectRefs(item, refs);
    }
}

TEST_F(OpenApi, EveryReferenceResolves) {
    std::vector<std::string> refs;
    collectRefs(doc, refs);
    ASSERT_FALSE(refs.empty());
    for (const auto& ref : refs) {
        ASSERT_TRUE(ref.starts_with("#/")) << ref;
        // reset(), not operator=: yaml-cpp's assignment would overwrite the document's nodes.
        YAML::Node node;
        node.reset(doc);
        std::size_t at = 2;
        while (at <= ref.size()) {
            const auto slash = ref.find('/', at);
            const auto part = ref.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
            const YAML::Node& parent = node;
            const YAML::Node child = parent[part];
            ASSERT_TRUE(child) << ref << ": no " << part;
            node.reset(child);
            if (slash == std::string::npos) break;
            at = slash + 1;
        }
    }
}

TEST_F(OpenApi, ExamplesUseTestPatientData) {
    std::ifstream in(CLINHUB_OPENAPI);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    EXPECT_NE(text.find("9995260182"), std::string::npos);
    EXPECT_NE(text.find("+447700900123"), std::string::npos);
}

} // namespace
} // namespace clinhub::test
