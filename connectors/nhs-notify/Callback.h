// Whether a callback really comes from NHS Notify (its API description, "Receive a callback"): it carries
// the API key in x-api-key, and in x-hmac-sha256-signature the hex HMAC-SHA256 of the body keyed with
// "[APPLICATION_ID].[API_KEY]". The plugin ABI (1.3) hands a patient-messaging receipt() every header of the
// request, names in lower case.
#pragma once

#include <clinhub/plugin.hpp>

#include <map>
#include <string>

namespace nhsnotify {

using clinhub::Headers; // names lower-cased

// Lower-case hex of HMAC-SHA256(key, body).
std::string hmacSha256Hex(const std::string& key, const std::string& body);

// ok when x-api-key is `apiKey` and x-hmac-sha256-signature is the body's signature under `secret`; otherwise
// permanent, saying which check failed (never quoting a key or signature). Constant time in the secrets.
clinhub::Result verifyCallback(const Headers& headers, const std::string& body, const std::string& apiKey,
                               const std::string& secret);

} // namespace nhsnotify
