#include "hub/api/Memberships.h"

#include "hub/api/ApiSupport.h"
#include "hub/outbox/Outbox.h"
#include "hub/workflows/Messages.h"

#include <Poco/String.h>

namespace clinhub::api {
namespace {

std::string roleText(staff::Role role) { return std::string(staff::toString(role)); }

// An organisation must never be left without the admin who would otherwise have locked themselves out.
void refuseSelf(const audit::Context& by, const staff::User& user, const std::string& what) {
    if (by.actor.kind == "user" && by.actor.id == user.id)
        throw MembershipConflict("an admin cannot " + what + " their own role: another admin of the organisation must");
}

} // namespace

std::string Memberships::cannotEmail(const std::string& ods) const {
    const auto runtime = current_.get();
    const auto& config = runtime->config();
    const auto organisation = config.organisations.find(ods);
    if (organisation == config.organisations.end()) throw workflows::NotFound(kNoOrganisation);
    if (organisation->second.route.email.empty())
        return "this organisation routes no email connector (route.email in the hub's config), so the hub "
               "cannot email a set-password link, and nothing was changed. The hub's operator can route "
               "one, or print a link with `clinhub users create` on the hub's machine";
    if (config.http.staffPagesUrl().empty())
        return "the hub does not know the address of its staff pages (hub.staff_url in the hub's config), so "
               "it cannot email a set-password link, and nothing was changed. The hub's operator can set "
               "it, or print a link with `clinhub users create` on the hub's machine";
    return {};
}

Invited Memberships::invite(const audit::Context& by, const std::string& ods, const std::string& name,
                            const std::string& email, staff::Role role) {
    const auto runtime = current_.get();
    Invited out;
    auto found = signIn_.users().byEmail(email);
    const bool existed = found.has_value();
    // A role would not let a disabled user in; enabling them is a decision for the hub's operator.
    if (existed && !found->active)
        throw MembershipConflict(
            "this user is disabled: the hub's operator can enable them with `clinhub users enable`");
    if (existed && found->roles.contains(ods))
        throw MembershipConflict("this user already has the " + roleText(found->roles.at(ods)) + " role in " + ods);
    try {
        store_.write([&](store::Session& s) {
            out.user = existed ? *found : signIn_.users().create(s, name, email);
            signIn_.users().grant(s, out.user.id, ods, role);
            out.user.roles[ods] = role;
            std::string detail = "role " + roleText(role) + (existed ? ", existing user" : ", new user");
            // A user who signs in only through single sign-on has no password: the link lets them have one
            // for when the provider is down, and is harmless unused.
            out.emailed = !staff::Passwords::hasPassword(s, out.user.id);
            if (out.emailed) {
                emailLink(s, runtime->config(), ods, by, out.user, false);
                detail += ", set-password link emailed";
            }
            audit::AuditLog::append(s, audit::succeeded(by, 0, ods, out.user.id, std::move(detail)));
        });
    } catch (const staff::UserError& e) {
        // Another request made the same email's user between the look-up and the write.
        throw MembershipConflict(e.what());
    }
    return out;
}

void Memberships::resend(const audit::Context& by, const std::string& ods, const staff::User& user) {
    const auto runtime = current_.get();
    store_.write([&](store::Session& s) {
        const bool reset = staff::Passwords::hasPassword(s, user.id);
        emailLink(s, runtime->config(), ods, by, user, reset);
        audit::AuditLog::append(s, audit::succeeded(by, 0, ods, user.id,
                                                    reset ? "new-password link emailed" : "set-password link emailed"));
    });
}

void Memberships::change(const audit::Context& by, const std::string& ods, const staff::User& user, staff::Role role) {
    refuseSelf(by, user, "change");
    committed(by, ods, user, "role " + roleText(role) + ", was " + roleText(user.roles.at(ods)),
              [&](store::Session& s) { signIn_.users().grant(s, user.id, ods, role); });
}

void Memberships::withdraw(const audit::Context& by, const std::string& ods, const staff::User& user) {
    refuseSelf(by, user, "withdraw");
    committed(by, ods, user, "role " + roleText(user.roles.at(ods)) + " withdrawn", [&](store::Session& s) {
        if (!signIn_.users().withdraw(s, user.id, ods)) throw workflows::NotFound("no such user");
    });
}

void Memberships::committed(const audit::Context& by, const std::string& ods, const staff::User& user,
                            std::string detail, const std::function<void(store::Session&)>& change) {
    const bool wasAdmin = user.roles.at(ods) == staff::Role::admin;
    try {
        store_.write([&](store::Session& s) {
            change(s);
            if (wasAdmin) staff::Users::keepAnAdmin(s, ods);
            audit::AuditLog::append(s, audit::succeeded(by, 0, ods, user.id, std::move(detail)));
        });
    } catch (const staff::UserError& e) {
        throw MembershipConflict(e.what());
    }
}

void Memberships::emailLink(store::Session& s, const config::Config& config, const std::string& ods,
                            const audit::Context& by, const staff::User& user, bool reset) {
    const auto link = signIn_.passwords().issueLink(s, user.id, staff::Passwords::kLinkLifetime);
    const workflows::messages::StaffInvitation invitation{
        by.actor.name, config.organisations.at(ods).name,
        config.http.staffPagesUrl() + "/staff/set-password/" + link.token, link.expiresAt, reset};
    outbox::Outbox::enqueue(s,
                            outbox::NewMessage::of(ods, workflows::messages::staffInvitation(user.email, invitation)));
}

std::optional<staff::Role> practiceRole(const std::string& word) {
    const auto role = staff::roleFrom(word);
    if (!role || *role == staff::Role::hubOperator) return std::nullopt;
    return role;
}

std::pair<staff::NewApiKey, staff::ApiKeyRecord>
OrganisationKeys::issue(const audit::Context& by, const std::string& ods, const KeyRequest& request) {
    constexpr std::size_t kMaxKeyName = 100;
    constexpr int kMaxKeyDays = 3650; // as `clinhub keys create --expires-in`
    constexpr int64_t kMicrosPerDay = 86'400LL * 1'000'000;
    std::vector<workflows::FieldError> errors;
    const auto name = Poco::trim(request.name);
    if (name.empty()) errors.push_back({"name", "a key needs a name"});
    if (name.size() > kMaxKeyName) errors.push_back({"name", "a key's name has at most 100 characters"});
    const auto role = practiceRole(request.role);
    if (!role) errors.push_back({"role", "role must be viewer, staff or admin"});
    if (!request.userId.empty()) {
        const auto user = signIn_.users().byId(request.userId);
        if (!user || !user->roles.contains(ods)) errors.push_back({"user_id", "no such user in this organisation"});
    }
    const auto days = request.expiresInDays;
    if (days && (*days < 1 || *days > kMaxKeyDays))
        errors.push_back({"expires_in_days", "expires_in_days is a whole number of days, 1 to 3650"});
    if (!errors.empty()) throw workflows::InvalidRequest(std::move(errors));
    staff::NewApiKey created;
    const std::string detail = "role " + std::string(staff::toString(*role)) +
                               (request.userId.empty() ? "" : ", user " + request.userId) +
                               (days ? ", expires in " + std::to_string(*days) + " days" : "");
    try {
        store_.write([&](store::Session& s) {
            created = signIn_.keys().create(s, ods, name, days ? *days * kMicrosPerDay : 0, *role, request.userId);
            audit::AuditLog::append(s, audit::succeeded(by, 0, ods, created.id, detail));
        });
    } catch (const staff::UserError& e) {
        // The user is disabled, or their role here is less than the key's.
        throw workflows::InvalidRequest(std::vector<workflows::FieldError>{{"user_id", e.what()}});
    }
    return {created, *find(ods, created.id)};
}

bool OrganisationKeys::revoke(const audit::Context& by, const std::string& ods, const std::string& id) {
    if (!find(ods, id)) throw workflows::NotFound("no such key");
    bool revoked = false;
    store_.write([&](store::Session& s) {
        revoked = signIn_.keys().revoke(s, id);
        if (revoked) audit::AuditLog::append(s, audit::succeeded(by, 0, ods, id));
    });
    return revoked;
}

std::optional<staff::ApiKeyRecord> OrganisationKeys::find(const std::string& ods, const std::string& id) const {
    for (auto& key : signIn_.keys().list(ods))
        if (key.id == id) return key;
    return std::nullopt;
}

} // namespace clinhub::api
