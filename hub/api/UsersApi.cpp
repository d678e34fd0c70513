#include "hub/api/UsersApi.h"

#include "hub/api/Memberships.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>

#include <memory>

namespace clinhub::api {
namespace {

const std::string kUsers = kOrganisationRoute + "/users";
const std::string kUser = kUsers + "/{id}";
const std::string kKeys = kOrganisationRoute + "/keys";

// Users of other organisations get this too: an admin learns nothing of who works elsewhere.
constexpr const char* kNoUser = "no such user";

using http::Request;
using http::Response;
using Poco::JSON::Array;
using Poco::JSON::Object;
using workflows::FieldError;

std::string roleText(Role role) { return std::string(staff::toString(role)); }

// Times a key may not have yet (last used, expiry, revoked) are null rather than 1970.
Poco::Dynamic::Var timeOrNull(int64_t micros) {
    return micros == 0 ? Poco::Dynamic::Var() : Poco::Dynamic::Var(isoUtc(micros));
}

// A user as an admin sees them: never a password or its hash, and only their role here.
Object::Ptr userJson(const staff::User& user, const std::string& ods) {
    auto out = object();
    out->set("id", user.id);
    out->set("name", user.name);
    out->set("email", user.email);
    out->set("status", user.active ? "active" : "disabled");
    out->set("role", roleText(user.roles.at(ods)));
    out->set("created_at", isoUtc(user.createdAt));
    return out;
}

// A key as an admin sees it: never the key, never its hash.
Object::Ptr keyJson(const staff::ApiKeyRecord& key) {
    auto out = object();
    out->set("id", key.id);
    out->set("name", key.name);
    out->set("role", roleText(key.role));
    out->set("user_id", key.userId.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(key.userId));
    out->set("created_at", isoUtc(key.createdAt));
    out->set("last_used_at", timeOrNull(key.lastUsedAt));
    out->set("expires_at", timeOrNull(key.expiresAt));
    out->set("revoked_at", timeOrNull(key.revokedAt));
    return out;
}

// The request's `role`, as a field error when it is missing or not a practice role.
std::optional<Role> roleField(const Object::Ptr& body, std::vector<FieldError>& errors) {
    std::vector<FieldError> mine;
    const auto role = practiceRole(stringField(body, "role", "role", mine));
    if (!role && mine.empty()) mine.push_back({"role", "role must be viewer, staff or admin"});
    errors.insert(errors.end(), mine.begin(), mine.end());
    return role;
}

class UsersApi {
public:
    UsersApi(store::Store& store, runtime::Current& current, staff::SignIn& signIn)
        : signIn_(signIn), memberships_(store, current, signIn), keys_(store, signIn) {}

    void listUsers(const audit::Context& /*by*/, Request& request, Response& response) {
        const auto& ods = request.param("ods");
        Array::Ptr list = new Array;
        for (const auto& user : signIn_.users().list(ods))
            list->add(userJson(user, ods));
        auto body = object();
        body->set("users", list);
        response.json(body);
    }

    void getUser(const audit::Context& /*by*/, Request& request, Response& response) {
        response.json(userJson(member(request), request.param("ods")));
    }

    // A new user, or an existing one (by email) given a role here; invited by email while they have no
    // password. The user, their role, the link, its email and the audit entry commit together or not at all.
    void inviteUser(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        const auto name = stringField(body, "name", "name", errors);
        const auto email = Poco::toLower(Poco::trim(stringField(body, "email", "email", errors)));
        if (const auto problem = staff::nameProblem(name); !problem.empty()) errors.push_back({"name", problem});
        if (const auto problem = staff::emailProblem(email); !problem.empty()) errors.push_back({"email", problem});
        const auto role = roleField(body, errors);
        if (!errors.empty()) return unprocessable(request, response, errors);

        const auto& ods = request.param("ods");
        if (const auto why = memberships_.cannotEmail(ods); !why.empty()) return response.problem(422, why);
        try {
            const auto invited = memberships_.invite(by, ods, name, email, *role);
            auto out = userJson(invited.user, ods);
            out->set("invited", invited.emailed);
            response.json(out, 201);
            response.header("Location", resourcePath(ods, "users", invited.user.id));
        } catch (const MembershipConflict& e) {
            response.problem(409, std::string(e.what()) + ": change it with PUT …/users/{id}/role");
        }
    }

