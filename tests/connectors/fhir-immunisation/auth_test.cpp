// The signed-JWT client credentials: one token serves calls until shortly before it expires, a refused
// token is replaced once, and a refused assertion is permanent with the token endpoint's reason.
#include "ImmunisationFixture.h"

#include <Poco/Crypto/EVPPKey.h>
#include <Poco/Crypto/RSAKey.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace {

using namespace clinhub::test;
using clinhub::Status;

using AuthTest = ImmunisationTest;

TEST_F(AuthTest, OneTokenServesManyCalls) {
    auto& r = records();
    for (int i = 0; i < 5; ++i)
        ASSERT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok());
    EXPECT_EQ(stat("token_requests"), 1);
    EXPECT_EQ(stat("tokens_refused"), 0) << stats()->getValue<std::string>("last_refusal");
    EXPECT_EQ(stat("searches"), 5);
    EXPECT_EQ(stat("bearer_refused"), 0);
}

class ShortTokenTest : public ImmunisationTest {
protected:
    std::vector<std::string> simArgs() override { return {"--token-lifetime-s", "2"}; }
};

TEST_F(ShortTokenTest, ATokenIsRenewedBeforeItExpires) {
    auto& r = records();
    ASSERT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok());
    ASSERT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok());
    EXPECT_EQ(stat("token_requests"), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    ASSERT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok());
    EXPECT_EQ(stat("token_requests"), 2) << "renewed, not sent expired";
    EXPECT_EQ(stat("bearer_refused"), 0) << "an expired token was never sent";
}

class NumericExpiryTest : public ImmunisationTest {
protected:
    std::vector<std::string> simArgs() override { return {"--token-lifetime-s", "2", "--expires-in-number", "1"}; }
};

TEST_F(NumericExpiryTest, ExpiresInAsANumberIsReadToo) {
    auto& r = records();
    ASSERT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));
    ASSERT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok());
    EXPECT_EQ(stat("token_requests"), 2);
    EXPECT_EQ(stat("bearer_refused"), 0);
}

TEST_F(AuthTest, ARefusedTokenIsReplacedOnceAndTheSearchRetried) {
    auto& r = records();
    ASSERT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok());
    sim_->control("POST", "/_sim/revoke");
    const auto h = history(r, kVaccinated, {"COVID"});
    ASSERT_TRUE(h.result.ok()) << h.result.message;
    EXPECT_EQ(h.doses.size(), 2U);
    EXPECT_EQ(stat("token_requests"), 2);
    EXPECT_EQ(stat("bearer_refused"), 1);
    EXPECT_EQ(stat("searches"), 3);
}

class DeadOnArrivalTokenTest : public ImmunisationTest {
protected:
    std::vector<std::string> simArgs() override { return {"--token-lifetime-s", "0"}; }
};

TEST_F(DeadOnArrivalTokenTest, AFreshTokenRefusedTooIsPermanentAfterOneRefresh) {
    auto& r = records();
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("HTTP 401"), std::string::npos) << h.result.message;
    EXPECT_NE(h.result.message.find("for a freshly issued access token too"), std::string::npos) << h.result.message;
    EXPECT_EQ(stat("token_requests"), 2) << "one refresh, no more";
    EXPECT_EQ(stat("searches"), 2);
}

TEST_F(AuthTest, AnUnregisteredKidIsPermanentWithThePlatformsReason) {
    auto& r = records(config(R"(, "kid": "not-registered")"));
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("NHS token endpoint refused the signed JWT: HTTP 401"), std::string::npos)
        << h.result.message;
    EXPECT_NE(h.result.message.find("no matching public key"), std::string::npos) << h.result.message;
    EXPECT_EQ(stat("searches"), 0);
}

TEST_F(AuthTest, AnAssertionSignedWithAnotherKeyIsRefused) {
    Poco::Crypto::RSAKey other(Poco::Crypto::RSAKey::KL_2048, Poco::Crypto::RSAKey::EXP_LARGE);
    const std::string file = keys_.file("other-private.pem");
    other.save("", file);
    keyField_ = R"("private_key_file": ")" + file + R"(")";
    auto& r = records();
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("signature verification failed"), std::string::npos) << h.result.message;
}

TEST_F(AuthTest, AnUnknownApiKeyIsRefused) {
    setenv(kApiKeyEnv, "some-other-application", 1);
    auto& r = records();
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::permanent);
    EXPECT_NE(h.result.message.find("Invalid 'iss'/'sub' claims"), std::string::npos) << h.result.message;
    EXPECT_EQ(h.result.message.find("some-other-application"), std::string::npos) << "the key is not quoted";
}

TEST_F(AuthTest, ThePrivateKeyMayComeFromTheEnvironment) {
    std::ifstream in(privateKey());
    std::ostringstream pem;
    pem << in.rdbuf();
    setenv("CLINHUB_TEST_IMMUNISATION_KEY", pem.str().c_str(), 1);
    keyField_ = R"("private_key_env": "CLINHUB_TEST_IMMUNISATION_KEY")";
    auto& r = records();
    EXPECT_TRUE(history(r, kVaccinated, {"COVID"}).result.ok());
    unsetenv("CLINHUB_TEST_IMMUNISATION_KEY");
}

TEST_F(AuthTest, APkcs8KeyAsOpenssl3WritesItSignsToo) {
    // NHS England's guide makes the key with `openssl genrsa`, which OpenSSL 3 writes as PKCS#8.
    const std::string file = keys_.file("pkcs8.pem");
    Poco::Crypto::EVPPKey("", privateKey()).save("", file);
    std::ifstream in(file);
    std::string first;
    std::getline(in, first);
    ASSERT_EQ(first, "-----BEGIN PRIVATE KEY-----");
    keyField_ = R"("private_key_file": ")" + file + R"(")";
    auto& r = records();
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_TRUE(h.result.ok()) << h.result.message;
}

TEST_F(AuthTest, AnUnreachableTokenEndpointIsRetryable) {
    auto& r = records();
    sim_->stop();
    const auto h = history(r, kVaccinated, {"COVID"});
    EXPECT_EQ(h.result.status, Status::retryable);
    EXPECT_NE(h.result.message.find("NHS token endpoint"), std::string::npos) << h.result.message;
}

} // namespace
