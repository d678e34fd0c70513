// The systmone-xml connector's config section: its JSON Schema and its parsed form.
#pragma once

#include <clinhub/kit/UkTime.hpp>
#include <clinhub/plugin.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace systmonexml {

extern const char* const kSchema;

enum class TransportKind { tcp, http };

struct Config {
    TransportKind transport = TransportKind::tcp;
    std::string host = "127.0.0.1";
    int port = 0;
    std::string baseUrl;
    std::string apiKey;
    std::string deviceId;
    std::string deviceVersion = "clinhub 0.1";
    // Narrow every slot search to one site, clinician or clinic type; empty means all.
    std::string siteName;
    std::string userName;
    std::string clinicType;
    std::vector<std::string> telephoneClinicTypes{"Telephone"};
    clinhub::kit::Zone zone = clinhub::kit::Zone::europeLondon;
    std::chrono::milliseconds connectTimeout{2000};
    std::chrono::milliseconds timeout{10000};
    int maxConnections = 4;
};

// Adds one error per problem; the hub has checked the schema, but this may be called on anything.
Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors);

} // namespace systmonexml
