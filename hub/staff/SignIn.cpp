#include "hub/staff/SignIn.h"

#include "hub/log/Log.h"

namespace clinhub::staff {

SignIn::SignIn(store::Store& store, audit::AuditLog& audit, Lockout lockout, SessionTimeouts timeouts,
               const std::function<int64_t()>& clock)
    : audit_(audit), users_(store, clock), keys_(store, clock), passwords_(store, lockout, clock),
      sessions_(store, timeouts, clock) {}

void SignIn::record(const std::optional<User>& user, const std::string& action, const std::string& address,
                    audit::Outcome outcome, const std::string& detail) {
    const audit::Actor actor{"user", user ? user->id : "", user ? user->name : "someone unknown", address};
    if (!user || user->roles.empty()) {
        audit_.append({0, actor, action, kEveryOrganisation, {}, {}, outcome, detail});
        return;
    }
    for (const auto& [organisation, role] : user->roles)
        audit_.append({0, actor, action, organisation, {}, {}, outcome, detail});
}

SignInResult SignIn::withPassword(const std::string& email, std::string_view password, const std::string& address) {
    SignInResult result;
    result.user = users_.byEmail(email);
    if (!result.user) {
        Passwords::checkNothing(password);
        record(std::nullopt, "signIn", address, audit::Outcome::refused, "no user has that email");
        return result;
    }
    switch (passwords_.check(result.user->id, password)) {
    case PasswordCheck::accepted: break;
    case PasswordCheck::wrong:
        record(result.user, "signIn", address, audit::Outcome::refused, "wrong password");
        return result;
    case PasswordCheck::noPassword:
        record(result.user, "signIn", address, audit::Outcome::refused, "no password set yet");
        return result;
    case PasswordCheck::locked:
        result.kind = SignInResult::Kind::locked;
        result.lockedUntil = passwords_.lockedUntil(result.user->id);
        record(result.user, "signIn", address, audit::Outcome::refused, "locked after too many wrong passwords");
        return result;
    }
    return withIdentity(*result.user, "password", address);
}

SignInResult SignIn::withIdentity(const User& user, const std::string& via, const std::string& address) {
    SignInResult result;
    result.user = user;
    if (!user.active) {
        record(user, "signIn", address, audit::Outcome::refused, "the user is disabled");
        return result;
    }
    result.kind = SignInResult::Kind::signedIn;
    result.session = sessions_.start(user.id, via, address);
    record(user, "signIn", address, audit::Outcome::success, "by " + via);
    return result;
}

void SignIn::refused(const std::string& via, const std::string& why, const std::string& address) {
    record(std::nullopt, "signIn", address, audit::Outcome::refused, "by " + via + ": " + why);
}

std::optional<SignedIn> SignIn::who(std::string_view sessionId) {
    auto session = sessions_.resume(sessionId);
    if (!session) return std::nullopt;
    // Read on every request, as a key's user is: disabling someone ends what they are doing at once.
    auto user = users_.byId(session->userId);
    if (!user || !user->active) {
        sessions_.end(sessionId); // for good: enabling the user again does not bring it back
        return std::nullopt;
    }
    return SignedIn{std::move(*user), std::move(*session)};
}

void SignIn::signOut(std::string_view sessionId, const std::string& address) {
    auto signedIn = who(sessionId);
    if (!sessions_.end(sessionId) || !signedIn) return;
    record(signedIn->user, "signOut", address, audit::Outcome::success, {});
}

void SignIn::signOutEverywhere(const SignedIn& signedIn, const std::string& address) {
    const int ended = sessions_.endAll(signedIn.user.id);
    record(signedIn.user, "signOutEverywhere", address, audit::Outcome::success,
           std::to_string(ended) + (ended == 1 ? " session ended" : " sessions ended"));
}

} // namespace clinhub::staff
