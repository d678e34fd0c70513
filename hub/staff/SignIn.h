// Who is calling: staff signing in and out (a local password, or an identity provider's word for who they
// are), the session a browser carries, and the API key a program sends. Every sign-in, good or bad, and
// every sign-out goes to the audit trail of each organisation the user works in.
#pragma once

#include "hub/audit/AuditLog.h"
#include "hub/staff/ApiKeys.h"
#include "hub/staff/Passwords.h"
#include "hub/staff/Sessions.h"
#include "hub/staff/Users.h"

#include <optional>
#include <string>

namespace clinhub::staff {

struct SignInResult {
    enum class Kind {
        signedIn,
        refused, // an unknown email, a wrong password, no password yet, or a disabled user: told apart only
                 // in the audit trail, so the form is no oracle for which emails have accounts
        locked,  // too many wrong passwords; until lockedUntil
    };
    Kind kind = Kind::refused;
    std::optional<User> user;
    NewSession session;
    int64_t lockedUntil = 0;
};

// A signed-in browser's user and session.
struct SignedIn {
    User user;
    StaffSession session;
};

class SignIn {
public:
    SignIn(store::Store& store, audit::AuditLog& audit, Lockout lockout = {}, SessionTimeouts timeouts = {},
           const std::function<int64_t()>& clock = store::nowMicros);

    SignInResult withPassword(const std::string& email, std::string_view password, const std::string& address);
    // For a user an identity provider has vouched for (single sign-on): a session, unless they are disabled.
    SignInResult withIdentity(const User& user, const std::string& via, const std::string& address);

    // A sign-in refused before anyone was known (a single sign-on the provider or the hub turned down).
    void refused(const std::string& via, const std::string& why, const std::string& address);

    // The user of the session whose cookie is `sessionId`, while both the session and the user are active.
    std::optional<SignedIn> who(std::string_view sessionId);
    void signOut(std::string_view sessionId, const std::string& address);
    // Ends every session of the user, this one included.
    void signOutEverywhere(const SignedIn& signedIn, const std::string& address);

    ApiKeys& keys() { return keys_; }
    Users& users() { return users_; }
    Passwords& passwords() { return passwords_; }
    Sessions& sessions() { return sessions_; }

private:
    // One entry in the trail of each organisation the user holds a role in (hub-wide when none).
    void record(const std::optional<User>& user, const std::string& action, const std::string& address,
                audit::Outcome outcome, const std::string& detail);

    audit::AuditLog& audit_;
    Users users_;
    ApiKeys keys_;
    Passwords passwords_;
    Sessions sessions_;
};

} // namespace clinhub::staff
