// Staff single sign-on against a real OpenID provider (npm oidc-provider, started per test): the whole
// authorisation code flow with PKCE, and every check the client makes of the provider's reply and ID token.
#include "hub/staff/OidcClient.h"
#include "hub/workflows/Tokens.h"
#include "tests/staff/OidcProvider.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/SHA2Engine.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

namespace clinhub::test {
namespace {

using staff::OidcClient;
using staff::OidcSettings;
using ::testing::HasSubstr;

class OidcClientTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_FALSE(provider.issuer().empty()) << "oidc_provider.mjs did not start"; }

    OidcSettings settings(const std::string& clientId = "clinhub-test") const {
        OidcSettings s;
        s.issuer = provider.issuer();
        s.clientId = clientId;
        s.clientSecret = provider.options().clientSecret;
        s.redirectUri = provider.options().redirectUri;
        return s;
    }

    // Signs in through the provider; the redirect back, with the code, the state and the issuer.
    std::string signIn(const staff::Start& start) {
        EXPECT_TRUE(start.ok()) << start.error;
        std::string location = provider.signIn(start.url);
        EXPECT_TRUE(location.starts_with(provider.options().redirectUri)) << location;
        return location;
    }

    staff::OidcResult finish(OidcClient& client, const staff::PendingSignIn& pending, const std::string& location) {
        return client.finish(pending, queryParameter(location, "code"), queryParameter(location, "state"),
                             queryParameter(location, "iss"));
    }

    // Claims of a good ID token for this client, as the provider would make them; each test spoils one.
    Poco::JSON::Object goodClaims(const std::string& nonce) const {
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        Poco::JSON::Object claims;
        claims.set("iss", provider.issuer());
        claims.set("sub", "jo-example-0001");
        claims.set("aud", "clinhub-test");
        claims.set("iat", now);
        claims.set("exp", now + 300);
        claims.set("nonce", nonce);
        claims.set("email", "jo.example@test-surgery.example");
        return claims;
    }

    OidcProvider provider;
};

TEST_F(OidcClientTest, GoodSignInGivesTheAccountsSubjectEmailAndName) {
    OidcClient client(settings());
    const auto start = client.begin();
    const auto result = finish(client, start.pending, signIn(start));

    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.claims->subject, "jo-example-0001");
    EXPECT_EQ(result.claims->email, "jo.example@test-surgery.example");
    EXPECT_EQ(result.claims->name, "Jo Example");
    EXPECT_EQ(result.claims->strings("email"), std::vector<std::string>{"jo.example@test-surgery.example"});
    EXPECT_EQ(result.claims->strings("family_name"), std::vector<std::string>{"Example"});
}

TEST_F(OidcClientTest, IdTokensSignedWithEs256AreAccepted) {
    // The provider signs this client's ID tokens with its P-256 key.
    OidcClient client(settings("clinhub-test-es256"));
    const auto start = client.begin();
    const auto result = finish(client, start.pending, signIn(start));

    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.claims->email, "jo.example@test-surgery.example");
}

TEST_F(OidcClientTest, AuthorisationUrlCarriesAnS256ChallengeOfTheVerifierAndFreshSecrets) {
    OidcClient client(settings());
    const auto start = client.begin();
    ASSERT_TRUE(start.ok()) << start.error;

    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(start.pending.codeVerifier);
    const auto& digest = sha.digest();
    EXPECT_EQ(queryParameter(start.url, "code_challenge"),
              workflows::base64({reinterpret_cast<const char*>(digest.data()), digest.size()}, true));
    EXPECT_EQ(queryParameter(start.url, "code_challenge_method"), "S256");
    EXPECT_EQ(queryParameter(start.url, "response_type"), "code");
    EXPECT_EQ(queryParameter(start.url, "client_id"), "clinhub-test");
    EXPECT_EQ(queryParameter(start.url, "redirect_uri"), provider.options().redirectUri);
    EXPECT_EQ(queryParameter(start.url, "scope"), "openid email profile");
    EXPECT_EQ(queryParameter(start.url, "state"), start.pending.state);
    EXPECT_EQ(queryParameter(start.url, "nonce"), start.pending.nonce);
    EXPECT_EQ(start.url.find(start.pending.codeVerifier), std::string::npos) << "the verifier stays with the hub";
    // 256 bits in base64url is 43 characters.
    EXPECT_EQ(start.pending.state.size(), 43U);
    EXPECT_EQ(start.pending.nonce.size(), 43U);
    EXPECT_EQ(start.pending.codeVerifier.size(), 43U);

    const auto again = client.begin();
    EXPECT_NE(again.pending.state, start.pending.state);
    EXPECT_NE(again.pending.nonce, start.pending.nonce);
    EXPECT_NE(again.pending.codeVerifier, start.pending.codeVerifier);
}

