#include "hub/workflows/Tokens.h"

#include <Poco/Base64Encoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <sstream>
#include <stdexcept>
#include <vector>

namespace clinhub::workflows {

std::string randomToken(std::size_t bytes) {
    std::vector<unsigned char> raw(bytes);
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
        throw std::runtime_error("the system's random number generator failed");
    return base64({reinterpret_cast<const char*>(raw.data()), raw.size()}, true);
}

std::string base64(std::string_view bytes, bool url) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out, url ? Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING : 0);
    encoder.rdbuf()->setLineLength(0);
    encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    encoder.close();
    return out.str();
}

std::string tokenHash(const std::string& token) {
    Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
    sha.update(token);
    return Poco::DigestEngine::digestToHex(sha.digest());
}

bool sameSecret(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace clinhub::workflows
