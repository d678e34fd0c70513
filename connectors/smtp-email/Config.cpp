#include "Config.h"

#include <algorithm>

namespace smtpemail {

bool plainAddress(const std::string& address) {
    const auto at = address.find('@');
    return address.size() <= 254 && at != std::string::npos && at > 0 && at + 1 < address.size() &&
           address.find('@', at + 1) == std::string::npos &&
           std::none_of(address.begin(), address.end(), [](unsigned char c) {
               return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' || c == '(' ||
                      c == ')' || c == '\\';
           });
}

namespace {

using namespace clinhub::kit;

std::string addressProblem(const std::string& address) {
    return plainAddress(address) ? "" : "must be a plain address like noreply@example.org";
}

const ConfigMap<Tls> kTls{"",
                          {
                              booleanKey("verify", &Tls::verify)
                                  .byDefault(true)
                                  .describe("Check the server's certificate and name; turn off only for testing"),
                              stringKey("ca_file", &Tls::caFile)
                                  .format("path")
                                  .describe("Extra CA certificates (PEM) to trust besides the system's"),
                          }};

} // namespace

// SMTP waits on one server reply at a time, so its timeouts are longer than an HTTP call's by default.
const ConfigMap<Config> kConfigMap{
    "Sends email through an SMTP submission server (port 587, STARTTLS, AUTH PLAIN or LOGIN) as multipart text + "
    "HTML",
    {
        stringKey("host", &Config::host)
            .required()
            .check([](const std::string& h) {
                return h.find_first_of(" /:") == std::string::npos
                           ? ""
                           : "must be a host name or address, without scheme or port";
            })
            .describe("The submission server, e.g. smtp.office365.com"),
        integerKey("port", &Config::port).range(1, 65535).byDefault(587),
        choiceKey("starttls", &Config::starttls, {{"required", true}, {"none", false}})
            .byDefault("required")
            .describe("required: refuse to send unless the server upgrades the connection to TLS; none: plain SMTP "
                      "(only for a relay on the same host)"),
        choiceKey("auth", &Config::auth, {{"plain", AuthMethod::plain}, {"login", AuthMethod::login}})
            .byDefault("plain")
            .describe("AUTH mechanism, used when username is set"),
        stringKey("username", &Config::username).describe("AUTH user; leave out for a relay that needs none"),
        stringKey("password", &Config::password).describe("AUTH password: give it as ${ENV_VAR}"),
        stringKey("from", &Config::from)
            .required()
            .minLength(3)
            .check(addressProblem)
            .describe("The sender address (envelope and From), e.g. noreply@surgery.example.org"),
        stringKey("from_name", &Config::fromName)
            .check([](const std::string& n) {
                return n.find_first_of("\r\n") == std::string::npos ? "" : "cannot hold a line break";
            })
            .describe("Display name in From, e.g. Demo Surgery"),
        stringKey("reply_to", &Config::replyTo)
            .check([](const std::string& a) {
                return a.empty() || plainAddress(a) ? "" : "must be a plain address like reception@example.org";
            })
            .describe("Reply-To address, e.g. reception@surgery.example.org"),
        stringKey("helo_name", &Config::heloName)
            .check([](const std::string& n) {
                return n.find_first_of(" \r\n") == std::string::npos ? "" : "must be a host name";
            })
            .describe("The name given in EHLO; defaults to this machine's name"),
        objectKey("tls", &Config::tls, kTls),
        connectTimeoutKey(&Config::connectTimeout, 5000),
        timeoutKey(&Config::timeout, 30000),
    }};

Config parseConfig(const std::string& json, std::vector<clinhub::ConfigError>& errors) {
    Config c = kConfigMap.parse(json, errors);
    if (c.username.empty()) c.auth = AuthMethod::none;
    if (!c.username.empty() && c.password.empty())
        errors.push_back({"/password", "a password is required with a username (give it as ${ENV_VAR})"});
    if (!c.username.empty() && !c.starttls)
        errors.push_back({"/starttls", "AUTH without TLS would send the password in clear: use required"});
    return c;
}

} // namespace smtpemail
