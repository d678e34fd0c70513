#include "hub/workflows/Tokens.h"

#include <Poco/Base64Encoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <openssl/rand.h>

#include <sstream>
#include <stdexcept>
#include <vector>

namespace clinhub::workflows {

std::string randomToken(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        throw std::runtime_error("the system's random number generator failed");
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    encoder.rdbuf()->setLineLength(0);
    encoder.write(reinterpret_cast<const char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
    encoder.close();
    return out.str();
}

std::string tokenHash(const std::string& token) {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(token);
    return Poco::DigestEngine::digestToHex(sha.digest());
}

bool sameSecret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

} // namespace clinhub::workflows