    void changeRole(const audit::Context& by, Request& request, Response& response) {
        const auto user = member(request);
        const auto body = request.jsonObject();
        std::vector<FieldError> errors;
        const auto role = roleField(body, errors);
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto& ods = request.param("ods");
        try {
            memberships_.change(by, ods, user, *role);
        } catch (const MembershipConflict& e) {
            return response.problem(409, e.what());
        }
        auto changed = user;
        changed.roles[ods] = *role;
        response.json(userJson(changed, ods));
    }

    void withdrawRole(const audit::Context& by, Request& request, Response& response) {
        const auto user = member(request);
        try {
            memberships_.withdraw(by, request.param("ods"), user);
        } catch (const MembershipConflict& e) {
            return response.problem(409, e.what());
        }
        response.status(204);
    }

    // A fresh link by email, which also resets a forgotten password; the earlier link stops working.
    void resendInvitation(const audit::Context& by, Request& request, Response& response) {
        const auto user = member(request);
        const auto& ods = request.param("ods");
        if (const auto why = memberships_.cannotEmail(ods); !why.empty()) return response.problem(422, why);
        memberships_.resend(by, ods, user);
        auto out = userJson(user, ods);
        out->set("invited", true);
        response.json(out);
    }

    void listKeys(const audit::Context& /*by*/, Request& request, Response& response) {
        Array::Ptr list = new Array;
        for (const auto& key : signIn_.keys().list(request.param("ods")))
            list->add(keyJson(key));
        auto body = object();
        body->set("keys", list);
        response.json(body);
    }

    // The key is in this reply only: the store keeps its hash.
    void createKey(const audit::Context& by, Request& request, Response& response) {
        const auto body = request.jsonObject();
        const auto& ods = request.param("ods");
        std::vector<FieldError> errors;
        KeyRequest asked{stringField(body, "name", "name", errors), stringField(body, "role", "role", errors),
                         stringField(body, "user_id", "user_id", errors), intField(body, "expires_in_days", errors)};
        if (!errors.empty()) return unprocessable(request, response, errors);
        const auto [created, record] = keys_.issue(by, ods, asked);
        auto out = keyJson(record);
        out->set("key", created.key);
        response.json(out, 201);
        response.header("Location", resourcePath(ods, "keys", created.id));
    }

    void revokeKey(const audit::Context& by, Request& request, Response& response) {
        if (!keys_.revoke(by, request.param("ods"), request.param("id")))
            return response.problem(409, "the key was already revoked");
        response.status(204);
    }

private:
    // The user of the path's {id}, while they hold a role in the path's organisation.
    staff::User member(const Request& request) {
        auto user = signIn_.users().byId(request.param("id"));
        if (!user || !user->roles.contains(request.param("ods"))) throw workflows::NotFound(kNoUser);
        return *user;
    }

    staff::SignIn& signIn_;
    Memberships memberships_;
    OrganisationKeys keys_;
};

const std::vector<Route<UsersApi>>& table() {
    static const std::vector<Route<UsersApi>> all{
        {{"GET", kUsers, Role::admin, "listUsers"}, &UsersApi::listUsers},
        {{"POST", kUsers, Role::admin, "inviteUser", true}, &UsersApi::inviteUser},
        {{"GET", kUser, Role::admin, "getUser"}, &UsersApi::getUser},
        {{"PUT", kUser + "/role", Role::admin, "changeRole", true}, &UsersApi::changeRole},
        {{"DELETE", kUser + "/role", Role::admin, "withdrawRole", true}, &UsersApi::withdrawRole},
        {{"POST", kUser + "/invitation", Role::admin, "resendInvitation", true}, &UsersApi::resendInvitation},
        {{"GET", kKeys, Role::admin, "listKeys"}, &UsersApi::listKeys},
        {{"POST", kKeys, Role::admin, "createKey", true}, &UsersApi::createKey},
        {{"DELETE", kKeys + "/{id}", Role::admin, "revokeKey", true}, &UsersApi::revokeKey},
    };
    return all;
}

} // namespace

const std::vector<RouteName>& usersApiRoutes() {
    static const std::vector<RouteName> names = namesOf(table());
    return names;
}

void addUsersApi(http::Router& router, store::Store& store, runtime::Current& current, staff::SignIn& signIn,
                 audit::AuditLog& audit) {
    addRoutes(router, signIn, audit, std::make_shared<UsersApi>(store, current, signIn), table());
}

} // namespace clinhub::api
