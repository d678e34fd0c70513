// The smtp-email connector's configuration.
#pragma once

#include <clinhub/kit/ConfigMap.hpp>
#include <clinhub/plugin.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace smtpemail {

enum class AuthMethod { none, plain, login };

struct Tls {
    bool verify = true;
    std::string caFile;
};

struct Config {
    std::string host;
    unsigned short port = 0;
    bool starttls = true;                // "required"; false is "none"
    AuthMethod auth = AuthMethod::plain; // none when there is no username
    std::string username;
    std::string password;
    std::string from;     // the bare address: envelope sender and From
    std::string fromName; // the display name in From, optional
    std::string replyTo;
    std::string heloName; // empty: the machine's name
    Tls tls;
    std::chrono::milliseconds connectTimeout{0};
    std::chrono::milliseconds timeout{0};
};

extern const clinhub::kit::ConfigMap<Config> kConfigMap;

Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors);

// An address the connector will put in an envelope or a header: one @, no spaces, brackets, quotes or
// control characters (so nothing can smuggle in another header or command).
bool plainAddress(const std::string& address);

} // namespace smtpemail
