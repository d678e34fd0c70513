#include "hub/staff/Passwords.h"

#include "hub/log/Log.h"
#include "hub/staff/Users.h"
#include "hub/workflows/Tokens.h"

#include <Poco/String.h>

#include <sodium.h>

#include <array>
#include <stdexcept>
#include <vector>

using namespace Poco::Data::Keywords;

namespace clinhub::staff {
namespace {

constexpr std::size_t kLinkBytes = 32;

void startSodium() {
    // Idempotent and thread-safe; it only fails when the system has no randomness to give.
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not start");
}

// libsodium's Argon2id with its interactive limits (2 passes over 64 MiB): about as slow as a sign-in can
// be without staff noticing, and what OWASP's password storage advice asks at least for.
std::string argon2id(std::string_view password) {
    startSodium();
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw std::runtime_error("out of memory hashing a password");
    return out.data();
}

bool matches(const std::string& hash, std::string_view password) {
    startSodium();
    return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

} // namespace

std::string Passwords::problem(std::string_view password, std::string_view email) {
    if (password.size() < kMinLength) return "a password has at least 12 characters";
    if (password.size() > kMaxLength) return "a password has at most 256 characters";
    if (!email.empty() && Poco::icompare(std::string(password), std::string(email)) == 0)
        return "a password cannot be your email address";
    return {};
}

NewPasswordLink Passwords::issueLink(const std::string& userId, int64_t lifetime) {
    NewPasswordLink link;
    store_.write([&](store::Session& s) { link = issueLink(s, userId, lifetime); });
    log::info("password_link_issued", {{"user", userId}});
    return link;
}

NewPasswordLink Passwords::issueLink(store::Session& transaction, const std::string& userId, int64_t lifetime) {
    NewPasswordLink link{"spw_" + workflows::randomToken(kLinkBytes), 0};
    std::string digest = workflows::tokenHash(link.token);
    const int64_t at = clock_();
    link.expiresAt = at + lifetime;
    transaction << "UPDATE password_links SET used_at = ? WHERE user_id = ? AND used_at IS NULL", useRef(at),
        useRef(userId), now;
    transaction << "INSERT INTO password_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        use(digest), useRef(userId), useRef(at), useRef(link.expiresAt), now;
    return link;
}

bool Passwords::hasPassword(store::Session& session, const std::string& userId) {
    std::vector<std::string> set;
    session << "SELECT user_id FROM passwords WHERE user_id = ? AND hash IS NOT NULL AND hash <> ''", useRef(userId),
        into(set), now;
    return !set.empty();
}

std::optional<std::string> Passwords::userOfLink(std::string_view token) {
    std::string digest = workflows::tokenHash(std::string(token));
    int64_t at = clock_();
    std::vector<std::string> users;
    auto s = store_.session();
    s << "SELECT user_id FROM password_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?", use(digest),
        use(at), into(users), now;
    if (users.empty()) return std::nullopt;
    return users.front();
}

std::string Passwords::setWithLink(std::string_view token, std::string_view password) {
    // Hashed before the transaction: a tenth of a second of Argon2 must not hold the store's write lock.
    std::string hash = argon2id(password);
    std::string digest = workflows::tokenHash(std::string(token));
    int64_t at = clock_();
    std::string userId;
    store_.write([&](store::Session& s) {
        std::vector<std::string> users;
        s << "SELECT user_id FROM password_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
            use(digest), use(at), into(users), now;
        if (users.empty()) throw UserError("this link has been used or has expired: ask an admin for a new one");
        userId = users.front();
        s << "UPDATE password_links SET used_at = ? WHERE token_hash = ?", use(at), use(digest), now;
        s << "INSERT INTO passwords (user_id, hash, failed_attempts, locked_until, set_at) VALUES (?, ?, 0, 0, ?) "
             "ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, failed_attempts = 0, locked_until = 0, "
             "set_at = excluded.set_at",
            useRef(userId), use(hash), use(at), now;
    });
    log::info("password_set", {{"user", userId}});
    return userId;
}

int64_t Passwords::lockedUntil(const std::string& userId) {
    std::vector<int64_t> until;
    auto s = store_.session();
    s << "SELECT locked_until FROM passwords WHERE user_id = ?", useRef(userId), into(until), now;
    return until.empty() || until.front() <= clock_() ? 0 : until.front();
}

PasswordCheck Passwords::check(const std::string& userId, std::string_view password) {
    std::vector<std::string> hashes;
    std::vector<int64_t> locks;
    {
        auto s = store_.session();
        s << "SELECT COALESCE(hash, ''), locked_until FROM passwords WHERE user_id = ?", useRef(userId), into(hashes),
            into(locks), now;
    }
    if (hashes.empty() || hashes.front().empty()) {
        checkNothing(password);
        return PasswordCheck::noPassword;
    }
    int64_t at = clock_();
    if (locks.front() > at) return PasswordCheck::locked;
    if (password.size() <= kMaxLength && matches(hashes.front(), password)) {
        store_.write([&](store::Session& s) {
            s << "UPDATE passwords SET failed_attempts = 0 WHERE user_id = ? AND failed_attempts <> 0", useRef(userId),
                now;
        });
        return PasswordCheck::accepted;
    }
    // One statement, so wrong passwords tried at once from several places are all counted. Locking starts
    // the count again: after the lock, another `attempts` tries.
    int attempts = lockout_.attempts;
    int64_t until = at + lockout_.duration;
    store_.write([&](store::Session& s) {
        s << "UPDATE passwords SET locked_until = CASE WHEN failed_attempts + 1 >= ? THEN ? ELSE locked_until END, "
             "failed_attempts = CASE WHEN failed_attempts + 1 >= ? THEN 0 ELSE failed_attempts + 1 END WHERE user_id = "
             "?",
            use(attempts), use(until), use(attempts), useRef(userId), now;
    });
    if (lockedUntil(userId) > 0) {
        log::warning("account_locked", {{"user", userId}});
        return PasswordCheck::locked;
    }
    return PasswordCheck::wrong;
}

void Passwords::checkNothing(std::string_view password) {
    static const std::string decoy = argon2id("a password nobody has, to spend the time a check takes");
    (void)matches(decoy, password.substr(0, kMaxLength));
}

} // namespace clinhub::staff