TEST_F(OidcClientTest, WrongStateIsRefusedBeforeTheCodeIsRedeemed) {
    OidcClient client(settings());
    const auto start = client.begin();
    const auto location = signIn(start);

    const auto forged = client.finish(start.pending, queryParameter(location, "code"), "not-this-sign-ins-state",
                                      queryParameter(location, "iss"));
    EXPECT_FALSE(forged.ok());
    EXPECT_THAT(forged.error, HasSubstr("state does not match"));

    // The code is still good: the refusal never reached the token endpoint, where redeeming would spend it.
    const auto result = finish(client, start.pending, location);
    EXPECT_TRUE(result.ok()) << result.error;
}

TEST_F(OidcClientTest, ReplayedCodeIsRefusedAndTheErrorSaysInvalidGrant) {
    OidcClient client(settings());
    const auto start = client.begin();
    const auto location = signIn(start);
    ASSERT_TRUE(finish(client, start.pending, location).ok());

    const auto replay = finish(client, start.pending, location);
    EXPECT_FALSE(replay.ok());
    EXPECT_THAT(replay.error, HasSubstr("the provider's reply says invalid_grant"));
    EXPECT_EQ(replay.error.find(queryParameter(location, "code")), std::string::npos) << "no code in messages";
}

TEST_F(OidcClientTest, CodeOfAnotherSignInIsRefusedForItsVerifier) {
    OidcClient client(settings());
    const auto first = client.begin();
    const auto second = client.begin();
    const auto location = signIn(first);

    // The code and state of the first, with the second's verifier: PKCE binds a code to its own sign-in.
    auto pending = second.pending;
    pending.state = first.pending.state;
    const auto result = finish(client, pending, location);
    EXPECT_FALSE(result.ok());
    EXPECT_THAT(result.error, HasSubstr("invalid_grant"));
}

TEST_F(OidcClientTest, NonceOfAnotherSignInIsRefused) {
    OidcClient client(settings());
    const auto start = client.begin();
    const auto location = signIn(start);

    auto pending = start.pending;
    pending.nonce = client.begin().pending.nonce;
    const auto result = finish(client, pending, location);
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(result.error, "the ID token's nonce does not match this sign-in");
}

TEST_F(OidcClientTest, RedirectNamingAnotherIssuerIsRefused) {
    OidcClient client(settings());
    const auto start = client.begin();
    const auto location = signIn(start);

    const auto mixedUp = client.finish(start.pending, queryParameter(location, "code"),
                                       queryParameter(location, "state"), std::string("https://idp.example"));
    EXPECT_THAT(mixedUp.error, HasSubstr("names issuer \"https://idp.example\", not this provider"));
    // This provider always names itself (RFC 9207), so a redirect without iss is as suspect.
    const auto unnamed =
        client.finish(start.pending, queryParameter(location, "code"), queryParameter(location, "state"));
    EXPECT_THAT(unnamed.error, HasSubstr("names no issuer"));
}

TEST(OidcClientCodeLifetime, ExpiredCodeIsRefusedByTheProvider) {
    OidcProvider provider({.codeTtlSeconds = 1});
    ASSERT_FALSE(provider.issuer().empty());
    OidcClient client(
        {provider.issuer(), "clinhub-test", provider.options().clientSecret, provider.options().redirectUri});
    const auto start = client.begin();
    const auto location = provider.signIn(start.url);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));

    const auto result = client.finish(start.pending, queryParameter(location, "code"),
                                      queryParameter(location, "state"), queryParameter(location, "iss"));
    EXPECT_FALSE(result.ok());
    EXPECT_THAT(result.error, HasSubstr("invalid_grant"));
}

