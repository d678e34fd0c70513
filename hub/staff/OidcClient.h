// Staff single sign-on through OpenID Connect: the authorisation code flow with PKCE, as NHS CIS2 smartcard
// sign-in works. begin() makes the provider's sign-in URL and the secrets the hub keeps for the sign-in (in
// the staff member's server-side session); finish() takes the provider's redirect back, redeems the code
// and checks the ID token, and says who signed in or, in plain words, why not.
//
// Nothing the provider does throws: no answer, a 500, a malformed reply become an error in the result.
// Errors name what was wrong, never a code, a token or a secret.
#pragma once

#include "hub/staff/IdToken.h"

#include <Poco/JSON/Object.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace clinhub::kit {
class HttpClient;
struct HttpRequest;
} // namespace clinhub::kit

namespace clinhub::staff {

struct OidcSettings {
    std::string issuer; // exactly as the provider writes it in its tokens
    std::string clientId;
    std::string clientSecret;
    std::string redirectUri;
    std::string scopes = "openid email profile";
    std::chrono::milliseconds timeout{10000}; // for each call to the provider
};

// What the hub keeps between begin() and finish(), server-side: none of it may reach anyone but the provider.
struct PendingSignIn {
    std::string state;
    std::string nonce;
    std::string codeVerifier;
};

struct Start {
    std::string url; // where to send the staff member's browser
    PendingSignIn pending;
    std::string error;
    bool unavailable = false; // the provider did not answer, or answered 5xx: try again later
    [[nodiscard]] bool ok() const { return error.empty(); }
};

struct StaffClaims {
    std::string subject;
    std::string email;
    std::string name;
    Poco::JSON::Object::Ptr all; // every claim of the ID token, for the one the configuration maps to users

    // The claim as strings: a string claim is one, an array its string members; anything else is none.
    [[nodiscard]] std::vector<std::string> strings(const std::string& claim) const;
};

struct OidcResult {
    std::optional<StaffClaims> claims;
    std::string error;
    bool unavailable = false;
    [[nodiscard]] bool ok() const { return error.empty(); }
};

class OidcClient {
public:
    // Throws std::invalid_argument for settings no sign-in could work with: an issuer or redirect URI that is
    // not https (plain http is allowed to loopback addresses only, for tests), or no client id.
    explicit OidcClient(OidcSettings settings);
    ~OidcClient();
    OidcClient(const OidcClient&) = delete;
    OidcClient& operator=(const OidcClient&) = delete;

    Start begin();

    // `code`, `state` and, where the provider sends it (RFC 9207), `iss` are the redirect's query parameters.
    OidcResult finish(const PendingSignIn& pending, const std::string& code, const std::string& state,
                      const std::optional<std::string>& iss = std::nullopt);

    // finish()'s last step alone: the ID token checked against the provider's keys and this sign-in's nonce.
    OidcResult checkIdToken(const std::string& idToken, const std::string& nonce);

private:
    struct Discovery {
        std::string authorizationEndpoint;
        std::string tokenEndpoint;
        std::string jwksUri;
        bool secretInBody = false; // client_secret_post, where the provider does not take client_secret_basic
        bool sendsIssuer = false;  // RFC 9207: the redirect carries iss, and must
    };
    struct Failure {
        std::string error;
        bool unavailable = false;
    };

    std::optional<Discovery> discovery(Failure& failure);
    std::shared_ptr<const KeySet> keys(bool refetch, Failure& failure);
    // The provider's reply to `request` as a JSON object, or nullptr with `failure` saying why; `what` names
    // the call in messages.
    Poco::JSON::Object::Ptr call(const kit::HttpRequest& request, const std::string& what, Failure& failure);
    OidcResult redeem(const Discovery& endpoints, const PendingSignIn& pending, const std::string& code);

    OidcSettings settings_;
    std::unique_ptr<kit::HttpClient> http_;
    std::mutex mutex_; // guards the two caches below
    std::optional<Discovery> discovery_;
    std::shared_ptr<const KeySet> keys_;
};

} // namespace clinhub::staff
