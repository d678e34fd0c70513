// The systmone-xml connector's config section: its parsed form, and the one table (kConfigMap) that parses
// it and gives the JSON Schema.
#pragma once

#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/kit/UkTime.hpp>
#include <clinhub/plugin.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace systmonexml {

enum class TransportKind { tcp, http };

struct Config {
    TransportKind transport = TransportKind::tcp;
    std::string host;
    int port = 0; // 0: not given
    std::string baseUrl;
    std::string apiKey;
    std::string deviceId;
    std::string deviceVersion;
    // Narrow every slot search to one site, clinician or clinic type; empty means all.
    std::string siteName;
    std::string userName;
    std::string clinicType;
    std::vector<std::string> telephoneClinicTypes;
    clinhub::kit::Zone zone = clinhub::kit::Zone::europeLondon;
    std::chrono::milliseconds connectTimeout{0};
    std::chrono::milliseconds timeout{0};
    int maxConnections = 0;
};

extern const clinhub::kit::ConfigMap<Config> kConfigMap;

// Adds one error per problem; the hub has checked the schema, but this may be called on anything.
Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors);

} // namespace systmonexml
