// Checking an OpenID Connect ID token: a JWS signed RS256 or ES256 by a key of the provider's key set (its
// JWKS), carrying the claims OpenID Connect Core 1.0 §3.1.3.7 requires. No network and no clock of its own:
// OidcClient feeds it what it fetched, and the tests and the fuzz target feed it what they like.
#pragma once

#include <Poco/JSON/Object.h>

#include <openssl/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clinhub::staff {

// The most of an ID token read: a few claims and a signature are a couple of KiB; CIS2's role claims more.
inline constexpr std::size_t kMaxIdTokenBytes = std::size_t{64} << 10;

// The member `name` of `object` when it is a string, else "".
std::string jsonString(const Poco::JSON::Object::Ptr& object, const std::string& name);

// A provider's words, fit for a message: printable ASCII only, and at most `limit` characters of them.
std::string printable(std::string_view words, std::size_t limit = 200);

// `text` as a JSON object, or nullptr when it is not one (or nests deeper than anything a provider sends).
Poco::JSON::Object::Ptr parseJsonObject(const std::string& text);

// The provider's signing keys. A JWKS also lists keys this client cannot or must not use (encryption keys,
// symmetric keys, other curves, RSA under 2048 bits): those are left out, not refused.
class KeySet {
public:
    // The usable keys of a JWKS document, or nullopt with `error` saying why the document is none.
    static std::optional<KeySet> parse(const std::string& json, std::string& error);

    struct Key {
        std::string kid;
        std::string alg; // what the key's type allows: RS256 for RSA, ES256 for P-256
        std::shared_ptr<EVP_PKEY> key;
    };
    [[nodiscard]] const std::vector<Key>& keys() const { return keys_; }

private:
    std::vector<Key> keys_;
};

struct IdTokenExpectations {
    std::string issuer;
    std::string clientId;
    std::string nonce;
    std::chrono::system_clock::time_point now;
    // Clocks of the hub and the provider disagree a little; a minute is what providers allow themselves.
    std::chrono::seconds clockSkew{60};
};

struct IdTokenCheck {
    enum class Outcome {
        valid,
        unknownKey, // signed by a key the set lacks: the provider may have rotated its keys since it was fetched
        refused,
    };
    Outcome outcome = Outcome::refused;
    std::string error;              // why, unless valid; never the token or a claim's value beyond names
    Poco::JSON::Object::Ptr claims; // when valid
};

IdTokenCheck checkIdToken(const std::string& token, const KeySet& keys, const IdTokenExpectations& expected);

} // namespace clinhub::staff
