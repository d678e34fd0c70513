// Local staff passwords, the embedded default way to sign in: Argon2id hashes (libsodium), a lockout after
// repeated wrong passwords, and the one-use, expiring links by which a user sets theirs.
//
// A password is never stored, logged or returned; a link's token is stored only as its SHA-256. The only
// code that reads or writes `passwords` and `password_links`.
#pragma once

#include "hub/store/Store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace clinhub::staff {

struct Lockout {
    int attempts = 5;                     // wrong passwords in a row that lock the account
    int64_t duration = 15LL * 60'000'000; // for this long (microseconds)
};

enum class PasswordCheck {
    accepted,
    wrong,
    locked,     // too many wrong passwords: the password was not even tried
    noPassword, // invited, and has not set one yet
};

struct NewPasswordLink {
    std::string token; // goes in the link's URL; never stored, never logged
    int64_t expiresAt = 0;
};

class Passwords {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    explicit Passwords(store::Store& store, Lockout lockout = {}, Clock clock = store::nowMicros)
        : store_(store), lockout_(lockout), clock_(std::move(clock)) {}

    static constexpr std::size_t kMinLength = 12;  // NCSC: length, not composition rules
    static constexpr std::size_t kMaxLength = 256; // bytes: bounds the work a sign-in form can ask for
    static constexpr int64_t kLinkLifetime = 72LL * 3600 * 1'000'000;

    // "" or why `password` cannot be a password (for the user whose email is `email`).
    static std::string problem(std::string_view password, std::string_view email);

    // A link for `userId` to set their password, valid for `lifetime`; earlier unused links stop working.
    NewPasswordLink issueLink(const std::string& userId, int64_t lifetime = kLinkLifetime);
    // The same inside the caller's write transaction, beside the email that carries the link and the audit
    // entry: a link exists only if its email was queued.
    NewPasswordLink issueLink(store::Session& transaction, const std::string& userId, int64_t lifetime);
    // Whether the user has set a password (an invited user who has not yet has none).
    static bool hasPassword(store::Session& session, const std::string& userId);
    // The user a link is for, while it is unused and unexpired.
    std::optional<std::string> userOfLink(std::string_view token);
    // Sets the password of the link's user, uses the link up and clears any lockout; returns the user's
    // id. Throws UserError for a link that cannot be used (with no word of which problem it was).
    std::string setWithLink(std::string_view token, std::string_view password);

    // Whether `password` is the user's. Wrong ones count towards the lockout; a right one clears the count.
    PasswordCheck check(const std::string& userId, std::string_view password);
    // Until when the user is locked out; 0 when they are not.
    int64_t lockedUntil(const std::string& userId);

    // Takes as long as checking a real password, for a sign-in with an unknown email: the time a sign-in
    // takes says nothing about which emails have accounts.
    static void checkNothing(std::string_view password);

private:
    store::Store& store_;
    Lockout lockout_;
    Clock clock_;
};

} // namespace clinhub::staff
