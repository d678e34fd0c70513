// An organisation's users and API keys, for its admins: invite someone (by email, with their role), change a
// role, take someone's access away, send a new invitation; issue a key (shown once) and revoke one. The same
// Memberships and OrganisationKeys as the admin API, so the rules (never leave the organisation without an
// admin, an admin never changes their own role) and the audit entries are the same.
#include "hub/console/Page.h"
#include "hub/console/Wording.h"

#include "hub/api/Memberships.h"

#include <Poco/String.h>

namespace clinhub::console {
namespace {

using workflows::FieldError;

std::string roleWord(staff::Role role) { return std::string(staff::toString(role)); }

struct UsersForm {
    std::string name;
    std::string email;
    std::string role = "staff";
    std::string keyName;
    std::string keyRole = "staff";
    std::string keyDays;
};

// `errors` are the invite form's, or (`keyErrors`) the key form's.
void usersPage(Page& page, staff::SignIn& signIn, int status = 200, const UsersForm& form = {},
               const std::vector<FieldError>& errors = {}, bool keyErrors = false, const std::string& newKey = {}) {
    Data users{Data::type::list};
    for (const auto& user : signIn.users().list(page.ods())) {
        const auto role = user.roles.at(page.ods());
        Data row;
        row.set("name", user.name);
        row.set("email", user.email);
        row.set("role", sentence(roleWord(role)));
        row.set("active", user.active);
        row.set("self", user.id == page.who.user.id);
        row.set("roleAction", page.path("/users/" + user.id + "/role"));
        row.set("removeAction", page.path("/users/" + user.id + "/remove"));
        row.set("inviteAction", page.path("/users/" + user.id + "/invitation"));
        for (const auto r : {staff::Role::viewer, staff::Role::staff, staff::Role::admin})
            row.set("is" + sentence(roleWord(r)), r == role);
        users.push_back(row);
    }
    Data keys{Data::type::list};
    for (const auto& key : signIn.keys().list(page.ods())) {
        Data row;
        row.set("name", key.name);
        row.set("role", sentence(roleWord(key.role)));
        row.set("created", whenText(key.createdAt));
        row.set("lastUsed", key.lastUsedAt == 0 ? std::string("Never") : whenText(key.lastUsedAt));
        row.set("expires", key.expiresAt == 0 ? std::string("Never") : whenText(key.expiresAt));
        row.set("revoked", key.revokedAt != 0);
        row.set("revokeAction", page.path("/keys/" + key.id + "/revoke"));
        keys.push_back(row);
    }
    Data data;
    data.set("users", users);
    data.set("keys", keys);
    data.set("inviteAction", page.path("/users"));
    data.set("keyAction", page.path("/keys"));
    data.set("formName", form.name);
    data.set("formEmail", form.email);
    data.set("formKeyName", form.keyName);
    data.set("formKeyDays", form.keyDays);
    for (const auto r : {"viewer", "staff", "admin"}) {
        data.set(std::string("formRole") + sentence(r), form.role == r);
        data.set(std::string("formKeyRole") + sentence(r), form.keyRole == r);
    }
    std::vector<std::pair<std::string, std::string>> summary;
    for (const auto& e : errors) {
        const auto id = (keyErrors ? "key-" : "user-") + std::string(e.field == "expires_in_days" ? "days" : e.field);
        summary.emplace_back(id, sentence(e.message));
        Data error;
        error.set("message", sentence(e.message));
        data.set(camelCase(id) + "Error", error);
    }
    data.set("errorSummary", summary.empty() ? std::string() : errorSummary(summary));
    setText(data, "newKey", newKey);
    const auto done = page.request.query("done").value_or("");
    setText(data, "notice",
            done == "invited"   ? "Invitation sent"
            : done == "changed" ? "Role changed"
            : done == "removed" ? "Access removed"
            : done == "revoked" ? "Key revoked"
                                : "");
    page.render(status, Section::users, "Users and API keys", "console-users", data, !errors.empty());
}

// The user of the path, while they hold a role here.
staff::User member(Page& page, staff::SignIn& signIn) {
    auto user = signIn.users().byId(page.request.param("id"));
    if (!user || !user->roles.contains(page.ods())) throw workflows::NotFound("no such user");
    return *user;
}

} // namespace

void addUserPages(PageRoutes& routes) {
    const auto services = routes.services();
    auto& signIn = services.signIn;
    auto memberships = std::make_shared<api::Memberships>(services.store, services.current, services.signIn);
    auto keys = std::make_shared<api::OrganisationKeys>(services.store, services.signIn);
    const auto refused = [](Page& page, const std::string& why) {
        page.message(409, "This cannot be done", sentence(why));
    };
    routes.get("/users", Role::admin, [&signIn](Page& page) { usersPage(page, signIn); });
    routes.post("/users", Role::admin, "inviteUser", [&signIn, memberships, refused](Page& page) {
        UsersForm form{page.field("name"), Poco::toLower(Poco::trim(page.field("email", 320))), page.field("role")};
        std::vector<FieldError> errors;
        if (const auto problem = staff::nameProblem(form.name); !problem.empty()) errors.push_back({"name", problem});
        if (const auto problem = staff::emailProblem(form.email); !problem.empty())
            errors.push_back({"email", problem});
        const auto role = api::practiceRole(form.role);
        if (!role) errors.push_back({"role", "choose viewer, staff or admin"});
        if (!errors.empty()) return usersPage(page, signIn, 422, form, errors);
        if (const auto why = memberships->cannotEmail(page.ods()); !why.empty()) return refused(page, why);
        try {
            memberships->invite(page.by, page.ods(), form.name, form.email, *role);
        } catch (const api::MembershipConflict& e) {
            return refused(page, e.what());
        }
        page.redirect(page.path("/users?done=invited"));
    });
    routes.post("/users/{id}/role", Role::admin, "changeRole", [&signIn, memberships, refused](Page& page) {
        const auto user = member(page, signIn);
        const auto role = api::practiceRole(page.field("role"));
        if (!role) return page.message(422, "Choose a role", "Go back and choose viewer, staff or admin.");
        try {
            memberships->change(page.by, page.ods(), user, *role);
        } catch (const api::MembershipConflict& e) {
            return refused(page, e.what());
        }
        page.redirect(page.path("/users?done=changed"));
    });
    routes.post("/users/{id}/remove", Role::admin, "withdrawRole", [&signIn, memberships, refused](Page& page) {
        try {
            memberships->withdraw(page.by, page.ods(), member(page, signIn));
        } catch (const api::MembershipConflict& e) {
            return refused(page, e.what());
        }
        page.redirect(page.path("/users?done=removed"));
    });
    routes.post("/users/{id}/invitation", Role::admin, "resendInvitation", [&signIn, memberships, refused](Page& page) {
        const auto user = member(page, signIn);
        if (const auto why = memberships->cannotEmail(page.ods()); !why.empty()) return refused(page, why);
        memberships->resend(page.by, page.ods(), user);
        page.redirect(page.path("/users?done=invited"));
    });
    // The key is on this page only: the store keeps its hash, so it is shown here and never again.
    routes.post("/keys", Role::admin, "createKey", [&signIn, keys](Page& page) {
        UsersForm form;
        form.keyName = page.field("name");
        form.keyRole = page.field("role");
        form.keyDays = page.field("expires_in_days");
        std::optional<int> days;
        if (!form.keyDays.empty())
            days = form.keyDays.size() < 6 && form.keyDays.find_first_not_of("0123456789") == std::string::npos
                       ? std::stoi(form.keyDays)
                       : 0;
        try {
            const auto [created, record] = keys->issue(page.by, page.ods(), {form.keyName, form.keyRole, {}, days});
            usersPage(page, signIn, 201, {}, {}, false, created.key);
        } catch (const workflows::InvalidRequest& e) {
            usersPage(page, signIn, 422, form, e.errors(), true);
        }
    });
    routes.post("/keys/{id}/revoke", Role::admin, "revokeKey", [keys](Page& page) {
        if (!keys->revoke(page.by, page.ods(), page.request.param("id")))
            return page.message(409, "This key was already revoked", "It no longer opens anything.");
        page.redirect(page.path("/users?done=revoked"));
    });
}

} // namespace clinhub::console
