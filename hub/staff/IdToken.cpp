#include "hub/staff/IdToken.h"

#include "hub/workflows/Tokens.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <cmath>
#include <string_view>

namespace clinhub::staff {

namespace {

// Claims nest a few levels (CIS2's roles are arrays of objects); Poco's default of 128 is more than any
// provider needs and more than a hostile reply deserves.
constexpr std::size_t kMaxJsonDepth = 32;
constexpr std::size_t kMaxKeys = 64;

template <class T, void (*Free)(T*)> struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using ParamBuilder = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyContext = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EcdsaSignature = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>>;

// Strict base64url without padding, as JOSE writes it; nullopt for anything else.
std::optional<std::string> unbase64url(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : text) {
        int value = 0;
        if (c >= 'A' && c <= 'Z')
            value = c - 'A';
        else if (c >= 'a' && c <= 'z')
            value = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            value = c - '0' + 52;
        else if (c == '-')
            value = 62;
        else if (c == '_')
            value = 63;
        else
            return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFFU);
        }
    }
    if (bits >= 6) return std::nullopt; // one character over a whole group encodes no byte
    return out;
}

std::string quoted(std::string_view value) { return "\"" + printable(value, 80) + "\""; }

Bignum bignum(const std::string& bytes) {
    return Bignum(
        BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()), nullptr));
}

std::shared_ptr<EVP_PKEY> fromParams(const char* type, const ParamBuilder& builder) {
    const Params params(OSSL_PARAM_BLD_to_param(builder.get()));
    const PkeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
        return nullptr;
    return {key, EVP_PKEY_free};
}

// Poco 1.11's RSAKey and ECKey are made from PEM only; a JWK gives the numbers, which OpenSSL 3 takes as
// parameters.
std::shared_ptr<EVP_PKEY> rsaKey(const std::string& n, const std::string& e) {
    // 2048 bits at least (RFC 7518 §3.3); 8192 at most, as no provider uses more and verifying costs with size.
    if (n.size() < 256 || n.size() > 1024 || e.empty() || e.size() > 8) return nullptr;
    const Bignum modulus = bignum(n);
    const Bignum exponent = bignum(e);
    const ParamBuilder builder(OSSL_PARAM_BLD_new());
    if (!modulus || !exponent || !builder ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1)
        return nullptr;
    auto key = fromParams("RSA", builder);
    return key && EVP_PKEY_get_bits(key.get()) >= 2048 ? key : nullptr;
}

std::shared_ptr<EVP_PKEY> p256Key(const std::string& x, const std::string& y) {
    if (x.size() != 32 || y.size() != 32) return nullptr;
    std::string point = "\x04" + x + y; // uncompressed, SEC 1 §2.3.3
    const ParamBuilder builder(OSSL_PARAM_BLD_new());
    if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
        return nullptr;
    // Importing decodes the point, which refuses one off the curve.
    return fromParams("EC", builder);
}

std::optional<KeySet::Key> usableKey(const Poco::JSON::Object::Ptr& jwk) {
    const std::string use = jsonString(jwk, "use");
    if (!use.empty() && use != "sig") return std::nullopt;
    KeySet::Key key{jsonString(jwk, "kid"), {}, nullptr};
    const std::string kty = jsonString(jwk, "kty");
    const auto part = [&](const char* name) { return unbase64url(jsonString(jwk, name)).value_or(std::string{}); };
    if (kty == "RSA") {
        key.alg = "RS256";
        key.key = rsaKey(part("n"), part("e"));
    } else if (kty == "EC" && jsonString(jwk, "crv") == "P-256") {
        key.alg = "ES256";
        key.key = p256Key(part("x"), part("y"));
    }
    const std::string alg = jsonString(jwk, "alg");
    if (!key.key || (!alg.empty() && alg != key.alg)) return std::nullopt;
    return key;
}

