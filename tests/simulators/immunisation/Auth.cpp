#include "Auth.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JWT/JWTException.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/URI.h>
#include <Poco/UUIDGenerator.h>

#include <filesystem>
#include <sstream>

namespace immsim {

namespace {

using Poco::JSON::Object;

std::map<std::string, std::string> formFields(const std::string& form) {
    std::map<std::string, std::string> out;
    std::istringstream in(form);
    for (std::string pair; std::getline(in, pair, '&');) {
        const auto eq = pair.find('=');
        std::string name, value;
        Poco::URI::decode(pair.substr(0, eq), name, true);
        if (eq != std::string::npos) Poco::URI::decode(pair.substr(eq + 1), value, true);
        out[name] = value;
    }
    return out;
}

std::string stringify(const Object& o) {
    std::ostringstream out;
    o.stringify(out);
    return out.str();
}

int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

Poco::SharedPtr<Poco::Crypto::RSAKey> Auth::publicKey(const std::string& keysOut, const std::string& publicKeyFile) {
    if (!keysOut.empty()) {
        std::filesystem::create_directories(keysOut);
        Poco::Crypto::RSAKey pair(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
        const std::string publicFile = keysOut + "/public.pem";
        pair.save(publicFile, keysOut + "/private.pem");
        std::filesystem::permissions(keysOut + "/private.pem",
                                     std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        return new Poco::Crypto::RSAKey(publicFile);
    }
    if (!publicKeyFile.empty()) return new Poco::Crypto::RSAKey(publicKeyFile);
    return nullptr;
}

Auth::Auth(const Fixture& fixture, Poco::SharedPtr<Poco::Crypto::RSAKey> publicKey, TokenSettings settings)
    : fixture_(fixture), publicKey_(std::move(publicKey)), settings_(settings) {}

Issued Auth::refuse(int status, const std::string& error, const std::string& description) {
    ++counts_.tokensRefused;
    counts_.lastRefusal = description;
    Object o;
    o.set("error", error);
    o.set("error_description", description);
    return {status, stringify(o)};
}

Issued Auth::token(const std::string& form, const std::string& audience) {
    std::lock_guard lock(mutex_);
    ++counts_.tokenRequests;
    auto fields = formFields(form);
    if (fields["grant_type"] != "client_credentials")
        return refuse(400, "unsupported_grant_type", "grant_type is missing or not 'client_credentials'");
    if (fields["client_assertion_type"] != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        return refuse(400, "invalid_request",
                      "Missing or invalid client_assertion_type - "
                      "must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'");
    const std::string jwt = fields["client_assertion"];
    if (jwt.empty()) return refuse(400, "invalid_request", "Missing client_assertion");

    Poco::JWT::Token unverified;
    try {
        // Read first without checking, to find the client; the signature is checked below.
        unverified = Poco::JWT::Token(jwt);
    } catch (const Poco::Exception&) {
        return refuse(400, "invalid_request", "Malformed JWT in client_assertion");
    }
    if (unverified.getAlgorithm() != "RS512")
        return refuse(400, "invalid_request",
                      "Invalid 'alg' header in client_assertion JWT - unsupported JWT algorithm - must be 'RS512'");
    const std::string kid = unverified.header().optValue<std::string>("kid", "");
    if (kid.empty()) return refuse(400, "invalid_request", "Missing 'kid' header in client_assertion JWT");
    const auto& claims = unverified.payload();
    const std::string iss = claims.optValue<std::string>("iss", "");
    if (iss.empty() || iss != claims.optValue<std::string>("sub", ""))
        return refuse(401, "invalid_request", "Missing or non-matching 'iss'/'sub' claims in client_assertion JWT");
    const Client* client = nullptr;
    for (const auto& c : fixture_.clients)
        if (c.apiKey == iss) client = &c;
    if (client == nullptr) return refuse(401, "invalid_request", "Invalid 'iss'/'sub' claims in client_assertion JWT");
    if (client->kid != kid)
        return refuse(401, "invalid_request", "Invalid 'kid' header in client_assertion JWT - no matching public key");
    try {
        Poco::JWT::Signer signer(publicKey_);
        signer.setAlgorithms({"RS512"});
        signer.verify(jwt);
    } catch (const Poco::Exception&) {
        return refuse(401, "public_key error", "JWT signature verification failed");
    }
    if (claims.optValue<std::string>("aud", "") != audience)
        return refuse(401, "invalid_request", "Missing or invalid 'aud' claim in client_assertion JWT");
    const std::string jti = claims.optValue<std::string>("jti", "");
    if (jti.empty()) return refuse(400, "invalid_request", "Missing 'jti' claim in client_assertion JWT");
    if (!jtis_.insert(jti).second)
        return refuse(400, "invalid_request", "Non-unique 'jti' claim in client_assertion JWT");
    // Poco::JWT checks no expiry (NOTES-poco.md): it is checked here, whole seconds as the platform wants.
    int64_t exp = 0;
    try {
        exp = claims.getValue<Poco::Int64>("exp");
    } catch (const Poco::Exception&) {
        return refuse(400, "invalid_request", "Missing exp claim in client_assertion JWT");
    }
    const int64_t now = unixNow();
    if (exp <= now)
        return refuse(400, "invalid_request", "Invalid exp claim in client_assertion JWT - JWT has expired");
    if (exp > now + 300 + 5)
        return refuse(400, "invalid_request", "Invalid exp claim in JWT - more than 5 minutes in future");

    const std::string token = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    tokens_[token] = {client, std::chrono::steady_clock::now() + std::chrono::seconds(settings_.lifetimeSeconds)};
    ++counts_.tokensIssued;
    Object o;
    o.set("access_token", token);
    if (settings_.expiresInAsNumber)
        o.set("expires_in", settings_.lifetimeSeconds);
    else
        o.set("expires_in", std::to_string(settings_.lifetimeSeconds));
    o.set("token_type", "Bearer");
    o.set("issued_at", std::to_string(now * 1000));
    return {200, stringify(o)};
}

const Client* Auth::bearer(const std::string& authorization) {
    std::lock_guard lock(mutex_);
    const std::string prefix = "Bearer ";
    const auto it =
        authorization.rfind(prefix, 0) == 0 ? tokens_.find(authorization.substr(prefix.size())) : tokens_.end();
    if (it == tokens_.end() || std::chrono::steady_clock::now() >= it->second.expires) {
        ++counts_.bearerRefused;
        return nullptr;
    }
    return it->second.client;
}

void Auth::revokeAll() {
    std::lock_guard lock(mutex_);
    tokens_.clear();
}

void Auth::setLifetime(int seconds) {
    std::lock_guard lock(mutex_);
    settings_.lifetimeSeconds = seconds;
}

void Auth::setExpiresInAsNumber(bool number) {
    std::lock_guard lock(mutex_);
    settings_.expiresInAsNumber = number;
}

Auth::Counts Auth::counts() {
    std::lock_guard lock(mutex_);
    return counts_;
}

void Auth::resetCounts() {
    std::lock_guard lock(mutex_);
    counts_ = {};
}

} // namespace immsim
