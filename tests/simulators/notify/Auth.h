// Checks a request's bearer JWT the way Notify does: HS256 only, iss a known service's id, signed with one
// of that service's API key secrets, iat within 30 s of now (either way). Failures carry Notify's status
// and message.
#pragma once

#include "Fixture.h"

#include <cstdint>
#include <string>

namespace notifysim {

struct AuthResult {
    int status = 0; // 0 when accepted; else 401 or 403
    std::string message;
    std::string serviceId;
};

AuthResult authenticate(const std::string& authorization, const Fixture& fixture, int64_t nowSeconds);

// Constant-time comparison of equal-length secrets (Poco::JWT's own verify is not).
bool sameBytes(const std::string& a, const std::string& b);

} // namespace notifysim
