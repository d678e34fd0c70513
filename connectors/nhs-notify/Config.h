// The nhs-notify connector's settings: where NHS Notify and NHS England's OAuth 2.0 token endpoint are, how
// the hub proves who it is there (the API platform's "signed JWT" pattern: an API key and a private key
// registered under `kid`), which routing plan messages go out under and the personalisation fields the text
// fills, and the secret NHS Notify's callbacks are signed with. Secrets never sit in the YAML: they come from
// environment variables named here (or a key file).
#pragma once

#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/plugin.hpp>

#include <optional>
#include <string>
#include <vector>

namespace nhsnotify {

// NHS Notify's global free-text routing plans (its API description, "Enable users to write and send
// messages from your software"): the id, the personalisation fields the text fills, and whether the plan
// falls back to another channel after the NHS App.
struct GlobalPlan {
    const char* id;
    std::vector<std::string> fields;
    bool cascades;
    bool nhsApp; // starts with the NHS App
};
const std::vector<GlobalPlan>& globalPlans();
const GlobalPlan* globalPlan(const std::string& id);

struct Config {
    std::string baseUrl;  // e.g. https://api.service.nhs.uk/comms, no trailing '/'
    std::string tokenUrl; // e.g. https://api.service.nhs.uk/oauth2/token; also the JWT's aud
    std::string apiKeyEnv;
    std::string privateKeyFile;
    std::string privateKeyEnv;
    std::string kid;
    std::string routingPlanId;
    std::vector<std::string> bodyFields; // empty in the map: the global plan's, filled in by parse()
    std::optional<bool> cascadesSaid;    // routing_plan_cascades as written
    bool cascades = true;                // what it comes to
    std::string odsCode;
    bool sendMobile = false;
    std::string applicationIdEnv;
    std::string callbackApiKeyEnv;
    int connectTimeoutMs = 0;
    int timeoutMs = 0;

    // Reads the section, reporting every problem at its JSON Pointer. Touches neither the environment nor
    // the key file: `config check` may run where the secrets are not.
    static Config parse(const std::string& json, std::vector<clinhub::ConfigError>& errors);
};

extern const clinhub::kit::ConfigMap<Config> kConfigMap;

// The callbacks' secrets the config points at, read when an instance is made (the token endpoint's come from
// clinhub::kit::signedJwtClient). Throws std::runtime_error naming the variable at fault, never quoting a
// secret.
struct CallbackSecrets {
    std::string secret; // "[APPLICATION_ID].[API_KEY]": the callbacks' HMAC key; empty: none configured
    std::string apiKey; // what NHS Notify sends in x-api-key

    // `apiKey` is the application's API key, used when callback_api_key_env names no other.
    static CallbackSecrets load(const Config& config, const std::string& apiKey);
};

} // namespace nhsnotify
