#include "Token.h"

#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>

namespace notify {

std::string TokenSource::sign(const ApiKey& key, int64_t issuedAt) {
    Poco::JWT::Token token;
    token.setType("JWT");
    token.setIssuer(key.serviceId);
    // Token::setIssuedAt writes fractional seconds; Notify's clients send whole seconds.
    token.payload().set("iat", static_cast<Poco::Int64>(issuedAt));
    Poco::JWT::Signer signer(key.secret);
    return signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
}

std::string TokenSource::authorization(int64_t nowSeconds) {
    std::lock_guard lock(mutex_);
    if (nowSeconds != issuedAt_) {
        header_ = "Bearer " + sign(key_, nowSeconds);
        issuedAt_ = nowSeconds;
    }
    return header_;
}

} // namespace notify
