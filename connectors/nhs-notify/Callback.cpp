#include "Callback.h"

#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <cctype>

namespace nhsnotify {

namespace {

using clinhub::Result;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Constant-time in the expected value's content; `expected` is never empty.
bool same(const std::string& given, const std::string& expected) {
    unsigned char diff = given.size() == expected.size() ? 0 : 1;
    for (std::size_t i = 0; i < given.size(); ++i)
        diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
    return diff == 0;
}

struct Sha256 : Poco::SHA2Engine {
    Sha256() : Poco::SHA2Engine(SHA_256) {}
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
};

} // namespace

std::string hmacSha256Hex(const std::string& key, const std::string& body) {
    Poco::HMACEngine<Sha256> hmac(key);
    hmac.update(body);
    return Poco::DigestEngine::digestToHex(hmac.digest());
}

Result verifyCallback(const Headers& headers, const std::string& body, const std::string& apiKey,
                      const std::string& secret) {
    if (secret.empty() || apiKey.empty())
        return Result::permanent("NHS Notify callback refused: no application_id_env is configured, so its "
                                 "signature cannot be checked");
    const auto key = headers.find("x-api-key");
    if (key == headers.end() || key->second.empty())
        return Result::permanent("NHS Notify callback refused: it has no x-api-key header");
    if (!same(key->second, apiKey))
        return Result::permanent("NHS Notify callback refused: its x-api-key is not the configured API key");
    const auto signature = headers.find("x-hmac-sha256-signature");
    if (signature == headers.end() || signature->second.empty())
        return Result::permanent("NHS Notify callback refused: it has no x-hmac-sha256-signature header");
    if (!same(lower(signature->second), hmacSha256Hex(secret, body)))
        return Result::permanent("NHS Notify callback refused: its x-hmac-sha256-signature is not the body's "
                                 "HMAC-SHA256 under the configured application id and API key");
    return Result::success();
}

} // namespace nhsnotify
