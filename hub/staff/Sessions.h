// Staff sign-in sessions, held server-side. The browser keeps only a random id (256 bits from the CSPRNG)
// in an HttpOnly, SameSite=Strict cookie; the store keeps its SHA-256, so a copy of the database opens
// nothing. A session ends when it has been idle too long, when it is too old whatever its use, when its
// user signs out (here or everywhere), or at once when its user is disabled.
//
// Also the single sign-ons under way: what the hub must remember between sending someone to their
// identity provider and their return (state, nonce, PKCE verifier), kept in the store so that the return
// may reach any of several hubs sharing it.
//
// The only code that reads or writes `staff_sessions` and `sign_in_starts`.
#pragma once

#include "hub/store/Store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace clinhub::staff {

struct SessionTimeouts {
    int64_t idle = 30LL * 60'000'000;         // microseconds without a request
    int64_t absolute = 12LL * 3600'000'000LL; // microseconds since signing in: a working day
};

struct StaffSession {
    std::string userId;
    std::string via; // "password" or "oidc"
    int64_t startedAt = 0;
    std::string csrf; // what every change made in this session must carry
};

struct NewSession {
    std::string id; // the cookie's value; never stored, never logged
    std::string csrf;
};

// A single sign-on under way: the cookie's id for it, and what the return must match.
struct SignInStart {
    std::string id;
    std::string state;
    std::string nonce;
    std::string codeVerifier;
};

class Sessions {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    explicit Sessions(store::Store& store, SessionTimeouts timeouts = {}, Clock clock = store::nowMicros)
        : store_(store), timeouts_(timeouts), clock_(std::move(clock)) {}

    static constexpr std::string_view kCookie = "clinhub_staff";
    static constexpr std::string_view kStartCookie = "clinhub_sign_in";
    // How often a session in use notes so: the idle timeout is kept to within this.
    static constexpr int64_t kTouchResolution = 60'000'000;
    static constexpr int64_t kStartLifetime = 10LL * 60'000'000; // to come back from the identity provider

    NewSession start(const std::string& userId, const std::string& via, const std::string& address);
    // The session the cookie `id` names, while it lasts. Whether its user may still act is the caller's to
    // check (staff::Users): a disabled user's sessions are refused there.
    std::optional<StaffSession> resume(std::string_view id);
    // False when it had ended already.
    bool end(std::string_view id);
    // Ends every session of the user: "sign out everywhere", and disabling a user. Returns how many.
    int endAll(const std::string& userId);

    // The CSRF token of the session whose cookie is `id`: derived from it, so not stored, and worthless
    // without the cookie it comes from.
    static std::string csrfOf(std::string_view id);

    // Remembers a single sign-on about to start; `recall` hands it back once, within kStartLifetime.
    void remember(const SignInStart& start);
    std::optional<SignInStart> recall(std::string_view id);

private:
    // Ends the live sessions whose `column` (id_hash or user_id) is `value`; how many.
    std::size_t endWhere(const char* column, const std::string& value);

    store::Store& store_;
    SessionTimeouts timeouts_;
    Clock clock_;
};

} // namespace clinhub::staff
