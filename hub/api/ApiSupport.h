// What every staff API handler shares: authentication scoped to the organisation in the path, the JSON
// shapes of times and refusals, and reading members of a request body.
#pragma once

#include "hub/audit/AuditLog.h"
#include "hub/batch/CsvReader.h"
#include "hub/http/Router.h"
#include "hub/staff/SignIn.h"
#include "hub/workflows/SelfBook.h"

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace clinhub::api {

using staff::ApiKeys;
using staff::Role;

struct RouteName {
    std::string method;
    std::string pattern;
    // What a key's role must grant to be let in, and the action's name in the audit log (the operation's
    // operationId in schemas/openapi.yaml): declared with the route, not part of what names it.
    Role needs = Role::viewer;
    std::string action;
    // A change whose workflow writes its success to the audit log in the change's own transaction; for the
    // others the guard writes it once the handler has succeeded.
    bool auditedByWorkflow = false;
    bool operator==(const RouteName& o) const { return method == o.method && pattern == o.pattern; }
    auto operator<=>(const RouteName& o) const { return std::tie(method, pattern) <=> std::tie(o.method, o.pattern); }
};

// Where every staff API route starts: an organisation's resources, for callers of that organisation only.
inline const std::string kOrganisationRoute = "/api/v1/organisations/{ods}";

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

// A boolean member, nullopt when absent; a member of another type is an error for `name`.
std::optional<bool> boolField(const Poco::JSON::Object::Ptr& from, const std::string& name,
                              std::vector<workflows::FieldError>& errors);

// An integer member, nullopt when absent; a member of another type is an error for `name`.
std::optional<int> intField(const Poco::JSON::Object::Ptr& from, const std::string& name,
                            std::vector<workflows::FieldError>& errors);

// An RFC 3339 date and time with its offset (`Z`, `+01:00`), in microseconds since the epoch; nullopt, with an
// error for `name`, when absent or anything else.
std::optional<int64_t> instantField(const Poco::JSON::Object::Ptr& from, const std::string& name,
                                    std::vector<workflows::FieldError>& errors);

// Digits only, at most nine of them; nullopt for anything else.
std::optional<int> wholeNumber(const std::string& text);

// A list's page size, ?limit=: 1 to 500, 100 when absent; else an error for `limit`.
int limitQuery(const http::Request& request, std::vector<workflows::FieldError>& errors);

// A staff API handler, told who is asking and as which action.
using StaffHandler = std::function<void(const audit::Context&, http::Request&, http::Response&)>;

// Runs `handler` for a caller (an API key, or a signed-in browser's session) of the organisation in the path
// ({ods}) whose role there grants the route's, and turns the services' refusals (InvalidRequest, NotFound) into 422 and
// 404. Anyone else gets 401, 403 naming the role needed, or the 404 of an unknown organisation. A refusal of a known
// key, and a change that fails, are written to the audit log; so is a change that succeeds, unless its
// workflow wrote that in the change's own transaction (route.auditedByWorkflow).
http::Handler guarded(staff::SignIn& signIn, audit::AuditLog& audit, const RouteName& route, StaffHandler handler);

// "/api/v1/organisations/{ods}/{collection}/{id}", percent-encoded: a created resource's Location.
std::string resourcePath(const std::string& ods, const std::string& collection, const std::string& id);

// A handler class's routes: each a method, pattern and role, and the member function serving it.
template <class Api> struct Route {
    RouteName name;
    void (Api::*method)(const audit::Context&, http::Request&, http::Response&);
};

template <class Api> std::vector<RouteName> namesOf(const std::vector<Route<Api>>& routes) {
    std::vector<RouteName> out;
    for (const auto& route : routes)
        out.push_back(route.name);
    return out;
}

// Serves every route through `api`, each guarded by staff sign-in and keys, and audited.
template <class Api>
void addRoutes(http::Router& router, staff::SignIn& signIn, audit::AuditLog& audit, std::shared_ptr<Api> api,
               const std::vector<Route<Api>>& routes) {
    for (const auto& route : routes)
        router.add(route.name.method, route.name.pattern,
                   guarded(signIn, audit, route.name,
                           [api, method = route.method](const audit::Context& by, http::Request& request,
                                                        http::Response& response) {
                               ((*api).*method)(by, request, response);
                           }));
}

} // namespace clinhub::api
