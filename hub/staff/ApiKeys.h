// Staff API keys: each belongs to one organisation and opens only that organisation's resources, with a
// role (staff/Role.h). A key is a service key, or a user's: a user's key can do at most what its user may
// in that organisation, now (a role taken away or a user disabled stops it at once).
//
// A key is "chk_" + 256 random bits, base64url. It is shown once, when created, and only its SHA-256 is
// stored: a copy of the database cannot be used to call the API. The prefix lets secret scanners and
// people recognise a leaked key, and lets authenticate() turn junk away without a database round trip.
#pragma once

#include "hub/staff/Role.h"
#include "hub/store/Store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::staff {

struct ApiKey {
    std::string id; // public, "key_…": names the key in logs and for revoking
    std::string organisation;
    std::string name;
    Role role = Role::staff; // what it may do: its own role, or its user's if that is less
    std::string userId;      // "" for a service key
    std::string userName;    // its user's, as history shows who acted
};

// What `clinhub keys list` shows of a key: never the key, never its hash. Times are microseconds since the
// epoch; 0 for never (last used, revoked) or no expiry.
struct ApiKeyRecord {
    std::string id;
    std::string organisation;
    std::string name;
    int64_t createdAt = 0;
    int64_t lastUsedAt = 0;
    int64_t expiresAt = 0;
    int64_t revokedAt = 0;
    Role role = Role::staff;
    std::string userId;
};

struct NewApiKey {
    std::string id;
    std::string key; // the secret; never stored, never logged
};

class ApiKeys {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    explicit ApiKeys(store::Store& store, Clock clock = store::nowMicros);

    // A key that stops working `lifetime` microseconds after it is made; 0 for one that works until revoked.
    // A user's key (`userId`) may not have a role its user lacks in the organisation. Throws UserError.
    NewApiKey create(const std::string& organisation, const std::string& name, int64_t lifetime = 0,
                     Role role = Role::staff, const std::string& userId = {});
    // The key's owner, or nullopt for an unknown, malformed, revoked or expired key, or one whose user is
    // disabled or holds no role in its organisation any more. Notes when the key was
    // used, at most once a kLastUseResolution per key: a write on every request would queue every staff call
    // behind the store's write lock for a date nobody needs to the second.
    std::optional<ApiKey> authenticate(std::string_view key);
    // False when there is no such key or it was already revoked.
    bool revoke(const std::string& id);
    // The same two changes inside the caller's write transaction, beside what records them (the audit log).
    NewApiKey create(store::Session& transaction, const std::string& organisation, const std::string& name,
                     int64_t lifetime, Role role, const std::string& userId);
    bool revoke(store::Session& transaction, const std::string& id);
    // Every key, or one organisation's, oldest first; revoked and expired ones too.
    std::vector<ApiKeyRecord> list(const std::optional<std::string>& organisation = std::nullopt);

    static constexpr int64_t kLastUseResolution = 60'000'000; // a minute

    static constexpr std::string_view kPrefix = "chk_";
    // What the store keeps of a key: SHA-256, lower-case hex.
    static std::string hash(std::string_view key);

private:
    store::Store& store_;
    Clock clock_;
};

} // namespace clinhub::staff
