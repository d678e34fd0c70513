// The emis-xml connector's config section: its JSON Schema (what the hub validates and documents) and
// the parsed settings.
#pragma once

#include <clinhub/kit/UkTime.hpp>
#include <clinhub/plugin.hpp>

#include <string>
#include <vector>

namespace emisxml {

extern const char* const kSchema;

struct Config {
    std::string endpoint; // base_url + path
    std::string user;
    std::string password;
    int connectTimeoutMs = 2000;
    int timeoutMs = 10000;
    clinhub::kit::Zone zone = clinhub::kit::Zone::europeLondon;
    std::string reason = "Booked online";
    int bookAttempts = 3;
    int parallelRequests = 4;
    bool telephoneListed = false; // telephone_slot_types given, even empty: no guessing from names
    std::vector<std::string> telephoneSlotTypes;
};

// Parses the section; every problem found goes to `errors` (the hub has usually validated it against
// kSchema already, but checkConfig may be handed anything).
Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors);

} // namespace emisxml
