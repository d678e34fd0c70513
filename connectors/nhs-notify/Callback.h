// Whether a callback really comes from NHS Notify (its API description, "Receive a callback"): it carries
// the API key in x-api-key, and in x-hmac-sha256-signature the hex HMAC-SHA256 of the body keyed with
// "[APPLICATION_ID].[API_KEY]".
//
// The plugin ABI (1.3) gives receipt() the request's Authorization header and body only, and NHS Notify
// sends no Authorization header. Until the hub passes headers, it is asked to pass those two headers in the
// `authorization` argument as header lines ("x-api-key: K\nx-hmac-sha256-signature: S"), which
// headerLines() reads; verifyCallback() itself takes any map of headers, so a later ABI that hands over the
// request's headers calls it directly.
#pragma once

#include <clinhub/plugin.hpp>

#include <map>
#include <string>

namespace nhsnotify {

using Headers = std::map<std::string, std::string>; // names lower-cased

// "Name: value" lines separated by "\n" or "\r\n" into a map with lower-cased names; other text is ignored.
Headers headerLines(const std::string& text);

// Lower-case hex of HMAC-SHA256(key, body).
std::string hmacSha256Hex(const std::string& key, const std::string& body);

// ok when x-api-key is `apiKey` and x-hmac-sha256-signature is the body's signature under `secret`; otherwise
// permanent, saying which check failed (never quoting a key or signature). Constant time in the secrets.
clinhub::Result verifyCallback(const Headers& headers, const std::string& body, const std::string& apiKey,
                               const std::string& secret);

} // namespace nhsnotify
