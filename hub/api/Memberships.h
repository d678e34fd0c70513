// Who holds which role in an organisation, changed as an admin changes it for their staff and the hub's
// operator for organisations' admins. Each change commits with its audit entry in one transaction: an
// invitation by email (the user made when new, the role, a set-password link while they have no password and
// its email through the organisation's outbox), a role changed, a role withdrawn. None leaves an
// organisation without an active admin.
#pragma once

#include "hub/audit/AuditLog.h"
#include "hub/runtime/Runtime.h"
#include "hub/staff/SignIn.h"
#include "hub/store/Store.h"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace clinhub::api {

// The change cannot be made as asked (the user already holds a role there, or it would leave no admin);
// what() says why.
class MembershipConflict : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Invited {
    staff::User user;
    bool emailed = false; // a set-password link went out: they had no password yet
};

// What an admin asks for when issuing a key; checked by OrganisationKeys::issue.
struct KeyRequest {
    std::string name;
    std::string role;   // viewer, staff or admin
    std::string userId; // "" for a service key
    std::optional<int> expiresInDays;
};

// An organisation's API keys as its admins issue and revoke them, each with its audit entry in one transaction.
class OrganisationKeys {
public:
    OrganisationKeys(store::Store& store, staff::SignIn& signIn) : store_(store), signIn_(signIn) {}

    // The key (shown once) and its record. Throws workflows::InvalidRequest listing every field at fault.
    std::pair<staff::NewApiKey, staff::ApiKeyRecord> issue(const audit::Context& by, const std::string& ods,
                                                           const KeyRequest& request);
    // False when it was revoked already; throws workflows::NotFound for a key not of `ods`.
    bool revoke(const audit::Context& by, const std::string& ods, const std::string& id);
    [[nodiscard]] std::optional<staff::ApiKeyRecord> find(const std::string& ods, const std::string& id) const;

private:
    store::Store& store_;
    staff::SignIn& signIn_;
};

// A role an organisation's user or key can hold: never the hub-wide operator's.
std::optional<staff::Role> practiceRole(const std::string& word);

class Memberships {
public:
    // The store, runtime and sign-in must outlive this.
    Memberships(store::Store& store, runtime::Current& current, staff::SignIn& signIn)
        : store_(store), current_(current), signIn_(signIn) {}

    // Why no invitation can be emailed for `ods` ("" when one can), checked before anything changes; throws
    // workflows::NotFound for an organisation the config does not have.
    [[nodiscard]] std::string cannotEmail(const std::string& ods) const;

    // Gives the user of `email` (made with `name` when new) `role` in `ods`. Throws MembershipConflict when
    // they already hold a role there.
    Invited invite(const audit::Context& by, const std::string& ods, const std::string& name, const std::string& email,
                   staff::Role role);

    // A fresh link by email, which also resets a forgotten password; the earlier link stops working.
    void resend(const audit::Context& by, const std::string& ods, const staff::User& user);

    // The user's role in `ods` (held: `was`) becomes `role`, or is taken away. Their keys of `ods` follow at
    // once: ApiKeys::authenticate asks for the user's role. Throws MembershipConflict, also when the user is
    // the one asking (signed in as them, or with a key of theirs).
    void change(const audit::Context& by, const std::string& ods, const staff::User& user, staff::Role role);
    void withdraw(const audit::Context& by, const std::string& ods, const staff::User& user);

private:
    // `change` to the user's role in `ods` and its audit entry, in one transaction; rolled back when it leaves
    // `ods` no active admin.
    void committed(const audit::Context& by, const std::string& ods, const staff::User& user, std::string detail,
                   const std::function<void(store::Session&)>& change);
    void emailLink(store::Session& s, const config::Config& config, const std::string& ods, const audit::Context& by,
                   const staff::User& user, bool reset);

    store::Store& store_;
    runtime::Current& current_;
    staff::SignIn& signIn_;
};

} // namespace clinhub::api
