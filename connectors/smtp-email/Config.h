// The smtp-email connector's configuration.
#pragma once

#include <clinhub/plugin.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace smtpemail {

extern const char* const kSchema;

enum class AuthMethod { none, plain, login };

struct Config {
    std::string host;
    unsigned short port = 587;
    bool starttls = true; // "required"; false is "none"
    AuthMethod auth = AuthMethod::plain;
    std::string username;
    std::string password;
    std::string from;     // the bare address: envelope sender and From
    std::string fromName; // the display name in From, optional
    std::string replyTo;
    std::string heloName; // empty: the machine's name
    bool verify = true;
    std::string caFile;
    std::chrono::milliseconds connectTimeout{5000};
    std::chrono::milliseconds timeout{30000};
};

Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors);

// An address the connector will put in an envelope or a header: one @, no spaces, brackets, quotes or
// control characters (so nothing can smuggle in another header or command).
bool plainAddress(const std::string& address);

} // namespace smtpemail
