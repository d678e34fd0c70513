#include "hub/api/ApiKeys.h"

#include "hub/log/Log.h"

#include <Poco/Base64Encoder.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <openssl/rand.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

using namespace Poco::Data::Keywords;

namespace clinhub::api {
namespace {

constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kSecretChars = 43; // base64url of 32 bytes, unpadded

std::string randomBase64Url(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    // OpenSSL's CSPRNG, not Poco::Random (predictable) nor RandomInputStream (falls back to a weak source).
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        throw std::runtime_error("the system's random number generator failed");
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    encoder.rdbuf()->setLineLength(0);
    encoder.write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
    encoder.close();
    return out.str();
}

bool wellFormed(std::string_view key) {
    if (!key.starts_with(ApiKeys::kPrefix) || key.size() != ApiKeys::kPrefix.size() + kSecretChars) return false;
    return std::all_of(key.begin() + ApiKeys::kPrefix.size(), key.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    });
}

} // namespace

ApiKeys::ApiKeys(store::Store& store, Clock clock) : store_(store), clock_(std::move(clock)) {}

std::string ApiKeys::hash(std::string_view key) {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(key.data(), static_cast<unsigned>(key.size()));
    return Poco::DigestEngine::digestToHex(sha.digest());
}

NewApiKey ApiKeys::create(const std::string& organisation, const std::string& name, int64_t lifetime) {
    if (organisation.empty()) throw std::invalid_argument("an API key needs an organisation");
    NewApiKey created{"key_" + randomBase64Url(9), std::string(kPrefix) + randomBase64Url(kSecretBytes)};
    std::string digest = hash(created.key);
    std::string org = organisation;
    std::string label = name;
    int64_t at = clock_();
    int64_t expires = lifetime > 0 ? at + lifetime : 0;
    store_.write([&](store::Session& s) {
        s << "INSERT INTO api_keys (id, organisation, name, key_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, "
             "NULLIF(CAST(? AS BIGINT), 0))",
            use(created.id), use(org), use(label), use(digest), use(at), use(expires), now;
    });
    log::info("api_key_created", {{"key", created.id}, {"organisation", organisation}});
    return created;
}

std::optional<ApiKey> ApiKeys::authenticate(std::string_view key) {
    if (!wellFormed(key)) return std::nullopt;
    // Looked up by hash, so response time says nothing about how close a guess was.
    std::string digest = hash(key);
    int64_t at = clock_();
    std::vector<std::string> ids, organisations, names;
    std::vector<int64_t> lastUsed;
    auto s = store_.session();
    s << "SELECT id, organisation, name, COALESCE(last_used_at, 0) FROM api_keys WHERE key_hash = ? AND "
         "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
        use(digest), use(at), into(ids), into(organisations), into(names), into(lastUsed), now;
    if (ids.empty()) return std::nullopt;
    if (at - lastUsed.front() >= kLastUseResolution) {
        int64_t stale = at - kLastUseResolution;
        // Row-level, so on PostgreSQL it waits for no other writer; the condition keeps concurrent requests
        // from writing the same minute twice.
        store_.transact([&](store::Session& t) {
            t << "UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
                use(at), use(ids.front()), use(stale), now;
        });
    }
    return ApiKey{ids.front(), organisations.front(), names.front()};
}

bool ApiKeys::revoke(const std::string& id) {
    std::size_t changed = 0;
    std::string key = id;
    int64_t at = clock_();
    store_.write([&](store::Session& s) {
        Poco::Data::Statement update = s << "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
        update, use(at), use(key);
        changed = update.execute();
    });
    if (changed > 0) log::info("api_key_revoked", {{"key", id}});
    return changed > 0;
}

std::vector<ApiKeyRecord> ApiKeys::list(const std::optional<std::string>& organisation) {
    std::vector<std::string> ids, organisations, names;
    std::vector<int64_t> created, lastUsed, expires, revoked;
    std::string org = organisation.value_or("");
    auto s = store_.session();
    Poco::Data::Statement select =
        s << std::string("SELECT id, organisation, name, created_at, COALESCE(last_used_at, 0), "
                         "COALESCE(expires_at, 0), COALESCE(revoked_at, 0) FROM api_keys") +
                 (organisation ? " WHERE organisation = ?" : "") + " ORDER BY created_at, id";
    select, into(ids), into(organisations), into(names), into(created), into(lastUsed), into(expires), into(revoked);
    if (organisation) select, use(org);
    select.execute();
    std::vector<ApiKeyRecord> out;
    for (std::size_t i = 0; i < ids.size(); ++i)
        out.push_back({ids[i], organisations[i], names[i], created[i], lastUsed[i], expires[i], revoked[i]});
    return out;
}

} // namespace clinhub::api