bool verify(const KeySet::Key& key, std::string_view input, std::string signature) {
    if (key.alg == "ES256") {
        // JWS gives r and s side by side (RFC 7518 §3.4); OpenSSL verifies the DER form.
        if (signature.size() != 64) return false;
        EcdsaSignature ecdsa(ECDSA_SIG_new());
        Bignum r = bignum(signature.substr(0, 32));
        Bignum s = bignum(signature.substr(32));
        if (!ecdsa || !r || !s || ECDSA_SIG_set0(ecdsa.get(), r.get(), s.get()) != 1) return false;
        (void)r.release(); // now the signature's
        (void)s.release();
        const int size = i2d_ECDSA_SIG(ecdsa.get(), nullptr);
        if (size <= 0) return false;
        signature.assign(static_cast<std::size_t>(size), '\0');
        auto* out = reinterpret_cast<unsigned char*>(signature.data());
        if (i2d_ECDSA_SIG(ecdsa.get(), &out) != size) return false;
    }
    const DigestContext context(EVP_MD_CTX_new());
    return context && EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.key.get()) == 1 &&
           EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
}

// The numeric date `name` (seconds since the epoch), or nullopt when it is missing or not a number.
std::optional<double> numericDate(const Poco::JSON::Object::Ptr& claims, const std::string& name) {
    const auto value = claims->get(name);
    if (value.isEmpty() || !value.isNumeric()) return std::nullopt;
    const double seconds = value.convert<double>();
    return std::isfinite(seconds) ? std::optional(seconds) : std::nullopt;
}

IdTokenCheck refused(std::string why) { return {IdTokenCheck::Outcome::refused, std::move(why), nullptr}; }

// aud is one string or an array of them; with several, azp must name this client (Core §3.1.3.7 items 3-5).
std::string audienceRefusal(const Poco::JSON::Object::Ptr& claims, const std::string& clientId) {
    const auto aud = claims->get("aud");
    std::vector<std::string> audiences;
    if (aud.isString()) {
        audiences.push_back(aud.extract<std::string>());
    } else if (claims->isArray("aud")) {
        for (const auto& member : *claims->getArray("aud"))
            if (member.isString()) audiences.push_back(member.extract<std::string>());
    }
    bool ours = false;
    for (const auto& audience : audiences)
        ours = ours || audience == clientId;
    if (!ours) return "the ID token is for another client: its audience (aud) does not include this client's id";
    const std::string azp = jsonString(claims, "azp");
    if ((audiences.size() > 1 || claims->has("azp")) && azp != clientId)
        return "the ID token was issued to another client: its authorised party (azp) is not this client's id";
    return {};
}

IdTokenCheck checkClaims(const Poco::JSON::Object::Ptr& claims, const IdTokenExpectations& expected) {
    const std::string issuer = jsonString(claims, "iss");
    if (issuer != expected.issuer)
        return refused("the ID token was issued by " + quoted(issuer) + ", not by this provider (" +
                       quoted(expected.issuer) + ")");
    if (auto why = audienceRefusal(claims, expected.clientId); !why.empty()) return refused(why);
    const double now = std::chrono::duration<double>(expected.now.time_since_epoch()).count();
    const auto skew = static_cast<double>(expected.clockSkew.count());
    const auto expires = numericDate(claims, "exp");
    if (!expires) return refused("the ID token has no expiry time (exp)");
    if (now > *expires + skew)
        return refused("the ID token expired " + std::to_string(static_cast<long long>(now - *expires)) +
                       " seconds ago");
    const auto issued = numericDate(claims, "iat");
    if (!issued) return refused("the ID token has no issue time (iat)");
    if (*issued > now + skew)
        return refused("the ID token says it was issued " + std::to_string(static_cast<long long>(*issued - now)) +
                       " seconds in the future");
    if (expected.nonce.empty() || !workflows::sameSecret(jsonString(claims, "nonce"), expected.nonce))
        return refused("the ID token's nonce does not match this sign-in");
    if (jsonString(claims, "sub").empty()) return refused("the ID token names no subject (sub)");
    return {IdTokenCheck::Outcome::valid, {}, claims};
}

} // namespace

std::string jsonString(const Poco::JSON::Object::Ptr& object, const std::string& name) {
    const auto value = object->get(name);
    return value.isString() ? value.extract<std::string>() : std::string{};
}

