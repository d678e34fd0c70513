// The unsigned JWT GP Connect carries provenance in (alg "none", empty signature): one per request,
// valid for exactly five minutes from its issue.
#pragma once

#include "Config.h"

#include <cstdint>
#include <string>

namespace gpconnect {

// `scope` is e.g. "patient/*.write"; `audience` the provider endpoint; `now` seconds since the epoch.
std::string makeJwt(const Config& config, const std::string& audience, const std::string& scope, int64_t now);

} // namespace gpconnect
