// NHS England's OAuth 2.0 token endpoint for application-restricted APIs, "signed JWT" pattern: a POSTed
// client assertion (RS512, kid, iss = sub = an API key, aud = this endpoint, exp at most 5 minutes on, a
// jti never seen before), checked against the registered public key, buys a bearer token of limited life.
// Refusals carry OAuth 2.0 error bodies with the platform's wording.
#pragma once

#include "Fixture.h"

#include <Poco/Crypto/RSAKey.h>
#include <Poco/SharedPtr.h>

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace immsim {

struct TokenSettings {
    int lifetimeSeconds = 599;
    bool expiresInAsNumber = false; // the platform sends "599", a string; a number tests the other reading
};

struct Issued {
    int status = 200;
    std::string body; // JSON
};

class Auth {
public:
    // The public key clients' JWTs are checked against: with `keysOut`, a fresh RSA pair made there
    // (keysOut/private.pem for the client, keysOut/public.pem); else the PEM file `publicKeyFile`; null when
    // both are empty. Test keys only.
    static Poco::SharedPtr<Poco::Crypto::RSAKey> publicKey(const std::string& keysOut,
                                                           const std::string& publicKeyFile);

    Auth(const Fixture& fixture, Poco::SharedPtr<Poco::Crypto::RSAKey> publicKey, TokenSettings settings);

    // The token endpoint: `form` is the POSTed body, `audience` this endpoint's URL as the client sees it.
    Issued token(const std::string& form, const std::string& audience);

    // The client a bearer token was issued to; null when the header holds no live token.
    const Client* bearer(const std::string& authorization);

    void revokeAll();
    void setLifetime(int seconds);
    void setExpiresInAsNumber(bool number);

    struct Counts {
        int tokenRequests = 0;
        int tokensIssued = 0;
        int tokensRefused = 0;
        int bearerRefused = 0;
        std::string lastRefusal;
    };
    Counts counts();
    void resetCounts();

private:
    Issued refuse(int status, const std::string& error, const std::string& description);

    const Fixture& fixture_;
    Poco::SharedPtr<Poco::Crypto::RSAKey> publicKey_;
    std::mutex mutex_;
    TokenSettings settings_;
    std::set<std::string> jtis_;
    struct Live {
        const Client* client;
        std::chrono::steady_clock::time_point expires;
    };
    std::map<std::string, Live> tokens_;
    Counts counts_;
};

} // namespace immsim
