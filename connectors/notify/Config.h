// The notify connector's config section: where Notify is, the API key (split into the JWT's issuer and
// signing secret), the templates whose personalisation carries the hub's finished text, and timeouts.
#pragma once

#include <clinhub/plugin.hpp>

#include <string>
#include <vector>

namespace notify {

extern const char* const kSchema;

struct ApiKey {
    std::string serviceId; // the JWT iss
    std::string secret;    // the HS256 key
};

// Splits `{name}-{service id}-{secret}`; on a malformed key returns why (never quoting the key).
std::string splitApiKey(const std::string& key, ApiKey& out);

bool isUuid(const std::string& text);

struct Config {
    std::string baseUrl;
    ApiKey key;
    std::string smsTemplateId;
    std::string emailTemplateId;
    std::string bodyField = "body";
    std::string subjectField = "subject";
    int connectTimeoutMs = 2000;
    int timeoutMs = 10000;
    std::string callbackToken;

    // Throws std::runtime_error naming the field at fault.
    static Config parse(const std::string& json);
    // What the schema cannot say: the API key's and template ids' shapes, at least one template.
    static void check(const std::string& json, std::vector<clinhub::ConfigError>& errors);
};

} // namespace notify
