#include "Auth.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/HMACEngine.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>

#include <cstdlib>
#include <sstream>

namespace notifysim {

namespace {

using Poco::JSON::Object;

struct Sha256 : Poco::SHA2Engine {
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
    Sha256() : Poco::SHA2Engine(SHA_256) {}
};

std::string base64urlDecode(const std::string& text) {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    std::string out;
    char c = 0;
    while (decoder.get(c))
        out += c;
    return out;
}

std::string base64urlEncode(const Poco::DigestEngine::Digest& bytes) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    encoder.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    encoder.close();
    return out.str();
}

std::string hs256(const std::string& secret, const std::string& signingInput) {
    Poco::HMACEngine<Sha256> hmac(secret);
    hmac.update(signingInput);
    return base64urlEncode(hmac.digest());
}

Object::Ptr json(const std::string& text) {
    try {
        return Poco::JSON::Parser().parse(text).extract<Object::Ptr>();
    } catch (...) {
        return nullptr;
    }
}

AuthResult refuse(int status, const std::string& message) { return {status, message, {}}; }

} // namespace

bool sameBytes(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

AuthResult authenticate(const std::string& authorization, const Fixture& fixture, int64_t now) {
    if (authorization.empty()) return refuse(401, "Unauthorized: authentication token must be provided");
    if (authorization.rfind("Bearer ", 0) != 0)
        return refuse(401, "Unauthorized: authentication bearer scheme must be used");
    const std::string token = authorization.substr(7);
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string::npos || token.find('.', dot2 + 1) != std::string::npos)
        return refuse(403, "Invalid token: signature, api token is not valid");
    const auto header = json(base64urlDecode(token.substr(0, dot1)));
    const auto payload = json(base64urlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1)));
    if (!header || !payload) return refuse(403, "Invalid token: signature, api token is not valid");
    if (header->optValue<std::string>("alg", "") != "HS256")
        return refuse(403, "Invalid token: algorithm used is not HS256");
    const std::string iss = payload->optValue<std::string>("iss", "");
    if (iss.empty()) return refuse(403, "Invalid token: iss field not provided");
    const auto service = fixture.services.find(iss);
    if (service == fixture.services.end()) return refuse(403, "Invalid token: service not found");
    if (service->second.secrets.empty()) return refuse(403, "Invalid token: service has no API keys");
    const std::string signature = token.substr(dot2 + 1);
    const std::string signingInput = token.substr(0, dot2);
    bool signedByKey = false;
    for (const auto& secret : service->second.secrets)
        signedByKey = sameBytes(hs256(secret, signingInput), signature) || signedByKey;
    if (!signedByKey) return refuse(403, "Invalid token: API key not found");
    if (!payload->has("iat") || payload->isNull("iat")) return refuse(403, "Invalid token: iat field not provided");
    double iat = 0;
    try {
        iat = payload->getValue<double>("iat");
    } catch (...) {
        return refuse(403, "Invalid token: iat field not provided");
    }
    if (std::abs(iat - static_cast<double>(now)) > 30)
        return refuse(403, "Error: Your system clock must be accurate to within 30 seconds");
    return {0, {}, iss};
}

} // namespace notifysim
