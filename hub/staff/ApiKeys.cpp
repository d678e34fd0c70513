#include "hub/staff/ApiKeys.h"

#include "hub/log/Log.h"
#include "hub/staff/Users.h"
#include "hub/workflows/Tokens.h"

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

using namespace Poco::Data::Keywords;

namespace clinhub::staff {
namespace {

constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kSecretChars = 43; // base64url of 32 bytes, unpadded

bool wellFormed(std::string_view key) {
    if (!key.starts_with(ApiKeys::kPrefix) || key.size() != ApiKeys::kPrefix.size() + kSecretChars) return false;
    return std::all_of(key.begin() + ApiKeys::kPrefix.size(), key.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

} // namespace

ApiKeys::ApiKeys(store::Store& store, Clock clock) : store_(store), clock_(std::move(clock)) {}

std::string ApiKeys::hash(std::string_view key) { return workflows::tokenHash(std::string(key)); }

NewApiKey ApiKeys::create(const std::string& organisation, const std::string& name, int64_t lifetime, Role role,
                          const std::string& userId) {
    NewApiKey created;
    store_.write([&](store::Session& s) { created = create(s, organisation, name, lifetime, role, userId); });
    return created;
}

NewApiKey ApiKeys::create(store::Session& s, const std::string& organisation, const std::string& name, int64_t lifetime,
                          Role role, const std::string& userId) {
    if (organisation.empty()) throw std::invalid_argument("an API key needs an organisation");
    if ((role == Role::hubOperator) != (organisation == kEveryOrganisation))
        throw UserError(role == Role::hubOperator
                            ? "an operator's key is hub-wide: its organisation is " + std::string(kEveryOrganisation)
                            : "a key of every organisation is the operator's: its role is operator");
    if (!userId.empty()) {
        const auto user = Users(store_, clock_).byId(userId);
        if (!user) throw UserError("no such user");
        if (!user->active) throw UserError("the user is disabled");
        const auto held = user->roles.find(organisation);
        if (held == user->roles.end()) throw UserError("the user holds no role in " + organisation);
        if (!grants(held->second, role))
            throw UserError("the user is " + std::string(toString(held->second)) + " in " + organisation +
                            ": their key cannot be " + std::string(toString(role)));
    }
    NewApiKey created{"key_" + workflows::randomToken(9), std::string(kPrefix) + workflows::randomToken(kSecretBytes)};
    std::string digest = hash(created.key);
    std::string org = organisation;
    std::string label = name;
    int64_t at = clock_();
    int64_t expires = lifetime > 0 ? at + lifetime : 0;
    std::string roleWord(toString(role));
    std::string owner = userId;
    s << "INSERT INTO api_keys (id, organisation, name, key_hash, created_at, expires_at, role, user_id) VALUES "
         "(?, ?, ?, ?, ?, NULLIF(CAST(? AS BIGINT), 0), ?, NULLIF(?, ''))",
        use(created.id), use(org), use(label), use(digest), use(at), use(expires), use(roleWord), use(owner), now;
    log::info("api_key_created", {{"key", created.id}, {"organisation", organisation}, {"role", roleWord}});
    return created;
}

std::optional<ApiKey> ApiKeys::authenticate(std::string_view key) {
    if (!wellFormed(key)) return std::nullopt;
    // Looked up by hash, so response time says nothing about how close a guess was.
    std::string digest = hash(key);
    int64_t at = clock_();
    std::vector<std::string> ids, organisations, names, keyRoles, users, statuses, userRoles, userNames;
    std::vector<int64_t> lastUsed;
    auto s = store_.session();
    // The user's status and role are read with the key on every call: disabling them stops it at once.
    s << "SELECT k.id, k.organisation, k.name, COALESCE(k.last_used_at, 0), k.role, COALESCE(k.user_id, ''), "
         "COALESCE(u.status, ''), COALESCE(r.role, ''), COALESCE(u.name, '') FROM api_keys k LEFT JOIN users u ON u.id "
         "= k.user_id "
         "LEFT JOIN user_roles r ON r.user_id = k.user_id AND r.organisation = k.organisation WHERE k.key_hash = ? "
         "AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > ?)",
        use(digest), use(at), into(ids), into(organisations), into(names), into(lastUsed), into(keyRoles), into(users),
        into(statuses), into(userRoles), into(userNames), now;
    if (ids.empty()) return std::nullopt;
    const auto keyRole = roleFrom(keyRoles.front());
    if (!keyRole) return std::nullopt;
    Role role = *keyRole;
    if (!users.front().empty()) {
        const auto userRole = roleFrom(userRoles.front());
        if (statuses.front() != "active" || !userRole) return std::nullopt;
        role = lesser(role, *userRole);
    }
    if (at - lastUsed.front() >= kLastUseResolution) {
        int64_t stale = at - kLastUseResolution;
        // Row-level, so on PostgreSQL it waits for no other writer; the condition keeps concurrent requests
        // from writing the same minute twice.
        store_.transact([&](store::Session& t) {
            t << "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
                use(at), use(ids.front()), use(stale), now;
        });
    }
    return ApiKey{ids.front(), organisations.front(), names.front(), role, users.front(), userNames.front()};
}

bool ApiKeys::revoke(const std::string& id) {
    bool changed = false;
    store_.write([&](store::Session& s) { changed = revoke(s, id); });
    return changed;
}

bool ApiKeys::revoke(store::Session& s, const std::string& id) {
    std::string key = id;
    int64_t at = clock_();
    Poco::Data::Statement update = s << "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
    update, use(at), use(key);
    const std::size_t changed = update.execute();
    if (changed > 0) log::info("api_key_revoked", {{"key", id}});
    return changed > 0;
}

std::vector<ApiKeyRecord> ApiKeys::list(const std::optional<std::string>& organisation) {
    std::vector<std::string> ids, organisations, names, roles, users;
    std::vector<int64_t> created, lastUsed, expires, revoked;
    std::string org = organisation.value_or("");
    auto s = store_.session();
    Poco::Data::Statement select =
        s << std::string(
                 "SELECT id, organisation, name, created_at, COALESCE(last_used_at, 0), "
                 "COALESCE(expires_at, 0), COALESCE(revoked_at, 0), role, COALESCE(user_id, '') FROM api_keys") +
                 (organisation ? " WHERE organisation = ?" : "") + " ORDER BY created_at, id";
    select, into(ids), into(organisations), into(names), into(created), into(lastUsed), into(expires), into(revoked),
        into(roles), into(users);
    if (organisation) select, use(org);
    select.execute();
    std::vector<ApiKeyRecord> out;
    for (std::size_t i = 0; i < ids.size(); ++i)
        out.push_back({ids[i], organisations[i], names[i], created[i], lastUsed[i], expires[i], revoked[i],
                       roleFrom(roles[i]).value_or(Role::viewer), users[i]});
    return out;
}

} // namespace clinhub::staff
