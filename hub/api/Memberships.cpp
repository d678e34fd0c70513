#include "hub/api/Memberships.h"

#include "hub/api/ApiSupport.h"
#include "hub/outbox/Outbox.h"
#include "hub/workflows/Messages.h"

namespace clinhub::api {
namespace {

std::string roleText(staff::Role role) { return std::string(staff::toString(role)); }

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
    committed(by, ods, user, "role " + roleText(role) + ", was " + roleText(user.roles.at(ods)),
              [&](store::Session& s) { signIn_.users().grant(s, user.id, ods, role); });
}

void Memberships::withdraw(const audit::Context& by, const std::string& ods, const staff::User& user) {
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

} // namespace clinhub::api
