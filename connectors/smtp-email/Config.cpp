#include "Config.h"

#include <clinhub/kit/JsonConfig.hpp>

#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>

namespace smtpemail {

const char* const kSchema = R"schema({
  "type": "object",
  "description": "Sends email through an SMTP submission server (port 587, STARTTLS, AUTH PLAIN or LOGIN) as multipart text + HTML",
  "properties": {
    "host": {"type": "string", "minLength": 1, "description": "The submission server, e.g. smtp.office365.com"},
    "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 587},
    "starttls": {"type": "string", "enum": ["required", "none"], "default": "required",
                 "description": "required: refuse to send unless the server upgrades the connection to TLS; none: plain SMTP (only for a relay on the same host)"},
    "auth": {"type": "string", "enum": ["plain", "login"], "default": "plain", "description": "AUTH mechanism, used when username is set"},
    "username": {"type": "string", "description": "AUTH user; leave out for a relay that needs none"},
    "password": {"type": "string", "description": "AUTH password: give it as ${ENV_VAR}"},
    "from": {"type": "string", "minLength": 3, "description": "The sender address (envelope and From), e.g. noreply@surgery.example.org"},
    "from_name": {"type": "string", "description": "Display name in From, e.g. Demo Surgery"},
    "reply_to": {"type": "string", "description": "Reply-To address, e.g. reception@surgery.example.org"},
    "helo_name": {"type": "string", "description": "The name given in EHLO; defaults to this machine's name"},
    "tls": {
      "type": "object",
      "properties": {
        "verify": {"type": "boolean", "default": true, "description": "Check the server's certificate and name; turn off only for testing"},
        "ca_file": {"type": "string", "format": "path", "description": "Extra CA certificates (PEM) to trust besides the system's"}
      },
      "additionalProperties": false
    },
    "connect_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 60000, "default": 5000},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 300000, "default": 30000, "description": "Limit on each wait for the server"}
  },
  "required": ["host", "from"],
  "additionalProperties": false
})schema";

using clinhub::kit::integer;
using clinhub::kit::text;

namespace {

using clinhub::ConfigError;
using Poco::JSON::Object;

} // namespace

bool plainAddress(const std::string& address) {
    const auto at = address.find('@');
    return address.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < address.size() &&
           address.find('@', at + 1) == std::string::npos &&
           std::none_of(address.begin(), address.end(), [](unsigned char c) {
               return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == '(' ||
                      c == ')' || c == '\\';
           });
}

Config parseConfig(const std::string& json, std::vector<ConfigError>& errors) {
    Config c;
    const Object::Ptr root = clinhub::kit::parseConfigObject(json, errors);
    if (root.isNull()) return c;
    try {
        c.host = text(root, "host");
        if (c.host.empty() || c.host.find_first_of(" /:") != std::string::npos)
            errors.push_back({"/host", "must be a host name or address, without scheme or port"});
        c.port = static_cast<unsigned short>(integer(root, "port", 587, 1, 65535, errors));
        const std::string starttls = text(root, "starttls", "required");
        if (starttls != "required" && starttls != "none") errors.push_back({"/starttls", "must be required or none"});
        c.starttls = starttls != "none";
        c.username = text(root, "username");
        c.password = text(root, "password");
        const std::string auth = text(root, "auth", "plain");
        if (auth != "plain" && auth != "login") errors.push_back({"/auth", "must be plain or login"});
        c.auth = c.username.empty() ? AuthMethod::none : auth == "login" ? AuthMethod::login : AuthMethod::plain;
        if (!c.username.empty() && c.password.empty())
            errors.push_back({"/password", "a password is required with a username (give it as ${ENV_VAR})"});
        if (!c.username.empty() && !c.starttls)
            errors.push_back({"/starttls", "AUTH without TLS would send the password in clear: use required"});
        c.from = text(root, "from");
        if (!plainAddress(c.from)) errors.push_back({"/from", "must be a plain address like noreply@example.org"});
        c.fromName = text(root, "from_name");
        c.replyTo = text(root, "reply_to");
        if (!c.replyTo.empty() && !plainAddress(c.replyTo))
            errors.push_back({"/reply_to", "must be a plain address like reception@example.org"});
        if (c.fromName.find_first_of("\r\n") != std::string::npos)
            errors.push_back({"/from_name", "cannot hold a line break"});
        c.heloName = text(root, "helo_name");
        if (c.heloName.find_first_of(" \r\n") != std::string::npos)
            errors.push_back({"/helo_name", "must be a host name"});
        const auto tls = root->getObject("tls");
        if (!tls.isNull()) {
            c.verify = !tls->has("verify") || tls->getValue<bool>("verify");
            c.caFile = text(tls, "ca_file");
        }
        c.connectTimeout = std::chrono::milliseconds(integer(root, "connect_timeout_ms", 5000, 1, 60000, errors));
        c.timeout = std::chrono::milliseconds(integer(root, "timeout_ms", 30000, 1, 300000, errors));
    } catch (const Poco::Exception& e) {
        errors.push_back({"", e.displayText()});
    }
    return c;
}

} // namespace smtpemail