// --- ID tokens made to order, signed with the provider's own keys -------------------------------------------

TEST_F(OidcClientTest, TokenMadeToOrderPassesWhenNothingIsWrong) {
    // So the refusals below are each for the one thing spoiled.
    OidcClient client(settings());
    const auto result = client.checkIdToken(provider.sign(goodClaims("n-1")), "n-1");
    ASSERT_TRUE(result.ok()) << result.error;
    EXPECT_EQ(result.claims->subject, "jo-example-0001");
    EXPECT_TRUE(client.checkIdToken(provider.sign(goodClaims("n-1"), "ec-1"), "n-1").ok());
}

TEST_F(OidcClientTest, ExpiredIdTokenIsRefused) {
    OidcClient client(settings());
    auto claims = goodClaims("n-1");
    claims.set("iat", claims.getValue<long long>("iat") - 3600);
    claims.set("exp", claims.getValue<long long>("iat") + 600);
    EXPECT_THAT(client.checkIdToken(provider.sign(claims), "n-1").error, HasSubstr("the ID token expired"));
}

TEST_F(OidcClientTest, IdTokenIssuedInTheFutureIsRefused) {
    OidcClient client(settings());
    auto claims = goodClaims("n-1");
    claims.set("iat", claims.getValue<long long>("iat") + 3600);
    claims.set("exp", claims.getValue<long long>("iat") + 600);
    EXPECT_THAT(client.checkIdToken(provider.sign(claims), "n-1").error, HasSubstr("seconds in the future"));
}

TEST_F(OidcClientTest, IdTokenFromAnotherIssuerIsRefused) {
    OidcClient client(settings());
    auto claims = goodClaims("n-1");
    claims.set("iss", "https://idp.example");
    EXPECT_THAT(client.checkIdToken(provider.sign(claims), "n-1").error,
                HasSubstr("issued by \"https://idp.example\", not by this provider"));
}

TEST_F(OidcClientTest, IdTokenForAnotherClientIsRefused) {
    OidcClient client(settings());
    auto claims = goodClaims("n-1");
    claims.set("aud", "another-client");
    EXPECT_THAT(client.checkIdToken(provider.sign(claims), "n-1").error, HasSubstr("for another client"));

    // Among several audiences, the authorised party must be this client.
    Poco::JSON::Array audiences;
    audiences.add("clinhub-test");
    audiences.add("another-client");
    claims.set("aud", audiences);
    EXPECT_THAT(client.checkIdToken(provider.sign(claims), "n-1").error, HasSubstr("authorised party (azp)"));
    claims.set("azp", "clinhub-test");
    EXPECT_TRUE(client.checkIdToken(provider.sign(claims), "n-1").ok());
}

TEST_F(OidcClientTest, UnsignedAndHmacSignedIdTokensAreRefused) {
    OidcClient client(settings());
    EXPECT_THAT(client.checkIdToken(provider.sign(goodClaims("n-1"), "rsa-1", "none"), "n-1").error,
                HasSubstr("alg \"none\""));
    // HS256 keyed with the client secret: valid OpenID Connect, but the secret is not the provider's alone.
    EXPECT_THAT(client.checkIdToken(provider.sign(goodClaims("n-1"), "rsa-1", "HS256"), "n-1").error,
                HasSubstr("alg \"HS256\""));
    // An RSA key's token relabelled ES256 (and the reverse) is no ES256 signature.
    EXPECT_FALSE(client.checkIdToken(provider.sign(goodClaims("n-1"), "rsa-1", "ES256"), "n-1").ok());
}

