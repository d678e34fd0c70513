// The http-sms connector's configuration: everything a provider-specific plugin would hard-code.
#pragma once

#include "JsonPointer.h"
#include "Template.h"

#include <clinhub/kit/HttpClient.hpp>
#include <clinhub/plugin.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace httpsms {

extern const char* const kSchema;

struct Lookup {
    Template url; // {{reference}}, URL-escaped
    std::string method = "GET";
    JsonPointer status;
    JsonPointer providerId;
    std::map<std::string, clinhub::DeliveryState> states; // the provider's status word -> ours
};

struct Config {
    std::string url;
    std::string method = "POST";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string contentType = "application/json";
    Template body; // {{to}}, {{body}}, {{reference}}
    JsonPointer providerId;
    JsonPointer error;
    std::set<long> permanent;
    std::set<long> retryable;
    clinhub::kit::HttpTimeouts timeouts;
    std::optional<Lookup> lookup;
};

// Parses and checks the section; every problem goes to `errors` with its JSON Pointer.
Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors);

} // namespace httpsms
