#include "hub/api/OperatorApi.h"

#include "hub/api/Memberships.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include <memory>

namespace clinhub::api {
namespace {

const std::string kHub = "/api/v1/hub";
const std::string kOrganisations = kHub + "/organisations";
const std::string kAdmins = kOrganisations + "/{ods}/admins";

using http::Request;
using http::Response;
using Poco::JSON::Array;
using Poco::JSON::Object;
using staff::Role;
using workflows::FieldError;

Array::Ptr arrayOf(const std::vector<std::string>& words) {
    Array::Ptr out = new Array;
    for (const auto& word : words)
        out->add(word);
    return out;
}

Object::Ptr routeJson(const config::Route& route) {
    auto out = object();
    out->set("appointment_book", route.appointmentBook);
    out->set("sms", arrayOf(route.sms));
    out->set("email", route.email);
    out->set("immunisations", route.immunisations);
    out->set("nhs_app", route.nhsApp);
    return out;
}

Object::Ptr countsJson(const std::map<std::string, int64_t>& byState) {
    auto out = object();
    for (const auto& [state, count] : byState)
        out->set(state, count);
    return out;
}

Object::Ptr adminJson(const staff::User& user) {
    auto out = object();
    out->set("id", user.id);
    out->set("name", user.name);
    out->set("email", user.email);
    out->set("status", user.active ? "active" : "disabled");
    out->set("created_at", isoUtc(user.createdAt));
    return out;
}

bool isAdmin(const staff::User& user, const std::string& ods) {
    const auto held = user.roles.find(ods);
    return held != user.roles.end() && held->second == Role::admin;
}

class OperatorApi {
public:
    explicit OperatorApi(const OperatorServices& services)
        : services_(services), memberships_(services.store, services.current, services.signIn) {}

    void listOrganisations(const audit::Context& /*by*/, Request& /*request*/, Response& response) {
        const auto runtime = services_.current.get();
        Array::Ptr list = new Array;
        for (const auto& [ods, organisation] : runtime->config().organisations) {
            auto item = object();
            item->set("ods", ods);
            item->set("name", organisation.name);
            item->set("route", routeJson(organisation.route));
            int admins = 0;
            for (const auto& user : services_.signIn.users().list(ods))
                admins += user.active && isAdmin(user, ods) ? 1 : 0;
            item->set("active_admins", admins);
            item->set("outbox", countsJson(services_.outbox.countByState(ods)));
            list->add(item);
        }
        auto body = object();
        body->set("organisations", list);
        response.json(body);
    }

    void listAdmins(const audit::Context& /*by*/, Request& request, Response& response) {
        const auto& ods = known(request);
        Array::Ptr list = new Array;
        for (const auto& user : services_.signIn.users().list(ods))
            if (isAdmin(user, ods)) list->add(adminJson(user));
        auto body = object();
        body->set("admins", list);
        response.json(body);
    }

    // Someone who already works here is made its admin; anyone else is invited by email as one.
    void addAdmin(const audit::Context& by, Request& request, Response& response) {
        const auto& ods = known(request);
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        const auto name = stringField(body, "name", "name", errors);
        const auto email = Poco::toLower(Poco::trim(stringField(body, "email", "email", errors)));
        if (const auto problem = staff::emailProblem(email); !problem.empty()) errors.push_back({"email", problem});
        const auto existing = services_.signIn.users().byEmail(email);
        const bool member = existing && existing->roles.contains(ods);
        if (!member)
            if (const auto problem = staff::nameProblem(name); !problem.empty()) errors.push_back({"name", problem});
        if (!errors.empty()) return unprocessable(request, response, errors);
        try {
            if (member) {
                if (isAdmin(*existing, ods)) return response.problem(409, "this user is already an admin here");
                memberships_.change(by, ods, *existing, Role::admin);
                auto out = adminJson(*existing);
                out->set("invited", false);
                return response.json(out);
            }
            if (const auto why = memberships_.cannotEmail(ods); !why.empty()) return response.problem(422, why);
            const auto invited = memberships_.invite(by, ods, name, email, Role::admin);
            auto out = adminJson(invited.user);
            out->set("invited", invited.emailed);
            response.json(out, 201);
            response.header("Location", kHub + "/organisations/" + ods + "/admins/" + invited.user.id);
        } catch (const MembershipConflict& e) {
            response.problem(409, e.what());
        }
    }

