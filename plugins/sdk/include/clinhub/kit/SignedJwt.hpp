// Access tokens from NHS England's OAuth 2.0 token endpoint by the API platform's "signed JWT" pattern
// (application-restricted access: client credentials with a private-key JWT assertion):
// https://digital.nhs.uk/developer/guides-and-documentation/security-and-authorisation/application-restricted-restful-apis-signed-jwt-authentication
// Used by the connectors of NHS England's APIs (fhir-immunisation, nhs-notify).
//
// One token serves every call until shortly before it expires; calls from several hub threads share it, and
// while one thread fetches a token the others wait for it rather than fetching their own.
#pragma once

#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/kit/HttpClient.hpp>
#include <clinhub/plugin.hpp>

#include <Poco/Crypto/RSAKey.h>
#include <Poco/SharedPtr.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace clinhub::kit {

// Who the application is at the token endpoint.
struct SignedJwtClient {
    std::string tokenUrl; // also the JWT's aud
    std::string apiKey;   // iss and sub
    std::string kid;
    std::string privateKeyPem;
    std::string keySource; // names where the key came from, for the one error that mentions it
};

// A secret from the environment variable `name`, which the config key `key` names. Throws std::runtime_error
// ("environment variable NAME (key) is not set") when it is unset or empty.
std::string secretFromEnvironment(const std::string& name, const std::string& key);

// The client a connector's config describes with the usual keys: the API key from the variable api_key_env
// names, the private key from the variable private_key_env names or else the file private_key_file. Throws
// std::runtime_error naming the variable or file at fault, never quoting a secret.
SignedJwtClient signedJwtClient(const std::string& tokenUrl, const std::string& kid, const std::string& apiKeyEnv,
                                const std::string& privateKeyFile, const std::string& privateKeyEnv);

// The config keys of the pattern, worded alike in every connector that uses it: api_key_env, private_key_file,
// private_key_env and kid. After parse(), requireOnePrivateKey() checks that exactly one key source is given.
template <class S> ConfigEntry<S> apiKeyEnvKey(std::string S::*member) {
    return stringKey("api_key_env", member)
        .required()
        .pattern(kEnvNamePattern)
        .check(envNameCheck)
        .describe("Name of the environment variable holding the application's API key (the JWT's iss and sub)");
}
template <class S> ConfigEntry<S> privateKeyFileKey(std::string S::*member) {
    return stringKey("private_key_file", member)
        .format("path")
        .describe("PEM file of the RSA private key whose public key is registered under kid");
}
template <class S> ConfigEntry<S> privateKeyEnvKey(std::string S::*member) {
    return stringKey("private_key_env", member)
        .pattern(kEnvNamePattern)
        .check(envNameCheck)
        .describe("Instead of private_key_file: name of the environment variable holding that PEM text");
}
template <class S> ConfigEntry<S> kidKey(std::string S::*member) {
    return stringKey("kid", member)
        .required("the key id registered with the API platform")
        .describe("The key id the public key is registered under (the JWT header's kid)");
}
// Exactly one of private_key_file and private_key_env, unless either was already refused (then saying neither
// was given would mislead).
void requireOnePrivateKey(const std::string& file, const std::string& env, ConfigErrors& errors);

class SignedJwtTokens {
public:
    // Throws std::runtime_error when the private key cannot be read as an RSA key (naming keySource, never
    // quoting the key).
    SignedJwtTokens(SignedJwtClient client, HttpClient& http);

    // A bearer token: the cached one while it has life left, else a new one.
    Result get(std::string& token);

    // The API refused `token`: the next get() fetches a new one, unless another call already has.
    void refused(const std::string& token);

    // The client assertion for `nowSeconds` (Unix time): RS512, kid, iss = sub = API key, aud = token URL, a
    // fresh jti, exp five minutes on (the platform's maximum).
    [[nodiscard]] std::string assertion(int64_t nowSeconds) const;

private:
    Result fetch(std::string& token, std::chrono::seconds& lifetime);

    SignedJwtClient client_;
    Poco::SharedPtr<Poco::Crypto::RSAKey> key_;
    HttpClient& http_;

    std::mutex mutex_;
    std::string token_;
    std::chrono::steady_clock::time_point renewAt_;
};

} // namespace clinhub::kit
