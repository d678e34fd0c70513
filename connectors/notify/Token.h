// The bearer token Notify wants on every call: a JWT signed HS256 with the API key's secret, iss = the
// service id, iat = now. Notify refuses a token whose iat is more than 30 s off its clock, so tokens are
// remade every second rather than per call (signing per call cost a measurable share of a send).
#pragma once

#include "Config.h"

#include <cstdint>
#include <mutex>
#include <string>

namespace notify {

class TokenSource {
public:
    explicit TokenSource(ApiKey key) : key_(std::move(key)) {}

    // "Bearer <jwt>" for the given Unix time in seconds.
    std::string authorization(int64_t nowSeconds);

    // The same, signed now; a fresh token every time.
    static std::string sign(const ApiKey& key, int64_t issuedAt);

private:
    ApiKey key_;
    std::mutex mutex_;
    int64_t issuedAt_ = -1;
    std::string header_;
};

} // namespace notify