std::string printable(std::string_view words, std::size_t limit) {
    std::string out;
    for (const char c : words.substr(0, limit))
        if (c >= ' ' && c <= '~') out += c;
    return out;
}

Poco::JSON::Object::Ptr parseJsonObject(const std::string& text) {
    try {
        Poco::JSON::Parser parser;
        parser.setDepth(kMaxJsonDepth);
        const auto parsed = parser.parse(text);
        if (parsed.type() == typeid(Poco::JSON::Object::Ptr)) return parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
    }
    return nullptr;
}

std::optional<KeySet> KeySet::parse(const std::string& json, std::string& error) {
    const auto document = parseJsonObject(json);
    if (!document || !document->isArray("keys")) {
        error = "the provider's key set (JWKS) is not a JSON object with a \"keys\" array";
        return std::nullopt;
    }
    KeySet set;
    const auto keys = document->getArray("keys");
    for (std::size_t i = 0; i < keys->size() && set.keys_.size() < kMaxKeys; ++i)
        if (const auto jwk = keys->getObject(static_cast<unsigned>(i)))
            if (auto key = usableKey(jwk)) set.keys_.push_back(std::move(*key));
    if (set.keys_.empty()) {
        error = "the provider's key set (JWKS) has no RSA or P-256 signing key";
        return std::nullopt;
    }
    return set;
}

IdTokenCheck checkIdToken(const std::string& token, const KeySet& keys, const IdTokenExpectations& expected) {
    if (token.size() > kMaxIdTokenBytes)
        return refused("the ID token is longer than " + std::to_string(kMaxIdTokenBytes >> 10) + " KiB");
    const auto firstDot = token.find('.');
    const auto secondDot = firstDot == std::string::npos ? firstDot : token.find('.', firstDot + 1);
    if (secondDot == std::string::npos || token.find('.', secondDot + 1) != std::string::npos) {
        if (std::count(token.begin(), token.end(), '.') == 4)
            return refused("the ID token is encrypted (JWE); only signed ID tokens are accepted");
        return refused("the ID token is not a signed JWT (three base64url parts)");
    }
    const std::string_view whole(token);
    const auto headerText = unbase64url(whole.substr(0, firstDot));
    const auto payloadText = unbase64url(whole.substr(firstDot + 1, secondDot - firstDot - 1));
    const auto signature = unbase64url(whole.substr(secondDot + 1));
    if (!headerText || !payloadText || !signature) return refused("the ID token is not base64url");
    const auto header = parseJsonObject(*headerText);
    if (!header) return refused("the ID token's header is not a JSON object");

    // The header's alg is the sender's word: accepted only as the one the key's own type allows, so neither
    // "none" nor an HMAC keyed with something public (an RSA key, the client secret) gets through.
    const std::string alg = jsonString(header, "alg");
    if (alg != "RS256" && alg != "ES256")
        return refused("the ID token is signed with alg " + quoted(alg) + "; only RS256 and ES256 are accepted");
    if (header->has("crit")) return refused("the ID token's header has critical extensions (crit), none understood");
    const std::string kid = jsonString(header, "kid");
    const KeySet::Key* key = nullptr;
    int candidates = 0;
    for (const auto& k : keys.keys()) {
        if (k.alg != alg || (!kid.empty() && k.kid != kid)) continue;
        key = &k;
        ++candidates;
    }
    if (candidates == 0) {
        IdTokenCheck unknown = refused("the ID token is signed with key " + quoted(kid) + " (" + alg +
                                       "), which is not in the provider's key set");
        unknown.outcome = IdTokenCheck::Outcome::unknownKey;
        return unknown;
    }
    // Without a kid, a key set of one key of the type is unambiguous (Core §10.1); a choice among several is not.
    if (candidates > 1) return refused("the ID token names no key (kid) and the provider has several");
    if (!verify(*key, whole.substr(0, secondDot), *signature))
        return refused("the ID token's signature does not verify with the provider's key " + quoted(key->kid));

    const auto claims = parseJsonObject(*payloadText);
    if (!claims) return refused("the ID token's claims are not a JSON object");
    return checkClaims(claims, expected);
}

} // namespace clinhub::staff