TEST_F(OidcClientTest, IdTokenWithAlteredClaimsFailsItsSignature) {
    OidcClient client(settings());
    const std::string genuine = provider.sign(goodClaims("n-1"));
    auto other = goodClaims("n-1");
    other.set("email", "someone.else@test-surgery.example");
    const std::string altered = provider.sign(other);
    // The altered claims with the genuine token's header and signature.
    const std::string spliced = genuine.substr(0, genuine.find('.')) +
                                altered.substr(altered.find('.'), altered.rfind('.') - altered.find('.')) +
                                genuine.substr(genuine.rfind('.'));
    EXPECT_THAT(client.checkIdToken(spliced, "n-1").error, HasSubstr("signature does not verify"));
}

TEST_F(OidcClientTest, KeyTheProviderNeverPublishedIsRefused) {
    OidcClient client(settings());
    EXPECT_THAT(client.checkIdToken(provider.sign(goodClaims("n-1"), "unpublished"), "n-1").error,
                HasSubstr("key \"unpublished\" (RS256), which is not in the provider's key set"));
}

TEST_F(OidcClientTest, RotatedKeyIsFetchedWhenATokenNamesIt) {
    OidcClient client(settings());
    ASSERT_TRUE(client.checkIdToken(provider.sign(goodClaims("n-1")), "n-1").ok()); // the key set is now cached
    const std::string kid = provider.rotateKeys();
    const auto result = client.checkIdToken(provider.sign(goodClaims("n-1"), kid), "n-1");
    EXPECT_TRUE(result.ok()) << result.error;
}

// --- Providers that cannot be trusted or reached ---------------------------------------------------------------

TEST(OidcClientSettings, PlainHttpToAnIssuerOffThisMachineIsRefused) {
    try {
        OidcClient client({"http://idp.test-surgery.example", "clinhub-test", "not-a-real-secret",
                           "https://hub.test-surgery.example/staff/sign-in/callback"});
        FAIL() << "accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_THAT(e.what(), HasSubstr("the issuer http://idp.test-surgery.example is not https"));
    }
}

TEST_F(OidcClientTest, ProviderWhoseConfigurationNamesAnotherIssuerIsRefused) {
    // The same provider reached as localhost: its configuration still says 127.0.0.1, as its tokens will.
    auto s = settings();
    s.issuer = "http://localhost:" + std::to_string(Poco::URI(provider.issuer()).getPort());
    OidcClient client(s);
    const auto start = client.begin();
    EXPECT_FALSE(start.ok());
    EXPECT_THAT(start.error, HasSubstr("names issuer \"" + provider.issuer() + "\", not \"" + s.issuer + "\""));
}

TEST_F(OidcClientTest, IssuerWithNoConfigurationGivesTheProvidersOwnWords) {
    // The provider answers 404 for a path it does not serve, with an OAuth error of its own.
    auto s = settings();
    s.issuer = provider.issuer() + "/not-an-issuer";
    OidcClient client(s);
    const auto start = client.begin();
    EXPECT_FALSE(start.unavailable);
    EXPECT_THAT(start.error, HasSubstr("fetching the provider's configuration: the provider's reply says "
                                       "invalid_request: unrecognized route"));
}

TEST(OidcClientUnreachable, IssuerThatDoesNotAnswerFailsWithinTheTimeout) {
    // Listening, never answering: the kernel completes the connection, and nothing more happens.
    Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
    OidcSettings s{"http://127.0.0.1:" + std::to_string(silent.address().port()), "clinhub-test", "not-a-real-secret",
                   "https://hub.test-surgery.example/staff/sign-in/callback"};
    s.timeout = std::chrono::milliseconds(500);
    OidcClient client(s);

    const auto began = std::chrono::steady_clock::now();
    const auto start = client.begin();
    const auto took = std::chrono::steady_clock::now() - began;
    EXPECT_FALSE(start.ok());
    EXPECT_TRUE(start.unavailable);
    EXPECT_THAT(start.error, HasSubstr("fetching the provider's configuration failed"));
    EXPECT_THAT(start.error, HasSubstr("timed out"));
    EXPECT_LT(took, std::chrono::seconds(5)); // ten times the timeout: a busy CI machine, not a hang
}

} // namespace
} // namespace clinhub::test
