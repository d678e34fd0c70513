// The notify connector's config section: where Notify is, the API key (split into the JWT's issuer and
// signing secret), the templates whose personalisation carries the hub's finished text, and timeouts.
#pragma once

#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/plugin.hpp>

#include <string>
#include <vector>

namespace notify {

struct ApiKey {
    std::string serviceId; // the JWT iss
    std::string secret;    // the HS256 key
};

// Splits `{name}-{service id}-{secret}`; on a malformed key returns why (never quoting the key).
std::string splitApiKey(const std::string& key, ApiKey& out);

bool isUuid(const std::string& text);

struct Config {
    std::string baseUrl;
    std::string apiKey; // as written; `key` is what it holds
    ApiKey key;
    std::string smsTemplateId;
    std::string emailTemplateId;
    std::string bodyField;
    std::string subjectField;
    int connectTimeoutMs = 0;
    int timeoutMs = 0;
    std::string callbackToken;

    // Adds one error per problem, the map's and what no one key can say (at least one template, the
    // personalisation fields apart).
    static Config parse(const std::string& json, std::vector<clinhub::ConfigError>& errors);
};

extern const clinhub::kit::ConfigMap<Config> kConfigMap;

} // namespace notify
