// Unguessable tokens for links and sessions, and the only form in which they are stored.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace clinhub::workflows {

// `bytes` from the operating system's CSPRNG, base64url without padding (32 bytes: 256 bits).
std::string randomToken(std::size_t bytes);

// `bytes` in base64 on one line; with `url`, base64url without padding.
std::string base64(std::string_view bytes, bool url = false);

// SHA-256 of the token, hex: what the store keeps, so a copy of the database opens nothing.
std::string tokenHash(const std::string& token);

// Equal without leaking where they differ through timing (CSRF tokens, OAuth state).
bool sameSecret(std::string_view a, std::string_view b);

} // namespace clinhub::workflows
