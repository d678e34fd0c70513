// The connector's settings: where the Immunisation FHIR API and NHS England's OAuth 2.0 token endpoint
// are, and how the hub proves who it is there (the "signed JWT" pattern: an API key and a private key
// whose public half is registered with the API platform under `kid`). Secrets never sit in the YAML:
// the API key comes from the environment variable named by api_key_env, the private key from a file or
// from an environment variable (read by clinhub::kit::signedJwtClient when an instance is made).
#pragma once

#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/plugin.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace immunisation {

struct Config {
    std::string baseUrl;  // e.g. https://api.service.nhs.uk/immunisation-fhir-api/FHIR/R4, no trailing '/'
    std::string tokenUrl; // e.g. https://api.service.nhs.uk/oauth2/token; also the JWT's aud
    std::string apiKeyEnv;
    std::string privateKeyFile;
    std::string privateKeyEnv;
    std::string kid;
    std::chrono::milliseconds connectTimeout{0};
    std::chrono::milliseconds totalTimeout{0};
    int lookbackDays = 0; // 0: the whole history

    // Reads the section, reporting every problem at its JSON Pointer. Touches neither the environment
    // nor the key file: `config check` may run where the secrets are not.
    static Config parse(const std::string& json, std::vector<clinhub::ConfigError>& errors);
};

extern const clinhub::kit::ConfigMap<Config> kConfigMap;

} // namespace immunisation
