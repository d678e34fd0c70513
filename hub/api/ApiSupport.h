// What every staff API handler shares: authentication scoped to the organisation in the path, the JSON
// shapes of times and refusals, and reading members of a request body.
#pragma once

#include "hub/batch/CsvReader.h"
#include "hub/http/Router.h"
#include "hub/staff/ApiKeys.h"
#include "hub/workflows/SelfBook.h"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace clinhub::api {

using staff::ApiKeys;
using staff::Role;

struct RouteName {
    std::string method;
    std::string pattern;
    // What a key's role must grant to be let in: declared with the route, not part of what names it.
    Role needs = Role::viewer;
    bool operator==(const RouteName& o) const { return method == o.method && pattern == o.pattern; }
    auto operator<=>(const RouteName& o) const { return std::tie(method, pattern) <=> std::tie(o.method, o.pattern); }
};

// Both unknown organisations and other organisations' ODS codes get this, word for word.
inline constexpr const char* kNoOrganisation = "no such organisation";

std::string isoUtc(int64_t micros);
// A JSON object that keeps its keys in the order they are set.
Poco::JSON::Object::Ptr object();

// 422 as a problem body (RFC 9457) with an `errors` extension listing every field at fault.
void unprocessable(const http::Request& request, http::Response& response,
                   const std::vector<workflows::FieldError>& errors);

// 422 for an uploaded file refused as a whole, naming its row and line (a problem body with `row`, `line`).
void fileRefused(const http::Request& request, http::Response& response, const batch::FileError& error);

// A string member, "" when absent; a member of another type is an error for `field`.
std::string stringField(const Poco::JSON::Object::Ptr& from, const std::string& name, const std::string& field,
                        std::vector<workflows::FieldError>& errors);

// Runs `handler` for a caller whose key belongs to the organisation in the path ({ods}) and has a role that
// grants `needs`, and turns the services' refusals (InvalidRequest, NotFound) into 422 and 404. Anyone else
// gets 401, 403 naming the role needed, or the 404 of an unknown organisation.
http::Handler guarded(ApiKeys& keys, Role needs, http::Handler handler);

// "/api/v1/organisations/{ods}/{collection}/{id}", percent-encoded: a created resource's Location.
std::string resourcePath(const std::string& ods, const std::string& collection, const std::string& id);

// A handler class's routes: each a method, pattern and role, and the member function serving it.
template <class Api> struct Route {
    RouteName name;
    void (Api::*method)(http::Request&, http::Response&);
};

template <class Api> std::vector<RouteName> namesOf(const std::vector<Route<Api>>& routes) {
    std::vector<RouteName> out;
    for (const auto& route : routes)
        out.push_back(route.name);
    return out;
}

// Serves every route through `api`, each guarded by the staff keys.
template <class Api>
void addRoutes(http::Router& router, ApiKeys& keys, std::shared_ptr<Api> api, const std::vector<Route<Api>>& routes) {
    for (const auto& route : routes)
        router.add(route.name.method, route.name.pattern,
                   guarded(keys, route.name.needs,
                           [api, method = route.method](http::Request& request, http::Response& response) {
                               ((*api).*method)(request, response);
                           }));
}

} // namespace clinhub::api
