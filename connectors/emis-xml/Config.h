// The emis-xml connector's config section: the settings, and the one table (kConfigMap) that parses them
// and gives the JSON Schema the hub validates and documents.
#pragma once

#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/kit/UkTime.hpp>
#include <clinhub/plugin.hpp>

#include <optional>
#include <string>
#include <vector>

namespace emisxml {

struct Config {
    std::string baseUrl;
    std::string path;
    std::string endpoint; // base_url + path
    std::string user;
    std::string password;
    int connectTimeoutMs = 0;
    int timeoutMs = 0;
    clinhub::kit::Zone zone = clinhub::kit::Zone::europeLondon;
    std::string reason;
    int bookAttempts = 0;
    int parallelRequests = 0;
    // Given, even empty: no guessing from names.
    std::optional<std::vector<std::string>> telephoneSlotTypes;
};

extern const clinhub::kit::ConfigMap<Config> kConfigMap;

// Parses the section; every problem found goes to `errors` (the hub has usually validated it against
// the schema already, but checkConfig may be handed anything).
Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors);

} // namespace emisxml
