// libFuzzer over what single sign-on reads from an OpenID provider (hub/staff/IdToken.cpp). The first byte
// chooses:
//   'C'  the rest is an ID token's claims, which this target signs ES256 with a key of its own, so the claim
//        checks are reached and not just the signature's refusal;
//   'J'  the rest is a key set (JWKS), a newline, and a token checked against it;
//   else the whole input is a token, checked against this target's key.
// checkIdToken never throws; it accepts exactly when it says nothing, with the claims, the issuer and the
// nonce expected; a refusal is one short printable line, too short to carry the token.
#include "hub/staff/IdToken.h"

#include "tests/fuzz/FuzzCheck.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace {

using clinhub::fuzz::require;
using namespace clinhub::staff;

std::string base64url(const std::string& bytes) {
    static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const unsigned char c : bytes) {
        buffer = (buffer << 8) | c;
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += alphabet[(buffer >> bits) & 63U];
        }
    }
    if (bits > 0) out += alphabet[(buffer << (6 - bits)) & 63U];
    return out;
}

std::string coordinate(EVP_PKEY* key, const char* name) {
    BIGNUM* value = nullptr;
    EVP_PKEY_get_bn_param(key, name, &value);
    std::string out(32, '\0');
    BN_bn2binpad(value, reinterpret_cast<unsigned char*>(out.data()), 32);
    BN_free(value);
    return out;
}

struct Signer {
    EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    KeySet keys;

    Signer() {
        const std::string jwks = R"({"keys":[{"kty":"EC","crv":"P-256","kid":"fuzz","use":"sig","x":")" +
                                 base64url(coordinate(key, OSSL_PKEY_PARAM_EC_PUB_X)) + R"(","y":")" +
                                 base64url(coordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y)) + R"("}]})";
        std::string error;
        keys = *KeySet::parse(jwks, error);
    }

    // A JWS of `claims` (any bytes), as a provider would sign it.
    std::string sign(const std::string& claims) const {
        const std::string input = base64url(R"({"alg":"ES256","kid":"fuzz"})") + "." + base64url(claims);
        std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
        std::size_t size = 0;
        EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key);
        EVP_DigestSign(context.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size());
        std::string der(size, '\0');
        EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(der.data()), &size,
                       reinterpret_cast<const unsigned char*>(input.data()), input.size());
        const auto* p = reinterpret_cast<const unsigned char*>(der.data());
        ECDSA_SIG* signature = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(size));
        std::string raw(64, '\0');
        BN_bn2binpad(ECDSA_SIG_get0_r(signature), reinterpret_cast<unsigned char*>(raw.data()), 32);
        BN_bn2binpad(ECDSA_SIG_get0_s(signature), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
        ECDSA_SIG_free(signature);
        return input + "." + base64url(raw);
    }
};

void check(const std::string& token, const KeySet& keys) {
    const IdTokenExpectations expected{"https://idp.example", "clinhub", "fuzz-nonce",
                                       std::chrono::system_clock::time_point(std::chrono::seconds(1700000000))};
    const auto result = checkIdToken(token, keys, expected);
    const bool valid = result.outcome == IdTokenCheck::Outcome::valid;
    require(valid == result.error.empty());
    require(valid == (result.claims != nullptr));
    if (valid) {
        require(jsonString(result.claims, "iss") == expected.issuer);
        require(jsonString(result.claims, "nonce") == expected.nonce);
        require(!jsonString(result.claims, "sub").empty());
    }
    // Fixed words and a few of the token's names (alg, kid, iss) cut short: never the token itself.
    require(result.error.size() <= 400);
    for (const char c : result.error)
        require(c >= ' ' && c <= '~');
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    static const Signer signer;
    if (size == 0) return 0;
    const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] == 'C') {
        check(signer.sign(rest), signer.keys);
    } else if (data[0] == 'J') {
        const auto newline = rest.find('\n');
        std::string error;
        const auto keys = KeySet::parse(rest.substr(0, newline), error);
        require(keys.has_value() == error.empty());
        if (keys) {
            require(!keys->keys().empty());
            check(newline == std::string::npos ? "" : rest.substr(newline + 1), *keys);
        }
    } else {
        check(std::string(reinterpret_cast<const char*>(data), size), signer.keys);
    }
    return 0;
}
