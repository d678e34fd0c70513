#include "hub/store/DataKeys.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace clinhub::store {
namespace {

constexpr std::string_view kPrefix = "sealed:v1:";
constexpr int kNonceBytes = 12;
constexpr int kTagBytes = 16;
// A sealed payload is an SMS, an email or a record write: far below this. Bounding it keeps a corrupt or
// hostile row from asking for gigabytes.
constexpr std::size_t kMaxSealed = 16U << 20U;

std::string base64(const std::string& bytes) {
    std::ostringstream out;
    Poco::Base64Encoder encoder(out);
    encoder.rdbuf()->setLineLength(0);
    encoder << bytes;
    encoder.close();
    return out.str();
}

// Throws std::invalid_argument on text that is not base64.
std::string unbase64(std::string_view text) {
    std::istringstream in{std::string(text)};
    Poco::Base64Decoder decoder(in);
    std::string out;
    try {
        out.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
    } catch (const Poco::DataFormatException&) {
        throw std::invalid_argument("not base64");
    }
    return out;
}

bool goodId(std::string_view id) {
    if (id.empty() || id.size() > 32) return false;
    for (char c : id)
        if (!(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.')) return false;
    return true;
}

struct CipherContext {
    std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx{EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free};
    CipherContext() {
        if (!ctx) throw std::bad_alloc();
    }
};

const auto* asBytes(std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); }
auto* asBytes(std::string& text) { return reinterpret_cast<unsigned char*>(text.data()); }

} // namespace

DataKeys DataKeys::parse(std::string_view spec) {
    std::vector<Named> keys;
    std::size_t start = 0;
    while (start <= spec.size()) {
        std::size_t end = spec.find(',', start);
        if (end == std::string_view::npos) end = spec.size();
        std::string_view item = spec.substr(start, end - start);
        while (!item.empty() && item.front() == ' ')
            item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ')
            item.remove_suffix(1);
        const std::string position = "key " + std::to_string(keys.size() + 1);
        const std::size_t colon = item.find(':');
        if (colon == std::string_view::npos)
            throw std::invalid_argument(position + " is not ID:BASE64 (e.g. 2026-12:" + "$(openssl rand -base64 32))");
        const std::string id(item.substr(0, colon));
        if (!goodId(id))
            throw std::invalid_argument(position + ": id '" + id + "' must be 1-32 letters, digits, '-', '_' or '.'");
        for (const auto& k : keys)
            if (k.id == id) throw std::invalid_argument(position + ": id '" + id + "' is given twice");
        std::string bytes;
        try {
            bytes = unbase64(item.substr(colon + 1));
        } catch (const std::invalid_argument&) {
            throw std::invalid_argument(position + " ('" + id + "') is not base64");
        }
        Named named{id, {}};
        if (bytes.size() != named.key.size())
            throw std::invalid_argument(position + " ('" + id + "') is " + std::to_string(bytes.size()) +
                                        " bytes; AES-256 takes 32 (openssl rand -base64 32)");
        std::copy(bytes.begin(), bytes.end(), named.key.begin());
        OPENSSL_cleanse(bytes.data(), bytes.size());
        keys.push_back(std::move(named));
        start = end + 1;
    }
    if (keys.empty()) throw std::invalid_argument("no key given");
    return DataKeys(std::move(keys));
}

const DataKeys& DataKeys::processKey() {
    static const DataKeys keys = parse(generateSpec("process"));
    return keys;
}

std::string DataKeys::generateSpec(const std::string& id) {
    std::string bytes(32, '\0');
    if (RAND_bytes(asBytes(bytes), static_cast<int>(bytes.size())) != 1)
        throw std::runtime_error("no random bytes for a data key");
    std::string spec = id + ":" + base64(bytes);
    OPENSSL_cleanse(bytes.data(), bytes.size());
    return spec;
}

bool DataKeys::isSealed(std::string_view stored) { return stored.starts_with(kPrefix); }

std::string DataKeys::seal(std::string_view plain, std::string_view context) const {
    const Named& k = keys_.front();
    std::string sealed(kNonceBytes + plain.size() + kTagBytes, '\0');
    unsigned char* nonce = asBytes(sealed);
    if (RAND_bytes(nonce, kNonceBytes) != 1) throw std::runtime_error("no random bytes for a nonce");
    CipherContext c;
    int length = 0;
    if (EVP_EncryptInit_ex(c.ctx.get(), EVP_aes_256_gcm(), nullptr, k.key.data(), nonce) != 1 ||
        EVP_EncryptUpdate(c.ctx.get(), nullptr, &length, asBytes(context), static_cast<int>(context.size())) != 1 ||
        EVP_EncryptUpdate(c.ctx.get(), nonce + kNonceBytes, &length, asBytes(plain), static_cast<int>(plain.size())) !=
            1 ||
        EVP_EncryptFinal_ex(c.ctx.get(), nonce + kNonceBytes + length, &length) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, nonce + kNonceBytes + plain.size()) != 1)
        throw std::runtime_error("sealing failed");
    return std::string(kPrefix) + k.id + ":" + base64(sealed);
}

std::string DataKeys::open(std::string_view stored, std::string_view context) const {
    if (!isSealed(stored)) return std::string(stored);
    if (stored.size() > kMaxSealed) throw std::runtime_error("sealed value too large");
    stored.remove_prefix(kPrefix.size());
    const std::size_t colon = stored.find(':');
    if (colon == std::string_view::npos) throw std::runtime_error("sealed value has no key id");
    const std::string_view id = stored.substr(0, colon);
    const Named* key = nullptr;
    for (const auto& k : keys_)
        if (k.id == id) key = &k;
    if (key == nullptr)
        throw std::runtime_error("sealed under key '" + std::string(id) + "', which " + kDataKeyVariable +
                                 " does not hold");
    std::string bytes;
    try {
        bytes = unbase64(stored.substr(colon + 1));
    } catch (const std::invalid_argument&) {
        throw std::runtime_error("sealed value is not base64");
    }
    if (bytes.size() < std::size_t{kNonceBytes} + kTagBytes) throw std::runtime_error("sealed value too short");
    const std::size_t size = bytes.size() - kNonceBytes - kTagBytes;
    std::string plain(size, '\0');
    unsigned char* nonce = asBytes(bytes);
    CipherContext c;
    int length = 0;
    if (EVP_DecryptInit_ex(c.ctx.get(), EVP_aes_256_gcm(), nullptr, key->key.data(), nonce) != 1 ||
        EVP_DecryptUpdate(c.ctx.get(), nullptr, &length, asBytes(context), static_cast<int>(context.size())) != 1 ||
        EVP_DecryptUpdate(c.ctx.get(), asBytes(plain), &length, nonce + kNonceBytes, static_cast<int>(size)) != 1 ||
        EVP_CIPHER_CTX_ctrl(c.ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, nonce + kNonceBytes + size) != 1 ||
        EVP_DecryptFinal_ex(c.ctx.get(), asBytes(plain) + length, &length) != 1)
        throw std::runtime_error("sealed value does not open under key '" + key->id +
                                 "': altered, or moved from another row");
    return plain;
}

} // namespace clinhub::store
