// Every staff API route with a key of each role: exactly the routes the role grants let the key in (403
// naming the role needed otherwise), as the route table declares and schemas/openapi.yaml documents. The
// operator's key opens the hub's routes and no practice's; no practice role opens the hub's.
#include "hub/api/BatchApi.h"
#include "hub/api/StaffApi.h"
#include "hub/api/VaccinationApi.h"
#include "tests/api/StaffApiFixture.h"
#include "tests/api/VaccinationFixture.h"

#include <gtest/gtest.h>

#include <set>

namespace clinhub::test {
namespace {

using staff::Role;

// The route's pattern with its organisation, and a made-up id for every other parameter.
std::string targetOf(const api::RouteName& route, const std::string& ods) {
    std::string target;
    for (std::size_t i = 0; i < route.pattern.size();) {
        if (route.pattern[i] != '{') {
            target += route.pattern[i++];
            continue;
        }
        const auto close = route.pattern.find('}', i);
        target += route.pattern.substr(i + 1, close - i - 1) == "ods" ? ods : "x1";
        i = close + 1;
    }
    return target;
}

// Calls each route with a key of each role; a key is let in exactly when its role grants the route's.
template <class Call>
void walk(const std::vector<api::RouteName>& routes, const std::string& ods, staff::ApiKeys& keys, Call call) {
    ASSERT_FALSE(routes.empty());
    for (const Role role : {Role::viewer, Role::staff, Role::admin, Role::hubOperator}) {
        const auto key = keys.create(role == Role::hubOperator ? staff::kEveryOrganisation : ods, "a key", 0, role).key;
        for (const auto& route : routes) {
            const auto reply = call(route.method, targetOf(route, ods), key);
            const std::string where = std::string(staff::toString(role)) + " " + route.method + " " + route.pattern;
            if (staff::grants(role, route.needs)) {
                EXPECT_NE(reply.status, 403) << where << ": " << reply.body;
                EXPECT_NE(reply.status, 401) << where;
            } else {
                EXPECT_EQ(reply.status, 403) << where;
                EXPECT_NE(reply.body.find("this needs the " + std::string(staff::toString(route.needs)) +
                                          " role; the API key has the " + std::string(staff::toString(role)) + " role"),
                          std::string::npos)
                    << where << ": " << reply.body;
            }
        }
    }
}

std::vector<api::RouteName> without(const std::vector<api::RouteName>& all,
                                    std::initializer_list<const std::vector<api::RouteName>*> others) {
    std::set<api::RouteName> exclude;
    for (const auto* routes : others)
        exclude.insert(routes->begin(), routes->end());
    std::vector<api::RouteName> out;
    for (const auto& route : all)
        if (!exclude.contains(route)) out.push_back(route);
    return out;
}

bool hubWide(const api::RouteName& route) { return route.pattern.starts_with("/api/v1/hub/"); }

bool adminOnly(const api::RouteName& route) {
    for (const char* admin : {"/audit", "/users", "/keys"})
        if (route.pattern.find(std::string("/api/v1/organisations/{ods}") + admin) == 0) return true;
    return false;
}

TEST(RouteRoles, ReadsNeedTheViewerRoleEveryChangeTheStaffRoleTheAuditTrailUsersAndKeysAnAdminAndTheHubAnOperator) {
    for (const auto& route : api::staffApiRoutes()) {
        const Role expected = hubWide(route)          ? Role::hubOperator
                              : adminOnly(route)      ? Role::admin
                              : route.method == "GET" ? Role::viewer
                                                      : Role::staff;
        EXPECT_EQ(route.needs, expected) << route.method << " " << route.pattern;
    }
}

class StaffRouteRoles : public StaffApiFixture {};

TEST_F(StaffRouteRoles, EachRoleGetsExactlyTheLinkMessageBatchUserAndHubRoutesItGrants) {
    const auto routes = without(api::staffApiRoutes(), {&api::vaccinationApiRoutes()});
    walk(routes, "A12345", *keys, [this](const std::string& method, const std::string& target, const std::string& key) {
        return call(method, target, key, "{}");
    });
}

class VaccinationRouteRoles : public VaccinationApi {};

TEST_F(VaccinationRouteRoles, EachRoleGetsExactlyTheCampaignRoutesItGrants) {
    walk(api::vaccinationApiRoutes(), "V12345", *keys,
         [this](const std::string& method, const std::string& target, const std::string& key) {
             return request(server->port(), method, target, key, "{}", "application/json");
         });
}

} // namespace
} // namespace clinhub::test
