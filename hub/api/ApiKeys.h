// Staff API keys: each belongs to one organisation and opens only that organisation's resources.
//
// A key is "chk_" + 256 random bits, base64url. It is shown once, when created, and only its SHA-256 is
// stored: a copy of the database cannot be used to call the API. The prefix lets secret scanners and
// people recognise a leaked key, and lets authenticate() turn junk away without a database round trip.
#pragma once

#include "hub/store/Store.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace clinhub::api {

struct ApiKey {
    std::string id; // public, "key_…": names the key in logs and for revoking
    std::string organisation;
    std::string name;
};

struct NewApiKey {
    std::string id;
    std::string key; // the secret; never stored, never logged
};

class ApiKeys {
public:
    using Clock = std::function<int64_t()>; // microseconds since the epoch

    explicit ApiKeys(store::Store& store, Clock clock = store::nowMicros);

    NewApiKey create(const std::string& organisation, const std::string& name);
    // The key's owner, or nullopt for an unknown, malformed or revoked key.
    std::optional<ApiKey> authenticate(std::string_view key);
    // False when there is no such key or it was already revoked.
    bool revoke(const std::string& id);

    static constexpr std::string_view kPrefix = "chk_";
    // What the store keeps of a key: SHA-256, lower-case hex.
    static std::string hash(std::string_view key);

private:
    store::Store& store_;
    Clock clock_;
};

} // namespace clinhub::api
