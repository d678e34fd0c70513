// The http-sms connector's configuration: everything a provider-specific plugin would hard-code.
#pragma once

#include "JsonPointer.h"
#include "Template.h"

#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/kit/HttpClient.hpp>
#include <clinhub/plugin.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace httpsms {

// The section as written, which the map reads; parseConfig() compiles it into a Config.
struct LookupSettings {
    std::string url;
    std::string method;
    std::string status;
    std::string providerId;
    std::map<std::string, std::string> states;
};

struct Settings {
    std::string url;
    std::string method;
    std::map<std::string, std::string> headers;
    std::string contentType;
    std::string body;
    std::string providerId;
    std::string error;
    std::set<long> permanent;
    std::set<long> retryable;
    std::chrono::milliseconds connectTimeout{0};
    std::chrono::milliseconds timeout{0};
    std::optional<LookupSettings> lookup;
};

extern const clinhub::kit::ConfigMap<Settings> kConfigMap;

struct Lookup {
    Template url; // {{reference}}, URL-escaped
    std::string method;
    JsonPointer status;
    JsonPointer providerId;
    std::map<std::string, clinhub::DeliveryState> states; // the provider's status word -> ours
};

struct Config {
    std::string url;
    std::string method;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string contentType;
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
