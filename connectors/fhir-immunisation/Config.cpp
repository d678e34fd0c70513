#include "Config.h"

#include <clinhub/kit/JsonConfig.hpp>

#include <Poco/Exception.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace immunisation {

const char* const kSchema = R"schema({
  "type": "object",
  "description": "National immunisation records through NHS England's Immunisation FHIR API (R4), authenticated with a signed JWT",
  "properties": {
    "base_url": {"type": "string", "minLength": 1, "description": "The API's FHIR base, e.g. https://api.service.nhs.uk/immunisation-fhir-api/FHIR/R4 (https; http only for a loopback test server)"},
    "token_url": {"type": "string", "minLength": 1, "description": "The OAuth 2.0 token endpoint, e.g. https://api.service.nhs.uk/oauth2/token; also the signed JWT's aud"},
    "api_key_env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "description": "Name of the environment variable holding the application's API key (the JWT's iss and sub)"},
    "private_key_file": {"type": "string", "format": "path", "description": "PEM file of the RSA private key whose public key is registered under kid"},
    "private_key_env": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$", "description": "Instead of private_key_file: name of the environment variable holding that PEM text"},
    "kid": {"type": "string", "minLength": 1, "description": "The key id the public key is registered under (the JWT header's kid)"},
    "connect_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 60000, "default": 2000},
    "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 120000, "default": 10000, "description": "Whole-request limit; a request taking longer is retryable"},
    "lookback_days": {"type": "integer", "minimum": 1, "maximum": 36500, "description": "Only doses given in this many days before today (-date.from); the whole history when absent"}
  },
  "required": ["base_url", "token_url", "api_key_env", "kid"],
  "additionalProperties": false
})schema";

namespace {

using clinhub::ConfigError;
using clinhub::kit::httpUrl;
using clinhub::kit::integer;
using clinhub::kit::text;

bool envName(const std::string& s) {
    auto word = [](unsigned char c) { return std::isalnum(c) != 0 || c == '_'; };
    return !s.empty() && std::isdigit(static_cast<unsigned char>(s[0])) == 0 && std::all_of(s.begin(), s.end(), word);
}

std::string trimSlash(std::string s) {
    while (!s.empty() && s.back() == '/')
        s.pop_back();
    return s;
}

// The real endpoints are https only; plain http is for a simulator on this machine.
bool secureOrLoopback(const std::string& url) {
    if (url.rfind("https://", 0) == 0) return true;
    for (const char* local : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
        const std::string prefix(local);
        if (url.rfind(prefix, 0) == 0 &&
            (url.size() == prefix.size() || url[prefix.size()] == ':' || url[prefix.size()] == '/'))
            return true;
    }
    return false;
}

void checkUrl(const std::string& url, const std::string& pointer, std::vector<ConfigError>& errors) {
    if (!httpUrl(url))
        errors.push_back({pointer, "must be an https:// URL"});
    else if (!secureOrLoopback(url))
        errors.push_back({pointer, "must be https:// (plain http is allowed only to 127.0.0.1 or localhost)"});
}

std::string environment(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return value != nullptr ? std::string(value) : std::string();
}

} // namespace

Config Config::parse(const std::string& json, std::vector<ConfigError>& errors) {
    Config c;
    const auto root = clinhub::kit::parseConfigObject(json, errors);
    if (root.isNull()) return c;
    try {
        c.baseUrl = trimSlash(text(root, "base_url"));
        checkUrl(c.baseUrl, "/base_url", errors);
        c.tokenUrl = text(root, "token_url");
        checkUrl(c.tokenUrl, "/token_url", errors);
        c.apiKeyEnv = text(root, "api_key_env");
        if (!envName(c.apiKeyEnv))
            errors.push_back({"/api_key_env", "must name an environment variable (letters, digits and '_')"});
        c.privateKeyFile = text(root, "private_key_file");
        c.privateKeyEnv = text(root, "private_key_env");
        if (c.privateKeyFile.empty() == c.privateKeyEnv.empty())
            errors.push_back({"", "give exactly one of private_key_file and private_key_env"});
        if (!c.privateKeyEnv.empty() && !envName(c.privateKeyEnv))
            errors.push_back({"/private_key_env", "must name an environment variable (letters, digits and '_')"});
        c.kid = text(root, "kid");
        if (c.kid.empty()) errors.push_back({"/kid", "the key id registered with the API platform is required"});
        c.connectTimeout = std::chrono::milliseconds(integer(root, "connect_timeout_ms", 2000, 1, 60000, errors));
        c.totalTimeout = std::chrono::milliseconds(integer(root, "timeout_ms", 10000, 1, 120000, errors));
        if (root->has("lookback_days")) c.lookbackDays = integer(root, "lookback_days", 0, 1, 36500, errors);
    } catch (const Poco::Exception& e) {
        errors.push_back({"", "unexpected value: " + e.displayText()});
    }
    return c;
}

Credentials Credentials::load(const Config& config) {
    Credentials out;
    out.apiKey = environment(config.apiKeyEnv);
    if (out.apiKey.empty())
        throw std::runtime_error("environment variable " + config.apiKeyEnv + " (api_key_env) is not set");
    if (!config.privateKeyEnv.empty()) {
        out.privateKeyPem = environment(config.privateKeyEnv);
        if (out.privateKeyPem.empty())
            throw std::runtime_error("environment variable " + config.privateKeyEnv + " (private_key_env) is not set");
        return out;
    }
    std::ifstream in(config.privateKeyFile);
    if (!in) throw std::runtime_error("cannot read private_key_file " + config.privateKeyFile);
    std::ostringstream pem;
    pem << in.rdbuf();
    out.privateKeyPem = pem.str();
    return out;
}

} // namespace immunisation