    // The user keeps any other organisation's role; here they hold none after this.
    void removeAdmin(const audit::Context& by, Request& request, Response& response) {
        const auto& ods = known(request);
        const auto user = services_.signIn.users().byId(request.param("id"));
        if (!user || !isAdmin(*user, ods)) throw workflows::NotFound("no such admin");
        try {
            memberships_.withdraw(by, ods, *user);
        } catch (const MembershipConflict& e) {
            return response.problem(409, e.what());
        }
        response.status(204);
    }

    // Counts only: the bodies are patients' messages.
    void outboxSummary(const audit::Context& /*by*/, Request& /*request*/, Response& response) {
        const auto runtime = services_.current.get();
        Array::Ptr byOrganisation = new Array;
        for (const auto& [ods, organisation] : runtime->config().organisations) {
            auto item = object();
            item->set("ods", ods);
            item->set("outbox", countsJson(services_.outbox.countByState(ods)));
            byOrganisation->add(item);
        }
        auto body = object();
        body->set("total", countsJson(services_.outbox.countByState()));
        body->set("organisations", byOrganisation);
        response.json(body);
    }

    void listPlugins(const audit::Context& /*by*/, Request& /*request*/, Response& response) {
        Array::Ptr loaded = new Array;
        for (const auto* plugin : services_.plugins.loaded()) {
            auto item = object();
            item->set("name", plugin->info.name);
            item->set("version", plugin->version);
            item->set("description", plugin->description);
            std::vector<std::string> kinds;
            for (const auto kind : plugin->info.kinds)
                kinds.emplace_back(config::toString(kind));
            item->set("kinds", arrayOf(kinds));
            item->set("path", plugin->path);
            loaded->add(item);
        }
        Array::Ptr refused = new Array;
        for (const auto& refusal : services_.plugins.refused()) {
            auto item = object();
            item->set("path", refusal.path);
            item->set("reason", refusal.reason);
            refused->add(item);
        }
        Array::Ptr connectors = new Array;
        for (const auto& [name, connector] : services_.current.get()->config().connectors) {
            auto item = object();
            item->set("name", name);
            item->set("plugin", connector.plugin);
            connectors->add(item);
        }
        auto body = object();
        body->set("plugins", loaded);
        body->set("refused", refused);
        body->set("connectors", connectors);
        response.json(body);
    }

private:
    // The path's organisation, when the config serves it.
    const std::string& known(const Request& request) const {
        const auto& ods = request.param("ods");
        if (!services_.current.get()->config().organisations.contains(ods)) throw workflows::NotFound(kNoOrganisation);
        return ods;
    }

    OperatorServices services_;
    Memberships memberships_;
};

const std::vector<Route<OperatorApi>>& table() {
    static const std::vector<Route<OperatorApi>> all{
        {{"GET", kOrganisations, Role::hubOperator, "listOrganisations"}, &OperatorApi::listOrganisations},
        {{"GET", kAdmins, Role::hubOperator, "listAdmins"}, &OperatorApi::listAdmins},
        {{"POST", kAdmins, Role::hubOperator, "addAdmin", true}, &OperatorApi::addAdmin},
        {{"DELETE", kAdmins + "/{id}", Role::hubOperator, "removeAdmin", true}, &OperatorApi::removeAdmin},
        {{"GET", kHub + "/outbox", Role::hubOperator, "outboxSummary"}, &OperatorApi::outboxSummary},
        {{"GET", kHub + "/plugins", Role::hubOperator, "listPlugins"}, &OperatorApi::listPlugins},
    };
    return all;
}

} // namespace

const std::vector<RouteName>& operatorApiRoutes() {
    static const std::vector<RouteName> names = namesOf(table());
    return names;
}

void addOperatorApi(http::Router& router, const OperatorServices& services) {
    addRoutes(router, services.signIn, services.audit, std::make_shared<OperatorApi>(services), table());
}

} // namespace clinhub::api
